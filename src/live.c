#include <config.h>

#include <string.h>
#include <strings.h>

#include "abi.h"
#include "live.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

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
    _cleanup_(json_object_putp) json_object *cmd = abipin_json_object();
    _cleanup_(json_object_putp) json_object *reply = NULL;
    _cleanup_free_ char *text = NULL;
    enum json_tokener_error jerr;
    json_object *error, *value;
    int r;

    abipin_json_set(cmd, "execute", abipin_json_string(command));
    if (args)
        abipin_json_set(cmd, "arguments", args);
    if ((r = q->call(q->userdata, abipin_json_to_string(cmd, JSON_C_TO_STRING_PLAIN, NULL),
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
                                    _("%1$s: its QEMU has no QMP command %2$s"), q->domain,
                                    command);
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

static json_object *qom_args(const char *path, const char *property)
{
    json_object *args = abipin_json_object();

    abipin_json_set(args, "path", abipin_json_string(path));
    if (property)
        abipin_json_set(args, "property", abipin_json_string(property));
    return args;
}

static int qmp_version(const Qmp *q, char **ret)
{
    _cleanup_(json_object_putp) json_object *v = NULL;
    json_object *qemu;
    int r;

    if ((r = qmp_execute(q, "query-version", NULL, &v)) < 0)
        return r;
    if (!json_object_object_get_ex(v, "qemu", &qemu))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's query-version reply has no version"), q->domain);
    *ret = abipin_asprintf("%d.%d.%d", json_object_get_int(json_object_object_get(qemu, "major")),
                           json_object_get_int(json_object_object_get(qemu, "minor")),
                           json_object_get_int(json_object_object_get(qemu, "micro")));
    return 0;
}

/* The type of @name in a qom-list reply, or NULL. */
static const char *qom_type(json_object *props, const char *name)
{
    for (size_t i = 0; json_object_is_type(props, json_type_array) &&
                       i < json_object_array_length(props); i++) {
        json_object *prop = json_object_array_get_idx(props, i);

        if (streq_ptr(json_object_get_string(json_object_object_get(prop, "name")), name))
            return json_object_get_string(json_object_object_get(prop, "type"));
    }
    return NULL;
}

/* Is the device libvirt calls ALIAS a virtio-net proxy (virtio-net-pci,
 * -ccw, ...)? Its backend is then the child "virtio-backend", a
 * virtio-net-device (hw/virtio/virtio-pci.c, virtio_instance_init_common). */
static int device_is_virtio_net(const Qmp *q, const char *what, const char *alias,
                                const char *path)
{
    _cleanup_(json_object_putp) json_object *props = NULL;
    _cleanup_free_ char *proxy = abipin_asprintf("/machine/peripheral/%s", alias);
    int r;

    if ((r = qmp_execute(q, "qom-list", qom_args(proxy, NULL), &props)) < 0)
        return r;
    if (!streq_ptr(qom_type(props, "virtio-backend"), "child<virtio-net-device>"))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("%1$s: QEMU has no virtio-net device at %2$s"), what, path);
    return 0;
}

/* One boolean property of the device, as QEMU configured it. */
static int device_property(const Qmp *q, const char *what, const char *path, const char *name,
                           AbipinValue *ret)
{
    _cleanup_(json_object_putp) json_object *value = NULL;
    int r;

    if ((r = qmp_execute(q, "qom-get", qom_args(path, name), &value)) < 0)
        return r;
    if (!json_object_is_type(value, json_type_boolean))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's property %2$s is not a boolean"), what, name);
    *ret = json_object_get_boolean(value) ? ABIPIN_VALUE_ON : ABIPIN_VALUE_OFF;
    return 0;
}

/* The catalogue properties the device has (QEMU 7.2 has no host_uso) and
 * their values; ABSENT where it has none. */
static int device_properties(const Qmp *q, const AbipinCatalogue *cat, const char *what,
                             AbipinLiveDevice *dev, AbipinValue *configured)
{
    _cleanup_(json_object_putp) json_object *props = NULL;
    int r;

    if ((r = qmp_execute(q, "qom-list", qom_args(dev->path, NULL), &props)) < 0)
        return r;
    for (size_t i = 0; i < cat->n_features; i++) {
        configured[i] = ABIPIN_VALUE_ABSENT;
        if (!streq_ptr(qom_type(props, cat->features[i].name), "bool"))
            continue;
        if ((r = device_property(q, what, dev->path, cat->features[i].name, &configured[i])) < 0)
            return r;
        dev->known[i] = true;
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

static int live_device(const Qmp *q, const AbipinPinContext *ctx, const AbipinDomain *running,
                       const AbipinInterface *iface, AbipinLiveDevice *dev)
{
    AbipinValue configured[ABIPIN_MAX_FEATURES];
    AbipinAbi abi;
    char what[256];
    int r;

    snprintf(what, sizeof(what), _("%1$s: interface %2$s"), q->domain, iface->label);
    if (!iface->alias)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("%1$s: the running interface %2$s has no alias: libvirt "
                                  "gives every device of a running domain one"),
                                q->domain, iface->label);
    *dev = (AbipinLiveDevice) { .backend = iface->backend };
    dev->alias = abipin_strdup(iface->alias);
    dev->mac = abipin_strdup(iface->mac);
    dev->path = abipin_asprintf("/machine/peripheral/%s/virtio-backend", iface->alias);
    if ((r = device_is_virtio_net(q, what, iface->alias, dev->path)) < 0 ||
        (r = device_properties(q, ctx->cat, what, dev, configured)) < 0 ||
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
    Qmp q = { .call = call, .userdata = userdata, .domain = running->name };
    AbipinPinContext ctx;
    int r;

    if ((r = qmp_version(&q, &live->emulator_version)) < 0 ||
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
