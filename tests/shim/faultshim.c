/* LD_PRELOAD shim: storage faults and deterministic kills for the atomic
 * write path, so a test can show that the target is always the old or the
 * new complete file and that no temporary file survives.
 *
 *   ABIPIN_FAULT=OP:ERRNO[:N][,...]
 *                              the Nth (default: every) OP call fails with
 *                              ERRNO (EIO, ENOSPC, EOPNOTSUPP, ...). OP is
 *                              tmpfile (open with O_TMPFILE), create (a named
 *                              file: O_CREAT or mkostemp), write, fsync (a
 *                              file), dirsync (fsync of a directory), link,
 *                              rename or close (of a written file)
 *   ABIPIN_FAULT_KILL=N        SIGKILL the process just before the Nth step
 *                              that changes the file system: creating,
 *                              writing, syncing, linking, renaming, unlinking
 *   ABIPIN_FAULT_TRACE=FILE    append one line per such step ("write 4096",
 *                              "rename", ...): the test counts the kill points
 *
 * Only calls on regular files and directories count; writes to pipes and
 * terminals (stdout, stderr) pass untouched. */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
    const char *name;
    int value;
} errnos[] = {
    { "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT }, { "EOPNOTSUPP", EOPNOTSUPP },
    { "EPERM", EPERM }, { "EROFS", EROFS }, { "EXDEV", EXDEV }, { "EINTR", EINTR },
};

static unsigned step_count;
static unsigned op_count[16];

#define REAL(ret, name, args)                                        \
    static ret(*real_##name) args;                                    \
    if (!real_##name)                                                 \
        real_##name = (ret(*) args) dlsym(RTLD_NEXT, #name)

static void trace(const char *what, long arg)
{
    const char *path = getenv("ABIPIN_FAULT_TRACE");
    char line[64];
    int fd, n;

    if (!path || !*path)
        return;
    n = arg >= 0 ? snprintf(line, sizeof(line), "%s %ld\n", what, arg)
                 : snprintf(line, sizeof(line), "%s\n", what);
    /* raw syscalls: this shim's own write() must not count itself */
    fd = (int) syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void) syscall(SYS_write, fd, line, (size_t) n);
        (void) syscall(SYS_close, fd);
    }
}

/* A step that changes the file system: trace it, and die before it when
 * it is the one ABIPIN_FAULT_KILL names. */
static void step(const char *what, long arg)
{
    const char *kill_at = getenv("ABIPIN_FAULT_KILL");

    step_count++;
    trace(what, arg);
    if (kill_at && strtoul(kill_at, NULL, 10) == step_count)
        raise(SIGKILL);
}

/* 0, or the errno the test asked this call of @op to fail with. */
static int fault(const char *op)
{
    static const char *ops[] = { "tmpfile", "create", "write", "fsync", "dirsync", "link",
                                 "rename", "close" };
    const char *spec = getenv("ABIPIN_FAULT");
    size_t n = strlen(op), k;

    for (k = 0; k < sizeof(ops) / sizeof(ops[0]) && strcmp(ops[k], op) != 0; k++)
        ;
    op_count[k]++;
    /* OP:ERRNO[:N], several separated by commas */
    for (const char *s = spec; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL) {
        const char *e = s + n + 1, *end = e + strcspn(e, ":,");

        if (strncmp(s, op, n) != 0 || s[n] != ':')
            continue;
        if (*end == ':' && strtoul(end + 1, NULL, 10) != op_count[k])
            continue;
        for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
            if (strlen(errnos[i].name) == (size_t) (end - e) &&
                strncmp(e, errnos[i].name, end - e) == 0)
                return errnos[i].value;
        return EIO;
    }
    return 0;
}

static int fd_kind(int fd)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return 0;
    return S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : 0;
}

static int fail_with(int e)
{
    errno = e;
    return -1;
}

static int open_common(const char *path, int flags, mode_t mode, int dirfd, int at)
{
    int e;

    if ((flags & O_TMPFILE) == O_TMPFILE) {
        step("tmpfile", -1);
        if ((e = fault("tmpfile")))
            return fail_with(e);
    } else if (flags & O_CREAT) {
        step("create", -1);
        if ((e = fault("create")))
            return fail_with(e);
    }
    {
        REAL(int, openat, (int, const char *, int, ...));
        return real_openat(at ? dirfd : AT_FDCWD, path, flags, mode);
    }
}

static mode_t open_mode(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    mode_t mode;

    va_start(ap, flags);
    mode = open_mode(flags, ap);
    va_end(ap);
    return open_common(path, flags, mode, AT_FDCWD, 0);
}

/* glibc's large-file name for the same call */
int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    mode_t mode;

    va_start(ap, flags);
    mode = open_mode(flags, ap);
    va_end(ap);
    return open_common(path, flags, mode, dirfd, 1);
}

int mkostemp(char *template, int flags)
{
    REAL(int, mkostemp, (char *, int));
    int e;

    step("create", -1);
    if ((e = fault("create")))
        return fail_with(e);
    return real_mkostemp(template, flags);
}

ssize_t write(int fd, const void *buf, size_t len)
{
    REAL(ssize_t, write, (int, const void *, size_t));
    int e;

    if (fd_kind(fd) == 'f') {
        step("write", (long) len);
        if ((e = fault("write")))
            return fail_with(e);
    }
    return real_write(fd, buf, len);
}

static int sync_common(int fd, int data_only)
{
    REAL(int, fsync, (int));
    REAL(int, fdatasync, (int));
    int kind = fd_kind(fd), e;

    if (kind) {
        step(kind == 'd' ? "dirsync" : "fsync", -1);
        if ((e = fault(kind == 'd' ? "dirsync" : "fsync")))
            return fail_with(e);
    }
    return data_only ? real_fdatasync(fd) : real_fsync(fd);
}

int fsync(int fd)
{
    return sync_common(fd, 0);
}

int fdatasync(int fd)
{
    return sync_common(fd, 1);
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    REAL(int, linkat, (int, const char *, int, const char *, int));
    int e;

    step("link", -1);
    if ((e = fault("link")))
        return fail_with(e);
    return real_linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}

int rename(const char *oldpath, const char *newpath)
{
    REAL(int, rename, (const char *, const char *));
    int e;

    step("rename", -1);
    if ((e = fault("rename")))
        return fail_with(e);
    return real_rename(oldpath, newpath);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    REAL(int, renameat, (int, const char *, int, const char *));
    int e;

    step("rename", -1);
    if ((e = fault("rename")))
        return fail_with(e);
    return real_renameat(olddirfd, oldpath, newdirfd, newpath);
}

int unlink(const char *path)
{
    REAL(int, unlink, (const char *));

    step("unlink", -1);
    return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    REAL(int, unlinkat, (int, const char *, int));

    step("unlink", -1);
    return real_unlinkat(dirfd, path, flags);
}

int close(int fd)
{
    REAL(int, close, (int));
    int flags = fcntl(fd, F_GETFL), e;

    /* only files opened for writing: reading the input is no step */
    if (flags >= 0 && (flags & O_ACCMODE) != O_RDONLY && fd_kind(fd) == 'f' &&
        (e = fault("close"))) {
        real_close(fd);
        return fail_with(e);
    }
    return real_close(fd);
}
