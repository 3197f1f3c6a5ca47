#include <config.h>

#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include <linux/bpf.h>

#include "probe/probe.h"
#include "util/error.h"
#include "util/i18n.h"

/**
 * abipin_probe_bpf:
 *
 * Whether an eBPF socket filter program can be loaded: the program type
 * QEMU's RSS steering program has (ebpf/rss.bpf.c, attached with
 * TUNSETSTEERINGEBPF). The program loaded here is "r0 = 0; exit" and is
 * closed at once. EPERM means this process may not load programs, which
 * says nothing about the host: unknown.
 */
int abipin_probe_bpf(AbipinAtomSet *set)
{
    struct bpf_insn insns[] = {
        { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
        { .code = BPF_JMP | BPF_EXIT },
    };
    union bpf_attr attr;
    char reason[256];
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insns = (uintptr_t) insns;
    attr.insn_cnt = ELEMENTSOF(insns);
    attr.license = (uintptr_t) "GPL";
    fd = (int) syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
    if (fd >= 0) {
        close(fd);
        return abipin_atom_set_put(set, "ebpf.rss", ABIPIN_ATOM_PRESENT, NULL);
    }
    snprintf(reason, sizeof(reason), "BPF_PROG_LOAD(BPF_PROG_TYPE_SOCKET_FILTER): %s",
             strerror(errno));
    return abipin_atom_set_put(set, "ebpf.rss",
                               errno == ENOSYS || errno == EINVAL ? ABIPIN_ATOM_ABSENT
                                                                  : ABIPIN_ATOM_UNKNOWN,
                               reason);
}
