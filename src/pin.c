#include <config.h>

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "arch.h"
#include "pin.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/i18n.h"

static AbipinSupport feature_support_decide(const AbipinPinContext *ctx, const AbipinFeature *f,
                                            AbipinBackend backend, bool vhost, const char **ret_atom);

static int context_decide(AbipinPinContext *ctx)
{
    const AbipinCatalogue *cat = ctx->cat;

    if (cat->n_features > ABIPIN_MAX_FEATURES)
        return abipin_error_set(ABIPIN_ERR_INPUT, -E2BIG, _("the catalogue has more than %1$d features"),
                                ABIPIN_MAX_FEATURES);
    for (size_t i = 0; i < cat->n_features; i++) {
        char atom[128];

        snprintf(atom, sizeof(atom), ABIPIN_ATOM_QEMU_PROP "%s", cat->features[i].name);
        ctx->known[i] = abipin_atom_set_has(ctx->platform->atoms, atom);
        for (int b = 0; b < _ABIPIN_BACKEND_MAX; b++)
            for (int vhost = 0; vhost < 2; vhost++)
                ctx->decided[b][vhost][i].support =
                    feature_support_decide(ctx, &cat->features[i], b, vhost,
                                           &ctx->decided[b][vhost][i].atom);
    }
    return 0;
}

int abipin_pin_context_init(AbipinPinContext *ctx, const AbipinCatalogue *cat,
                            const AbipinProfile *platform, AbipinPolicy policy)
{
    *ctx = (AbipinPinContext) { .cat = cat, .platform = platform, .policy = policy };
    if (!platform->has_emulator || !platform->emulator_version ||
        abipin_version_parse(platform->emulator_version, &ctx->qemu) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("the platform '%1$s' has no emulator facts (version, properties, "
                                  "machine types): probe a host with its emulator installed"),
                                platform->name);
    return context_decide(ctx);
}

/**
 * abipin_pin_context_init_emulator:
 * @emulator_version: the QEMU whose requirements apply ("11.1.3"), e.g. a
 *                    running one other than the platform's emulator
 *
 * A context for @platform's kernel facts and that QEMU version. The
 * emulator's properties are not the platform's to tell: the caller
 * knows them (a running device lists its own).
 */
int abipin_pin_context_init_emulator(AbipinPinContext *ctx, const AbipinCatalogue *cat,
                                     const AbipinProfile *platform, const char *emulator_version)
{
    *ctx = (AbipinPinContext) { .cat = cat, .platform = platform, .policy = ABIPIN_POLICY_HOST };
    if (abipin_version_parse(emulator_version, &ctx->qemu) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO, _("'%1$s' is not a QEMU version"),
                                emulator_version);
    return context_decide(ctx);
}

bool abipin_emulator_knows(const AbipinPinContext *ctx, const AbipinFeature *f)
{
    return ctx->known[f - ctx->cat->features];
}

static AbipinSupport support_worse(AbipinSupport a, AbipinSupport b)
{
    static const int rank[] = { [ABIPIN_SUPPORT_YES] = 0, [ABIPIN_SUPPORT_EXTERNAL] = 1,
                                [ABIPIN_SUPPORT_UNKNOWN] = 2, [ABIPIN_SUPPORT_NO] = 3 };

    return rank[b] > rank[a] ? b : a;
}

/**
 * abipin_feature_support:
 * @vhost: the interface uses vhost-net (tap and macvtap only)
 * @ret_atom: the atom that decided a NO or UNKNOWN, NULL when the backend
 *            kind itself decided
 *
 * The catalogue's requirements for this backend and QEMU version,
 * evaluated against the platform's atoms.
 */
/* Whether a catalogue requirement applies to this QEMU version, backend
 * kind and driver: its own backend, or vhost-net on top of tap or macvtap.
 * The decision below and the list of atoms a pin needs share it. */
static bool requirement_applies(const AbipinRequirement *req, AbipinVersion qemu,
                                AbipinBackend backend, bool vhost)
{
    if (!abipin_version_in_range(qemu, req->qemu_min, req->qemu_max))
        return false;
    return req->backend == backend ||
           (vhost && abipin_backend_is_kernel(backend) && req->backend == ABIPIN_BACKEND_VHOST_NET);
}

static AbipinSupport feature_support_decide(const AbipinPinContext *ctx, const AbipinFeature *f,
                                            AbipinBackend backend, bool vhost, const char **ret_atom)
{
    AbipinSupport result = ABIPIN_SUPPORT_YES;

    *ret_atom = NULL;
    for (size_t i = 0; i < f->n_reqs; i++) {
        const AbipinRequirement *req = &f->reqs[i];

        if (!requirement_applies(req, ctx->qemu, backend, vhost))
            continue;
        if (req->outcome == ABIPIN_OUTCOME_NEVER) {
            *ret_atom = NULL;
            return ABIPIN_SUPPORT_NO;
        }
        if (req->outcome == ABIPIN_OUTCOME_BACKEND) {
            result = support_worse(result, ABIPIN_SUPPORT_EXTERNAL);
            continue;
        }
        for (size_t a = 0; a < req->n_atoms; a++) {
            const AbipinAtom *atom = abipin_atom_set_get(ctx->platform->atoms, req->atoms[a]);

            if (atom && atom->state == ABIPIN_ATOM_PRESENT)
                continue;
            if (atom && atom->state == ABIPIN_ATOM_UNKNOWN) {
                if (result != ABIPIN_SUPPORT_UNKNOWN)
                    *ret_atom = req->atoms[a];
                result = support_worse(result, ABIPIN_SUPPORT_UNKNOWN);
                continue;
            }
            *ret_atom = req->atoms[a];
            return ABIPIN_SUPPORT_NO;
        }
    }
    return result;
}

/**
 * abipin_feature_needs:
 * @qemu: the emulator version the catalogue's requirements are read for
 * @acc: receives, as present, every atom the feature needs
 *
 * What a host must have for @f to stay on with this backend: the atoms of
 * every requirement that applies (not only the first one missing, as in
 * the decision). Returns ABIPIN_SUPPORT_YES (atoms added),
 * ABIPIN_SUPPORT_NO when the backend kind never has the feature, or
 * ABIPIN_SUPPORT_EXTERNAL when an external process decides (nothing a host
 * can show), or a negative errno.
 */
int abipin_feature_needs(const AbipinFeature *f, AbipinVersion qemu, AbipinBackend backend,
                         bool vhost, AbipinAtomSet *acc)
{
    int result = ABIPIN_SUPPORT_YES, r;

    for (size_t i = 0; i < f->n_reqs; i++) {
        const AbipinRequirement *req = &f->reqs[i];

        if (!requirement_applies(req, qemu, backend, vhost))
            continue;
        if (req->outcome == ABIPIN_OUTCOME_NEVER)
            return ABIPIN_SUPPORT_NO;
        if (req->outcome == ABIPIN_OUTCOME_BACKEND) {
            result = ABIPIN_SUPPORT_EXTERNAL;
            continue;
        }
        for (size_t a = 0; a < req->n_atoms; a++)
            if ((r = abipin_atom_set_put(acc, req->atoms[a], ABIPIN_ATOM_PRESENT, NULL)) < 0)
                return r;
    }
    return result;
}

AbipinSupport abipin_feature_support(const AbipinPinContext *ctx, const AbipinFeature *f,
                                     AbipinBackend backend, bool vhost, const char **ret_atom)
{
    size_t i = f - ctx->cat->features;

    *ret_atom = ctx->decided[backend][vhost][i].atom;
    return ctx->decided[backend][vhost][i].support;
}

/**
 * abipin_domain_machine_version:
 *
 * The machine type's version, after resolving aliases ("q35") with the
 * emulator's table as libvirt does at define time. An unversioned machine
 * ("microvm") has no compat entries: it behaves like the newest.
 */
int abipin_domain_machine_version(const AbipinPinContext *ctx, const AbipinDomain *d,
                                  AbipinVersion *ret)
{
    const char *machine;
    int r;

    if (!d->machine)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: <os><type machine=...> is missing; defaults depend on the "
                                  "machine type"),
                                d->file);
    if ((r = abipin_domain_check_modelled(d)) < 0)
        return r;
    machine = abipin_profile_resolve_machine(ctx->platform, d->machine);
    if (abipin_version_from_machine(machine, ret) < 0)
        *ret = abipin_version_minor(ctx->qemu);
    return 0;
}

/* ---- the platform's digest ------------------------------------------------------ */

/**
 * abipin_platform_digest:
 *
 * "fnv1a64:" and 16 hex digits over the names of @p's present atoms: two
 * profiles with the same digest allow the same pins. Audit tells stale
 * pins by it.
 */
char *abipin_platform_digest(const AbipinProfile *p)
{
    uint64_t h = ABIPIN_FNV1A64_INIT;

    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];

        if (a->state == ABIPIN_ATOM_PRESENT) /* the NUL separates the names */
            abipin_fnv1a64_add(&h, a->name, strlen(a->name) + 1);
    }
    return abipin_asprintf("fnv1a64:%016" PRIx64, h);
}

const char *abipin_pin_describe_atom(const AbipinPinContext *ctx, const char *atom, char *buf,
                                     size_t len)
{
    char meaning[256];
    const AbipinAtom *a = abipin_atom_set_get(ctx->platform->atoms, atom);

    abipin_atom_describe_missing(atom, meaning, sizeof(meaning));
    if (a && a->state == ABIPIN_ATOM_UNKNOWN)
        snprintf(buf, len, _("%1$s is unknown (%2$s)"), atom, a->reason ? a->reason : "?");
    else
        snprintf(buf, len, _("lacks %1$s (%2$s)"), atom, meaning);
    return buf;
}

/* ---- refusals: every one is collected, then reported at once ---------------------- */

typedef struct {
    char **lines;
    size_t n;
} Refusals;

_printf_(2, 3) static void refusal_add(Refusals *rs, const char *fmt, ...)
{
    va_list ap;
    char *line;

    va_start(ap, fmt);
    if (vasprintf(&line, fmt, ap) < 0)
        abipin_oom();
    va_end(ap);
    abipin_array_resize(rs->lines, rs->n + 1);
    rs->lines[rs->n++] = line;
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
    AbipinVersion machine;
    AbipinPinRecord *record; /* the one being built */
    Refusals refusals;
} PinDecision;

/* One interface as the decision sees it: with the alias the pin gives it. */
typedef struct {
    const AbipinInterface *iface;
    const char *alias;
    char label[128];
    const AbipinPinRecordInterface *prev; /* its entry in the previous record */
    AbipinPinRecordInterface *rec;        /* and in the new one */
    bool vhost;                           /* the driver the features are decided for */
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

static void note_feature(PinTarget *t, const AbipinFeature *f, bool on, AbipinPinWhy why,
                         const char *atom)
{
    abipin_record_add_entry(t->rec, ABIPIN_PIN_ENTRY_FEATURE, f->name, on ? "on" : "off", why,
                            atom);
}

/* An explicit value stays; an explicit "on" the platform cannot honour is
 * refused, never flipped. */
static void decide_explicit(PinDecision *pd, PinTarget *t, const AbipinFeature *f,
                            AbipinValue v, const AbipinAbiFeature *abi)
{
    char text[512];

    if (v == ABIPIN_VALUE_ON && !abi->offered)
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
        note_feature(t, f, true, ABIPIN_WHY_DEFAULT, NULL);
        return;
    }
    switch (abi->why) {
    case ABIPIN_OFF_MACHINE:
        note_feature(t, f, false, ABIPIN_WHY_MACHINE, NULL);
        return;
    case ABIPIN_OFF_DEFAULT:
        note_feature(t, f, false, ABIPIN_WHY_DEFAULT, NULL);
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
                    abi->external ? _("the external backend process decides")
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
    abipin_abi_decide_feature(ctx, f, t->iface->backend, t->vhost, pd->machine, true, v, &abi);
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
                                                      abipin_catalogue_find(cat, e->name))) < 0)
            return r;
    }
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

    if ((r = abipin_domain_machine_version(ctx, d, &pd.machine)) < 0)
        return r;
    record->platform = abipin_strdup(ctx->platform->name);
    record->digest = abipin_platform_digest(ctx->platform);
    record->policy = abipin_strdup(ctx->policy == ABIPIN_POLICY_COMPAT ? "compat" : "host");
    record->emulator = abipin_strdup(ctx->platform->emulator_version);
    record->machine = abipin_strdup(abipin_profile_resolve_machine(ctx->platform, d->machine));
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
                           const AbipinPinRecordInterface *ri)
{
    int r;

    if (!iface->alias && ri->alias)
        abipin_domain_add_alias(iface, ri->alias);
    for (size_t k = 0; k < ri->n_entries; k++) {
        const AbipinPinEntry *e = &ri->entries[k];
        const AbipinFeature *f;

        if (e->kind == ABIPIN_PIN_ENTRY_DRIVER) {
            if (!streq_ptr(iface->driver, e->value))
                abipin_domain_set_driver_name(iface, e->value);
            continue;
        }
        f = abipin_catalogue_find(cat, e->name);
        assert(f); /* the record was decided with this catalogue */
        if ((r = abipin_domain_set_feature(d, iface, f, streq_ptr(e->value, "on"))) < 0)
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
 * attribute or <qemu:override> property. The user's formatting stays.
 * On failure @d must be thrown away.
 */
int abipin_pin_apply(const AbipinCatalogue *cat, AbipinDomain *d, AbipinPinRecord *record)
{
    size_t k = 0;
    int r;

    assert(!d->read_only); /* COMPACT text nodes cannot be changed */
    abipin_domain_set_record(d, record);
    for (size_t i = 0; i < d->n_ifaces; i++) {
        if (!abipin_interface_pinnable(&d->ifaces[i]))
            continue;
        assert(k < record->n_ifaces);
        if ((r = apply_interface(cat, d, &d->ifaces[i], &record->ifaces[k++])) < 0)
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
    return abipin_pin_apply(ctx->cat, d, record);
}
