#include <config.h>

#include <string.h>
#include <strings.h>

#include "abi.h"
#include "live.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

/* Frees @live and everything it holds; NULL is fine. */
void abipin_live_free(AbipinLive *live)
{
    if (!live)
        return;
    for (size_t i = 0; i < live->n_devices; i++) {
        free(live->devices[i].alias);
        free(live->devices[i].mac);
        free(live->devices[i].path);
    }
    free(live->devices);
    free(live->domain);
    free(live->emulator_version);
    free(live->machine);
    free(live->platform);
    free(live->digest);
    free(live);
}

/* Does the running device offer virtio feature @bit? */
bool abipin_live_offers(const AbipinLiveDevice *dev, unsigned bit)
{
    return bit < 128 && (dev->offered[bit / 64] >> (bit % 64) & 1);
}

/**
 * abipin_live_find:
 *
 * The running device of a persistent interface: by MAC (libvirt keeps it
 * from definition to start), else by a user alias both share.
 */
const AbipinLiveDevice *abipin_live_find(const AbipinLive *live, const AbipinInterface *iface)
{
    for (size_t i = 0; i < live->n_devices; i++) {
        const AbipinLiveDevice *dev = &live->devices[i];

        if (iface->mac ? dev->mac && strcasecmp(iface->mac, dev->mac) == 0
                       : streq_ptr(iface->alias, dev->alias))
            return dev;
    }
    return NULL;
}

/* ---- the device, through QMP -------------------------------------------------- */

/* Is the device libvirt calls ALIAS a virtio-net proxy (virtio-net-pci,
 * -ccw, ...)? Its backend is then the child "virtio-backend", a
 * virtio-net-device (hw/virtio/virtio-pci.c, virtio_instance_init_common). */
static int device_is_virtio_net(const AbipinQmp *q, const char *what, const char *alias,
                                const char *path)
{
    _cleanup_free_ char *proxy = abipin_asprintf("/machine/peripheral/%s", alias);
    _cleanup_free_ char *type = NULL;
    int r;

    if ((r = abipin_qmp_property_type(q, proxy, "virtio-backend", &type)) < 0)
        return r;
    if (!streq_ptr(type, "child<virtio-net-device>"))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("%1$s: QEMU has no virtio-net device at %2$s"), what, path);
    return 0;
}

/* The catalogue properties the device has (QEMU 7.2 has no host_uso) and
 * their values; ABSENT where it has none. */
static int device_properties(const AbipinQmp *q, const AbipinCatalogue *cat,
                             AbipinLiveDevice *dev, AbipinValue *configured)
{
    const char *names[ABIPIN_MAX_FEATURES];
    int values[ABIPIN_MAX_FEATURES];
    int r;

    for (size_t i = 0; i < cat->n_features; i++)
        names[i] = cat->features[i].name;
    if ((r = abipin_qmp_bool_properties(q, dev->path, names, cat->n_features, values)) < 0)
        return r;
    for (size_t i = 0; i < cat->n_features; i++) {
        dev->known[i] = values[i] >= 0;
        configured[i] = values[i] < 0 ? ABIPIN_VALUE_ABSENT
                        : values[i]   ? ABIPIN_VALUE_ON
                                      : ABIPIN_VALUE_OFF;
    }
    return 0;
}

/* A bit the model cannot decide is never guessed: refused. */
static int offered_decided(const AbipinPinContext *ctx, const char *what, const AbipinAbi *abi)
{
    char text[512];

    for (size_t i = 0; i < abi->n_features; i++) {
        const AbipinAbiFeature *f = &abi->features[i];

        if (f->external)
            return abipin_error_set(ABIPIN_ERR_REFUSED, -EOPNOTSUPP,
                                    _("%1$s: its backend process decides whether %2$s is "
                                      "offered, which abipin cannot read without QMP "
                                      "x-query-virtio-status; pin the definition with an "
                                      "explicit value or 'abipin pin --policy compat'"),
                                    what, f->feature->name);
        if (f->why == ABIPIN_OFF_UNKNOWN)
            return abipin_error_set(ABIPIN_ERR_ENV, -ENODATA,
                                    _("%1$s: cannot tell whether %2$s is offered: %3$s"), what,
                                    f->feature->name,
                                    abipin_pin_describe_atom(ctx, f->atom, text, sizeof(text)));
    }
    return 0;
}

static int live_device(const AbipinQmp *q, const AbipinPinContext *ctx, const AbipinDomain *running,
                       const AbipinInterface *iface, AbipinLiveDevice *dev)
{
    AbipinValue configured[ABIPIN_MAX_FEATURES];
    AbipinAbi abi;
    char what[256];
    int r;

    snprintf(what, sizeof(what), _("%1$s: interface %2$s"), q->what, iface->label);
    if (!iface->alias)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("%1$s: the running interface %2$s has no alias: libvirt "
                                  "gives every device of a running domain one"),
                                q->what, iface->label);
    *dev = (AbipinLiveDevice) { .backend = iface->backend };
    dev->alias = abipin_strdup(iface->alias);
    dev->mac = abipin_strdup(iface->mac);
    dev->path = abipin_asprintf("/machine/peripheral/%s/virtio-backend", iface->alias);
    if ((r = device_is_virtio_net(q, what, iface->alias, dev->path)) < 0 ||
        (r = device_properties(q, ctx->cat, dev, configured)) < 0 ||
        (r = abipin_abi_compute_device(ctx, running, iface, configured, &abi)) < 0)
        return r;
    r = offered_decided(ctx, what, &abi);
    dev->offered[0] = abi.offered[0];
    dev->offered[1] = abi.offered[1];
    dev->vhost = abi.vhost;
    abipin_abi_clear(&abi);
    return r;
}

static AbipinLive *live_new(const AbipinDomain *running, const AbipinProfile *host)
{
    AbipinLive *live = abipin_new0(AbipinLive, 1);

    live->devices = abipin_new0(AbipinLiveDevice, running->n_ifaces + 1);
    live->domain = abipin_strdup(running->name);
    live->machine = abipin_strdup(running->machine);
    live->platform = abipin_strdup(host->name);
    live->digest = abipin_platform_digest(host);
    return live;
}

/**
 * abipin_live_read:
 * @host: this host's profile: what its tap, macvtap and vhost-net can do
 * @running: the running definition (libvirt's live XML: aliases, MACs)
 * @call: sends one QMP command to the domain's QEMU, which must run on
 *        this host
 *
 * The QEMU version, and per virtio interface of @running the features its
 * device offers and the catalogue properties it has. QEMU is asked only
 * query-version, qom-list and qom-get: commands that read and that every
 * QEMU abipin supports answers.
 */
int abipin_live_read(const AbipinCatalogue *cat, const AbipinProfile *host,
                     const AbipinDomain *running, AbipinQmpFunc call, void *userdata,
                     AbipinLive **ret)
{
    _cleanup_(abipin_live_freep) AbipinLive *live = live_new(running, host);
    AbipinQmp q = { .call = call, .userdata = userdata, .what = running->name };
    AbipinPinContext ctx;
    int r;

    if ((r = abipin_qmp_query_version(&q, &live->emulator_version)) < 0 ||
        (r = abipin_pin_context_init_emulator(&ctx, cat, host, live->emulator_version)) < 0)
        return r;
    for (size_t i = 0; i < running->n_ifaces; i++) {
        const AbipinInterface *iface = &running->ifaces[i];

        if (!abipin_interface_pinnable(iface))
            continue;
        r = live_device(&q, &ctx, running, iface, &live->devices[live->n_devices++]);
        if (r < 0)
            return r;
    }
    *ret = TAKE_PTR(live);
    return 0;
}
