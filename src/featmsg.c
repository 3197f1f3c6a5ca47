#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "featmsg.h"

#define MSG_HEAD "Features 0x"
#define MSG_MID " unsupported. Allowed features: 0x"

/**
 * abipin_featmsg_wide:
 *
 * Does QEMU @qemu print 128-bit vectors? An unknown version (0) is taken
 * as older: that format has been printed since 2015.
 */
bool abipin_featmsg_wide(AbipinVersion qemu)
{
    return abipin_version_minor(qemu) >= ABIPIN_QEMU_FEATURES_128;
}

/**
 * abipin_featmsg_masks_guest:
 *
 * Does the "Features" vector QEMU prints hide the bits it complains about?
 * From 10.2, virtio_set_features_nocheck() stores val & host_features_ex
 * into vdev->guest_features_ex before it returns the failure, and
 * virtio_load() then prints vdev->guest_features_ex: the printed guest
 * vector is always a subset of the allowed one, in both words. Before
 * 10.2 virtio_load printed its local copy, unmasked.
 */
bool abipin_featmsg_masks_guest(bool wide)
{
    return wide;
}

/**
 * abipin_features_hex:
 *
 * @v as QEMU prints it: 32 digits, high word first, when @wide; else the
 * low word without padding ("%" PRIx64).
 */
void abipin_features_hex(const uint64_t v[2], bool wide, char *buf, size_t len)
{
    if (wide)
        snprintf(buf, len, "0x%016" PRIx64 "%016" PRIx64, v[1], v[0]);
    else
        snprintf(buf, len, "0x%" PRIx64, v[0]);
}

/**
 * abipin_featmsg_format:
 *
 * The line QEMU @qemu prints when a guest with features @guest arrives at
 * a device offering @allowed, masking included.
 */
void abipin_featmsg_format(AbipinVersion qemu, const uint64_t guest[2], const uint64_t allowed[2],
                           char *buf, size_t len)
{
    bool wide = abipin_featmsg_wide(qemu);
    uint64_t shown[2] = { guest[0], guest[1] };
    char g[40], a[40];

    if (abipin_featmsg_masks_guest(wide)) {
        shown[0] &= allowed[0];
        shown[1] &= allowed[1];
    }
    abipin_features_hex(shown, wide, g, sizeof(g));
    abipin_features_hex(allowed, wide, a, sizeof(a));
    snprintf(buf, len, MSG_HEAD "%s" MSG_MID "%s", g + 2, a + 2);
}

/* @s: hex digits up to the first non-digit; 1..16 (64-bit format) or
 * exactly 32 (128-bit). Returns the digit count, or -EINVAL. */
static int parse_vector(const char *s, uint64_t v[2], const char **ret_end)
{
    size_t n = strspn(s, "0123456789abcdefABCDEF");
    char word[17];

    if (n == 0 || (n > 16 && n != 32))
        return -EINVAL;
    v[0] = v[1] = 0;
    if (n == 32) {
        memcpy(word, s, 16);
        word[16] = '\0';
        v[1] = strtoull(word, NULL, 16);
        memcpy(word, s + 16, 16);
    } else {
        memcpy(word, s, n);
        word[n] = '\0';
    }
    v[0] = strtoull(word, NULL, 16);
    *ret_end = s + n;
    return (int) n;
}

/**
 * abipin_featmsg_parse:
 *
 * Find QEMU's message anywhere in @line (after a timestamp, "kvm: ",
 * "qemu-system-x86_64: " or any other prefix). Returns 1 and fills @ret,
 * 0 when the line has none, -EINVAL when it has one whose vectors are
 * neither format, or the two vectors are of different formats.
 */
int abipin_featmsg_parse(const char *line, AbipinFeatureMsg *ret)
{
    const char *p = strstr(line, MSG_HEAD), *end;
    AbipinFeatureMsg m = { 0 };
    int ng, na;

    if (!p || !strstr(p, MSG_MID))
        return 0;
    if ((ng = parse_vector(p + strlen(MSG_HEAD), m.guest, &end)) < 0 ||
        strncmp(end, MSG_MID, strlen(MSG_MID)) != 0 ||
        (na = parse_vector(end + strlen(MSG_MID), m.allowed, &end)) < 0 ||
        (ng == 32) != (na == 32) || isxdigit((unsigned char) *end))
        return -EINVAL;
    m.wide = ng == 32;
    *ret = m;
    return 1;
}
