#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "arch.h"
#include "context.h"
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
    *ctx = (AbipinPinContext) { .cat = cat, .platform = platform, .policy = ABIPIN_POLICY_HOST,
                                .running = true };
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

/**
 * abipin_feature_support:
 * @vhost: the interface uses vhost-net (tap and macvtap only)
 * @ret_atom: the atom that decided a NO or UNKNOWN, NULL when the backend
 *            kind itself decided
 *
 * The catalogue's requirements for this backend and QEMU version,
 * evaluated against the platform's atoms (once per context).
 */
AbipinSupport abipin_feature_support(const AbipinPinContext *ctx, const AbipinFeature *f,
                                     AbipinBackend backend, bool vhost, const char **ret_atom)
{
    size_t i = f - ctx->cat->features;

    *ret_atom = ctx->decided[backend][vhost][i].atom;
    return ctx->decided[backend][vhost][i].support;
}

/**
 * abipin_interface_backend:
 *
 * The platform's external backend serving @iface: the vhost-user backend
 * serving its socket, or the vDPA device behind its character device; or
 * NULL: then the bits it decides stay external, as nobody could tell them.
 */
const AbipinExternalBackend *abipin_interface_backend(const AbipinPinContext *ctx,
                                                      const AbipinInterface *iface)
{
    if (iface->backend == ABIPIN_BACKEND_VHOST_USER)
        return abipin_backend_list_match(&ctx->platform->backends, ABIPIN_BACKEND_VHOST_USER,
                                         iface->socket);
    if (iface->backend == ABIPIN_BACKEND_VDPA)
        return abipin_backend_list_match(&ctx->platform->backends, ABIPIN_BACKEND_VDPA,
                                         iface->vdpa_device);
    return NULL;
}

/* Whether backend @b offered @bit: its atom, which names it in every
 * message. A profile without the atom (written by hand) cannot tell. */
static AbipinSupport backend_offers(const AbipinPinContext *ctx, const AbipinExternalBackend *b,
                                    unsigned bit, const char **ret_atom)
{
    char name[ABIPIN_BACKEND_ATOM_MAX];
    const AbipinAtom *a;

    abipin_backend_atom(b, bit, name, sizeof(name));
    if (!(a = abipin_atom_set_get(ctx->platform->atoms, name)))
        return ABIPIN_SUPPORT_EXTERNAL;
    *ret_atom = a->name;
    return a->state == ABIPIN_ATOM_PRESENT  ? ABIPIN_SUPPORT_YES
           : a->state == ABIPIN_ATOM_ABSENT ? ABIPIN_SUPPORT_NO
                                            : ABIPIN_SUPPORT_UNKNOWN;
}

/**
 * abipin_interface_feature_support:
 *
 * abipin_feature_support for @iface: where its backend kind leaves the bit
 * to an external process or device and the platform knows it (a vhost-user
 * backend serving its socket, a vDPA device), its offer.
 */
AbipinSupport abipin_interface_feature_support(const AbipinPinContext *ctx, const AbipinFeature *f,
                                               const AbipinInterface *iface, bool vhost,
                                               const char **ret_atom)
{
    AbipinSupport s = abipin_feature_support(ctx, f, iface->backend, vhost, ret_atom);
    const AbipinExternalBackend *b;

    if (s != ABIPIN_SUPPORT_EXTERNAL || !(b = abipin_interface_backend(ctx, iface)))
        return s;
    return backend_offers(ctx, b, f->bit, ret_atom);
}

/**
 * abipin_interface_base_offered:
 *
 * A base bit QEMU offers of its own stays on @iface unless the interface's
 * external backend decides it (QEMU's vhost-user or vDPA list has it on
 * this QEMU) and did not offer it. On vDPA from QEMU 8.0 GUEST_ANNOUNCE
 * follows the device's CTRL_VQ instead (the catalogue's vdpa-needs).
 * Unknown counts as not offered, as for any bit.
 */
bool abipin_interface_base_offered(const AbipinPinContext *ctx, const AbipinInterface *iface,
                                   const AbipinBaseBit *b)
{
    const AbipinExternalBackend *backend = abipin_interface_backend(ctx, iface);
    const char *atom;

    if (!backend)
        return true;
    if (backend->kind == ABIPIN_BACKEND_VDPA && b->vdpa && b->vdpa_needs &&
        abipin_version_minor(ctx->qemu) >= b->vdpa_needs_qemu_min)
        return backend_offers(ctx, backend, b->vdpa_needs, &atom) == ABIPIN_SUPPORT_YES;
    if (!abipin_catalogue_backend_decides_on(ctx->cat, backend->kind, b->bit, ctx->qemu))
        return true;
    return backend_offers(ctx, backend, b->bit, &atom) == ABIPIN_SUPPORT_YES;
}

/**
 * abipin_domain_machine:
 *
 * The machine type, after resolving aliases ("q35") with the emulator's
 * table as libvirt does at define time. A machine type the emulator lacks
 * is an INPUT error naming its nearest ones: libvirt would refuse it, and
 * its defaults would be a guess. Its defaults come from the platform's
 * measurement where it carries one, else from upstream's compat tables
 * (the catalogue): a name upstream QEMU does not have ("pc-q35-rhel9.6.0",
 * "pc-q35-noble") must have been measured.
 */
int abipin_domain_machine(const AbipinPinContext *ctx, const AbipinDomain *d, AbipinMachine *ret)
{
    AbipinMachine m = { 0 };
    char q[ABIPIN_QUOTE_MAX];
    int r;

    if (!d->machine)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: <os><type machine=...> is missing; defaults depend on the "
                                  "machine type"),
                                d->file);
    if ((r = abipin_domain_check_modelled(d)) < 0 ||
        (!ctx->running &&
         (r = abipin_profile_require_machine(ctx->platform, d->machine, d->file)) < 0))
        return r;
    m.name = abipin_profile_resolve_machine(ctx->platform, d->machine);
    m.measured = !ctx->running && abipin_defaults_has_machine(&ctx->platform->defaults, m.name);
    if (abipin_version_from_machine(m.name, &m.version) < 0)
        m.version = 0;
    if (!m.version && !m.measured && !ctx->running)
        return abipin_error_set(ABIPIN_ERR_INPUT, -ENOENT,
                                _("%1$s: upstream QEMU has no machine type %2$s, and the platform "
                                  "'%3$s' carries no measured defaults for it: measure them on the "
                                  "host ('abipin probe --machine %4$s -o PROFILE') and pin against "
                                  "that profile"),
                                d->file, abipin_error_quote(m.name, q, sizeof(q)),
                                ctx->platform->name, m.name);
    *ret = m;
    return 0;
}

/**
 * abipin_machine_defaults:
 *
 * The measured defaults of @iface's device model on @m, or NULL where the
 * platform has none (the model answers then).
 */
const AbipinMachineDefaults *abipin_machine_defaults(const AbipinPinContext *ctx,
                                                     const AbipinMachine *m,
                                                     const AbipinInterface *iface)
{
    const char *device = abipin_nic_device_for_model(iface->model);

    return m->measured && device ? abipin_defaults_find(&ctx->platform->defaults, m->name, device)
                                 : NULL;
}

/* ---- the platform's digest ------------------------------------------------------ */

/**
 * abipin_platform_digest:
 *
 * "fnv1a64:" and 16 hex digits over the names of @p's present atoms: two
 * profiles with the same digest allow the same pins. Audit tells stale
 * pins by it. An external backend's atoms do not count: on this host they
 * are the backends one definition's sockets and vDPA devices reach, which
 * differ from definition to definition; check holds each pinned bit against them.
 */
char *abipin_platform_digest(const AbipinProfile *p)
{
    uint64_t h = ABIPIN_FNV1A64_INIT;

    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];

        if (a->state == ABIPIN_ATOM_PRESENT && /* the NUL separates the names */
            !abipin_backend_atom_is_external(a->name))
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
