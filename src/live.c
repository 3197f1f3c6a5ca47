#include <config.h>

#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "live.h"
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

/* ---- decoding x-query-virtio-status ------------------------------------------ */

/* QEMU names a feature "NAME: description" (hw/virtio/virtio-qmp.c). Its
 * table has one wrong name: QEMU 10.0 labels bit 55 "VIRTIO_NET_F_GUEST_USO4:
 * Driver can receive USOv6", so the USO6 entry is known by its description. */
static const struct {
    const char *name;
    const char *description;
    unsigned bit;
} qmp_misnamed[] = {
    { "VIRTIO_NET_F_GUEST_USO4", "Driver can receive USOv6", 55 },
};

static bool name_is(const char *entry, size_t len, const char *name)
{
    return strlen(name) == len && strncmp(entry, name, len) == 0;
}

static int qmp_feature_bit(const AbipinCatalogue *cat, const char *entry)
{
    const char *colon = strchr(entry, ':');
    size_t len = colon ? (size_t) (colon - entry) : strlen(entry);
    const char *description = colon ? colon + 1 + strspn(colon + 1, " ") : "";

    for (size_t i = 0; i < ELEMENTSOF(qmp_misnamed); i++)
        if (name_is(entry, len, qmp_misnamed[i].name) &&
            strcmp(description, qmp_misnamed[i].description) == 0)
            return (int) qmp_misnamed[i].bit;
    for (size_t i = 0; i < cat->n_features; i++)
        if (name_is(entry, len, cat->features[i].macro))
            return (int) cat->features[i].bit;
    for (size_t i = 0; i < cat->n_base; i++)
        if (name_is(entry, len, cat->base[i].macro))
            return (int) cat->base[i].bit;
    return -1; /* not a bit abipin reasons about (VIRTIO_NET_F_MTU, ...) */
}

static int decode_list(const AbipinCatalogue *cat, json_object *list, const char *what,
                       uint64_t ret[2])
{
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        const char *entry = json_object_get_string(json_object_array_get_idx(list, i));
        int bit = entry ? qmp_feature_bit(cat, entry) : -1;

        if (bit < 0 || bit >= 128)
            continue;
        /* Never guess: a name QEMU uses for two bits cannot tell them apart. */
        if (ret[bit / 64] >> (bit % 64) & 1)
            return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                    _("%1$s: QEMU reports '%2$s' for two feature bits; abipin "
                                      "cannot tell which of them is offered"),
                                    what, entry);
        ret[bit / 64] |= 1ULL << (bit % 64);
    }
    return 0;
}

/**
 * abipin_qmp_decode_features:
 * @features: a VirtioDeviceFeatures object of x-query-virtio-status
 *            ({"transports": [...], "dev-features": [...],
 *            "unknown-dev-features": N})
 * @what: names the device in messages
 * @ret: the bits, 0..127
 *
 * Names are mapped through the catalogue (its features and base bits);
 * bits QEMU itself cannot name arrive as the number unknown-dev-features
 * (QEMU 7.2 reports VIRTIO_F_RING_RESET, bit 40, that way).
 */
int abipin_qmp_decode_features(const AbipinCatalogue *cat, json_object *features,
                               const char *what, uint64_t ret[2])
{
    json_object *transports, *dev, *unknown;
    int r;

    ret[0] = ret[1] = 0;
    if (!json_object_is_type(features, json_type_object) ||
        !json_object_object_get_ex(features, "transports", &transports) ||
        !json_object_is_type(transports, json_type_array))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's feature list has no 'transports'"), what);
    if (json_object_object_get_ex(features, "dev-features", &dev) &&
        !json_object_is_type(dev, json_type_array))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's 'dev-features' is not a list"), what);
    if ((r = decode_list(cat, transports, what, ret)) < 0 ||
        (r = decode_list(cat, dev, what, ret)) < 0)
        return r;
    if (json_object_object_get_ex(features, "unknown-dev-features", &unknown))
        ret[0] |= json_object_get_uint64(unknown);
    return 0;
}

static bool features_empty(json_object *features)
{
    json_object *list, *unknown;

    return !(json_object_object_get_ex(features, "transports", &list) &&
             json_object_array_length(list) > 0) &&
           !(json_object_object_get_ex(features, "dev-features", &list) &&
             json_object_array_length(list) > 0) &&
           !(json_object_object_get_ex(features, "unknown-dev-features", &unknown) &&
             json_object_get_uint64(unknown) != 0);
}

/* ---- QMP ------------------------------------------------------------------------ */

typedef struct {
    AbipinQmpFunc call;
    void *userdata;
    const char *domain;
} Qmp;

/**
 * qmp_execute:
 * @ret: the reply's "return" member
 *
 * One command. A QMP error is an environment error naming the command;
 * CommandNotFound means a QEMU older than the command.
 */
static int qmp_execute(const Qmp *q, const char *command, json_object *args, json_object **ret)
{
    _cleanup_(json_object_putp) json_object *cmd = json_object_new_object();
    _cleanup_(json_object_putp) json_object *reply = NULL;
    _cleanup_free_ char *text = NULL;
    enum json_tokener_error jerr;
    json_object *error, *value;
    int r;

    json_object_object_add(cmd, "execute", json_object_new_string(command));
    if (args)
        json_object_object_add(cmd, "arguments", args);
    if ((r = q->call(q->userdata, json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN),
                     &text)) < 0)
        return r;
    reply = json_tokener_parse_verbose(text, &jerr);
    if (!json_object_is_type(reply, json_type_object))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's reply to %2$s is not a JSON object"), q->domain,
                                command);
    if (json_object_object_get_ex(reply, "error", &error)) {
        json_object *cls = json_object_object_get(error, "class");
        const char *desc = json_object_get_string(json_object_object_get(error, "desc"));

        if (streq_ptr(json_object_get_string(cls), "CommandNotFound"))
            return abipin_error_set(ABIPIN_ERR_ENV, -EOPNOTSUPP,
                                    _("%1$s: its QEMU has no QMP command %2$s "
                                      "(x-query-virtio-status needs QEMU 7.2 or newer)"),
                                    q->domain, command);
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("%1$s: QEMU refused %2$s: %3$s"),
                                q->domain, command, desc ? desc : "?");
    }
    if (!json_object_object_get_ex(reply, "return", &value))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's reply to %2$s has no 'return'"), q->domain,
                                command);
    *ret = json_object_get(value);
    return 0;
}

static json_object *path_args(const char *path)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "path", json_object_new_string(path));
    return args;
}

static int qmp_version(const Qmp *q, char **ret)
{
    _cleanup_(json_object_putp) json_object *v = NULL;
    json_object *qemu;
    int r;

    if ((r = qmp_execute(q, "query-version", NULL, &v)) < 0)
        return r;
    if (!json_object_object_get_ex(v, "qemu", &qemu) ||
        asprintf(ret, "%d.%d.%d", json_object_get_int(json_object_object_get(qemu, "major")),
                 json_object_get_int(json_object_object_get(qemu, "minor")),
                 json_object_get_int(json_object_object_get(qemu, "micro"))) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's query-version reply has no version"), q->domain);
    return 0;
}

/* Is @path one of the virtio-net devices x-query-virtio lists? */
static bool virtio_net_listed(json_object *list, const char *path)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *d = json_object_array_get_idx(list, i);

        if (streq_ptr(json_object_get_string(json_object_object_get(d, "path")), path) &&
            streq_ptr(json_object_get_string(json_object_object_get(d, "name")), "virtio-net"))
            return true;
    }
    return false;
}

/* Which catalogue properties the device has: QEMU 7.2 has no host_uso. */
static int device_properties(const Qmp *q, const AbipinCatalogue *cat, AbipinLiveDevice *dev)
{
    _cleanup_(json_object_putp) json_object *props = NULL;
    int r;

    if ((r = qmp_execute(q, "qom-list", path_args(dev->path), &props)) < 0)
        return r;
    for (size_t i = 0; i < json_object_array_length(props); i++) {
        json_object *prop = json_object_array_get_idx(props, i);
        const char *name = json_object_get_string(json_object_object_get(prop, "name"));
        const AbipinFeature *f = name ? abipin_catalogue_find(cat, name) : NULL;

        if (f)
            dev->known[f - cat->features] = true;
    }
    return 0;
}

static int device_status(const Qmp *q, const AbipinCatalogue *cat, const AbipinInterface *iface,
                         AbipinLiveDevice *dev)
{
    _cleanup_(json_object_putp) json_object *status = NULL;
    json_object *host, *backend;
    char what[256];
    int r;

    snprintf(what, sizeof(what), _("%1$s: interface %2$s"), q->domain, iface->label);
    if ((r = qmp_execute(q, "x-query-virtio-status", path_args(dev->path), &status)) < 0)
        return r;
    if (!json_object_object_get_ex(status, "host-features", &host))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: x-query-virtio-status has no host-features"), what);
    if ((r = abipin_qmp_decode_features(cat, host, what, dev->offered)) < 0)
        return r;
    /* virtio_net_get_features (hw/net/virtio-net.c) sets backend_features
     * only after vhost_net_get_features masked the bits: empty without vhost */
    dev->vhost = json_object_object_get_ex(status, "backend-features", &backend) &&
                 !features_empty(backend);
    return 0;
}

static int live_device(const Qmp *q, const AbipinCatalogue *cat, const AbipinInterface *iface,
                       json_object *listed, AbipinLiveDevice *dev)
{
    int r;

    if (!iface->alias)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("%1$s: the running interface %2$s has no alias: libvirt "
                                  "gives every device of a running domain one"),
                                q->domain, iface->label);
    *dev = (AbipinLiveDevice) { .backend = iface->backend };
    dev->alias = strdup(iface->alias);
    dev->mac = iface->mac ? strdup(iface->mac) : NULL;
    if (!dev->alias || (iface->mac && !dev->mac) ||
        asprintf(&dev->path, "/machine/peripheral/%s/virtio-backend", iface->alias) < 0) {
        dev->path = NULL;
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    }
    if (!virtio_net_listed(listed, dev->path))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("%1$s: interface %2$s: QEMU has no virtio-net device at %3$s"),
                                q->domain, iface->label, dev->path);
    if ((r = device_properties(q, cat, dev)) < 0)
        return r;
    return device_status(q, cat, iface, dev);
}

/**
 * abipin_live_read:
 * @running: the running definition (libvirt's live XML: aliases, MACs)
 * @call: sends one QMP command to the domain's QEMU
 *
 * The QEMU version, and per virtio interface of @running the features its
 * device offers and the catalogue properties it has.
 */
int abipin_live_read(const AbipinCatalogue *cat, const AbipinDomain *running, AbipinQmpFunc call,
                     void *userdata, AbipinLive **ret)
{
    _cleanup_(abipin_live_freep) AbipinLive *live = calloc(1, sizeof(AbipinLive));
    _cleanup_(json_object_putp) json_object *listed = NULL;
    Qmp q = { .call = call, .userdata = userdata, .domain = running->name };
    int r;

    if (!live || !(live->devices = calloc(running->n_ifaces + 1, sizeof(AbipinLiveDevice))) ||
        !(live->domain = strdup(running->name)) ||
        (running->machine && !(live->machine = strdup(running->machine))))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    if ((r = qmp_version(&q, &live->emulator_version)) < 0 ||
        (r = qmp_execute(&q, "x-query-virtio", NULL, &listed)) < 0)
        return r;
    for (size_t i = 0; i < running->n_ifaces; i++) {
        const AbipinInterface *iface = &running->ifaces[i];

        if (!iface->virtio || iface->backend < 0)
            continue;
        r = live_device(&q, cat, iface, listed, &live->devices[live->n_devices++]);
        if (r < 0)
            return r;
    }
    *ret = TAKE_PTR(live);
    return 0;
}
