#include <config.h>

#include <ctype.h>
#include <string.h>

#include "version.h"

/**
 * abipin_version_parse:
 * @s: "MAJOR.MINOR" or "MAJOR.MINOR.MICRO", nothing else
 *
 * Returns 0, or -EINVAL (no message: callers know what the string was).
 */
int abipin_version_parse(const char *s, AbipinVersion *ret)
{
    unsigned long part[3] = { 0, 0, 0 };
    unsigned n = 0;
    const char *p = s;

    if (!s)
        return -EINVAL;
    for (;;) {
        char *end;

        if (!isdigit((unsigned char) *p) || n == 3)
            return -EINVAL;
        part[n++] = strtoul(p, &end, 10);
        if (part[n - 1] > 999)
            return -EINVAL;
        p = end;
        if (*p == '\0')
            break;
        if (*p != '.')
            return -EINVAL;
        p++;
    }
    if (n < 2 || ABIPIN_VERSION(part[0], part[1], part[2]) == 0)
        return -EINVAL;
    *ret = ABIPIN_VERSION(part[0], part[1], part[2]);
    return 0;
}

/**
 * abipin_version_from_machine:
 * @machine: a versioned machine type: "pc-q35-8.1", "pc-i440fx-10.0", "virt-9.2"
 *
 * The version QEMU's compat tables key on. Unversioned names (aliases like
 * "q35", "microvm", "none") return -EINVAL: resolve aliases first.
 */
int abipin_version_from_machine(const char *machine, AbipinVersion *ret)
{
    const char *dash = strrchr(machine, '-');

    if (!dash)
        return -EINVAL;
    return abipin_version_parse(dash + 1, ret);
}
