#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "abi.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

static const char *const off_reason_names[] = {
    [ABIPIN_OFF_NONE] = "offered",
    [ABIPIN_OFF_PINNED] = "pinned-off",
    [ABIPIN_OFF_MACHINE] = "machine-type",
    [ABIPIN_OFF_DEFAULT] = "default-off",
    [ABIPIN_OFF_HOST_LACKS] = "host-lacks",
    [ABIPIN_OFF_NO_VNET_HDR] = "no-vnet-header",
    [ABIPIN_OFF_UNKNOWN] = "unknown",
    [ABIPIN_OFF_NO_PROPERTY] = "no-property",
};

const char *abipin_off_reason_to_string(AbipinOffReason r)
{
    return r < ELEMENTSOF(off_reason_names) ? off_reason_names[r] : NULL;
}

static void bit_set(uint64_t *v, unsigned bit)
{
    v[bit / 64] |= 1ULL << (bit % 64);
}

bool abipin_abi_has(const AbipinAbi *abi, unsigned bit)
{
    return bit < 128 && (abi->offered[bit / 64] >> (bit % 64) & 1);
}

/**
 * abipin_abi_backend_base_bits:
 *
 * The base bits of @abi's vector an external backend of @kind decides
 * (QEMU's vhost-user or vDPA list has them, no catalogue feature does):
 * NOTIFY_ON_EMPTY, ANY_LAYOUT, VERSION_1... A guest may negotiate each, so
 * a destination's backend must offer them as well.
 */
uint64_t abipin_abi_backend_base_bits(const AbipinPinContext *ctx, AbipinBackend kind,
                                      const AbipinAbi *abi)
{
    uint64_t bits = 0;

    for (size_t i = 0; i < ctx->cat->n_base; i++) {
        const AbipinBaseBit *b = &ctx->cat->base[i];

        if (b->bit < 64 && abipin_catalogue_backend_decides_on(ctx->cat, kind, b->bit, ctx->qemu) &&
            abipin_abi_has(abi, b->bit))
            bits |= 1ULL << b->bit;
    }
    return bits;
}

/**
 * abipin_abi_vdpa_device_features:
 * @record: the domain's pin record, or NULL
 * @ret: the value for `vdpa dev add ... device_features`
 *
 * What @abi's interface's vDPA device should be provisioned with so that
 * QEMU offers the guest what the pin asks for, on this host or any other:
 * the device's own features, with each bit of QEMU's vDPA list
 * (vdpa_feature_bits, on this QEMU) as the pin has it. A feature pinned on
 * or off is that; a base bit is on where the device the pin was made
 * against offered it (the record's backend bits); the rest is as this
 * host's QEMU offers it. QEMU clears a listed bit the device lacks and
 * keeps the others, so a device provisioned so gives the guest the pinned
 * vector wherever its management device supports these bits (`vdpa dev
 * add` refuses it where not). False where @abi's interface has no vDPA
 * device whose whole feature word the platform knows.
 */
bool abipin_abi_vdpa_device_features(const AbipinPinContext *ctx, const AbipinPinRecord *record,
                                     const AbipinAbi *abi, uint64_t *ret)
{
    const AbipinExternalBackend *b = abipin_interface_backend(ctx, abi->iface);
    const AbipinPinRecordInterface *ri =
        record ? abipin_record_find_interface(record, abi->iface->alias, abi->iface->mac) : NULL;
    uint64_t listed = 0, wanted = abi->offered[0];

    if (!b || b->kind != ABIPIN_BACKEND_VDPA || !b->has_features)
        return false;
    for (unsigned bit = 0; bit < 64; bit++)
        if (abipin_catalogue_backend_decides_on(ctx->cat, ABIPIN_BACKEND_VDPA, bit, ctx->qemu))
            listed |= 1ULL << bit;
    for (size_t i = 0; i < abi->n_features; i++) {
        const AbipinAbiFeature *f = &abi->features[i];

        if (f->feature->bit >= 64 || f->pinned == ABIPIN_VALUE_ABSENT)
            continue;
        if (f->pinned == ABIPIN_VALUE_ON)
            wanted |= 1ULL << f->feature->bit;
        else
            wanted &= ~(1ULL << f->feature->bit);
    }
    if (ri && ri->backend_name) {
        uint64_t base = 0; /* every listed base bit: the record says which the pin needs */

        for (size_t i = 0; i < ctx->cat->n_base; i++)
            if (ctx->cat->base[i].bit < 64 && listed >> ctx->cat->base[i].bit & 1)
                base |= 1ULL << ctx->cat->base[i].bit;
        wanted = (wanted & ~base) | (ri->backend_bits & base);
    }
    *ret = (b->features & ~listed) | (wanted & listed);
    return true;
}

void abipin_abi_clear(AbipinAbi *abi)
{
    free(abi->features);
    *abi = (AbipinAbi) { 0 };
}

/**
 * abipin_abi_uses_vhost:
 * @driver: the interface's <driver name=>, NULL when libvirt chooses
 *
 * Whether vhost-net carries the interface: tap and macvtap only, where
 * the definition says so, else where the platform has vhost-net (libvirt
 * falls back to userspace silently when it cannot open it).
 */
bool abipin_abi_uses_vhost(const AbipinPinContext *ctx, int backend, const char *driver)
{
    return abipin_backend_is_kernel(backend) &&
           (driver ? streq_ptr(driver, "vhost")
                   : abipin_atom_set_has(ctx->platform->atoms, "vhost.net"));
}

/* The machine type as the catalogue's model reads it: a name upstream does
 * not have ("pc-q35-rhel9.6.0", whose measurement answers first) has no
 * compat entries and behaves like this QEMU's newest */
static AbipinVersion model_version(const AbipinPinContext *ctx, const AbipinMachine *m)
{
    return m->version ? m->version : abipin_version_minor(ctx->qemu);
}

/**
 * abipin_abi_default:
 * @measured: the platform's measured defaults for the interface's model on
 *            @m, NULL where it has none
 *
 * A property's default on the machine type: what the emulator was measured
 * to have, else upstream's (the catalogue's compat table, exact on every
 * QEMU Debian ships). Upstream's is kept beside a measurement: where a
 * build differs from it, the outputs say so.
 */
void abipin_abi_default(const AbipinPinContext *ctx, const AbipinFeature *f,
                        const AbipinMachine *m, const AbipinMachineDefaults *measured,
                        AbipinDefault *ret)
{
    const AbipinDefaultValue *v = abipin_defaults_get(measured, f->name);
    AbipinVersion model = model_version(ctx, m);

    ret->upstream = m->version ? abipin_feature_default(f, m->version, ctx->qemu) : -1;
    ret->measured = v != NULL;
    ret->mixed = v && v->mixed;
    ret->value = v ? v->value : abipin_feature_default(f, model, ctx->qemu);
}

/* A measured default that is not upstream's: a downstream build's own. */
bool abipin_default_differs(const AbipinDefault *d)
{
    return d->measured && d->upstream >= 0 && d->value != (d->upstream > 0);
}

/**
 * abipin_abi_decide_feature:
 * @vhost: vhost-net carries the interface (abipin_abi_uses_vhost)
 * @m: the machine type (abipin_domain_machine)
 * @measured: its measured defaults for the interface's model, or NULL
 * @has_property: the emulator (or the running device) has the property
 * @value: what the definition (or the device) sets
 *
 * One catalogue bit, as virtio_net_get_features decides it: the property
 * (@value, else the machine type's default), then cleared when the
 * backend cannot provide it. A pure function: abi, check, diff, audit,
 * the hook and pin all decide a bit through it.
 */
void abipin_abi_decide_feature(const AbipinPinContext *ctx, const AbipinFeature *f,
                               const AbipinInterface *iface, bool vhost, const AbipinMachine *m,
                               const AbipinMachineDefaults *measured, bool has_property,
                               AbipinValue value, AbipinAbiFeature *out)
{
    *out = (AbipinAbiFeature) { .feature = f, .pinned = value };
    abipin_abi_default(ctx, f, m, measured, &out->dflt);
    if (!has_property) {
        out->why = ABIPIN_OFF_NO_PROPERTY;
        return;
    }
    if (value == ABIPIN_VALUE_OFF) {
        out->why = ABIPIN_OFF_PINNED;
        return;
    }
    if (value == ABIPIN_VALUE_ABSENT && !out->dflt.value) {
        out->why = f->default_on ? ABIPIN_OFF_MACHINE : ABIPIN_OFF_DEFAULT;
        return;
    }
    switch (abipin_interface_feature_support(ctx, f, iface, vhost, &out->atom)) {
    case ABIPIN_SUPPORT_YES:
        out->offered = true;
        break;
    case ABIPIN_SUPPORT_EXTERNAL:
        out->offered = out->external = true;
        break;
    case ABIPIN_SUPPORT_NO:
        out->why = out->atom ? ABIPIN_OFF_HOST_LACKS : ABIPIN_OFF_NO_VNET_HDR;
        break;
    case ABIPIN_SUPPORT_UNKNOWN:
        out->why = ABIPIN_OFF_UNKNOWN;
        break;
    }
}

/* A bit no catalogue property decides: the definition's value of its
 * property where @d has one (<host gso=>, <qemu:override>: pin turns
 * indirect_desc... off there for a backend that lacks them), else its property's measured default
 * where there is one (ctrl_mac_addr, disable-modern...), else the model's
 * machine-type limit. @d NULL: what QEMU does without an override. */
static bool base_bit_offered(const AbipinPinContext *ctx, const AbipinBaseBit *b,
                             const AbipinDomain *d, const AbipinInterface *iface,
                             const AbipinMachine *m, const AbipinMachineDefaults *measured)
{
    const AbipinDefaultValue *v = b->property ? abipin_defaults_get(measured, b->property) : NULL;
    AbipinVersion model = model_version(ctx, m);
    AbipinValue o = d && b->property ? abipin_domain_read_base(d, iface, iface->alias, b->property)
                                     : ABIPIN_VALUE_ABSENT;

    if (!abipin_version_in_range(ctx->qemu, b->qemu_min, b->qemu_max) ||
        (b->multiqueue && iface->queues < 2))
        return false;
    if (o != ABIPIN_VALUE_ABSENT)
        return (o == ABIPIN_VALUE_ON) != b->inverted;
    if (v)
        return v->value != b->inverted;
    return !(b->machine_min && model < b->machine_min &&
             !(b->transitional_keeps && strcmp(iface->model, "virtio") != 0));
}

/* @configured: a running device's property values (ABSENT: it has no such
 * property), or NULL to read the definition's */
static int abi_compute(const AbipinPinContext *ctx, const AbipinDomain *d,
                       const AbipinInterface *iface, const AbipinValue *configured,
                       AbipinAbi *ret)
{
    AbipinAbi abi = { .iface = iface };
    AbipinValue values[ABIPIN_MAX_FEATURES];
    const AbipinMachineDefaults *measured;
    int r;

    if ((r = abipin_domain_machine(ctx, d, &abi.machine)) < 0 ||
        (!configured &&
         (r = abipin_domain_read_values(d, iface, iface->alias, ctx->cat, values)) < 0))
        return r;
    measured = abipin_machine_defaults(ctx, &abi.machine, iface);
    abi.vhost = abipin_abi_uses_vhost(ctx, iface->backend, iface->driver);
    abi.features = abipin_new0(AbipinAbiFeature, ctx->cat->n_features + 1);
    for (size_t i = 0; i < ctx->cat->n_features; i++) {
        const AbipinFeature *f = &ctx->cat->features[i];
        bool has_property = configured ? configured[i] != ABIPIN_VALUE_ABSENT
                                       : abipin_emulator_knows(ctx, f);

        abipin_abi_decide_feature(ctx, f, iface, abi.vhost, &abi.machine, measured,
                                  has_property, configured ? configured[i] : values[i],
                                  &abi.features[i]);
        abi.n_features++;
        if (abi.features[i].offered)
            bit_set(abi.offered, f->bit);
        if (abi.features[i].external)
            bit_set(abi.external, f->bit);
    }
    for (size_t i = 0; i < ctx->cat->n_base; i++) {
        const AbipinBaseBit *b = &ctx->cat->base[i];

        if (!base_bit_offered(ctx, b, configured ? NULL : d, iface, &abi.machine, measured) ||
            !abipin_interface_base_offered(ctx, iface, b))
            continue;
        bit_set(abi.offered, b->bit);
        /* an external backend nobody could ask decides it, as the
         * offloads above (unknown, not stated) */
        if (abipin_backend_is_external(iface->backend) && !abipin_interface_backend(ctx, iface) &&
            abipin_catalogue_backend_decides_on(ctx->cat, iface->backend, b->bit, ctx->qemu))
            bit_set(abi.external, b->bit);
    }
    *ret = abi;
    return 0;
}

/**
 * abipin_abi_vector_format:
 * @v: bits 0..63, bits 64..127
 *
 * The whole vector as one hexadecimal number without leading zeros: one
 * vector, one string, so a reader never has to join two halves. The form
 * QEMU prints in its migration error is featmsg.c's.
 */
void abipin_abi_vector_format(const uint64_t v[2], char *buf, size_t len)
{
    if (v[1])
        snprintf(buf, len, "0x%" PRIx64 "%016" PRIx64, v[1], v[0]);
    else
        snprintf(buf, len, "0x%" PRIx64, v[0]);
}

/**
 * abipin_abi_compute:
 *
 * The host features QEMU offers on @iface: the catalogue's bits as
 * decided for this platform, backend, machine type and QEMU version, plus
 * the base bits every host offers. Without <driver name=> the interface
 * uses vhost-net where the platform has it, as libvirt does.
 */
int abipin_abi_compute(const AbipinPinContext *ctx, const AbipinDomain *d,
                       const AbipinInterface *iface, AbipinAbi *ret)
{
    return abi_compute(ctx, d, iface, NULL, ret);
}

/**
 * abipin_abi_compute_device:
 * @d: the running definition (machine type, <driver name=>, queues)
 * @configured: per catalogue feature, the value of the running device's
 *              property (ABSENT: the device has no such property)
 *
 * The same decision for a device that already exists: QEMU applied the
 * machine type's defaults and the definition to its properties, so
 * only what the backend can provide on this platform is left to decide
 * (virtio_net_get_features masks the properties' bits with it).
 */
int abipin_abi_compute_device(const AbipinPinContext *ctx, const AbipinDomain *d,
                              const AbipinInterface *iface, const AbipinValue *configured,
                              AbipinAbi *ret)
{
    return abi_compute(ctx, d, iface, configured, ret);
}

/**
 * abipin_abi_backend_lacking_bits:
 *
 * The base bits QEMU would offer on @iface (its machine type's defaults,
 * whatever the definition overrides) that the interface's vhost-user
 * backend or vDPA device decides and does not offer, and that a device property can turn
 * off (abipin_base_bit_can_pin_off): pin turns them off through
 * <qemu:override>, so that no backend decides them. A backend whose offer
 * is unknown (its socket had no listener) lacks them all, as for any bit:
 * pin turns them off rather than guess. 0 where no backend of the
 * platform serves the interface.
 */
int abipin_abi_backend_lacking_bits(const AbipinPinContext *ctx, const AbipinDomain *d,
                                    const AbipinInterface *iface, uint64_t *ret)
{
    const AbipinMachineDefaults *measured;
    AbipinMachine m;
    uint64_t bits = 0;
    int r;

    if ((r = abipin_domain_machine(ctx, d, &m)) < 0)
        return r;
    measured = abipin_machine_defaults(ctx, &m, iface);
    for (size_t i = 0; abipin_interface_backend(ctx, iface) && i < ctx->cat->n_base; i++) {
        const AbipinBaseBit *b = &ctx->cat->base[i];
        char atom[128];

        /* the emulator must have the property, or QEMU refuses to start */
        if (!abipin_base_bit_can_pin_off(b))
            continue;
        snprintf(atom, sizeof(atom), ABIPIN_ATOM_QEMU_PROP "%s", b->property);
        if (abipin_atom_set_has(ctx->platform->atoms, atom) &&
            base_bit_offered(ctx, b, NULL, iface, &m, measured) &&
            !abipin_interface_base_offered(ctx, iface, b))
            bits |= 1ULL << b->bit;
    }
    *ret = bits;
    return 0;
}

/**
 * abipin_abi_compute_all:
 *
 * The ABI of every virtio interface of @d (abi, diff). The machine type is
 * part of the answer, so a definition without one is an INPUT error even
 * when it has no virtio interface (as for pin).
 */
int abipin_abi_compute_all(const AbipinPinContext *ctx, const AbipinDomain *d, AbipinAbi **ret,
                           size_t *ret_n)
{
    AbipinAbi *all;
    AbipinMachine machine;
    size_t n = 0;
    int r;

    if ((r = abipin_domain_machine(ctx, d, &machine)) < 0)
        return r;
    all = abipin_new0(AbipinAbi, d->n_ifaces + 1);
    for (size_t i = 0; i < d->n_ifaces && r >= 0; i++)
        if (abipin_interface_pinnable(&d->ifaces[i]) &&
            (r = abipin_abi_compute(ctx, d, &d->ifaces[i], &all[n])) >= 0)
            n++;
    if (r < 0) {
        abipin_abi_free_all(all, n);
        return r;
    }
    *ret = all;
    *ret_n = n;
    return 0;
}

void abipin_abi_free_all(AbipinAbi *all, size_t n)
{
    for (size_t i = 0; i < n; i++)
        abipin_abi_clear(&all[i]);
    free(all);
}

/**
 * abipin_abi_why_not:
 * @side: who @abi is, for the sentence: "B", "this host"
 *
 * Why @abi does not offer @bit, in words (diff, explain): pinned off, the
 * machine type's default in this build (named as a downstream's own where
 * it was measured unlike upstream's), the atom the platform lacks, the
 * backend. For a base bit (no catalogue feature), the external backend's
 * atom where it lacks the bit; else NULL.
 */
const char *abipin_abi_why_not(const AbipinPinContext *ctx, const AbipinAbi *abi, unsigned bit,
                               const char *side, char *buf, size_t len)
{
    const AbipinFeature *f = abipin_catalogue_find_bit(ctx->cat, bit);
    const AbipinExternalBackend *b;
    const AbipinAbiFeature *a;
    const char *m = abi->machine.name;
    char atom[512], name[ABIPIN_BACKEND_ATOM_MAX];

    if (abipin_abi_has(abi, bit))
        return NULL;
    if (!f) {
        const AbipinAtom *at;

        if (!(b = abipin_interface_backend(ctx, abi->iface)) ||
            !abipin_catalogue_backend_decides(ctx->cat, b->kind, bit))
            return NULL;
        abipin_backend_atom(b, bit, name, sizeof(name));
        at = abipin_atom_set_get(ctx->platform->atoms, name);
        if (at && at->state == ABIPIN_ATOM_PRESENT)
            return NULL; /* the definition turns it off, not the backend */
        snprintf(buf, len, _("%1$s %2$s"), side,
                 abipin_pin_describe_atom(ctx, name, atom, sizeof(atom)));
        return buf;
    }
    a = &abi->features[f - ctx->cat->features];
    switch (a->why) {
    case ABIPIN_OFF_PINNED:
        snprintf(buf, len, _("%1$s pins %2$s off"), side, f->name);
        break;
    case ABIPIN_OFF_MACHINE:
    case ABIPIN_OFF_DEFAULT:
        if (a->dflt.mixed)
            snprintf(buf, len, _("%1$s's hosts disagree on %2$s's default on %3$s: their QEMU "
                                 "builds differ (off in the baseline)"),
                     side, f->name, m);
        else if (abipin_default_differs(&a->dflt))
            snprintf(buf, len, _("%1$s's QEMU turns %2$s off by default on %3$s, where upstream's "
                                 "default is on"),
                     side, f->name, m);
        else if (a->dflt.measured)
            snprintf(buf, len, _("%1$s's QEMU has %2$s off by default on %3$s, as measured"), side,
                     f->name, m);
        else
            snprintf(buf, len, _("%1$s's QEMU has %2$s off by default on %3$s, by upstream's "
                                 "compat tables"),
                     side, f->name, m);
        break;
    case ABIPIN_OFF_HOST_LACKS:
    case ABIPIN_OFF_UNKNOWN:
        snprintf(buf, len, _("%1$s %2$s"), side,
                 abipin_pin_describe_atom(ctx, a->atom, atom, sizeof(atom)));
        break;
    case ABIPIN_OFF_NO_VNET_HDR:
        if (abipin_backend_is_external(abi->iface->backend))
            snprintf(buf, len, _("%1$s's backend is %2$s, which QEMU never gives it"), side,
                     abipin_backend_to_string(abi->iface->backend));
        else
            snprintf(buf, len, _("%1$s's backend has no virtio-net header"), side);
        break;
    case ABIPIN_OFF_NO_PROPERTY:
        snprintf(buf, len, _("%1$s's QEMU has no property %2$s"), side, f->name);
        break;
    default:
        return NULL;
    }
    return buf;
}
