#include <config.h>

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "pin.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

/* ---- refusals: every one is collected, then reported at once ---------------------- */

typedef struct {
    char **lines;
    size_t n;
} Refusals;

_printf_(2, 3) static void refusal_add(Refusals *rs, const char *fmt, ...)
{
    va_list ap;

    abipin_array_resize(rs->lines, rs->n + 1);
    va_start(ap, fmt);
    rs->lines[rs->n++] = abipin_vasprintf(fmt, ap);
    va_end(ap);
}

static void refusals_clear(Refusals *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->lines[i]);
    free(rs->lines);
    *rs = (Refusals) { 0 };
}

/* One REFUSED error that lists them all, one per indented line. */
static int refusals_report(const Refusals *rs, const AbipinDomain *d)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;

    for (size_t i = 0; i < rs->n; i++)
        len += strlen(rs->lines[i]) + 3;
    text = abipin_malloc(len + 1);
    len = 0;
    for (size_t i = 0; i < rs->n; i++)
        len += sprintf(text + len, "%s%s", i ? "\n  " : "", rs->lines[i]);
    return abipin_error_set(ABIPIN_ERR_REFUSED, -EPERM, _("refusing to pin %1$s:\n  %2$s"),
                            d->file, text);
}

/* ---- deciding: the typed domain in, a record and the refusals out --------------- */

typedef struct {
    const AbipinPinContext *ctx;
    const AbipinDomain *d;
    AbipinMachine machine;
    AbipinPinRecord *record; /* the one being built */
    Refusals refusals;
} PinDecision;

/* One interface as the decision sees it: with the alias the pin gives it. */
typedef struct {
    const AbipinInterface *iface;
    const char *alias;
    char label[ABIPIN_INTERFACE_LABEL_MAX];
    const AbipinPinRecordInterface *prev; /* its entry in the previous record */
    AbipinPinRecordInterface *rec;        /* and in the new one */
    bool vhost;                           /* the driver the features are decided for */
    const AbipinMachineDefaults *measured; /* its model's on the machine type, or NULL */
} PinTarget;

/* libvirt silently falls back to userspace when vhost-net cannot be
 * opened, which changes the feature set: the backend choice is decided
 * here, never left to the host. */
static void decide_driver(PinDecision *pd, PinTarget *t)
{
    const AbipinPinContext *ctx = pd->ctx;
    bool has_vhost = abipin_atom_set_has(ctx->platform->atoms, "vhost.net");
    const char *name = t->iface->driver;
    AbipinPinWhy why = ABIPIN_WHY_EXPLICIT;

    t->vhost = streq_ptr(name, "vhost");
    if (!abipin_backend_is_kernel(t->iface->backend))
        return;
    if (name && abipin_record_chose(t->prev, ABIPIN_PIN_ENTRY_DRIVER, NULL, name))
        name = NULL;
    if (name && strcmp(name, "vhost") == 0 && !has_vhost) {
        char why_text[512];

        refusal_add(&pd->refusals,
                    _("%1$s: interface %2$s: <driver name='vhost'> but the platform '%3$s' %4$s; "
                      "use name='qemu' or a host with vhost-net"),
                    pd->d->label, t->label, ctx->platform->name,
                    abipin_pin_describe_atom(ctx, "vhost.net", why_text, sizeof(why_text)));
        return;
    }
    if (!name) {
        name = abipin_abi_uses_vhost(ctx, t->iface->backend, NULL) ? "vhost" : "qemu";
        why = ABIPIN_WHY_PLATFORM;
    }
    t->vhost = strcmp(name, "vhost") == 0;
    abipin_record_add_entry(t->rec, ABIPIN_PIN_ENTRY_DRIVER, NULL, name, why,
                            has_vhost ? NULL : "vhost.net");
}

static AbipinPinEntry *note_feature(PinTarget *t, const AbipinFeature *f, bool on,
                                    AbipinPinWhy why, const char *atom)
{
    return abipin_record_add_entry(t->rec, ABIPIN_PIN_ENTRY_FEATURE, f->name, on ? "on" : "off",
                                   why, atom);
}

/* The default decided it: a measured one that is not upstream's says so in
 * the record (a downstream build's own default, kept for the guest). */
static void note_default(PinTarget *t, const AbipinFeature *f, bool on, AbipinPinWhy why,
                         const AbipinAbiFeature *abi)
{
    AbipinPinEntry *e = note_feature(t, f, on, why, NULL);

    if (abipin_default_differs(&abi->dflt))
        e->upstream = abipin_strdup(abi->dflt.upstream > 0 ? "on" : "off");
}

/* Why nobody could ask the process that decides @iface's bits. */
static const char *external_why(const AbipinInterface *iface)
{
    if (iface->backend == ABIPIN_BACKEND_VDPA)
        return _("no vDPA device of the platform is behind its <source dev>: 'abipin probe --vdpa "
                 "NAME=DEVICE' on the host names one");
    if (iface->backend != ABIPIN_BACKEND_VHOST_USER)
        return _("the external backend process decides");
    if (iface->socket_qemu_listens)
        return _("QEMU is the socket's server (<source mode='server'>): its backend connects "
                 "only to a running QEMU and cannot be asked, and no Open vSwitch port of this "
                 "host's database names the socket; pin against a profile that names that "
                 "backend");
    return _("no backend of the platform serves its socket: 'abipin probe --vhost-user "
             "NAME=SOCKET' on the host names one");
}

/* An explicit value stays; an explicit "on" the platform cannot honour is
 * refused, never flipped. */
static void decide_explicit(PinDecision *pd, PinTarget *t, const AbipinFeature *f,
                            AbipinValue v, const AbipinAbiFeature *abi)
{
    char text[512];

    /* nobody asked the backend that decides it, where one could have been
     * asked: check would refuse it (check_external_feature), so pin does */
    if (v == ABIPIN_VALUE_ON && abi->external &&
        (t->iface->backend == ABIPIN_BACKEND_VDPA ||
         (t->iface->backend == ABIPIN_BACKEND_VHOST_USER && !t->iface->socket_qemu_listens)))
        refusal_add(&pd->refusals,
                    _("%1$s: interface %2$s: %3$s is set on, but %4$s; set it off or pin against "
                      "a platform that names the backend"),
                    pd->d->label, t->label, f->name, external_why(t->iface));
    else if (v == ABIPIN_VALUE_ON && !abi->offered)
        refusal_add(&pd->refusals,
                    _("%1$s: interface %2$s: %3$s is set on, but on backend %4$s the "
                      "platform '%5$s' %6$s; set it off or pin against a platform that has it"),
                    pd->d->label, t->label, f->name, abipin_backend_to_string(t->iface->backend),
                    pd->ctx->platform->name,
                    abi->atom ? abipin_pin_describe_atom(pd->ctx, abi->atom, text, sizeof(text))
                              : _("never provides it (no virtio-net header)"));
    note_feature(t, f, v == ABIPIN_VALUE_ON, ABIPIN_WHY_EXPLICIT, NULL);
}

/* No value: what QEMU would offer on this platform, made explicit. Never
 * guess: an unprobeable backend or an unknown atom is refused. */
static void decide_unset(PinDecision *pd, PinTarget *t, const AbipinFeature *f,
                         const AbipinAbiFeature *abi)
{
    char text[512];

    if (abi->offered && !abi->external) {
        note_default(t, f, true, ABIPIN_WHY_DEFAULT, abi);
        return;
    }
    switch (abi->why) {
    case ABIPIN_OFF_MACHINE:
        note_default(t, f, false, ABIPIN_WHY_MACHINE, abi);
        return;
    case ABIPIN_OFF_DEFAULT:
        note_default(t, f, false, ABIPIN_WHY_DEFAULT, abi);
        return;
    case ABIPIN_OFF_HOST_LACKS:
        note_feature(t, f, false, ABIPIN_WHY_HOST_LACKS, abi->atom);
        return;
    case ABIPIN_OFF_NO_VNET_HDR:
        note_feature(t, f, false, ABIPIN_WHY_BACKEND, NULL);
        return;
    default: /* offered by an external process, or an unknown atom */
        refusal_add(&pd->refusals,
                    _("%1$s: interface %2$s: cannot tell whether %3$s is available on backend %4$s (%5$s); "
                      "set it explicitly or use --policy compat"),
                    pd->d->label, t->label, f->name, abipin_backend_to_string(t->iface->backend),
                    abi->external ? external_why(t->iface)
                                  : abipin_pin_describe_atom(pd->ctx, abi->atom, text, sizeof(text)));
    }
}

static void decide_feature(PinDecision *pd, PinTarget *t, const AbipinFeature *f, AbipinValue v)
{
    const AbipinPinContext *ctx = pd->ctx;
    AbipinAbiFeature abi;

    if (!abipin_emulator_knows(ctx, f)) {
        if (v != ABIPIN_VALUE_ABSENT)
            refusal_add(&pd->refusals,
                        _("%1$s: interface %2$s: %3$s is set, but the emulator (QEMU %4$s) has "
                          "no such property and would refuse to start; remove it"),
                        pd->d->label, t->label, f->name, ctx->platform->emulator_version);
        return;
    }
    /* what abipin itself chose before may be chosen again */
    if (v != ABIPIN_VALUE_ABSENT &&
        abipin_record_chose(t->prev, ABIPIN_PIN_ENTRY_FEATURE, f->name, abipin_value_to_string(v)))
        v = ABIPIN_VALUE_ABSENT;
    if (v == ABIPIN_VALUE_ABSENT && ctx->policy == ABIPIN_POLICY_COMPAT) {
        note_feature(t, f, false, ABIPIN_WHY_POLICY, NULL);
        return;
    }
    abipin_abi_decide_feature(ctx, f, t->iface, t->vhost, &pd->machine, t->measured,
                              true, v, &abi);
    if (v != ABIPIN_VALUE_ABSENT)
        decide_explicit(pd, t, f, v, &abi);
    else
        decide_unset(pd, t, f, &abi);
}

/* Writing can fail only where a <qemu:override> property needs a namespace
 * prefix and the document has none free: that fails the pin before anything
 * is written (and before its refusals, as when the pin wrote as it went). */
static int check_writable(const AbipinCatalogue *cat, const AbipinDomain *d, const PinTarget *t)
{
    int r;

    for (size_t k = 0; k < t->rec->n_entries; k++) {
        const AbipinPinEntry *e = &t->rec->entries[k];

        if (e->kind == ABIPIN_PIN_ENTRY_FEATURE &&
            (r = abipin_domain_check_feature_writable(d, t->alias,
                                                      abipin_catalogue_find(cat, e->name), false)) < 0)
            return r;
    }
    for (unsigned bit = 0; bit < 64; bit++)
        if (t->rec->base_off >> bit & 1 &&
            (r = abipin_domain_check_base_writable(
                 d, t->alias, abipin_catalogue_base_off_property(cat, bit))) < 0)
            return r;
    return 0;
}

/* Only <qemu:override> can set some features, and it needs a user alias. */
static bool needs_alias(const AbipinPinContext *ctx)
{
    for (size_t i = 0; i < ctx->cat->n_features; i++)
        if (ctx->cat->features[i].place == ABIPIN_LIBVIRT_OVERRIDE &&
            abipin_emulator_knows(ctx, &ctx->cat->features[i]))
            return true;
    return false;
}

static int decide_interface(PinDecision *pd, size_t index)
{
    const AbipinExternalBackend *backend;
    AbipinAbi abi;
    const AbipinCatalogue *cat = pd->ctx->cat;
    const AbipinInterface *iface = &pd->d->ifaces[index];
    _cleanup_free_ char *alias = NULL;
    AbipinValue values[ABIPIN_MAX_FEATURES];
    PinTarget t = { .iface = iface };
    int r;

    if (!abipin_interface_pinnable(iface))
        return 0; /* non-virtio models and hostdev keep whatever they have */
    if (needs_alias(pd->ctx)) {
        if ((r = abipin_domain_propose_alias(pd->d, iface, index, pd->record, &alias)) < 0)
            return r;
    } else {
        alias = abipin_strdup(iface->alias);
    }
    if ((r = abipin_domain_read_values(pd->d, iface, alias, cat, values)) < 0)
        return r;
    t.alias = alias;
    abipin_interface_format_label(alias, iface->mac, t.label, sizeof(t.label));
    t.prev = abipin_record_find_interface(pd->d->record, alias, iface->mac);
    t.rec = abipin_record_add_interface(pd->record, alias, iface->mac, iface->backend);
    if ((backend = abipin_interface_backend(pd->ctx, iface))) {
        /* the interface as written, under the alias pin gives it: the
         * <qemu:override> properties of that alias apply to it then, and
         * a second pin must find the same bits (fuzz-pin) */
        AbipinInterface named = *iface;

        named.alias = alias;
        t.rec->backend_name = abipin_strdup(backend->name);
        if ((r = abipin_abi_compute(pd->ctx, pd->d, &named, &abi)) < 0)
            return r;
        t.rec->backend_bits = abipin_abi_backend_base_bits(pd->ctx, backend->kind, &abi);
        abipin_abi_clear(&abi);
        /* what the backend lacks and a property can turn off is turned
         * off: then no destination's backend needs to offer it (a baseline
         * of a DPDK host and a passt host has no INDIRECT_DESC) */
        if ((r = abipin_abi_backend_lacking_bits(pd->ctx, pd->d, &named, &t.rec->base_off)) < 0)
            return r;
    }
    t.measured = abipin_machine_defaults(pd->ctx, &pd->machine, iface);
    decide_driver(pd, &t);
    for (size_t i = 0; i < cat->n_features; i++)
        decide_feature(pd, &t, &cat->features[i], values[i]);
    return check_writable(cat, pd->d, &t);
}

/**
 * abipin_pin_decide:
 * @ret_record: the record a pin writes: every interface's driver and
 *              features, each with its value and why
 *
 * What pinning @d against the context's platform gives, decided on the
 * parsed definition alone (the document is not touched): an explicit value
 * stays; an explicit "on" the platform cannot honour, an unknown atom or
 * an unprobeable backend is refused (REFUSED, every problem listed).
 */
int abipin_pin_decide(const AbipinPinContext *ctx, const AbipinDomain *d,
                      AbipinPinRecord **ret_record)
{
    _cleanup_(abipin_record_freep) AbipinPinRecord *record = abipin_record_new();
    PinDecision pd = { .ctx = ctx, .d = d, .record = record };
    int r;

    if ((r = abipin_domain_machine(ctx, d, &pd.machine)) < 0)
        return r;
    record->platform = abipin_strdup(ctx->platform->name);
    record->digest = abipin_platform_digest(ctx->platform);
    record->policy = abipin_strdup(ctx->policy == ABIPIN_POLICY_COMPAT ? "compat" : "host");
    record->emulator = abipin_strdup(ctx->platform->emulator_version);
    record->machine = abipin_strdup(pd.machine.name);
    record->defaults = abipin_strdup(pd.machine.measured ? "measured" : "modelled");
    for (size_t i = 0; r >= 0 && i < d->n_ifaces; i++)
        r = decide_interface(&pd, i);
    if (r >= 0 && pd.refusals.n)
        r = refusals_report(&pd.refusals, d);
    refusals_clear(&pd.refusals);
    if (r < 0)
        return r;
    *ret_record = TAKE_PTR(record);
    return 0;
}

/* ---- applying: one pass over the document ------------------------------------------ */

static int apply_interface(const AbipinCatalogue *cat, AbipinDomain *d, AbipinInterface *iface,
                           const AbipinPinRecordInterface *ri, unsigned flags)
{
    bool overrides = flags & ABIPIN_PIN_OVERRIDES_ONLY;
    int r;

    if (!iface->alias && ri->alias)
        abipin_domain_add_alias(iface, ri->alias);
    for (size_t k = 0; k < ri->n_entries; k++) {
        const AbipinPinEntry *e = &ri->entries[k];
        const AbipinFeature *f;

        if (e->kind == ABIPIN_PIN_ENTRY_DRIVER) {
            if (!overrides && !streq_ptr(iface->driver, e->value))
                abipin_domain_set_driver_name(iface, e->value);
            continue;
        }
        f = abipin_catalogue_find(cat, e->name);
        assert(f); /* the record was decided with this catalogue */
        if ((r = abipin_domain_set_feature(d, iface, f, streq_ptr(e->value, "on"), overrides)) < 0)
            return r;
    }
    /* the base bits the backend lacks, off: <host gso=>, else <qemu:override> */
    for (unsigned bit = 0; bit < 64; bit++) {
        const char *prop =
            ri->base_off >> bit & 1 ? abipin_catalogue_base_off_property(cat, bit) : NULL;

        if (prop && (r = abipin_domain_set_base(d, iface, prop, false)) < 0)
            return r;
    }
    return 0;
}

/**
 * abipin_pin_apply:
 * @record: what pin or pin --live decided for @d (taken over: @d's record)
 *
 * Write a decided record into the document in one pass: the record in
 * <metadata>, then per pinnable interface (in document order, one record
 * interface each) its new alias, <driver name=> and every feature's
 * attribute or <qemu:override> property (every feature's property, and no
 * <driver name=>, with ABIPIN_PIN_OVERRIDES_ONLY). The user's formatting
 * stays. On failure @d must be thrown away.
 */
int abipin_pin_apply(const AbipinCatalogue *cat, AbipinDomain *d, AbipinPinRecord *record,
                     unsigned flags)
{
    size_t k = 0;
    int r;

    assert(!d->read_only); /* COMPACT text nodes cannot be changed */
    abipin_domain_set_record(d, record);
    for (size_t i = 0; i < d->n_ifaces; i++) {
        if (!abipin_interface_pinnable(&d->ifaces[i]))
            continue;
        assert(k < record->n_ifaces);
        if ((r = apply_interface(cat, d, &d->ifaces[i], &record->ifaces[k++], flags)) < 0)
            return r;
    }
    return 0;
}

/**
 * abipin_pin_domain:
 *
 * Pin every virtio interface of @d against the context's platform
 * (abipin_pin_decide) and write the result (abipin_pin_apply): d->record
 * is then the new record. Refused or failed, @d is unchanged.
 */
int abipin_pin_domain(const AbipinPinContext *ctx, AbipinDomain *d)
{
    AbipinPinRecord *record;
    int r;

    if ((r = abipin_pin_decide(ctx, d, &record)) < 0)
        return r;
    return abipin_pin_apply(ctx->cat, d, record, 0);
}
