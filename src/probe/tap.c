#include <config.h>

#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>

#include "probe/tun.h"
#include "probe/probe.h"
#include "util/error.h"
#include "util/i18n.h"

/* The atoms a tun or macvtap fd answers for, without prefix. */
const char *const abipin_tun_atoms[] = {
    "vnet_hdr", "vnet_hdr_sz", "csum", "tso4", "tso6", "tso_ecn", "ufo", "uso4", "uso6",
    "udp_tunnel_gso", "udp_tunnel_gso_csum", "multi_queue", NULL,
};

/* One TUNSETOFFLOAD combination and the atoms it decides. The flag sets
 * are QEMU's own (net/tap-linux.c): UFO is probed as CSUM|UFO, USO as
 * CSUM|USO4|USO6 (the kernel enables USO only with both bits), tunnel GSO
 * as CSUM|TSO4|UDP_TUNNEL_GSO. */
static const struct {
    unsigned flags;
    const char *text;
    const char *atoms[2];
} offload_probes[] = {
    { TUN_F_CSUM, "TUN_F_CSUM", { "csum" } },
    { TUN_F_CSUM | TUN_F_TSO4, "TUN_F_CSUM|TUN_F_TSO4", { "tso4" } },
    { TUN_F_CSUM | TUN_F_TSO6, "TUN_F_CSUM|TUN_F_TSO6", { "tso6" } },
    { TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN, "TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO_ECN", { "tso_ecn" } },
    { TUN_F_CSUM | TUN_F_UFO, "TUN_F_CSUM|TUN_F_UFO", { "ufo" } },
    { TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6, "TUN_F_CSUM|TUN_F_USO4|TUN_F_USO6", { "uso4", "uso6" } },
    { TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UDP_TUNNEL_GSO, "TUN_F_CSUM|TUN_F_TSO4|TUN_F_UDP_TUNNEL_GSO",
      { "udp_tunnel_gso" } },
    { TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UDP_TUNNEL_GSO | TUN_F_UDP_TUNNEL_GSO_CSUM,
      "TUN_F_CSUM|TUN_F_TSO4|TUN_F_UDP_TUNNEL_GSO|TUN_F_UDP_TUNNEL_GSO_CSUM",
      { "udp_tunnel_gso_csum" } },
};

int abipin_probe_mark_all(AbipinAtomSet *set, const char *prefix, const char *const *names,
                          AbipinAtomState state, const char *reason)
{
    for (size_t i = 0; names[i]; i++) {
        int r = abipin_atom_set_putf_state(set, state, reason, "%s%s", prefix, names[i]);

        if (r < 0)
            return r;
    }
    return 0;
}

/* The kernel's answer decides present/absent; an error that is not an
 * answer about the flags (EPERM, EBADFD) leaves the atom unknown. */
static int put_ioctl_result(AbipinAtomSet *set, const char *prefix, const char *atom, int rc,
                            int err, const char *what)
{
    char reason[256];
    AbipinAtomState state;

    if (rc >= 0)
        return abipin_atom_set_putf_state(set, ABIPIN_ATOM_PRESENT, NULL, "%s%s", prefix, atom);
    state = (err == EINVAL || err == ENOTTY || err == EOPNOTSUPP) ? ABIPIN_ATOM_ABSENT
                                                                   : ABIPIN_ATOM_UNKNOWN;
    snprintf(reason, sizeof(reason), "%s: %s", what, strerror(err));
    return abipin_atom_set_putf_state(set, state, reason, "%s%s", prefix, atom);
}

/**
 * abipin_probe_tun_fd:
 * @fd: an attached tun or macvtap fd, created with IFF_VNET_HDR if possible
 * @prefix: "tap." or "macvtap."
 *
 * Probe every offload combination on @fd and leave the offloads off again,
 * as QEMU's net_tap_fd_init() does after its own probes.
 */
int abipin_probe_tun_fd(int fd, const char *prefix, AbipinAtomSet *set)
{
    char what[160];
    int hdr = 12; /* sizeof(struct virtio_net_hdr_mrg_rxbuf): what QEMU sets */
    int r;

    for (size_t i = 0; i < ELEMENTSOF(offload_probes); i++) {
        unsigned flags = offload_probes[i].flags;
        int rc = ioctl(fd, TUNSETOFFLOAD, flags);
        int err = errno;

        snprintf(what, sizeof(what), "TUNSETOFFLOAD(%s)", offload_probes[i].text);
        for (size_t j = 0; j < ELEMENTSOF(offload_probes[i].atoms) && offload_probes[i].atoms[j];
             j++) {
            r = put_ioctl_result(set, prefix, offload_probes[i].atoms[j], rc, err, what);
            if (r < 0)
                return r;
        }
    }
    (void) ioctl(fd, TUNSETOFFLOAD, 0);
    r = ioctl(fd, TUNSETVNETHDRSZ, &hdr);
    return put_ioctl_result(set, prefix, "vnet_hdr_sz", r, errno, "TUNSETVNETHDRSZ(12)");
}

static int tap_open(const char *name, short flags, int *ret_fd)
{
    struct ifreq ifr = { .ifr_flags = flags };
    _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return negative_errno();
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    /* Not TUNSETPERSIST: the device disappears when fd is closed. */
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        return negative_errno();
    *ret_fd = TAKE_FD(fd);
    return 0;
}

/**
 * abipin_probe_tap:
 *
 * Create a throw-away tap the way libvirt does for a virtio NIC
 * (IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, and IFF_MULTI_QUEUE), then ask the
 * kernel each question QEMU asks. Needs CAP_NET_ADMIN; without it every tap
 * atom is unknown. Closing the tap is slow (the kernel waits for RCU grace
 * periods): run it with abipin_probe_child_start().
 */
int abipin_probe_tap(AbipinAtomSet *set, char *failure, size_t len)
{
    _cleanup_close_ int ctl = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    _cleanup_close_ int fd = -EBADF;
    char reason[256], name[IFNAMSIZ];
    unsigned features = 0;
    short flags = IFF_TAP | IFF_NO_PI;
    int r;

    (void) failure;
    (void) len;
    if (ctl < 0) {
        snprintf(reason, sizeof(reason), "cannot open /dev/net/tun: %s", strerror(errno));
        r = abipin_probe_mark_all(set, "tap.", abipin_tun_atoms, ABIPIN_ATOM_UNKNOWN, reason);
        return r < 0 ? r : abipin_atom_set_put(set, "tap.steering_ebpf", ABIPIN_ATOM_UNKNOWN, reason);
    }
    if (ioctl(ctl, TUNGETFEATURES, &features) < 0)
        features = IFF_TAP | IFF_NO_PI; /* pre-2.6.27 kernels: no optional flags */
    if (features & IFF_VNET_HDR)
        flags |= IFF_VNET_HDR;
    if (features & IFF_MULTI_QUEUE)
        flags |= IFF_MULTI_QUEUE;
    snprintf(name, sizeof(name), "abipin%d", (int) (getpid() % 100000));
    r = tap_open(name, flags, &fd);
    if (r < 0) {
        snprintf(reason, sizeof(reason), r == -EPERM ? "creating a tap needs CAP_NET_ADMIN: %s"
                                                     : "cannot create a tap: %s",
                 strerror(-r));
        r = abipin_probe_mark_all(set, "tap.", abipin_tun_atoms, ABIPIN_ATOM_UNKNOWN, reason);
        return r < 0 ? r : abipin_atom_set_put(set, "tap.steering_ebpf", ABIPIN_ATOM_UNKNOWN, reason);
    }
    r = abipin_atom_set_put(set, "tap.vnet_hdr",
                            features & IFF_VNET_HDR ? ABIPIN_ATOM_PRESENT : ABIPIN_ATOM_ABSENT,
                            features & IFF_VNET_HDR ? NULL : "TUNGETFEATURES: no IFF_VNET_HDR");
    if (r >= 0)
        r = abipin_atom_set_put(set, "tap.multi_queue",
                                features & IFF_MULTI_QUEUE ? ABIPIN_ATOM_PRESENT : ABIPIN_ATOM_ABSENT,
                                features & IFF_MULTI_QUEUE ? NULL : "TUNGETFEATURES: no IFF_MULTI_QUEUE");
    if (r >= 0)
        r = abipin_probe_tun_fd(fd, "tap.", set);
    if (r >= 0) {
        int prog = -1; /* detach: only asks whether the ioctl exists */
        int rc = ioctl(fd, TUNSETSTEERINGEBPF, &prog);

        r = put_ioctl_result(set, "tap.", "steering_ebpf", rc, errno, "TUNSETSTEERINGEBPF(-1)");
    }
    /* Deliberately left open: the probe process reports and exits, and the
     * kernel removes the tap then. Closing it here would make the report
     * wait for the device's teardown. */
    (void) TAKE_FD(fd);
    return r;
}
