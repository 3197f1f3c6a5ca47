/* Asking a vhost-user backend what it offers, the way QEMU asks it at
 * start-up (hw/virtio/vhost-user.c, vhost_user_backend_init):
 * VHOST_USER_GET_FEATURES and, when the backend offers
 * VHOST_USER_F_PROTOCOL_FEATURES, VHOST_USER_GET_PROTOCOL_FEATURES, on a
 * connection of abipin's own, closed right after. A backend that listens
 * (DPDK's vhost library, QEMU's <source mode='client'>) serves each
 * connection as its own device: the session a running guest has is not
 * touched (measured with dpdk-testpmd 22.11, tests/vhost-user.sh). Nothing
 * else is sent: no SET_OWNER, no memory table, no ring.
 *
 * Who may answer, and within what time: probe/peer.h. */
#include <config.h>

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "probe/ovs.h"
#include "probe/peer.h"
#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

/* docs/interop/vhost-user.rst */
#define VHOST_USER_GET_FEATURES 1
#define VHOST_USER_GET_PROTOCOL_FEATURES 15
#define VHOST_USER_VERSION 0x1
#define VHOST_USER_VERSION_MASK 0x3
#define VHOST_USER_REPLY_MASK (1u << 2)
#define VHOST_USER_F_PROTOCOL_FEATURES 30

typedef struct {
    uint32_t request;
    uint32_t flags;
    uint32_t size;
} __attribute__((packed)) VhostUserHeader;

typedef struct {
    VhostUserHeader hdr;
    uint64_t u64;
} __attribute__((packed)) VhostUserU64;

/**
 * abipin_backend_timeout_ms:
 *
 * How long a backend has to answer, all questions together: 2 s, or
 * $ABIPIN_BACKEND_TIMEOUT seconds.
 */
long abipin_backend_timeout_ms(void)
{
    return abipin_timeout_ms_from_env("ABIPIN_BACKEND_TIMEOUT", 2000);
}

/* One request without payload, one u64 reply, as the protocol has it. */
static int backend_get_u64(int fd, uint32_t request, const char *name, const AbipinPeer *peer,
                           uint64_t *ret)
{
    const char *path = peer->path;
    VhostUserHeader req = { .request = request, .flags = VHOST_USER_VERSION };
    VhostUserU64 reply;
    size_t got = 0;
    int r;

    if (send(fd, &req, sizeof(req), MSG_NOSIGNAL) != (ssize_t) sizeof(req))
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO,
                                _("vhost-user socket %1$s: cannot send %2$s: %3$s"), path, name,
                                strerror(errno));
    while (got < sizeof(reply)) {
        ssize_t n;

        if ((r = abipin_peer_wait(peer, fd, POLLIN)) < 0)
            return r;
        n = recv(fd, (char *) &reply + got, sizeof(reply) - got, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                    _("vhost-user socket %1$s: reading the answer to %2$s: %3$s"),
                                    path, name, strerror(errno));
        if (n == 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -ECONNRESET,
                                    _("vhost-user socket %1$s closed the connection without answering "
                                      "%2$s (a backend that serves one connection only, and has a "
                                      "guest?)"),
                                    path, name);
        got += (size_t) n;
    }
    if (reply.hdr.request != request ||
        (reply.hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
        !(reply.hdr.flags & VHOST_USER_REPLY_MASK) || reply.hdr.size != sizeof(uint64_t))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("vhost-user socket %1$s answered %2$s with something else (request "
                                  "%3$u, flags 0x%4$x, size %5$u): not a vhost-user backend"),
                                path, name, reply.hdr.request, reply.hdr.flags, reply.hdr.size);
    *ret = reply.u64;
    return 0;
}

/**
 * abipin_vhost_user_ask:
 * @path: the socket a backend listens on
 * @ret: what it offers
 *
 * See the top of this file. Every failure is an ENV error naming the
 * socket and what it did.
 */
int abipin_vhost_user_ask(const char *path, AbipinVhostUserOffer *ret)
{
    _cleanup_free_ char *label = abipin_asprintf(_("vhost-user socket %1$s"), path);
    _cleanup_close_ int fd = -EBADF;
    AbipinVhostUserOffer offer = { 0 };
    AbipinPeer peer;
    int r;

    abipin_peer_init(&peer, path, label, _("its backend"), abipin_backend_timeout_ms());
    if ((r = abipin_peer_check(&peer)) < 0 || (r = abipin_peer_connect(&peer, &fd)) < 0 ||
        (r = backend_get_u64(fd, VHOST_USER_GET_FEATURES, "GET_FEATURES", &peer,
                             &offer.features)) < 0)
        return r;
    if (offer.features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)) {
        if ((r = backend_get_u64(fd, VHOST_USER_GET_PROTOCOL_FEATURES, "GET_PROTOCOL_FEATURES",
                                 &peer, &offer.protocol_features)) < 0)
            return r;
        offer.has_protocol = true;
    }
    *ret = offer;
    return 0;
}

/**
 * abipin_probe_vhost_user_backend:
 * @name: the backend's name in the profile; NULL: from the socket's
 * @socket: where it listens
 *
 * Ask the backend and add it to @p: its socket, and its offer as atoms.
 * Asked twice, a socket keeps its backend's first name.
 */
int abipin_probe_vhost_user_backend(AbipinProfile *p, const AbipinCatalogue *cat, const char *name,
                                    const char *socket)
{
    AbipinVhostUserOffer offer;
    int r;

    if (name && (r = abipin_backend_name_check(name)) < 0)
        return r;
    if (socket[0] != '/')
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("vhost-user socket '%1$s' is not an absolute path"), socket);
    if ((r = abipin_vhost_user_ask(socket, &offer)) < 0)
        return r;
    return abipin_backend_put_offer(
        p->atoms, cat,
        abipin_backend_list_adopt(&p->backends, ABIPIN_BACKEND_VHOST_USER, name, socket),
        offer.features);
}

/* Where QEMU is @socket's server: the Open vSwitch port that connects to
 * it, if the host's database names one, gives the backend's offer
 * (probe/ovs.c). @state: 0 not asked yet, 1 @ovs holds the answer, -1 no
 * database (its default socket absent or dead: no Open vSwitch here). */
static int derive_from_ovs(AbipinProfile *p, const AbipinCatalogue *cat, const char *socket,
                           AbipinOvsInfo *ovs, int *state)
{
    const AbipinOvsPort *port;
    int r;

    if (*state == 0) {
        r = abipin_ovs_ask(abipin_ovsdb_socket(), ovs);
        *state = r < 0 ? -1 : 1;
        /* the default socket missing or dead is a host without Open
         * vSwitch, and one closed to this user (root's, mode 0750) leaves
         * the bits as they were, the external process's; a socket that
         * misbehaves, or one the user named, is the environment's error */
        if ((r == -ENOENT || r == -ECONNREFUSED || r == -EACCES) && !getenv("ABIPIN_OVSDB_SOCKET")) {
            abipin_error_reset();
            r = 0;
        }
        if (r < 0)
            return r;
    }
    if (*state < 0 || !(port = abipin_ovs_port_find(ovs, socket)))
        return 0;
    return abipin_probe_ovs_port(p, cat, ovs, NULL, port);
}

/**
 * abipin_probe_domain_backends:
 *
 * This host's vhost-user backends for @d, asked where nothing in @p
 * serves an interface's socket yet: every socket a backend listens on
 * (<source mode='client'>: QEMU connects). Where QEMU is the socket's
 * server, the backend connects only to a running QEMU and cannot be asked:
 * an Open vSwitch dpdkvhostuserclient port on that socket has its offer
 * derived from what Open vSwitch says about itself (probe/ovs.c); any
 * other's bits stay the external process's (a profile naming it can tell).
 * A socket nobody listens on leaves its backend's bits unknown.
 */
int abipin_probe_domain_backends(AbipinProfile *p, const AbipinCatalogue *cat, const AbipinDomain *d)
{
    _cleanup_(abipin_ovs_info_clear) AbipinOvsInfo ovs = { 0 };
    int ovs_state = 0;

    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];
        int r;

        if (iface->backend != ABIPIN_BACKEND_VHOST_USER || !iface->virtio || !iface->socket ||
            abipin_backend_list_match(&p->backends, ABIPIN_BACKEND_VHOST_USER, iface->socket))
            continue;
        if (iface->socket_qemu_listens) {
            if ((r = derive_from_ovs(p, cat, iface->socket, &ovs, &ovs_state)) < 0)
                return r;
            continue;
        }
        r = abipin_probe_vhost_user_backend(p, cat, NULL, iface->socket);
        /* no backend there (yet): nobody can tell its bits, and none is
         * guessed; whatever else a socket does is the environment's error */
        if (r == -ENOENT || r == -ECONNREFUSED) {
            r = abipin_backend_put_unknown(p->atoms, cat,
                                           abipin_backend_list_adopt(&p->backends,
                                                                     ABIPIN_BACKEND_VHOST_USER,
                                                                     NULL, iface->socket),
                                           abipin_error_message());
            abipin_error_reset();
        }
        if (r < 0)
            return r;
    }
    return abipin_probe_domain_vdpa(p, cat, d);
}
