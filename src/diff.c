#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "diff.h"
#include "featmsg.h"
#include "util/error.h"
#include "util/i18n.h"

typedef struct {
    const AbipinPinContext *ctx;
    const AbipinDomain *d;
    AbipinAbi *abi;
    size_t n;
    bool *matched;
} DiffSide;

static void diff_side_clear(DiffSide *s)
{
    abipin_abi_free_all(s->abi, s->n);
    free(s->matched);
}

static int diff_side_compute(DiffSide *s)
{
    int r = abipin_abi_compute_all(s->ctx, s->d, &s->abi, &s->n);

    if (r < 0)
        return r;
    s->matched = calloc(s->n + 1, sizeof(bool));
    return s->matched ? 0 : abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
}

/* B's interface for A's @i: same MAC, else same alias, else the next
 * unmatched one in order. */
static int diff_match(const DiffSide *a, size_t i, const DiffSide *b)
{
    const AbipinInterface *x = a->abi[i].iface;

    for (int pass = 0; pass < 3; pass++)
        for (size_t j = 0; j < b->n; j++) {
            const AbipinInterface *y = b->abi[j].iface;

            if (b->matched[j])
                continue;
            if ((pass == 0 && x->mac && streq_ptr(x->mac, y->mac)) ||
                (pass == 1 && x->alias && streq_ptr(x->alias, y->alias)) ||
                (pass == 2 && !x->mac && !y->mac))
                return (int) j;
        }
    return -1;
}

static void diff_add(json_object *changes, const char *iface, const char *what, const char *a,
                     const char *b)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "interface", iface ? json_object_new_string(iface) : NULL);
    json_object_object_add(o, "what", json_object_new_string(what));
    json_object_object_add(o, "a", a ? json_object_new_string(a) : NULL);
    json_object_object_add(o, "b", b ? json_object_new_string(b) : NULL);
    json_object_array_add(changes, o);
}

static const char *value_string(AbipinValue v)
{
    return v == ABIPIN_VALUE_ON ? "on" : v == ABIPIN_VALUE_OFF ? "off" : "unset";
}

/* A guest that negotiated every bit @x offers cannot arrive at @y: what
 * it loses, over all 128 bits, and the line B's QEMU prints, in its
 * version's format. From QEMU 10.2 that line shows none of the lost bits
 * (featmsg.c): "hidden" says so. */
static void diff_verdict(const DiffSide *a, const AbipinAbi *x, const DiffSide *b, const AbipinAbi *y,
                         const uint64_t lost[2], json_object *verdicts)
{
    json_object *v = json_object_new_object(), *bits = json_object_new_array();
    bool wide = abipin_featmsg_wide(b->ctx->qemu);
    char hex[40], msg[160];

    json_object_object_add(v, "interface", json_object_new_string(x->iface->label));
    abipin_features_hex(lost, lost[1] != 0, hex, sizeof(hex));
    json_object_object_add(v, "unsupported", json_object_new_string(hex));
    for (unsigned bit = 0; bit < 128; bit++)
        if (lost[bit / 64] >> (bit % 64) & 1) {
            const char *name = abipin_catalogue_bit_name(a->ctx->cat, bit);
            json_object *o = json_object_new_object();

            json_object_object_add(o, "bit", json_object_new_int((int) bit));
            json_object_object_add(o, "name", name ? json_object_new_string(name) : NULL);
            json_object_array_add(bits, o);
        }
    json_object_object_add(v, "bits", bits);
    abipin_featmsg_format(b->ctx->qemu, x->offered, y->offered, msg, sizeof(msg));
    json_object_object_add(v, "qemu_error", json_object_new_string(msg));
    json_object_object_add(v, "qemu_format", json_object_new_string(wide ? "128-bit" : "64-bit"));
    json_object_object_add(v, "hidden", json_object_new_boolean(abipin_featmsg_masks_guest(wide)));
    json_object_array_add(verdicts, v);
}

static void diff_pair(const DiffSide *a, const AbipinAbi *x, const DiffSide *b, const AbipinAbi *y,
                      json_object *changes, json_object *verdicts)
{
    const char *label = x->iface->label;
    const uint64_t lost[2] = { x->offered[0] & ~y->offered[0], x->offered[1] & ~y->offered[1] };

    if (x->iface->backend != y->iface->backend)
        diff_add(changes, label, "backend", abipin_backend_to_string(x->iface->backend),
                 abipin_backend_to_string(y->iface->backend));
    if (x->vhost != y->vhost)
        diff_add(changes, label, "driver", x->vhost ? "vhost" : "qemu", y->vhost ? "vhost" : "qemu");
    for (size_t k = 0; k < x->n_features && k < y->n_features; k++)
        if (x->features[k].pinned != y->features[k].pinned)
            diff_add(changes, label, x->features[k].feature->name, value_string(x->features[k].pinned),
                     value_string(y->features[k].pinned));
    for (unsigned bit = 0; bit < 128; bit++)
        if (abipin_abi_has(x, bit) != abipin_abi_has(y, bit)) {
            const char *name = abipin_catalogue_bit_name(a->ctx->cat, bit);
            char what[128];

            snprintf(what, sizeof(what), "bit %u %s", bit, name ? name : "?");
            diff_add(changes, label, what, abipin_abi_has(x, bit) ? "offered" : "not offered",
                     abipin_abi_has(y, bit) ? "offered" : "not offered");
        }
    if (lost[0] || lost[1])
        diff_verdict(a, x, b, y, lost, verdicts);
}

/**
 * abipin_diff_domains:
 * @changes: receives one object per difference
 * @verdicts: receives one object per interface whose guest cannot migrate
 *            from @a to @b, with the error QEMU would print
 *
 * Compare @a on @ctx_a's platform with @b on @ctx_b's. Interfaces are paired
 * by MAC, then alias, then order.
 */
int abipin_diff_domains(const AbipinPinContext *ctx_a, const AbipinDomain *a,
                        const AbipinPinContext *ctx_b, const AbipinDomain *b, json_object *changes,
                        json_object *verdicts)
{
    DiffSide sa = { .ctx = ctx_a, .d = a }, sb = { .ctx = ctx_b, .d = b };
    const char *ma, *mb;
    int r;

    if ((r = diff_side_compute(&sa)) < 0 || (r = diff_side_compute(&sb)) < 0)
        goto out;
    ma = abipin_profile_resolve_machine(ctx_a->platform, a->machine);
    mb = abipin_profile_resolve_machine(ctx_b->platform, b->machine);
    if (strcmp(ma, mb) != 0)
        diff_add(changes, NULL, "machine", ma, mb);
    for (size_t i = 0; i < sa.n; i++) {
        int j = diff_match(&sa, i, &sb);

        if (j < 0) {
            diff_add(changes, sa.abi[i].iface->label, "interface", "present", "removed");
            continue;
        }
        sb.matched[j] = true;
        diff_pair(&sa, &sa.abi[i], &sb, &sb.abi[j], changes, verdicts);
    }
    for (size_t j = 0; j < sb.n; j++)
        if (!sb.matched[j])
            diff_add(changes, sb.abi[j].iface->label, "interface", "absent", "added");
out:
    diff_side_clear(&sa);
    diff_side_clear(&sb);
    return r;
}
