#include <config.h>

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "arch.h"
#include "pin.h"
#include "util/error.h"
#include "util/i18n.h"

/* Why a feature has its value; written to the metadata record and the JSON
 * summary (never translated: tools read them). */
#define WHY_EXPLICIT "explicit"
#define WHY_DEFAULT "default"
#define WHY_MACHINE "machine-type"
#define WHY_HOST_LACKS "host-lacks"
#define WHY_BACKEND "backend"
#define WHY_POLICY "policy"
#define WHY_PLATFORM "platform"

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

        snprintf(atom, sizeof(atom), "qemu.prop.virtio-net-pci.%s", cat->features[i].name);
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
    bool kernel_backend = backend == ABIPIN_BACKEND_TAP || backend == ABIPIN_BACKEND_MACVTAP;

    if (!abipin_version_in_range(qemu, req->qemu_min, req->qemu_max))
        return false;
    return req->backend == backend ||
           (vhost && kernel_backend && req->backend == ABIPIN_BACKEND_VHOST_NET);
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

/* ---- the previous record: what abipin itself pinned ---------------------------- */

/* The record's entry for @iface: the one with its alias, else the one with
 * its MAC. The alias first: two interfaces may share a MAC, never an alias. */
xmlNodePtr abipin_record_interface(xmlNodePtr record, const AbipinInterface *iface)
{
    for (int by_mac = 0; by_mac < 2; by_mac++)
        for (xmlNodePtr c = record ? record->children : NULL; c; c = c->next) {
            const char *key = by_mac ? "mac" : "alias", *want = by_mac ? iface->mac : iface->alias;

            if (c->type == XML_ELEMENT_NODE && strcmp((const char *) c->name, "interface") == 0 &&
                want && streq_ptr(abipin_xml_prop_static(c, key), want))
                return c;
        }
    return NULL;
}

/* True when the previous record says abipin chose @value for @name (not the
 * user): then it may be chosen again, e.g. against another platform. */
static bool record_chose(xmlNodePtr rec_iface, const char *elem, const char *name,
                         const char *value)
{
    for (xmlNodePtr c = rec_iface ? rec_iface->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *) c->name, elem) == 0 &&
            (!name || streq_ptr(abipin_xml_prop_static(c, "name"), name)))
            return streq_ptr(abipin_xml_prop_static(c, "value"), value) &&
                   !streq_ptr(abipin_xml_prop_static(c, "why"), WHY_EXPLICIT);
    return false;
}

/* ---- problems: every refusal is collected, then reported at once ----------------- */

typedef struct {
    char *text;
    size_t len;
    size_t count;
} Problems;

_printf_(2, 3) static void problem_add(Problems *p, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    char *t;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    t = realloc(p->text, p->len + strlen(line) + 4);
    if (!t)
        return;
    p->text = t;
    p->len += sprintf(p->text + p->len, "%s%s", p->count ? "\n  " : "", line);
    p->count++;
}

/* ---- writing the record and the summary ----------------------------------------- */

static xmlNodePtr record_add(xmlNodePtr parent, const char *name)
{
    return abipin_xml_add_child_indented(parent, xmlNewNode(parent->ns, (const xmlChar *) name));
}

/* An attribute of the record and the same key in the JSON summary. */
void abipin_record_set(xmlNodePtr node, json_object *o, const char *name, const char *value)
{
    if (!value)
        return;
    xmlNewProp(node, (const xmlChar *) name, (const xmlChar *) value);
    json_object_object_add(o, name, json_object_new_string(value));
}

/**
 * abipin_record_new:
 *
 * A new <abipin:pin> record (not yet in the document) with abipin's
 * version, also in @report.
 */
xmlNodePtr abipin_record_new(json_object *report)
{
    xmlNodePtr record = xmlNewNode(NULL, (const xmlChar *) "pin");
    xmlNsPtr ns =
        xmlNewNs(record, (const xmlChar *) ABIPIN_METADATA_NS, (const xmlChar *) "abipin");

    xmlSetNs(record, ns);
    abipin_record_set(record, report, "version", PACKAGE_VERSION);
    return record;
}

/**
 * abipin_record_add_interface:
 * @ifaces: the report's "interfaces" array
 * @ret_features: the new entry's "features" array
 *
 * The record of one interface, in the record and in the report.
 */
xmlNodePtr abipin_record_add_interface(xmlNodePtr record, json_object *ifaces,
                                       const AbipinInterface *iface, json_object **ret_features)
{
    xmlNodePtr rec_iface = record_add(record, "interface");
    json_object *o = json_object_new_object();

    *ret_features = json_object_new_array();
    abipin_record_set(rec_iface, o, "alias", iface->alias);
    abipin_record_set(rec_iface, o, "mac", iface->mac);
    abipin_record_set(rec_iface, o, "backend", abipin_backend_to_string(iface->backend));
    json_object_object_add(o, "features", *ret_features);
    json_object_array_add(ifaces, o);
    return rec_iface;
}

/* One <driver> or <feature> of an interface's record, and its JSON twin. */
void abipin_record_note(xmlNodePtr rec_iface, json_object *features, const char *elem,
                        const char *name, const char *value, const char *why, const char *atom)
{
    xmlNodePtr n = record_add(rec_iface, elem);
    json_object *o = json_object_new_object();

    abipin_record_set(n, o, "name", name);
    abipin_record_set(n, o, "value", value);
    abipin_record_set(n, o, "why", why);
    abipin_record_set(n, o, "atom", atom);
    json_object_array_add(features, o);
}

char *abipin_platform_digest(const AbipinProfile *p)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    char *s;

    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];

        if (a->state != ABIPIN_ATOM_PRESENT)
            continue;
        for (const char *c = a->name; ; c++) {
            h = (h ^ (unsigned char) *c) * 0x100000001b3ULL; /* FNV-1a, NUL separates */
            if (!*c)
                break;
        }
    }
    if (asprintf(&s, "fnv1a64:%016" PRIx64, h) < 0)
        return NULL;
    return s;
}

/* ---- resolving one interface ---------------------------------------------------- */

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

static int pin_driver(const AbipinPinContext *ctx, AbipinDomain *d, AbipinInterface *iface,
                      xmlNodePtr prev, xmlNodePtr rec_iface, json_object *features, Problems *pb)
{
    bool has_vhost = abipin_atom_set_has(ctx->platform->atoms, "vhost.net");
    const char *name = iface->driver, *why = WHY_EXPLICIT;
    int r;

    if (iface->backend != ABIPIN_BACKEND_TAP && iface->backend != ABIPIN_BACKEND_MACVTAP)
        return 0;
    if (name && record_chose(prev, "driver", NULL, name))
        name = NULL;
    if (name && strcmp(name, "vhost") == 0 && !has_vhost) {
        char why_text[512];

        problem_add(pb, _("%1$s: interface %2$s: <driver name='vhost'> but the platform '%3$s' %4$s; "
                          "use name='qemu' or a host with vhost-net"),
                    d->label, iface->label, ctx->platform->name,
                    abipin_pin_describe_atom(ctx, "vhost.net", why_text, sizeof(why_text)));
        return 0;
    }
    if (!name) {
        /* libvirt silently falls back to userspace when vhost-net cannot be
         * opened, which changes the feature set: decide it here. */
        name = has_vhost ? "vhost" : "qemu";
        why = WHY_PLATFORM;
        if ((r = abipin_domain_set_driver_name(iface, name)) < 0)
            return r;
    }
    abipin_record_note(rec_iface, features, "driver", NULL, name, why,
                       has_vhost ? NULL : "vhost.net");
    return 0;
}

static int pin_feature(const AbipinPinContext *ctx, AbipinDomain *d, AbipinInterface *iface,
                       const AbipinFeature *f, AbipinVersion machine, xmlNodePtr prev,
                       xmlNodePtr rec_iface, json_object *features, Problems *pb)
{
    bool vhost = streq_ptr(iface->driver, "vhost"), on;
    const char *atom = NULL, *why;
    char text[512];
    AbipinSupport sup;
    AbipinValue v;
    int r;

    if ((r = abipin_domain_get_feature(d, iface, f, &v)) < 0)
        return r;
    if (!abipin_emulator_knows(ctx, f)) {
        if (v != ABIPIN_VALUE_ABSENT)
            problem_add(pb, _("%1$s: interface %2$s: %3$s is set, but the emulator (QEMU %4$s) has "
                              "no such property and would refuse to start; remove it"),
                        d->label, iface->label, f->name, ctx->platform->emulator_version);
        return 0;
    }
    if (v != ABIPIN_VALUE_ABSENT &&
        record_chose(prev, "feature", f->name, v == ABIPIN_VALUE_ON ? "on" : "off"))
        v = ABIPIN_VALUE_ABSENT;
    sup = abipin_feature_support(ctx, f, iface->backend, vhost, &atom);

    if (v != ABIPIN_VALUE_ABSENT) {
        on = v == ABIPIN_VALUE_ON;
        why = WHY_EXPLICIT;
        if (on && (sup == ABIPIN_SUPPORT_NO || sup == ABIPIN_SUPPORT_UNKNOWN))
            problem_add(pb, _("%1$s: interface %2$s: %3$s is set on, but on backend %4$s the "
                              "platform '%5$s' %6$s; set it off or pin against a platform that has it"),
                        d->label, iface->label, f->name, abipin_backend_to_string(iface->backend),
                        ctx->platform->name,
                        atom ? abipin_pin_describe_atom(ctx, atom, text, sizeof(text))
                             : _("never provides it (no virtio-net header)"));
    } else if (ctx->policy == ABIPIN_POLICY_COMPAT) {
        on = false;
        why = WHY_POLICY;
        atom = NULL;
    } else if (!abipin_feature_default(f, machine, ctx->qemu)) {
        on = false;
        why = f->default_on ? WHY_MACHINE : WHY_DEFAULT;
        atom = NULL;
    } else if (sup == ABIPIN_SUPPORT_YES) {
        on = true;
        why = WHY_DEFAULT;
    } else if (sup == ABIPIN_SUPPORT_NO) {
        on = false;
        why = atom ? WHY_HOST_LACKS : WHY_BACKEND;
    } else {
        /* Never guess: an unprobeable backend or an unknown atom. */
        problem_add(pb, _("%1$s: interface %2$s: cannot tell whether %3$s is available on backend %4$s (%5$s); "
                          "set it explicitly or use --policy compat"),
                    d->label, iface->label, f->name, abipin_backend_to_string(iface->backend),
                    sup == ABIPIN_SUPPORT_EXTERNAL ? _("the external backend process decides")
                                                   : abipin_pin_describe_atom(ctx, atom, text, sizeof(text)));
        return 0;
    }
    if ((r = abipin_domain_set_feature(d, iface, f, on)) < 0)
        return r;
    abipin_record_note(rec_iface, features, "feature", f->name, on ? "on" : "off", why,
                       streq_ptr(why, WHY_HOST_LACKS) ? atom : NULL);
    return 0;
}

static bool needs_alias(const AbipinPinContext *ctx)
{
    for (size_t i = 0; i < ctx->cat->n_features; i++)
        if (ctx->cat->features[i].place == ABIPIN_LIBVIRT_OVERRIDE &&
            abipin_emulator_knows(ctx, &ctx->cat->features[i]))
            return true;
    return false;
}

static int pin_interface(const AbipinPinContext *ctx, AbipinDomain *d, size_t index,
                         AbipinVersion machine, xmlNodePtr old_record, xmlNodePtr record,
                         json_object *ifaces, Problems *pb)
{
    AbipinInterface *iface = &d->ifaces[index];
    xmlNodePtr prev, rec_iface;
    json_object *features;
    int r;

    if (!iface->virtio || iface->backend < 0)
        return 0; /* non-virtio models and hostdev keep whatever they have */
    if (needs_alias(ctx) && (r = abipin_domain_ensure_alias(d, iface, index)) < 0)
        return r;
    prev = abipin_record_interface(old_record, iface);
    rec_iface = abipin_record_add_interface(record, ifaces, iface, &features);
    r = pin_driver(ctx, d, iface, prev, rec_iface, features, pb);
    for (size_t i = 0; r >= 0 && i < ctx->cat->n_features; i++)
        r = pin_feature(ctx, d, iface, &ctx->cat->features[i], machine, prev, rec_iface, features,
                        pb);
    return r;
}

/**
 * abipin_pin_domain:
 *
 * Pin every virtio interface of @d against the context's platform and
 * replace abipin's metadata record. An explicit value stays; an explicit
 * "on" the platform cannot honour, an unknown atom or an unprobeable
 * backend is refused (REFUSED, every problem listed) and @d must then be
 * thrown away.
 */
int abipin_pin_domain(const AbipinPinContext *ctx, AbipinDomain *d, json_object **ret_report)
{
    xmlNodePtr old = abipin_domain_get_record(d);
    _cleanup_(xmlFreeNodep) xmlNodePtr old_copy = old ? xmlCopyNode(old, 1) : NULL;
    _cleanup_free_ char *digest = abipin_platform_digest(ctx->platform);
    _cleanup_free_ char *problems_text = NULL;
    json_object *report = json_object_new_object(), *ifaces = json_object_new_array();
    Problems pb = { NULL, 0, 0 };
    AbipinVersion machine;
    xmlNodePtr record;
    int r;

    assert(!d->read_only); /* COMPACT text nodes cannot be changed */

    *ret_report = report; /* the caller owns it, also on failure */
    json_object_object_add(report, "interfaces", ifaces);
    if ((r = abipin_domain_machine_version(ctx, d, &machine)) < 0)
        return r;
    record = abipin_record_new(report);
    abipin_record_set(record, report, "platform", ctx->platform->name);
    abipin_record_set(record, report, "digest", digest);
    abipin_record_set(record, report, "policy",
                      ctx->policy == ABIPIN_POLICY_COMPAT ? "compat" : "host");
    abipin_record_set(record, report, "emulator", ctx->platform->emulator_version);
    abipin_record_set(record, report, "machine",
                      abipin_profile_resolve_machine(ctx->platform, d->machine));
    json_object_object_add(report, "domain", json_object_new_string(d->name));
    abipin_domain_replace_record(d, record);
    for (size_t i = 0; r >= 0 && i < d->n_ifaces; i++)
        r = pin_interface(ctx, d, i, machine, old_copy, record, ifaces, &pb);
    problems_text = pb.text;
    if (r < 0)
        return r;
    if (pb.count)
        return abipin_error_set(ABIPIN_ERR_REFUSED, -EPERM, _("refusing to pin %1$s:\n  %2$s"),
                                d->file, pb.text);
    return 0;
}
