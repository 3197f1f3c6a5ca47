/* The real host probe, by the calls QEMU makes. Each prober fills atoms into a set:
 * present, absent (with the kernel's answer) or unknown (with why it could
 * not be asked). Nothing is ever left behind: taps are not persistent,
 * links live in a private network namespace that dies with its process. */
#pragma once

#include <sys/types.h>

#include "catalogue.h"
#include "domain.h"
#include "profile.h"

typedef struct {
    const char *emulator; /* path or name in PATH; NULL: the configured default */
    bool skip_emulator;
    bool no_cache; /* probe now, neither read nor write the cache */
    const char *cache_dir; /* NULL: $ABIPIN_CACHE_DIR, else the built-in one */
    /* the machine types whose defaults the profile must carry, measured
     * (or from the cache): names or aliases the emulator has */
    const char *const *machines;
    size_t n_machines;
    bool all_machines; /* every pc, q35 or virt machine type the emulator has */
    /* called before each measurement (a terminal shows progress) */
    void (*progress)(size_t done, size_t total, const char *machine);
} AbipinProbeOptions;

/* A prober run in a child process: fills @set, or returns < 0 with @failure
 * saying why nothing could be probed. */
typedef int (*AbipinProbeFn)(AbipinAtomSet *set, char *failure, size_t len);
typedef struct {
    int fd;
} AbipinProbeChild;
int abipin_probe_child_start(AbipinProbeFn fn, AbipinProbeChild *ret) _warn_unused_result_;
int abipin_probe_child_finish(AbipinProbeChild *c, AbipinAtomSet *set, char *failure, size_t len)
    _warn_unused_result_;

int abipin_probe_tap(AbipinAtomSet *set, char *failure, size_t len) _warn_unused_result_;
int abipin_probe_macvtap(AbipinAtomSet *set, char *failure, size_t len) _warn_unused_result_;
int abipin_probe_vhost(AbipinAtomSet *set) _warn_unused_result_;
int abipin_probe_bpf(AbipinAtomSet *set) _warn_unused_result_;

/* A vhost-user backend's answers (probe/vhostuser.c) */
typedef struct {
    uint64_t features;          /* VHOST_USER_GET_FEATURES */
    uint64_t protocol_features; /* VHOST_USER_GET_PROTOCOL_FEATURES, when has_protocol */
    bool has_protocol;
} AbipinVhostUserOffer;
long abipin_backend_timeout_ms(void);
int abipin_vhost_user_ask(const char *path, AbipinVhostUserOffer *ret) _warn_unused_result_;
int abipin_probe_vhost_user_backend(AbipinProfile *p, const AbipinCatalogue *cat, const char *name,
                                    const char *socket) _warn_unused_result_;
int abipin_probe_domain_backends(AbipinProfile *p, const AbipinCatalogue *cat,
                                 const AbipinDomain *d) _warn_unused_result_;
/* A vDPA device's answers (probe/vdpa.c), from the kernel's vdpa netlink family */
typedef struct {
    uint64_t features;   /* VDPA_ATTR_DEV_FEATURES: what VHOST_GET_FEATURES gives QEMU */
    bool has_features;
    char mgmtdev[64];    /* its management device ("vdpasim_net", "pci/0000:...") */
    uint32_t virtio_id;  /* 1: a network device */
} AbipinVdpaOffer;
int abipin_vdpa_name_from_node(const char *path, char *name, size_t len) _warn_unused_result_;
int abipin_vdpa_ask(const char *name, AbipinVdpaOffer *ret) _warn_unused_result_;
int abipin_probe_vdpa_backend(AbipinProfile *p, const AbipinCatalogue *cat, const char *name,
                              const char *device) _warn_unused_result_;
int abipin_probe_domain_vdpa(AbipinProfile *p, const AbipinCatalogue *cat, const AbipinDomain *d)
    _warn_unused_result_;
enum {
    ABIPIN_EMULATOR_NONE = 1,   /* not found: a fact of the host */
    ABIPIN_EMULATOR_FAILED = 2, /* found, but a run failed: perhaps for a moment */
};
int abipin_probe_emulator(AbipinProfile *profile, const char *emulator, char *why, size_t why_len)
    _warn_unused_result_;
int abipin_probe_host(const AbipinProbeOptions *opts, AbipinProfile **ret) _warn_unused_result_;

/* shared by the tap and macvtap probers (probe-tap.c) */
extern const char *const abipin_tun_atoms[];
int abipin_probe_tun_fd(int fd, const char *prefix, AbipinAtomSet *set) _warn_unused_result_;
int abipin_probe_mark_all(AbipinAtomSet *set, const char *prefix, const char *const *names,
                          AbipinAtomState state, const char *reason) _warn_unused_result_;
char *abipin_emulator_find(const char *emulator);

/* Every run of the emulator, and a measurement as a whole, ends within
 * this time: 20 s, or $ABIPIN_EMULATOR_TIMEOUT seconds (a loaded host) */
long abipin_timeout_ms_from_env(const char *name, long fallback_ms);
long abipin_emulator_timeout_ms(void);
struct timespec;
long abipin_elapsed_ms(const struct timespec *start);
int abipin_emulator_spawn(const char *emulator, const char *const *argv, int in_fd, int out_fd,
                          int err_fd, pid_t *ret_pid) _warn_unused_result_;
int abipin_probe_machine_defaults(const char *emulator, const char *machine,
                                  const AbipinCatalogue *cat, AbipinDefaultsList *out)
    _warn_unused_result_;
