#include <config.h>

#include <string.h>

#include "audit.h"
#include "util/i18n.h"

void abipin_audit_add(json_object *findings, const char *kind, const char *iface, const char *text)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "kind", json_object_new_string(kind));
    json_object_object_add(o, "interface", iface ? json_object_new_string(iface) : NULL);
    json_object_object_add(o, "message", json_object_new_string(text));
    json_object_array_add(findings, o);
}

/**
 * abipin_audit_domain:
 * @digest: abipin_platform_digest() of @ctx's platform, to tell stale pins
 * @findings: receives one object per finding
 *
 * Audit one definition against @ctx's platform.
 */
int abipin_audit_domain(const AbipinPinContext *ctx, const char *digest, const AbipinDomain *d,
                        json_object *findings)
{
    _cleanup_(json_object_putp) json_object *problems = json_object_new_array();
    AbipinCheckOptions copts = { .strict = false };
    const AbipinPinRecord *record = d->record;
    const char *pinned = record ? record->digest : NULL;
    char text[512];
    int r;

    if ((r = abipin_check_domain(ctx, d, &copts, problems)) < 0)
        return r;
    for (size_t i = 0; i < json_object_array_length(problems); i++) {
        json_object *p = json_object_array_get_idx(problems, i);
        bool error = strcmp(json_object_get_string(json_object_object_get(p, "severity")), "error") == 0;

        abipin_audit_add(findings, error ? "cannot-honour" : "unpinned",
                         json_object_get_string(json_object_object_get(p, "interface")),
                         json_object_get_string(json_object_object_get(p, "message")));
    }
    if (record && pinned && strcmp(pinned, digest) != 0) {
        snprintf(text, sizeof(text),
                 _("%1$s: pinned against '%2$s' (%3$s), whose atoms differ from '%4$s' (%5$s): re-pin"),
                 d->label, record->platform, pinned, ctx->platform->name,
                 digest);
        abipin_audit_add(findings, "stale", NULL, text);
    }
    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];

        if (!iface->virtio || iface->driver ||
            (iface->backend != ABIPIN_BACKEND_TAP && iface->backend != ABIPIN_BACKEND_MACVTAP))
            continue;
        snprintf(text, sizeof(text),
                 _("%1$s: interface %2$s has no <driver name=>: libvirt silently falls back to "
                   "userspace virtio-net where vhost-net is missing, changing the ABI"),
                 d->label, iface->label);
        abipin_audit_add(findings, "vhost-fallback", iface->alias, text);
    }
    return 0;
}

