/* Open vSwitch asked about itself over its database socket (RFC 7047
 * JSON-RPC, one "transact" of two selects, nothing written), and a port's
 * vhost-user offer derived from the answer through the measured table of
 * probe/ovs-offers.c. See probe/ovs.h.
 *
 * JSON is the wire protocol here, not an output: json-c stays inside this
 * file, and the header speaks structs only.
 *
 * As for a vhost-user socket (probe/vhostuser.c): the socket must be one,
 * and root's or the caller's; every wait is bounded by
 * abipin_backend_timeout_ms(), because the hook asks too. A socket that
 * misbehaves is the environment's error (exit 3), naming it. */
#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "probe/ovs.h"
#include "probe/peer.h"
#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

/* An answer larger than this is not a database's answer to our question */
#define OVSDB_REPLY_MAX (4 * 1024 * 1024)

#define OVS_CLIENT_PORT "dpdkvhostuserclient"

static const char ovsdb_request[] =
    "{\"id\":0,\"method\":\"transact\",\"params\":[\"Open_vSwitch\","
    "{\"op\":\"select\",\"table\":\"Open_vSwitch\",\"where\":[],\"columns\":"
    "[\"ovs_version\",\"dpdk_version\",\"dpdk_initialized\",\"other_config\"]},"
    "{\"op\":\"select\",\"table\":\"Interface\",\"where\":[[\"type\",\"==\",\"" OVS_CLIENT_PORT
    "\"]],\"columns\":[\"name\",\"type\",\"options\"]}]}";

void abipin_ovs_info_clear(AbipinOvsInfo *info)
{
    free(info->ovs_version);
    free(info->dpdk_version);
    for (size_t i = 0; i < info->n_ports; i++) {
        free(info->ports[i].name);
        free(info->ports[i].type);
        free(info->ports[i].socket);
    }
    free(info->ports);
    *info = (AbipinOvsInfo) { 0 };
}

/**
 * abipin_ovsdb_socket:
 *
 * Where Open vSwitch's database listens: $ABIPIN_OVSDB_SOCKET, else
 * ABIPIN_OVSDB_SOCKET_DEFAULT (Debian's ovs-ctl).
 */
const char *abipin_ovsdb_socket(void)
{
    const char *s = getenv("ABIPIN_OVSDB_SOCKET");

    return s && *s ? s : ABIPIN_OVSDB_SOCKET_DEFAULT;
}

/* ---- the reply ---------------------------------------------------------- */

/* An optional column's value: a string, or the empty set ["set", []] */
static const char *ovsdb_string(json_object *v)
{
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A string-to-string map column, ["map", [[K, V], ...]]: the value of @key */
static const char *ovsdb_map_get(json_object *v, const char *key)
{
    json_object *pairs;

    if (!v || !json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2 ||
        !streq_ptr(ovsdb_string(json_object_array_get_idx(v, 0)), "map") ||
        !json_object_is_type(pairs = json_object_array_get_idx(v, 1), json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(pairs); i++) {
        json_object *kv = json_object_array_get_idx(pairs, i);

        if (json_object_is_type(kv, json_type_array) && json_object_array_length(kv) == 2 &&
            streq_ptr(ovsdb_string(json_object_array_get_idx(kv, 0)), key))
            return ovsdb_string(json_object_array_get_idx(kv, 1));
    }
    return NULL;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;

    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v)
               ? v
               : NULL;
}

static int reply_invalid(const char *socket, const char *what)
{
    return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                            _("OVSDB socket %1$s answered something that is not Open vSwitch's "
                              "database: %2$s"),
                            socket, what);
}

/* The rows of one select's result, or NULL (with the error set) */
static json_object *select_rows(const char *socket, json_object *result, size_t i)
{
    json_object *op = json_object_array_get_idx(result, i), *rows = get(op, "rows");
    const char *err = ovsdb_string(get(op, "error"));

    if (err) {
        abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                         _("OVSDB socket %1$s refused to read the Open_vSwitch database: %2$s"),
                         socket, err);
        return NULL;
    }
    if (!rows || !json_object_is_type(rows, json_type_array)) {
        reply_invalid(socket, "no rows");
        return NULL;
    }
    return rows;
}

static int reply_to_info(const char *socket, json_object *reply, AbipinOvsInfo *ret)
{
    _cleanup_(abipin_ovs_info_clear) AbipinOvsInfo info = { 0 };
    json_object *result = get(reply, "result"), *id = get(reply, "id"), *sys, *ifaces, *dpdk;
    const char *err = ovsdb_string(get(reply, "error")), *tso;

    if (!json_object_is_type(reply, json_type_object) || !id ||
        !json_object_is_type(id, json_type_int) || json_object_get_int64(id) != 0)
        return reply_invalid(socket, "no reply with id 0");
    if (err)
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("OVSDB socket %1$s refused to read the Open_vSwitch database: %2$s"),
                                socket, err);
    if (!result || !json_object_is_type(result, json_type_array) ||
        json_object_array_length(result) != 2)
        return reply_invalid(socket, "no result of two selects");
    if (!(sys = select_rows(socket, result, 0)) || !(ifaces = select_rows(socket, result, 1)))
        return -EPROTO;
    if (json_object_array_length(sys) != 1)
        return reply_invalid(socket, "not one Open_vSwitch row");
    sys = json_object_array_get_idx(sys, 0);
    if (ovsdb_string(get(sys, "ovs_version")))
        info.ovs_version = abipin_strdup(ovsdb_string(get(sys, "ovs_version")));
    if (ovsdb_string(get(sys, "dpdk_version")))
        info.dpdk_version = abipin_strdup(ovsdb_string(get(sys, "dpdk_version")));
    dpdk = get(sys, "dpdk_initialized");
    info.dpdk_initialized = dpdk && json_object_is_type(dpdk, json_type_boolean) &&
                            json_object_get_boolean(dpdk);
    /* lib/userspace-tso.c userspace_tso_init: smap_get_bool(..., false) */
    tso = ovsdb_map_get(get(sys, "other_config"), "userspace-tso-enable");
    info.tso = streq_ptr(tso, "true");
    for (size_t i = 0; i < json_object_array_length(ifaces); i++) {
        json_object *row = json_object_array_get_idx(ifaces, i);
        const char *name = ovsdb_string(get(row, "name")), *type = ovsdb_string(get(row, "type"));
        const char *path = ovsdb_map_get(get(row, "options"), "vhost-server-path");
        AbipinOvsPort *port;

        if (!name || !type)
            return reply_invalid(socket, "an Interface row without name or type");
        abipin_array_resize(info.ports, info.n_ports + 1);
        port = &info.ports[info.n_ports++];
        *port = (AbipinOvsPort) { .name = abipin_strdup(name),
                                  .type = abipin_strdup(type),
                                  .socket = path ? abipin_strdup(path) : NULL };
    }
    *ret = info;
    info = (AbipinOvsInfo) { 0 };
    return 0;
}

/**
 * abipin_ovs_parse_reply:
 * @socket: where @text came from (for messages)
 * @text: the database's whole answer to our transact
 *
 * Returns 0 with @ret filled, or an ENV error naming @socket.
 */
int abipin_ovs_parse_reply(const char *socket, const char *text, size_t len, AbipinOvsInfo *ret)
{
    _cleanup_(json_object_putp) json_object *reply = NULL;
    _cleanup_free_ char *copy = abipin_strndup(text, len);
    enum json_tokener_error jerr;

    if (strlen(copy) != len || !(reply = json_tokener_parse_verbose(copy, &jerr)))
        return reply_invalid(socket, "not JSON");
    return reply_to_info(socket, reply, ret);
}

/* ---- the socket --------------------------------------------------------- */

DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

/**
 * abipin_ovs_ask:
 * @socket: the database's socket (abipin_ovsdb_socket())
 *
 * Ask Open vSwitch what it is and which dpdkvhostuserclient ports it has.
 * Every failure is an ENV error naming @socket and what it did.
 */
int abipin_ovs_ask(const char *socket, AbipinOvsInfo *ret)
{
    _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
    _cleanup_(json_object_putp) json_object *reply = NULL;
    _cleanup_free_ char *label = abipin_asprintf(_("OVSDB socket %1$s"), socket);
    _cleanup_close_ int fd = -EBADF;
    size_t sent = 0, got = 0;
    AbipinPeer peer;
    int r;

    abipin_peer_init(&peer, socket, label, "ovsdb-server", abipin_backend_timeout_ms());
    if ((r = abipin_peer_check(&peer)) < 0 || (r = abipin_peer_connect(&peer, &fd)) < 0)
        return r;
    while (sent < sizeof(ovsdb_request) - 1) {
        ssize_t n;

        if ((r = abipin_peer_wait(&peer, fd, POLLOUT)) < 0)
            return r;
        n = send(fd, ovsdb_request + sent, sizeof(ovsdb_request) - 1 - sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                    _("OVSDB socket %1$s: cannot send the request: %2$s"), socket,
                                    strerror(errno));
        sent += (size_t) n;
    }
    tok = json_tokener_new();
    if (!tok)
        abipin_oom();
    while (!reply) {
        char buf[16384];
        ssize_t n;
        enum json_tokener_error jerr;

        if ((r = abipin_peer_wait(&peer, fd, POLLIN)) < 0)
            return r;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                    _("OVSDB socket %1$s: reading the answer: %2$s"), socket,
                                    strerror(errno));
        if (n == 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -ECONNRESET,
                                    _("OVSDB socket %1$s closed the connection without answering"),
                                    socket);
        if ((got += (size_t) n) > OVSDB_REPLY_MAX)
            return reply_invalid(socket, "an answer of more than 4 MiB");
        reply = json_tokener_parse_ex(tok, buf, (int) n);
        jerr = json_tokener_get_error(tok);
        if (!reply && jerr != json_tokener_continue)
            return reply_invalid(socket, "not JSON");
    }
    return reply_to_info(socket, reply, ret);
}

/* ---- the derivation ----------------------------------------------------- */

/**
 * abipin_ovs_port_find:
 *
 * The dpdkvhostuserclient port of @info whose vhost-server-path is @socket.
 */
const AbipinOvsPort *abipin_ovs_port_find(const AbipinOvsInfo *info, const char *socket)
{
    for (size_t i = 0; socket && i < info->n_ports; i++)
        if (streq_ptr(info->ports[i].type, OVS_CLIENT_PORT) &&
            streq_ptr(info->ports[i].socket, socket))
            return &info->ports[i];
    return NULL;
}

/* "DPDK 22.11.11" is of series "22.11" */
static bool dpdk_series(const char *version, const char *series)
{
    size_t n = strlen(series);

    if (!version || strncmp(version, "DPDK ", 5) != 0)
        return false;
    version += 5;
    return strncmp(version, series, n) == 0 && (version[n] == '.' || version[n] == '\0');
}

/**
 * abipin_ovs_derive:
 * @type: the port type ("dpdkvhostuserclient", "dpdkvhostuser")
 * @ret_features: what the port answers to GET_FEATURES, when derived
 * @why: how it was derived, or why it could not be (data: untranslated)
 *
 * Returns true when a measured row of probe/ovs-offers.c covers @info.
 */
bool abipin_ovs_derive(const AbipinOvsInfo *info, const char *type, uint64_t *ret_features,
                       char *why, size_t len)
{
    unsigned major, minor, patch;
    char end;

    if (!info->ovs_version) {
        snprintf(why, len, "Open vSwitch's database has no ovs_version (ovs-ctl writes it)");
        return false;
    }
    if (!info->dpdk_initialized) {
        snprintf(why, len, "OVS %s has not initialised DPDK (other_config:dpdk-init)",
                 info->ovs_version);
        return false;
    }
    if (sscanf(info->ovs_version, "%u.%u.%u%c", &major, &minor, &patch, &end) == 3)
        for (size_t i = 0; i < abipin_ovs_n_offers; i++) {
            const AbipinOvsOffer *o = &abipin_ovs_offers[i];

            if (o->major != major || o->minor != minor || patch < o->patch_min ||
                patch > o->patch_max || !dpdk_series(info->dpdk_version, o->dpdk) ||
                !streq_ptr(o->type, type) || o->tso != info->tso)
                continue;
            snprintf(why, len, "derived from OVS %s (%s), userspace-tso-enable=%s",
                     info->ovs_version, info->dpdk_version, info->tso ? "true" : "false");
            *ret_features = o->features;
            return true;
        }
    snprintf(why, len,
             "OVS %s (%s), userspace-tso-enable=%s: no measured row for %s ports, the offer is "
             "unknown",
             info->ovs_version, info->dpdk_version ? info->dpdk_version : "no dpdk_version",
             info->tso ? "true" : "false", type);
    return false;
}

/**
 * abipin_probe_ovs_port:
 * @name: the backend's name in @p; NULL: from the port's socket
 *
 * The backend serving @port's socket, its atoms derived from @info (or
 * unknown, with why).
 */
int abipin_probe_ovs_port(AbipinProfile *p, const AbipinCatalogue *cat, const AbipinOvsInfo *info,
                          const char *name, const AbipinOvsPort *port)
{
    const AbipinExternalBackend *b =
        abipin_backend_list_adopt(&p->backends, ABIPIN_BACKEND_VHOST_USER, name, port->socket);
    uint64_t features;
    char why[256];

    if (abipin_ovs_derive(info, port->type, &features, why, sizeof(why)))
        return abipin_backend_put_derived(p->atoms, cat, b, features, why);
    return abipin_backend_put_unknown(p->atoms, cat, b, why);
}

/**
 * abipin_probe_ovs_backend:
 * @name: the backend's name in the profile
 * @socket: the database's socket; NULL: abipin_ovsdb_socket()
 *
 * probe --ovs: one backend serving every dpdkvhostuserclient port's
 * socket, its atoms derived from what Open vSwitch says about itself.
 */
int abipin_probe_ovs_backend(AbipinProfile *p, const AbipinCatalogue *cat, const char *name,
                             const char *socket)
{
    _cleanup_(abipin_ovs_info_clear) AbipinOvsInfo info = { 0 };
    AbipinExternalBackend *b = NULL;
    const char *db = socket ? socket : abipin_ovsdb_socket();
    int r;

    if ((r = abipin_ovs_ask(db, &info)) < 0)
        return r;
    for (size_t i = 0; i < info.n_ports; i++) {
        const AbipinOvsPort *port = &info.ports[i];

        if (!streq_ptr(port->type, OVS_CLIENT_PORT) || !port->socket || port->socket[0] != '/')
            continue;
        if (!b) {
            if ((r = abipin_probe_ovs_port(p, cat, &info, name, port)) < 0)
                return r;
            b = (AbipinExternalBackend *) abipin_backend_list_match(
                &p->backends, ABIPIN_BACKEND_VHOST_USER, port->socket);
        } else {
            abipin_backend_add_path(b, port->socket);
        }
    }
    if (!b)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("OVSDB socket %1$s: Open vSwitch has no dpdkvhostuserclient port "
                                  "with options:vhost-server-path"),
                                db);
    return 0;
}
