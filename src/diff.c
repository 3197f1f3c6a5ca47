#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "diff.h"
#include "featmsg.h"
#include "util/alloc.h"

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
    s->matched = abipin_new0(bool, s->n + 1);
    return 0;
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

static AbipinDiffChange *diff_add(AbipinDiff *diff, const char *iface, const char *what,
                                  const char *a, const char *b)
{
    abipin_array_resize(diff->changes, diff->n_changes + 1);
    diff->changes[diff->n_changes] = (AbipinDiffChange) {
        .interface = abipin_strdup(iface),
        .what = abipin_strdup(what),
        .a = abipin_strdup(a),
        .b = abipin_strdup(b),
    };
    return &diff->changes[diff->n_changes++];
}

/* A pinned value as diff names it; "unset" when the definition has none. */
static const char *diff_pinned_string(AbipinValue v)
{
    return v == ABIPIN_VALUE_ON ? "on" : v == ABIPIN_VALUE_OFF ? "off" : "unset";
}

/* A guest that negotiated every bit @x offers cannot arrive at @y: what
 * it loses, over all 128 bits, and the line B's QEMU prints, in its
 * version's format. From QEMU 10.2 that line shows none of the lost bits
 * (featmsg.c): "hidden" says so. */
static void diff_verdict(const AbipinAbi *x, const DiffSide *b, const AbipinAbi *y,
                         const uint64_t lost[2], const uint64_t untold[2], AbipinDiff *diff)
{
    bool wide = abipin_featmsg_wide(b->ctx->qemu);
    char msg[160];

    abipin_featmsg_format(b->ctx->qemu, x->offered, y->offered, msg, sizeof(msg));
    abipin_array_resize(diff->verdicts, diff->n_verdicts + 1);
    diff->verdicts[diff->n_verdicts++] = (AbipinDiffVerdict) {
        .interface = abipin_strdup(x->iface->label),
        .unsupported = { lost[0], lost[1] },
        .untold = { untold[0], untold[1] },
        .qemu_error = abipin_strdup(msg),
        .wide = wide,
        .hidden = abipin_featmsg_masks_guest(wide),
    };
}

/* A bit as diff names it: "unknown" where an external process nobody
 * asked decides it (the vector counts it, as QEMU would if it offered) */
static const char *diff_bit_state(const AbipinAbi *abi, unsigned bit)
{
    if (abi->external[bit / 64] >> (bit % 64) & 1)
        return "unknown";
    return abipin_abi_has(abi, bit) ? "offered" : "not offered";
}

static void diff_pair(const DiffSide *a, const AbipinAbi *x, const DiffSide *b, const AbipinAbi *y,
                      AbipinDiff *diff)
{
    const char *label = x->iface->label;
    const uint64_t lost[2] = { x->offered[0] & ~y->offered[0], x->offered[1] & ~y->offered[1] };
    /* what A's backend offers and B's would decide, nobody having asked
     * it: no promise either way (where neither was asked, the two sides
     * state the same and differ in nothing abipin knows) */
    const uint64_t untold[2] = { x->offered[0] & ~x->external[0] & y->external[0],
                                 x->offered[1] & ~x->external[1] & y->external[1] };

    if (x->iface->backend != y->iface->backend)
        diff_add(diff, label, "backend", abipin_backend_to_string(x->iface->backend),
                 abipin_backend_to_string(y->iface->backend));
    if (x->vhost != y->vhost)
        diff_add(diff, label, "driver", x->vhost ? "vhost" : "qemu", y->vhost ? "vhost" : "qemu");
    for (size_t k = 0; k < x->n_features && k < y->n_features; k++)
        if (x->features[k].pinned != y->features[k].pinned)
            diff_add(diff, label, x->features[k].feature->name,
                     diff_pinned_string(x->features[k].pinned),
                     diff_pinned_string(y->features[k].pinned));
    for (unsigned bit = 0; bit < 128; bit++)
        if (strcmp(diff_bit_state(x, bit), diff_bit_state(y, bit)) != 0) {
            const char *name = abipin_catalogue_bit_name(a->ctx->cat, bit);
            char what[128], why[1024];
            const char *cause = abipin_abi_has(x, bit) && !abipin_abi_has(y, bit)
                                    ? abipin_abi_why_not(b->ctx, y, bit, "B", why, sizeof(why))
                                : !abipin_abi_has(x, bit)
                                    ? abipin_abi_why_not(a->ctx, x, bit, "A", why, sizeof(why))
                                    : NULL;

            snprintf(what, sizeof(what), "bit %u %s", bit, name ? name : "?");
            diff_add(diff, label, what, diff_bit_state(x, bit), diff_bit_state(y, bit))->cause =
                abipin_strdup(cause);
        }
    if (lost[0] || lost[1] || untold[0] || untold[1])
        diff_verdict(x, b, y, lost, untold, diff);
}

/**
 * abipin_diff_clear:
 *
 * Free what abipin_diff_domains put in @diff and empty it.
 */
void abipin_diff_clear(AbipinDiff *diff)
{
    for (size_t i = 0; i < diff->n_changes; i++) {
        free(diff->changes[i].interface);
        free(diff->changes[i].what);
        free(diff->changes[i].a);
        free(diff->changes[i].b);
        free(diff->changes[i].cause);
    }
    for (size_t i = 0; i < diff->n_verdicts; i++) {
        free(diff->verdicts[i].interface);
        free(diff->verdicts[i].qemu_error);
    }
    free(diff->changes);
    free(diff->verdicts);
    *diff = (AbipinDiff) { 0 };
}

/**
 * abipin_diff_domains:
 * @ret: receives one change per difference, and one verdict per interface
 *       whose guest cannot migrate from @a to @b, with the error QEMU would
 *       print; abipin_diff_clear() frees them, also after a failure
 *
 * Compare @a on @ctx_a's platform with @b on @ctx_b's. Interfaces are paired
 * by MAC, then alias, then order.
 */
int abipin_diff_domains(const AbipinPinContext *ctx_a, const AbipinDomain *a,
                        const AbipinPinContext *ctx_b, const AbipinDomain *b, AbipinDiff *ret)
{
    DiffSide sa = { .ctx = ctx_a, .d = a }, sb = { .ctx = ctx_b, .d = b };
    const char *ma, *mb;
    int r;

    if ((r = diff_side_compute(&sa)) < 0 || (r = diff_side_compute(&sb)) < 0)
        goto out;
    ma = abipin_profile_resolve_machine(ctx_a->platform, a->machine);
    mb = abipin_profile_resolve_machine(ctx_b->platform, b->machine);
    if (strcmp(ma, mb) != 0)
        diff_add(ret, NULL, "machine", ma, mb);
    for (size_t i = 0; i < sa.n; i++) {
        int j = diff_match(&sa, i, &sb);

        if (j < 0) {
            diff_add(ret, sa.abi[i].iface->label, "interface", "present", "removed");
            continue;
        }
        sb.matched[j] = true;
        diff_pair(&sa, &sa.abi[i], &sb, &sb.abi[j], ret);
    }
    for (size_t j = 0; j < sb.n; j++)
        if (!sb.matched[j])
            diff_add(ret, sb.abi[j].iface->label, "interface", "absent", "added");
out:
    diff_side_clear(&sa);
    diff_side_clear(&sb);
    return r;
}
