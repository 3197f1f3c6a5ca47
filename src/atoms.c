#include <config.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atoms.h"
#include "backend.h"
#include "util/alloc.h"
#include "util/i18n.h"

/* The words of the profile format; N_(): text output shows them translated
 * with _(abipin_atom_state_to_string(s)). */
static const char *const atom_state_names[_ABIPIN_ATOM_STATE_MAX] = {
    [ABIPIN_ATOM_PRESENT] = N_("present"),
    [ABIPIN_ATOM_ABSENT] = N_("absent"),
    [ABIPIN_ATOM_UNKNOWN] = N_("unknown"),
};

const char *abipin_atom_state_to_string(AbipinAtomState s)
{
    return s < _ABIPIN_ATOM_STATE_MAX ? atom_state_names[s] : NULL;
}

int abipin_atom_state_from_string(const char *s)
{
    for (size_t i = 0; i < ELEMENTSOF(atom_state_names); i++)
        if (s && strcmp(s, atom_state_names[i]) == 0)
            return (int) i;
    return -EINVAL;
}

/* The atom vocabulary. A name ending in '.' is a family: the rest of the
 * atom's name is a parameter (a bit number, a property, a machine type)
 * and %1$s in the texts stands for it. The probe produces exactly these
 * names; the catalogue may only use these names (tests check both). */
typedef struct {
    const char *name;
    const char *device;  /* %1$s of a non-family atom's texts */
    const char *present; /* what the atom says */
    const char *missing; /* what its absence means for a guest, with the usual cause */
} AtomInfo;

/* @tnl, @tnl_csum: why UDP-tunnel GSO is missing, which differs: tun has it
 * from Linux 6.17, macvtap (drivers/net/tap.c) on no kernel (measured up to
 * Debian's 7.2, see data/platforms/linux-6.17.xml). */
#define TAP_ATOMS(pfx, dev, tnl, tnl_csum)                                                       \
    { pfx "vnet_hdr", dev, N_("%1$s supports IFF_VNET_HDR"),                                     \
      N_("no IFF_VNET_HDR on %1$s: QEMU clears every offload bit") },                            \
    { pfx "vnet_hdr_sz", dev, N_("%1$s accepts TUNSETVNETHDRSZ"),                                \
      N_("no TUNSETVNETHDRSZ on %1$s: the 12-byte virtio 1.0 header cannot be used") },          \
    { pfx "csum", dev, N_("%1$s accepts TUN_F_CSUM"), N_("no TUN_F_CSUM on %1$s") },             \
    { pfx "tso4", dev, N_("%1$s accepts TUN_F_CSUM|TUN_F_TSO4"), N_("no TUN_F_TSO4 on %1$s") },  \
    { pfx "tso6", dev, N_("%1$s accepts TUN_F_CSUM|TUN_F_TSO6"), N_("no TUN_F_TSO6 on %1$s") },  \
    { pfx "tso_ecn", dev, N_("%1$s accepts TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO_ECN"),                \
      N_("no TUN_F_TSO_ECN on %1$s") },                                                          \
    { pfx "ufo", dev, N_("%1$s accepts TUN_F_CSUM|TUN_F_UFO"),                                   \
      N_("no TUN_F_UFO on %1$s: Linux 4.14.0/4.14.1 rejected UFO") },                            \
    { pfx "uso4", dev, N_("%1$s accepts TUN_F_CSUM|TUN_F_USO4|TUN_F_USO6"),                      \
      N_("no TUN_F_USO4 on %1$s: Linux < 6.2") },                                                \
    { pfx "uso6", dev, N_("%1$s accepts TUN_F_CSUM|TUN_F_USO4|TUN_F_USO6"),                      \
      N_("no TUN_F_USO6 on %1$s: Linux < 6.2") },                                                \
    { pfx "udp_tunnel_gso", dev, N_("%1$s accepts TUN_F_CSUM|TUN_F_TSO4|TUN_F_UDP_TUNNEL_GSO"), \
      tnl },                                                                                     \
    { pfx "udp_tunnel_gso_csum", dev,                                                            \
      N_("%1$s accepts TUN_F_UDP_TUNNEL_GSO|TUN_F_UDP_TUNNEL_GSO_CSUM"),                         \
      tnl_csum },                                                                                \
    { pfx "multi_queue", dev, N_("%1$s supports IFF_MULTI_QUEUE"),                               \
      N_("no IFF_MULTI_QUEUE on %1$s: only one queue pair") }

static const AtomInfo atom_table[] = {
    TAP_ATOMS("tap.", "tun", N_("no TUN_F_UDP_TUNNEL_GSO on %1$s: Linux < 6.17"),
              N_("no TUN_F_UDP_TUNNEL_GSO_CSUM on %1$s: Linux < 6.17")),
    { "tap.steering_ebpf", NULL, N_("tun accepts TUNSETSTEERINGEBPF"),
      N_("no TUNSETSTEERINGEBPF: Linux < 4.16, RSS cannot be offloaded with vhost") },
    TAP_ATOMS("macvtap.", "macvtap",
              N_("no TUN_F_UDP_TUNNEL_GSO on %1$s: only tun has it (Linux >= 6.17), no macvtap"),
              N_("no TUN_F_UDP_TUNNEL_GSO_CSUM on %1$s: only tun has it (Linux >= 6.17), no macvtap")),
    { "vhost.net", NULL, N_("/dev/vhost-net is usable"),
      N_("vhost-net is not usable: libvirt silently falls back to QEMU's userspace virtio-net") },
    { "vhost.bit.", NULL, N_("vhost-net offers virtio feature bit %1$s"),
      N_("vhost-net does not offer virtio feature bit %1$s: the kernel's vhost-net is too old") },
    { "ebpf.rss", NULL, N_("an eBPF socket filter program (QEMU's RSS steering) can be loaded"),
      N_("eBPF programs cannot be loaded: no RSS steering with vhost") },
    { ABIPIN_ATOM_QEMU_PROP, NULL, N_("the emulator's virtio-net-pci has the property %1$s"),
      N_("the emulator's virtio-net-pci has no property %1$s: QEMU is too old") },
    { "qemu.machine.", NULL, N_("the emulator has the machine type %1$s"),
      N_("the emulator has no machine type %1$s") },
    /* "vdpa.NAME.bit.N", "vhostuser.NAME.bit.N": %1$s is NAME, %2$s the bit
     * (atom_format) */
    { ABIPIN_ATOM_VDPA, NULL, N_("vDPA device %1$s offers virtio feature bit %2$s"),
      N_("vDPA device %1$s does not offer virtio feature bit %2$s") },
    { ABIPIN_ATOM_VHOST_USER, NULL, N_("vhost-user backend %1$s offers virtio feature bit %2$s"),
      N_("vhost-user backend %1$s does not offer virtio feature bit %2$s") },
};

static const AtomInfo *atom_lookup(const char *name, const char **ret_param)
{
    for (size_t i = 0; i < ELEMENTSOF(atom_table); i++) {
        const char *n = atom_table[i].name;
        size_t len;

        /* Most entries differ in the first letter: a profile has hundreds
         * of atoms, and this runs for each. */
        if (n[0] != name[0])
            continue;
        len = strlen(n);
        if (n[len - 1] == '.') {
            if (strncmp(name, n, len) == 0 && name[len]) {
                *ret_param = name + len;
                return &atom_table[i];
            }
        } else if (strcmp(name, n) == 0) {
            *ret_param = NULL;
            return &atom_table[i];
        }
    }
    return NULL;
}

static bool atom_param_is_valid(const AtomInfo *info, const char *param)
{
    if (!param)
        return true;
    if (strcmp(info->name, "vhost.bit.") == 0) {
        char *end;
        unsigned long bit = strtoul(param, &end, 10);

        return isdigit((unsigned char) *param) && !*end && bit < 128 &&
               !(param[0] == '0' && param[1]);
    }
    for (const char *p = param; *p; p++)
        if (!isalnum((unsigned char) *p) && !strchr("-_.", *p))
            return false;
    return true;
}

bool abipin_atom_is_known(const char *name)
{
    char backend[ABIPIN_BACKEND_NAME_MAX + 1];
    const char *param;
    const AtomInfo *info = atom_lookup(name, &param);
    unsigned bit;

    if (info && abipin_backend_atom_is_external(info->name))
        return abipin_backend_atom_parse(name, NULL, backend, sizeof(backend), &bit);
    return info && atom_param_is_valid(info, param);
}

bool abipin_atom_is_emulator(const char *name)
{
    return strncmp(name, ABIPIN_EMULATOR_ATOM_PREFIX, strlen(ABIPIN_EMULATOR_ATOM_PREFIX)) == 0;
}

static const char *atom_format(const char *name, const AtomInfo *info, const char *text,
                               const char *param, char *buf, size_t len)
{
    char backend[ABIPIN_BACKEND_NAME_MAX + 1], bit[12];
    bool two = info && abipin_backend_atom_is_external(info->name);
    unsigned b;

    /* "vhostuser.NAME.bit.N" and "vdpa.NAME.bit.N", the families with two
     * parameters */
    if (!info || !text ||
        (two && !abipin_backend_atom_parse(name, NULL, backend, sizeof(backend), &b))) {
        snprintf(buf, len, "%s", name);
        return buf;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    if (two) {
        snprintf(bit, sizeof(bit), "%u", b);
        snprintf(buf, len, _(text), backend, bit);
    } else {
        snprintf(buf, len, _(text), param ? param : info->device ? info->device : "");
    }
#pragma GCC diagnostic pop
    return buf;
}

/**
 * abipin_atom_describe_missing:
 * @buf: storage for the text, returned
 *
 * What the absence of @name means, in words, e.g. "no TUN_F_USO4 on tun:
 * Linux < 6.2". Unknown names are returned as they are.
 */
const char *abipin_atom_describe_missing(const char *name, char *buf, size_t len)
{
    const char *param = NULL;
    const AtomInfo *info = atom_lookup(name, &param);

    return atom_format(name, info, info ? info->missing : NULL, param, buf, len);
}

const char *abipin_atom_describe(const char *name, char *buf, size_t len)
{
    const char *param = NULL;
    const AtomInfo *info = atom_lookup(name, &param);

    return atom_format(name, info, info ? info->present : NULL, param, buf, len);
}

AbipinAtomSet *abipin_atom_set_new(void)
{
    return abipin_new0(AbipinAtomSet, 1);
}

void abipin_atom_set_free(AbipinAtomSet *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i].name);
        free(set->items[i].reason);
    }
    free(set->items);
    free(set);
}

/* Binary search; returns the index of @name or where it would go. Sets are
 * mostly built from sorted documents (abipin writes atoms sorted), so a name
 * after the last one is answered without a search. */
static size_t atom_set_find(const AbipinAtomSet *set, const char *name, bool *found)
{
    size_t lo = 0, hi = set->n;

    *found = false;
    if (hi == 0 || strcmp(set->items[hi - 1].name, name) < 0)
        return hi;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(set->items[mid].name, name);

        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Add or replace; cannot fail: running out of memory aborts (util/alloc.h). */
static void atom_set_store(AbipinAtomSet *set, const char *name, AbipinAtomState state,
                           const char *reason)
{
    char *r = abipin_strdup(reason); /* first: @reason may be the entry's own */
    bool found;
    size_t i = atom_set_find(set, name, &found);

    if (found) {
        free(set->items[i].reason);
        set->items[i].state = state;
        set->items[i].reason = r;
        return;
    }
    if (set->n == set->alloc) {
        set->alloc = set->alloc ? set->alloc * 2 : 32;
        abipin_array_resize(set->items, set->alloc);
    }
    memmove(set->items + i + 1, set->items + i, (set->n - i) * sizeof(*set->items));
    set->items[i] = (AbipinAtom) { .name = abipin_strdup(name), .state = state, .reason = r };
    set->n++;
}

/**
 * abipin_atom_set_put:
 *
 * Add @name with @state, or replace the state of an existing entry.
 *
 * Returns: 0; it cannot fail. The int keeps the shape its callers (the
 * probers, the profile reader) use for every step that can.
 */
int abipin_atom_set_put(AbipinAtomSet *set, const char *name, AbipinAtomState state,
                        const char *reason)
{
    atom_set_store(set, name, state, reason);
    return 0;
}

/**
 * abipin_atom_set_remove_prefix:
 *
 * Remove every atom whose name starts with @prefix (one family of facts,
 * such as the emulator's "qemu." atoms, replaced as a whole).
 */
void abipin_atom_set_remove_prefix(AbipinAtomSet *set, const char *prefix)
{
    size_t len = strlen(prefix), kept = 0;

    for (size_t i = 0; i < set->n; i++) {
        if (strncmp(set->items[i].name, prefix, len) == 0) {
            free(set->items[i].name);
            free(set->items[i].reason);
            continue;
        }
        set->items[kept++] = set->items[i];
    }
    set->n = kept;
}

int abipin_atom_set_putf_state(AbipinAtomSet *set, AbipinAtomState state, const char *reason,
                               const char *fmt, ...)
{
    char name[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    return abipin_atom_set_put(set, name, state, reason);
}

const AbipinAtom *abipin_atom_set_get(const AbipinAtomSet *set, const char *name)
{
    bool found;
    size_t i = atom_set_find(set, name, &found);

    return found ? &set->items[i] : NULL;
}

/* True only when the atom is known to be present: unknown is not present. */
bool abipin_atom_set_has(const AbipinAtomSet *set, const char *name)
{
    const AbipinAtom *a = abipin_atom_set_get(set, name);

    return a && a->state == ABIPIN_ATOM_PRESENT;
}

size_t abipin_atom_set_count(const AbipinAtomSet *set, AbipinAtomState state)
{
    size_t n = 0;

    for (size_t i = 0; i < set->n; i++)
        n += set->items[i].state == state;
    return n;
}

/**
 * abipin_atom_set_intersect:
 * @acc: accumulated set, changed in place
 * @other: the next host's set
 * @other_name: that host's name, for reasons
 *
 * AND-merge (a cluster baseline): an atom stays present only if every host
 * has it. An atom absent anywhere is absent; one unknown somewhere (and
 * absent nowhere) is unknown, with the host that could not tell as reason.
 * The reasons are data, never translated.
 *
 * Returns: 0; it cannot fail.
 */
int abipin_atom_set_intersect(AbipinAtomSet *acc, const AbipinAtomSet *other,
                              const char *other_name)
{
    char why[512];
    size_t j = 0, only_other = 0;

    /* Both sets are sorted: one walk over the two instead of a search per atom. */
    for (size_t i = 0; i < acc->n; i++) {
        AbipinAtom *a = &acc->items[i];
        AbipinAtomState bs = ABIPIN_ATOM_ABSENT;
        int c = 1;

        for (; j < other->n && (c = strcmp(other->items[j].name, a->name)) < 0; j++)
            only_other++;
        if (c == 0)
            bs = other->items[j++].state;
        if (bs == ABIPIN_ATOM_PRESENT || a->state == ABIPIN_ATOM_ABSENT)
            continue;
        if (bs == ABIPIN_ATOM_UNKNOWN && a->state == ABIPIN_ATOM_UNKNOWN)
            continue;
        /* data (a baseline's reason): never translated */
        snprintf(why, sizeof(why), "%s on %s", abipin_atom_state_to_string(bs), other_name);
        free(a->reason);
        a->reason = abipin_strdup(why);
        a->state = bs;
    }
    if (only_other + (other->n - j) == 0)
        return 0;
    /* Atoms only @other knows of are absent from the baseline. */
    for (size_t k = 0; k < other->n; k++) {
        const AbipinAtom *b = &other->items[k];

        if (abipin_atom_set_get(acc, b->name))
            continue;
        /* data (a baseline's reason) as above: never _(), or a baseline
         * made under LANGUAGE=de would differ from one made under C */
        snprintf(why, sizeof(why), "only %s has it", other_name);
        atom_set_store(acc, b->name, ABIPIN_ATOM_ABSENT,
                       b->state == ABIPIN_ATOM_PRESENT ? why : b->reason);
    }
    return 0;
}

/**
 * abipin_atom_set_missing:
 * @need: atoms required (only present ones count)
 * @have: what the host offers
 * @ret_missing: the atoms of @need that @have lacks, with @have's state
 *
 * The subset test. Returns the number of missing atoms.
 */
int abipin_atom_set_missing(const AbipinAtomSet *need, const AbipinAtomSet *have,
                            AbipinAtomSet **ret_missing)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *missing = abipin_atom_set_new();
    int r;

    for (size_t i = 0; i < need->n; i++) {
        const AbipinAtom *a = &need->items[i];
        const AbipinAtom *b;

        if (a->state != ABIPIN_ATOM_PRESENT || abipin_atom_set_has(have, a->name))
            continue;
        b = abipin_atom_set_get(have, a->name);
        atom_set_store(missing, a->name, b ? b->state : ABIPIN_ATOM_ABSENT,
                       b ? b->reason : NULL);
    }
    r = (int) missing->n;
    *ret_missing = TAKE_PTR(missing);
    return r;
}
