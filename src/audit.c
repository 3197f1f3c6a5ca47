#include <config.h>

#include <string.h>

#include "audit.h"
#include "util/alloc.h"
#include "util/i18n.h"

static const char *const finding_kinds[_ABIPIN_FINDING_MAX] = {
    [ABIPIN_FINDING_CANNOT_HONOUR] = "cannot-honour",
    [ABIPIN_FINDING_UNPINNED] = "unpinned",
    [ABIPIN_FINDING_STALE] = "stale",
    [ABIPIN_FINDING_VHOST_FALLBACK] = "vhost-fallback",
    [ABIPIN_FINDING_UNKNOWN_MACHINE] = "unknown-machine",
    [ABIPIN_FINDING_UNREADABLE] = "unreadable",
    [ABIPIN_FINDING_NOT_MODELLED] = "not-modelled",
    [ABIPIN_FINDING_NOT_EVALUATED] = "not-evaluated",
};

const char *abipin_finding_kind_to_string(AbipinFindingKind kind)
{
    return kind >= 0 && kind < _ABIPIN_FINDING_MAX ? finding_kinds[kind] : NULL;
}

/**
 * abipin_finding_list_add:
 *
 * Append a finding to @l, with copies of @interface (may be NULL) and
 * @message.
 */
void abipin_finding_list_add(AbipinFindingList *l, AbipinFindingKind kind, const char *interface,
                             const char *message)
{
    abipin_array_resize(l->items, l->n + 1);
    l->items[l->n++] = (AbipinFinding) {
        .kind = kind,
        .interface = abipin_strdup(interface),
        .message = abipin_strdup(message),
    };
}

void abipin_finding_list_clear(AbipinFindingList *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].interface);
        free(l->items[i].message);
    }
    free(l->items);
    *l = (AbipinFindingList) { 0 };
}

/**
 * abipin_audit_domain:
 * @digest: abipin_platform_digest() of @ctx's platform, to tell stale pins
 * @findings: receives one finding each
 *
 * Audit one definition against @ctx's platform.
 */
int abipin_audit_domain(const AbipinPinContext *ctx, const char *digest, const AbipinDomain *d,
                        AbipinFindingList *findings)
{
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    AbipinCheckOptions copts = { .strict = false };
    const AbipinPinRecord *record = d->record;
    const char *pinned = record ? record->digest : NULL;
    char text[512];
    int r;

    if ((r = abipin_check_domain(ctx, d, &copts, &problems)) < 0)
        return r;
    for (size_t i = 0; i < problems.n; i++) {
        const AbipinProblem *p = &problems.items[i];

        abipin_finding_list_add(findings,
                                p->severity == ABIPIN_PROBLEM_ERROR ? ABIPIN_FINDING_CANNOT_HONOUR
                                                                    : ABIPIN_FINDING_UNPINNED,
                                p->interface, p->message);
    }
    if (record && pinned && strcmp(pinned, digest) != 0) {
        snprintf(text, sizeof(text),
                 _("%1$s: pinned against '%2$s' (%3$s), whose atoms differ from '%4$s' (%5$s): re-pin"),
                 d->label, record->platform, pinned, ctx->platform->name,
                 digest);
        abipin_finding_list_add(findings, ABIPIN_FINDING_STALE, NULL, text);
    }
    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];

        if (!iface->virtio || iface->driver || !abipin_backend_is_kernel(iface->backend))
            continue;
        snprintf(text, sizeof(text),
                 _("%1$s: interface %2$s has no <driver name=>: libvirt silently falls back to "
                   "userspace virtio-net where vhost-net is missing, changing the ABI"),
                 d->label, iface->label);
        abipin_finding_list_add(findings, ABIPIN_FINDING_VHOST_FALLBACK, iface->alias, text);
    }
    return 0;
}

