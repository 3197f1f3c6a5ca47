#include <config.h>

#include <string.h>
#include <sys/utsname.h>

#include "arch.h"
#include "util/error.h"
#include "util/i18n.h"

/* The machine types whose virtio-net-pci abipin's catalogue describes. Their
 * feature defaults come from QEMU's generic hw_compat_X_Y tables, which the
 * pc, q35 and arm virt machine types all apply (hw/i386/pc.c pc_compat_*,
 * hw/arm/virt.c virt_machine_*_options); the pc_compat-only entries of the
 * catalogue stop at machine 2.7, older than any virt type QEMU >= 7.2 has
 * (virt-2.6 is the oldest, and hw_compat_2_6 applies to it as to pc). */
static const struct {
    const char *arch;
    const char *const machines[3]; /* a name, or a prefix ending in '-' */
} modelled[] = {
    { "x86_64", { "pc", "q35", "pc-" } },
    { "i686", { "pc", "q35", "pc-" } },
    { "aarch64", { "virt", "virt-", NULL } },
};

static bool machine_matches(const char *machine, const char *pattern)
{
    size_t n = strlen(pattern);

    return pattern[n - 1] == '-' ? strncmp(machine, pattern, n) == 0 && machine[n]
                                 : strcmp(machine, pattern) == 0;
}

/**
 * abipin_domain_arch:
 *
 * The guest architecture: <os><type arch=>, else the emulator's name
 * ("qemu-system-aarch64"), else this host's, as libvirt defaults it.
 */
const char *abipin_domain_arch(const AbipinDomain *d)
{
    static struct utsname host;
    const char *base = d->emulator ? strrchr(d->emulator, '/') : NULL;

    if (d->arch)
        return d->arch;
    base = base ? base + 1 : d->emulator;
    if (base && strncmp(base, "qemu-system-", 12) == 0 && base[12])
        return base + 12;
    if (!host.machine[0] && uname(&host) < 0)
        return "x86_64";
    return host.machine;
}

static bool machine_is_modelled(const char *arch, const char *machine)
{
    for (size_t i = 0; i < ELEMENTSOF(modelled); i++)
        if (strcmp(modelled[i].arch, arch) == 0)
            for (size_t k = 0; k < ELEMENTSOF(modelled[i].machines) && modelled[i].machines[k]; k++)
                if (machine_matches(machine, modelled[i].machines[k]))
                    return true;
    return false;
}

/**
 * abipin_machine_is_modelled:
 *
 * Whether @machine (resolved or an alias) is a pc, q35 or virt machine type
 * on any architecture abipin models: the ones worth measuring.
 */
bool abipin_machine_is_modelled(const char *machine)
{
    for (size_t i = 0; i < ELEMENTSOF(modelled); i++)
        if (machine_is_modelled(modelled[i].arch, machine))
            return true;
    return false;
}

/**
 * abipin_domain_check_modelled:
 *
 * An INPUT error, naming the definition and what abipin does model, for a
 * definition with a virtio interface on a guest abipin has no model of: its
 * feature vector would be a guess. A definition without virtio interfaces
 * is fine whatever its guest (there is nothing to pin). Machine types are
 * compared as written (libvirt keeps an alias only until define).
 */
int abipin_domain_check_modelled(const AbipinDomain *d)
{
    const char *arch = abipin_domain_arch(d);
    char a[ABIPIN_QUOTE_MAX], m[ABIPIN_QUOTE_MAX], t[ABIPIN_QUOTE_MAX];

    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];

        if (!iface->virtio)
            continue;
        if (d->machine && !machine_is_modelled(arch, d->machine))
            return abipin_error_set(ABIPIN_ERR_INPUT, -EOPNOTSUPP,
                                    _("%1$s: %2$s guests on the machine type '%3$s' are not modelled "
                                      "yet: abipin knows virtio-net-pci on x86_64 (pc, q35) and "
                                      "aarch64 (virt) only, and does not guess"),
                                    d->file, abipin_error_quote(arch, a, sizeof(a)),
                                    abipin_error_quote(d->machine, m, sizeof(m)));
        if (iface->address_type && strcmp(iface->address_type, "pci") != 0)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EOPNOTSUPP,
                                    _("%1$s: interface %2$s is on a '%3$s' address: virtio-net on "
                                      "that transport is not modelled yet (abipin knows "
                                      "virtio-net-pci only) and is not guessed"),
                                    d->file, iface->label,
                                    abipin_error_quote(iface->address_type, t, sizeof(t)));
    }
    return 0;
}
