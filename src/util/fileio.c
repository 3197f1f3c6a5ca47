#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

/* file_read() flags */
enum {
    READ_OWNED = 1 << 0, /* only this user's file, writable by no one else */
};

static int file_read(const char *path, unsigned flags, size_t max, char **ret_data,
                     size_t *ret_len)
{
    _cleanup_close_ int fd = -EBADF;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0, alloc = 0;
    int is_stdin = strcmp(path, "-") == 0;
    struct stat st;

    if (is_stdin) {
        fd = dup(STDIN_FILENO);
        path = "<stdin>"; /* for messages */
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                            (flags & READ_OWNED ? O_NOFOLLOW : 0));
    }
    if (fd < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, negative_errno(),
                                _("cannot open '%1$s': %2$s"), path, strerror(errno));
    if (fstat(fd, &st) < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, negative_errno(),
                                _("cannot stat '%1$s': %2$s"), path, strerror(errno));
    if (!is_stdin && !S_ISREG(st.st_mode))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("'%1$s' is not a regular file"), path);
    if ((flags & READ_OWNED) && (st.st_uid != geteuid() || (st.st_mode & 022)))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPERM,
                                _("'%1$s' is not this user's own file: not trusted"), path);
    if (!is_stdin && (size_t) st.st_size > max)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EFBIG,
                                _("'%1$s' is larger than %2$zu bytes"), path, max);
    if (!is_stdin)
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);

    for (;;) {
        ssize_t n;

        if (alloc - len < 4096) {
            size_t want = alloc ? alloc * 2 : 16384;

            if (want > max + 2)
                want = max + 2;
            if (want <= len + 1)
                return abipin_error_set(ABIPIN_ERR_INPUT, -EFBIG,
                                        _("'%1$s' is larger than %2$zu bytes"), path, max);
            abipin_array_resize(buf, want);
            alloc = want;
        }
        n = read(fd, buf + len, alloc - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return abipin_error_set(ABIPIN_ERR_INPUT, negative_errno(),
                                    _("cannot read '%1$s': %2$s"), path, strerror(errno));
        }
        if (n == 0)
            break;
        len += n;
        if (len > max)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EFBIG,
                                    _("'%1$s' is larger than %2$zu bytes"), path, max);
    }
    if (!buf)
        buf = abipin_new0(char, 1);
    buf[len] = '\0';
    *ret_len = len;
    *ret_data = TAKE_PTR(buf);
    return 0;
}

/**
 * abipin_file_read:
 * @path: file to read, "-" for standard input
 * @max: refuse anything larger (a bomb must not exhaust memory)
 *
 * Read a whole regular file (or stdin) into a NUL-terminated buffer.
 * FIFOs, directories and devices other than stdin are refused: reading
 * /dev/zero would never end. Errors are INPUT errors.
 */
int abipin_file_read(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
    return file_read(path, 0, max, ret_data, ret_len);
}

/**
 * abipin_file_read_owned:
 *
 * Like abipin_file_read(), for a file abipin trusts because it wrote it
 * (the probe cache): only a regular file, not a symbolic link, owned by
 * the effective user and writable by nobody else. In a shared cache
 * directory another user could otherwise put a profile that claims every
 * atom under the name root looks for.
 */
int abipin_file_read_owned(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
    return file_read(path, READ_OWNED, max, ret_data, ret_len);
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return negative_errno();
        }
        data += n;
        len -= n;
    }
    return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

/* Temporary files are ".NAME.abipin-XXXXXX" next to their target: hidden,
 * as readers of a directory skip dot files; Node Feature Discovery reads
 * every other file in features.d, and would take a half-written one. */
#define TMP_INFIX ".abipin-"
#define TMP_RANDOM 6

static void random_name(char *p)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char r[TMP_RANDOM];

    if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
        for (size_t i = 0; i < sizeof(r); i++)
            r[i] = (unsigned char) (random() ^ getpid());
    for (size_t i = 0; i < sizeof(r); i++)
        p[i] = chars[r[i] % (sizeof(chars) - 1)];
    p[TMP_RANDOM] = '\0';
}

/* A temporary file of @base whose lock nobody holds was left by a writer
 * that died (SIGKILL, power loss): remove it. A living writer holds an
 * flock on its temporary file from before it has a name until after the
 * rename, so only the dead are removed. */
static void remove_stale_temps(int dfd, const char *base)
{
    _cleanup_(closedirp) DIR *dir = NULL;
    int copy = dup(dfd);
    size_t n = strlen(base);
    struct dirent *e;

    if (copy < 0 || !(dir = fdopendir(copy))) {
        if (copy >= 0)
            close(copy);
        return;
    }
    while ((e = readdir(dir))) {
        _cleanup_close_ int fd = -EBADF;
        const char *name = e->d_name + 1;
        struct stat a, b;

        if (e->d_name[0] != '.' || strncmp(name, base, n) != 0 ||
            strncmp(name + n, TMP_INFIX, strlen(TMP_INFIX)) != 0 ||
            strlen(name + n + strlen(TMP_INFIX)) != TMP_RANDOM)
            continue;
        fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        /* the same file still has that name: not renamed meanwhile */
        if (fd >= 0 && fstat(fd, &a) == 0 && S_ISREG(a.st_mode) &&
            flock(fd, LOCK_EX | LOCK_NB) == 0 &&
            fstatat(dfd, e->d_name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            (void) unlinkat(dfd, e->d_name, 0);
    }
}

/* An anonymous file in the directory (O_TMPFILE): until it is linked, a
 * crash leaves nothing behind. */
static int tmp_open_anonymous(int dfd, mode_t mode)
{
    return openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
}

/* Give the anonymous file @fd the name @tmp, whose random part is chosen
 * here. The /proc path works without CAP_DAC_READ_SEARCH, which
 * AT_EMPTY_PATH needs (open(2), O_TMPFILE). */
static int tmp_link(int dfd, int fd, char *tmp, char *random_part)
{
    char proc[64];

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    for (int tries = 0; tries < 100; tries++) {
        random_name(random_part);
        if (linkat(AT_FDCWD, proc, dfd, tmp, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno == ENOENT && linkat(fd, "", dfd, tmp, AT_EMPTY_PATH) == 0)
            return 0;
        if (errno != EEXIST)
            return negative_errno();
    }
    return -EEXIST;
}

/* Without O_TMPFILE (NFS, old kernels) the temporary file has its name from
 * the start, like mkostemp's. A writer of the same target that looks for
 * stale files between this create and our flock() removes it: then our
 * rename fails and the target stays as it was. */
static int tmp_create_named(int dfd, char *tmp, char *random_part, mode_t mode)
{
    for (int tries = 0; tries < 100; tries++) {
        int fd;

        random_name(random_part);
        fd = openat(dfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd >= 0 ? fd : negative_errno();
    }
    return -EEXIST;
}

typedef struct {
    int dfd;          /* the target's directory */
    const char *base; /* the target's name in it */
    mode_t mode;
    uid_t uid;
    gid_t gid;
    bool keep_owner; /* replacing a file: keep its owner and group */
} AtomicTarget;

/* The new content, complete and on disk, under the temporary name @tmp. On
 * success *ret_fd is the file, still locked. */
static int tmp_write(const AtomicTarget *t, char *tmp, const void *data, size_t len, int *ret_fd)
{
    char *random_part = tmp + 1 + strlen(t->base) + strlen(TMP_INFIX);
    _cleanup_close_ int fd = tmp_open_anonymous(t->dfd, 0600);
    bool named = fd < 0;
    int r = 0;

    if (named && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        return negative_errno();
    if (named && (fd = tmp_create_named(t->dfd, tmp, random_part, 0600)) < 0)
        return fd;
    if (flock(fd, LOCK_EX) < 0 && errno != ENOLCK)
        r = negative_errno();
    /* owner first: chown clears the set-id bits the mode may carry; like
     * sed -i, a file that cannot keep its owner becomes the writer's */
    if (r >= 0 && t->keep_owner && fchown(fd, t->uid, t->gid) < 0)
        (void) fchown(fd, -1, t->gid);
    if (r >= 0 && fchmod(fd, t->mode) < 0)
        r = negative_errno();
    if (r >= 0)
        r = write_all(fd, data, len);
    if (r >= 0 && fsync(fd) < 0)
        r = negative_errno();
    if (r >= 0 && !named)
        r = tmp_link(t->dfd, fd, tmp, random_part);
    if (r < 0) {
        if (named)
            (void) unlinkat(t->dfd, tmp, 0);
        return r;
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

static int atomic_replace(const AtomicTarget *t, const char *path, const void *data, size_t len)
{
    _cleanup_free_ char *tmp = abipin_asprintf(".%s" TMP_INFIX "XXXXXX", t->base);
    _cleanup_close_ int lock = -EBADF;
    int fd = -EBADF, r;
    bool named;

    remove_stale_temps(t->dfd, t->base);
    r = tmp_write(t, tmp, data, len, &fd);
    named = r >= 0;
    /* the lock outlives close(): it goes with the open file description */
    if (r >= 0 && (lock = dup(fd)) < 0)
        r = negative_errno();
    if (fd >= 0 && close(fd) < 0 && r >= 0) /* NFS reports write errors here */
        r = negative_errno();
    if (r >= 0 && renameat(t->dfd, tmp, t->dfd, t->base) < 0)
        r = negative_errno();
    if (r < 0) {
        if (named)
            (void) unlinkat(t->dfd, tmp, 0);
        return abipin_error_set(ABIPIN_ERR_ENV, r, _("cannot write '%1$s': %2$s"), path,
                                strerror(-r));
    }
    if (fsync(t->dfd) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(),
                                _("cannot sync the directory of '%1$s': %2$s"), path,
                                strerror(errno));
    return 0;
}

/* Devices, FIFOs, and a link to the standard output that the shell opened:
 * written through as they are. Replacing /dev/null by a regular file, or
 * truncating a file opened for appending, is never what "-o" means. */
static int write_through(const char *path, int out_fd, const void *data, size_t len)
{
    _cleanup_close_ int fd = out_fd >= 0 ? -EBADF : open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    int r;

    if (out_fd < 0 && fd < 0)
        r = negative_errno();
    else
        r = write_all(out_fd >= 0 ? out_fd : fd, data, len);
    if (r >= 0 && fd >= 0) {
        int cfd = TAKE_FD(fd);

        if (close(cfd) < 0)
            r = negative_errno();
    }
    if (r < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, r, _("cannot write '%1$s': %2$s"), path,
                                strerror(-r));
    return 0;
}

static bool same_file(const struct stat *a, int fd)
{
    struct stat b;

    return fstat(fd, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* The file a chain of symbolic links ends at, followed only as far as the
 * kernel's fs.protected_symlinks would: each link must belong to this user
 * or to the owner of its directory. realpath() would follow a link another
 * user planted in /tmp to /etc/shadow, which open() itself refuses. */
static int follow_links(const char *path, char **ret)
{
    _cleanup_free_ char *cur = abipin_strdup(path);

    for (int hops = 0; hops < 40; hops++) {
        _cleanup_free_ char *dir = abipin_strdup(cur);
        char target[PATH_MAX];
        struct stat lst, dst;
        ssize_t n;

        if (lstat(cur, &lst) < 0)
            return negative_errno();
        if (!S_ISLNK(lst.st_mode)) {
            *ret = TAKE_PTR(cur);
            return 0;
        }
        if (stat(dirname(dir), &dst) < 0)
            return negative_errno();
        if (lst.st_uid != geteuid() && lst.st_uid != dst.st_uid)
            return -EPERM;
        n = readlink(cur, target, sizeof(target) - 1);
        if (n < 0)
            return negative_errno();
        target[n] = '\0';
        free(cur);
        cur = target[0] == '/' ? abipin_strdup(target) : abipin_asprintf("%s/%s", dir, target);
    }
    return -ELOOP;
}

/**
 * abipin_file_write_atomic:
 * @path: final name
 * @mode: permission bits for a new file (before the umask), or for every
 *        file with ABIPIN_WRITE_OWN
 * @flags: ABIPIN_WRITE_OWN: the result is the writer's own file with @mode,
 *        and @path itself is replaced even if it is a symbolic link (the
 *        probe cache). Without it an existing file keeps its mode, owner and
 *        group, a symbolic link is followed (the link stays) as far as the
 *        kernel's protected_symlinks rule allows, and a device or FIFO is
 *        written to, not replaced.
 *
 * Write @data to a temporary file in the same directory, fsync it, rename
 * it over @path and fsync the directory: readers see the old or the new
 * complete file, never a partial one (libvirt virFileRewrite, systemd
 * write_string_file_atomic). The temporary file is anonymous (O_TMPFILE)
 * until just before the rename, so a crash leaves nothing behind; one left
 * by a writer killed in between is removed by the next write. On failure
 * @path is untouched.
 */
int abipin_file_write_atomic(const char *path, const void *data, size_t len, int mode,
                             unsigned flags)
{
    _cleanup_free_ char *target = NULL, *dir = NULL;
    _cleanup_close_ int dfd = -EBADF;
    AtomicTarget t = { .mode = mode };
    struct stat st, lst;
    mode_t mask;
    int r = 0;

    if (flags & ABIPIN_WRITE_OWN) {
        target = abipin_strdup(path);
    } else if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return abipin_error_set(ABIPIN_ERR_ENV, -EISDIR, _("cannot write '%1$s': %2$s"), path,
                                    strerror(EISDIR));
        if (!S_ISREG(st.st_mode))
            return write_through(path, -EBADF, data, len);
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && same_file(&st, STDOUT_FILENO))
            return write_through(path, STDOUT_FILENO, data, len);
        t.mode = st.st_mode & 07777;
        t.uid = st.st_uid;
        t.gid = st.st_gid;
        t.keep_owner = true;
        r = follow_links(path, &target);
        if (r == -EPERM)
            return abipin_error_set(ABIPIN_ERR_ENV, r,
                                    _("cannot write '%1$s': a symbolic link of another user, not "
                                      "followed"),
                                    path);
    } else if (errno == ENOENT && lstat(path, &lst) < 0) {
        mask = umask(0);
        umask(mask);
        t.mode = mode & ~mask;
        target = abipin_strdup(path);
    } else {
        r = negative_errno();
    }
    if (r < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, r, _("cannot write '%1$s': %2$s"), path,
                                strerror(-r));
    dir = abipin_strdup(target);
    t.base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    dfd = open(t.base == target ? "." : dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(),
                                _("cannot create a temporary file next to '%1$s': %2$s"), path,
                                strerror(errno));
    t.dfd = dfd;
    return atomic_replace(&t, path, data, len);
}
