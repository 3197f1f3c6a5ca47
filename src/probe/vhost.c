#include <config.h>

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vhost.h>

#include "probe/probe.h"
#include "util/error.h"
#include "util/i18n.h"

/* Linux 6.17: features beyond bit 63 (UDP tunnel GSO). The kernel's
 * struct vhost_features_array (include/uapi/linux/vhost_types.h) is a count
 * followed by a flexible array, so the ioctl number encodes 8 bytes
 * (0x8008af83); the caller's buffer holds `count` words after the count.
 * Older headers lack both: define them with the kernel's own layout. */
#ifndef VHOST_GET_FEATURES_ARRAY
struct vhost_features_array {
    uint64_t count;
    uint64_t features[];
};
# define VHOST_GET_FEATURES_ARRAY _IOR(VHOST_VIRTIO, 0x83, struct vhost_features_array)
#endif
_Static_assert(sizeof(struct vhost_features_array) == sizeof(uint64_t),
               "struct vhost_features_array is a count and a flexible array");

/* Words of features asked for: abipin models 128 bits, as QEMU does. */
#define VHOST_FEATURE_WORDS 2

static int vhost_put_bits(AbipinAtomSet *set, const uint64_t *words, size_t n_words)
{
    for (size_t w = 0; w < n_words; w++)
        for (unsigned b = 0; b < 64; b++) {
            int r;

            if (!(words[w] & (1ULL << b)))
                continue;
            r = abipin_atom_set_putf_state(set, ABIPIN_ATOM_PRESENT, NULL, "vhost.bit.%zu",
                                           w * 64 + b);
            if (r < 0)
                return r;
        }
    return 0;
}

/**
 * abipin_probe_vhost:
 *
 * Open /dev/vhost-net as libvirt does and ask VHOST_GET_FEATURES (and the
 * array form for bits >= 64, as QEMU 10.2 does). A missing device node
 * makes vhost.net absent: libvirt cannot use vhost there either. An
 * unopenable one (EACCES) leaves it unknown. Offered bits become
 * vhost.bit.N atoms; bits not offered are simply not present.
 */
int abipin_probe_vhost(AbipinAtomSet *set)
{
    _cleanup_close_ int fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
    union {
        struct vhost_features_array arr;
        uint64_t words[1 + VHOST_FEATURE_WORDS];
    } buf = { .arr.count = VHOST_FEATURE_WORDS };
    uint64_t features;
    char reason[256];
    int r;

    if (fd < 0) {
        int err = errno;

        snprintf(reason, sizeof(reason), "cannot open /dev/vhost-net: %s", strerror(err));
        return abipin_atom_set_put(set, "vhost.net",
                                   err == ENOENT || err == ENODEV || err == ENXIO
                                       ? ABIPIN_ATOM_ABSENT : ABIPIN_ATOM_UNKNOWN,
                                   reason);
    }
    /* The kernel fills min(count, its own words) and zeroes the rest. In
     * Linux 6.17 that zeroing started at the first word, over the features
     * just copied (a later fix: "vhost/net: fix clear_user start address in
     * VHOST_GET_FEATURES_ARRAY"); asking for exactly 2 words, as many as
     * every kernel with the ioctl has, leaves nothing to zero. Measured: on
     * Debian's 7.2.13 this returns bits 65 and 67 (tests/platform-kernels.sh). */
    if (ioctl(fd, VHOST_GET_FEATURES_ARRAY, &buf) == 0) {
        r = abipin_atom_set_put(set, "vhost.net", ABIPIN_ATOM_PRESENT, NULL);
        return r < 0 ? r : vhost_put_bits(set, buf.arr.features, VHOST_FEATURE_WORDS);
    }
    if (ioctl(fd, VHOST_GET_FEATURES, &features) < 0) {
        snprintf(reason, sizeof(reason), "VHOST_GET_FEATURES: %s", strerror(errno));
        return abipin_atom_set_put(set, "vhost.net", ABIPIN_ATOM_UNKNOWN, reason);
    }
    r = abipin_atom_set_put(set, "vhost.net", ABIPIN_ATOM_PRESENT, NULL);
    return r < 0 ? r : vhost_put_bits(set, &features, 1);
}
