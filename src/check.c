#include <config.h>

#include <stdarg.h>
#include <string.h>

#include "abi.h"
#include "pin.h"
#include "util/error.h"
#include "util/i18n.h"

typedef struct {
    const AbipinPinContext *ctx;
    const AbipinDomain *d;
    const AbipinInterface *iface;
    json_object *problems;
    size_t errors;
} CheckState;

_printf_(5, 6) static void check_report(CheckState *st, bool error, const char *feature,
                                        const char *atom, const char *fmt, ...)
{
    json_object *o = json_object_new_object();
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object_object_add(o, "severity", json_object_new_string(error ? "error" : "warning"));
    json_object_object_add(o, "domain", json_object_new_string(st->d->name));
    json_object_object_add(o, "interface", st->iface->alias ? json_object_new_string(st->iface->alias) : NULL);
    json_object_object_add(o, "mac", st->iface->mac ? json_object_new_string(st->iface->mac) : NULL);
    json_object_object_add(o, "feature", feature ? json_object_new_string(feature) : NULL);
    json_object_object_add(o, "atom", atom ? json_object_new_string(atom) : NULL);
    json_object_object_add(o, "message", json_object_new_string(msg));
    json_object_array_add(st->problems, o);
    st->errors += error;
}

/* A bit pinned on that the platform does not offer, in words. */
static void check_feature(CheckState *st, const AbipinAbiFeature *f)
{
    const AbipinInterface *iface = st->iface;
    char text[512];

    if (f->why == ABIPIN_OFF_NO_PROPERTY) {
        check_report(st, true, f->feature->name, NULL,
                     _("%1$s: interface %2$s: %3$s is set, but the emulator (QEMU %4$s) has "
                       "no such property: QEMU would refuse to start"),
                     st->d->label, iface->label, f->feature->name,
                     st->ctx->platform->emulator_version);
        return;
    }
    if (f->pinned != ABIPIN_VALUE_ON || f->offered)
        return;
    check_report(st, true, f->feature->name, f->atom,
                 _("%1$s: interface %2$s: %3$s is pinned on, but the platform '%4$s' %5$s; re-pin "
                   "with --platform set to a profile this host satisfies or a cluster baseline"),
                 st->d->label, iface->label, f->feature->name, st->ctx->platform->name,
                 f->atom ? abipin_pin_describe_atom(st->ctx, f->atom, text, sizeof(text))
                         : _("never provides it on this backend"));
}

static int check_interface(CheckState *st, xmlNodePtr record, bool strict)
{
    const AbipinInterface *iface = st->iface;
    char unpinned[1024] = "";
    size_t n_unpinned = 0;
    char text[512];
    AbipinAbi abi;
    int r;

    if (streq_ptr(iface->driver, "vhost") &&
        !abipin_atom_set_has(st->ctx->platform->atoms, "vhost.net"))
        check_report(st, true, NULL, "vhost.net",
                     _("%1$s: interface %2$s: <driver name='vhost'> but the platform '%3$s' %4$s; "
                       "libvirt would refuse to start it"),
                     st->d->label, iface->label, st->ctx->platform->name,
                     abipin_pin_describe_atom(st->ctx, "vhost.net", text, sizeof(text)));
    if ((r = abipin_abi_compute(st->ctx, st->d, iface, &abi)) < 0)
        return r;
    for (size_t i = 0; i < abi.n_features; i++) {
        const AbipinAbiFeature *f = &abi.features[i];

        if (f->pinned != ABIPIN_VALUE_ABSENT || f->why == ABIPIN_OFF_NO_PROPERTY) {
            if (f->pinned != ABIPIN_VALUE_ABSENT)
                check_feature(st, f);
            continue;
        }
        if (n_unpinned++ < 6)
            snprintf(unpinned + strlen(unpinned), sizeof(unpinned) - strlen(unpinned), "%s%s",
                     n_unpinned > 1 ? ", " : "", f->feature->name);
    }
    abipin_abi_clear(&abi);
    if (!abipin_record_interface(record, iface) || n_unpinned ||
        (!iface->driver && (iface->backend == ABIPIN_BACKEND_TAP ||
                            iface->backend == ABIPIN_BACKEND_MACVTAP)))
        check_report(st, strict, NULL, NULL,
                     _("%1$s: interface %2$s is not pinned (%3$zu host-dependent features left to "
                       "the host%4$s%5$s); run 'abipin pin'"),
                     st->d->label, iface->label, n_unpinned, n_unpinned ? ": " : "", unpinned);
    return 0;
}

/**
 * abipin_check_domain:
 * @problems: a JSON array that receives one object per finding
 *
 * Can the platform honour every pin of @d: each feature pinned on has its
 * atoms for the interface's backend, vhost-net is there if pinned, and the
 * emulator knows each property the definition sets. Unpinned interfaces
 * are warnings (errors with @opts->strict). Returns the number of errors.
 */
int abipin_check_domain(const AbipinPinContext *ctx, const AbipinDomain *d,
                        const AbipinCheckOptions *opts, json_object *problems)
{
    CheckState st = { .ctx = ctx, .d = d, .problems = problems };
    xmlNodePtr record = abipin_domain_get_record(d);
    int r;

    for (size_t i = 0; i < d->n_ifaces; i++) {
        st.iface = &d->ifaces[i];
        if (!st.iface->virtio || st.iface->backend < 0)
            continue;
        if ((r = check_interface(&st, record, opts->strict)) < 0)
            return r;
    }
    return (int) st.errors;
}
