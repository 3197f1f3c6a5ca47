#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "abi.h"
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

void abipin_abi_clear(AbipinAbi *abi)
{
    free(abi->features);
    *abi = (AbipinAbi) { 0 };
}

static unsigned interface_queues(const AbipinInterface *iface)
{
    for (xmlNodePtr c = iface->node->children; c; c = c->next)
        if (abipin_xml_is(c, "driver")) {
            const char *q = abipin_xml_prop_static(c, "queues");

            return q ? (unsigned) strtoul(q, NULL, 10) : 1;
        }
    return 1;
}

/* One catalogue bit, as virtio_net_get_features decides it: the property
 * (the definition's value, else the machine type's default), then cleared
 * when the backend cannot provide it. */
static int abi_feature(const AbipinPinContext *ctx, const AbipinDomain *d,
                       const AbipinInterface *iface, bool vhost, AbipinVersion machine,
                       const AbipinFeature *f, const AbipinValue *configured,
                       AbipinAbiFeature *out)
{
    AbipinSupport sup;
    int r;

    *out = (AbipinAbiFeature) { .feature = f };
    if (configured)
        out->pinned = *configured;
    else if ((r = abipin_domain_get_feature(d, iface, f, &out->pinned)) < 0)
        return r;
    if (configured ? *configured == ABIPIN_VALUE_ABSENT : !abipin_emulator_knows(ctx, f)) {
        out->why = ABIPIN_OFF_NO_PROPERTY;
        return 0;
    }
    if (out->pinned == ABIPIN_VALUE_OFF) {
        out->why = ABIPIN_OFF_PINNED;
        return 0;
    }
    if (out->pinned == ABIPIN_VALUE_ABSENT && !abipin_feature_default(f, machine, ctx->qemu)) {
        out->why = f->default_on ? ABIPIN_OFF_MACHINE : ABIPIN_OFF_DEFAULT;
        return 0;
    }
    sup = abipin_feature_support(ctx, f, iface->backend, vhost, &out->atom);
    switch (sup) {
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
    return 0;
}

static int abi_compute(const AbipinPinContext *ctx, const AbipinDomain *d,
                       const AbipinInterface *iface, const AbipinValue *configured,
                       AbipinAbi *ret)
{
    AbipinAbi abi = { .iface = iface };
    bool kernel_backend = iface->backend == ABIPIN_BACKEND_TAP ||
                          iface->backend == ABIPIN_BACKEND_MACVTAP;
    AbipinVersion machine;
    int r;

    if ((r = abipin_domain_machine_version(ctx, d, &machine)) < 0)
        return r;
    abi.vhost = kernel_backend &&
                (iface->driver ? streq_ptr(iface->driver, "vhost")
                               : abipin_atom_set_has(ctx->platform->atoms, "vhost.net"));
    abi.features = calloc(ctx->cat->n_features + 1, sizeof(*abi.features));
    if (!abi.features)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    for (size_t i = 0; i < ctx->cat->n_features; i++) {
        r = abi_feature(ctx, d, iface, abi.vhost, machine, &ctx->cat->features[i],
                        configured ? &configured[i] : NULL, &abi.features[i]);
        if (r < 0) {
            abipin_abi_clear(&abi);
            return r;
        }
        abi.n_features++;
        if (abi.features[i].offered)
            bit_set(abi.offered, abi.features[i].feature->bit);
    }
    for (size_t i = 0; i < ctx->cat->n_base; i++) {
        const AbipinBaseBit *b = &ctx->cat->base[i];

        if (!abipin_version_in_range(ctx->qemu, b->qemu_min, b->qemu_max) ||
            (b->multiqueue && interface_queues(iface) < 2))
            continue;
        if (b->machine_min && machine < b->machine_min &&
            !(b->transitional_keeps && strcmp(iface->model, "virtio") != 0))
            continue;
        bit_set(abi.offered, b->bit);
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
    AbipinVersion machine;
    size_t n = 0;
    int r;

    if ((r = abipin_domain_machine_version(ctx, d, &machine)) < 0)
        return r;
    all = calloc(d->n_ifaces + 1, sizeof(*all));
    if (!all)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    for (size_t i = 0; i < d->n_ifaces && r >= 0; i++)
        if (d->ifaces[i].virtio && d->ifaces[i].backend >= 0 &&
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
