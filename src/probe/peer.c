/* A local process asked on its UNIX socket (peer.h says why each check). */
#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe/peer.h"
#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

/**
 * abipin_peer_init:
 * @label: how messages name the socket, kept by reference
 * @timeout_ms: the whole conversation's time, from now
 */
void abipin_peer_init(AbipinPeer *peer, const char *path, const char *label, const char *server,
                      long timeout_ms)
{
    *peer = (AbipinPeer) { .path = path, .label = label, .server = server, .timeout_ms = timeout_ms };
    clock_gettime(CLOCK_MONOTONIC, &peer->start);
}

/* Who may answer: root, or the user abipin runs as. */
static bool owner_trusted(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

/* The socket file itself, before any connection: see peer.h. */
int abipin_peer_check(const AbipinPeer *peer)
{
    _cleanup_free_ char *copy = abipin_strdup(peer->path);
    struct stat st, dir;

    if (strlen(peer->path) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENAMETOOLONG,
                                _("%1$s: the path is too long for a socket"), peer->label);
    if (lstat(peer->path, &st) < 0) {
        int err = errno;

        if (err == ENOENT)
            return abipin_error_set(ABIPIN_ERR_ENV, -err, _("%1$s does not exist: is %2$s running?"),
                                    peer->label, peer->server);
        return abipin_error_set(ABIPIN_ERR_ENV, -err, _("%1$s cannot be looked at: %2$s"),
                                peer->label, strerror(err));
    }
    if (!S_ISSOCK(st.st_mode))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOTSOCK, _("%1$s is not a socket"), peer->label);
    if (stat(dirname(copy), &dir) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                _("%1$s: its directory cannot be looked at: %2$s"), peer->label,
                                strerror(errno));
    if (!owner_trusted(st.st_uid) || !owner_trusted(dir.st_uid))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPERM,
                                _("%1$s belongs to another user (uid %2$u, its directory uid %3$u): "
                                  "its answer is not trusted"),
                                peer->label, (unsigned) st.st_uid, (unsigned) dir.st_uid);
    return 0;
}

/* Wait until @fd is ready for @events, within the conversation's time left. */
int abipin_peer_wait(const AbipinPeer *peer, int fd, short events)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        long left = peer->timeout_ms - abipin_elapsed_ms(&peer->start);
        int n;

        if (left <= 0 || (n = poll(&p, 1, (int) left)) == 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -ETIMEDOUT,
                                    _("%1$s did not answer within %2$ld ms"), peer->label,
                                    peer->timeout_ms);
        if (n > 0)
            return 0;
        if (errno != EINTR)
            return abipin_error_set(ABIPIN_ERR_ENV, -errno, _("%1$s: %2$s"), peer->label,
                                    strerror(errno));
    }
}

/* A non-blocking connection, within the conversation's time. */
int abipin_peer_connect(const AbipinPeer *peer, int *ret_fd)
{
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int r, err = 0;
    socklen_t len = sizeof(err);

    if (fd < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -errno, _("cannot create a socket: %1$s"),
                                strerror(errno));
    memcpy(sa.sun_path, peer->path, strlen(peer->path));
    if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
        if (errno != EINPROGRESS && errno != EAGAIN)
            return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                    _("%1$s refuses connections: %2$s (is %3$s running?)"),
                                    peer->label, strerror(errno), peer->server);
        if ((r = abipin_peer_wait(peer, fd, POLLOUT)) < 0)
            return r;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
            return abipin_error_set(ABIPIN_ERR_ENV, -(err ? err : errno),
                                    _("%1$s refuses connections: %2$s"), peer->label,
                                    strerror(err ? err : errno));
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}
