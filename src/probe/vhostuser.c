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
 * The answer decides pins, so who may give it matters: a socket that is
 * not a socket, or whose file or directory belongs to another user (who
 * could answer anything), is refused before connecting. Every wait is
 * bounded: the hook asks too, and must never hang on a backend. */
#include <config.h>

#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

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

/* Who may answer: root, or the user abipin runs as. */
static bool owner_trusted(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

static int socket_check(const char *path)
{
    _cleanup_free_ char *copy = abipin_strdup(path);
    struct stat st, dir;

    if (strlen(path) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENAMETOOLONG,
                                _("vhost-user socket %1$s: the path is too long for a socket"), path);
    if (lstat(path, &st) < 0) {
        int err = errno;

        if (err == ENOENT)
            return abipin_error_set(ABIPIN_ERR_ENV, -err,
                                    _("vhost-user socket %1$s does not exist: is its backend running?"),
                                    path);
        return abipin_error_set(ABIPIN_ERR_ENV, -err,
                                _("vhost-user socket %1$s cannot be looked at: %2$s"), path,
                                strerror(err));
    }
    if (!S_ISSOCK(st.st_mode))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOTSOCK,
                                _("vhost-user socket %1$s is not a socket"), path);
    if (stat(dirname(copy), &dir) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                _("vhost-user socket %1$s: its directory cannot be looked at: %2$s"),
                                path, strerror(errno));
    if (!owner_trusted(st.st_uid) || !owner_trusted(dir.st_uid))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPERM,
                                _("vhost-user socket %1$s belongs to another user (uid %2$u, its "
                                  "directory uid %3$u): its answer is not trusted"),
                                path, (unsigned) st.st_uid, (unsigned) dir.st_uid);
    return 0;
}

/* Wait until @fd is ready for @events, within the time left since @start. */
static int backend_wait(int fd, short events, const struct timespec *start, const char *path)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        long left = abipin_backend_timeout_ms() - abipin_elapsed_ms(start);
        int n;

        if (left <= 0 || (n = poll(&p, 1, (int) left)) == 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -ETIMEDOUT,
                                    _("vhost-user socket %1$s did not answer within %2$ld ms"), path,
                                    abipin_backend_timeout_ms());
        if (n > 0)
            return 0;
        if (errno != EINTR)
            return abipin_error_set(ABIPIN_ERR_ENV, -errno, _("vhost-user socket %1$s: %2$s"), path,
                                    strerror(errno));
    }
}

static int backend_connect(const char *path, const struct timespec *start, int *ret_fd)
{
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int r, err = 0;
    socklen_t len = sizeof(err);

    if (fd < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -errno, _("cannot create a socket: %1$s"),
                                strerror(errno));
    memcpy(sa.sun_path, path, strlen(path));
    if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
        if (errno != EINPROGRESS && errno != EAGAIN)
            return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                    _("vhost-user socket %1$s refuses connections: %2$s (no backend "
                                      "listens on it)"),
                                    path, strerror(errno));
        if ((r = backend_wait(fd, POLLOUT, start, path)) < 0)
            return r;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
            return abipin_error_set(ABIPIN_ERR_ENV, -(err ? err : errno),
                                    _("vhost-user socket %1$s refuses connections: %2$s"), path,
                                    strerror(err ? err : errno));
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

/* One request without payload, one u64 reply, as the protocol has it. */
static int backend_get_u64(int fd, uint32_t request, const char *name, const char *path,
                           const struct timespec *start, uint64_t *ret)
{
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

        if ((r = backend_wait(fd, POLLIN, start, path)) < 0)
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
    _cleanup_close_ int fd = -EBADF;
    AbipinVhostUserOffer offer = { 0 };
    struct timespec start;
    int r;

    clock_gettime(CLOCK_MONOTONIC, &start);
    if ((r = socket_check(path)) < 0 || (r = backend_connect(path, &start, &fd)) < 0 ||
        (r = backend_get_u64(fd, VHOST_USER_GET_FEATURES, "GET_FEATURES", path, &start,
                             &offer.features)) < 0)
        return r;
    if (offer.features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)) {
        if ((r = backend_get_u64(fd, VHOST_USER_GET_PROTOCOL_FEATURES, "GET_PROTOCOL_FEATURES",
                                 path, &start, &offer.protocol_features)) < 0)
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

    if (name && !abipin_backend_name_is_valid(name))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("'%1$s' is not a backend name: letters, digits, '_' and '-', at "
                                  "most %2$d"),
                                name, ABIPIN_BACKEND_NAME_MAX);
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

/**
 * abipin_probe_domain_backends:
 *
 * This host's vhost-user backends for @d, asked where nothing in @p
 * serves an interface's socket yet: every socket a backend listens on
 * (<source mode='client'>: QEMU connects). Where QEMU is the socket's
 * server, the backend connects only to a running QEMU and cannot be asked:
 * its bits stay the external process's (a profile naming it can tell).
 * A socket nobody listens on leaves its backend's bits unknown.
 */
int abipin_probe_domain_backends(AbipinProfile *p, const AbipinCatalogue *cat, const AbipinDomain *d)
{
    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];
        int r;

        if (iface->backend != ABIPIN_BACKEND_VHOST_USER || !iface->virtio || !iface->socket ||
            iface->socket_qemu_listens ||
            abipin_backend_list_match(&p->backends, ABIPIN_BACKEND_VHOST_USER, iface->socket))
            continue;
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
