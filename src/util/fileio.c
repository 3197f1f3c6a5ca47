#include <config.h>

#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

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
    _cleanup_close_ int fd = -EBADF;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0, alloc = 0;
    int is_stdin = strcmp(path, "-") == 0;
    struct stat st;

    if (is_stdin) {
        fd = dup(STDIN_FILENO);
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
    if (!is_stdin && (size_t) st.st_size > max)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EFBIG,
                                _("'%1$s' is larger than %2$zu bytes"), path, max);
    if (!is_stdin)
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);

    for (;;) {
        ssize_t n;

        if (alloc - len < 4096) {
            size_t want = alloc ? alloc * 2 : 16384;
            char *p;

            if (want > max + 2)
                want = max + 2;
            if (want <= len + 1)
                return abipin_error_set(ABIPIN_ERR_INPUT, -EFBIG,
                                        _("'%1$s' is larger than %2$zu bytes"), path, max);
            p = realloc(buf, want);
            if (!p)
                return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
            buf = p;
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
    if (!buf && !(buf = calloc(1, 1)))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    buf[len] = '\0';
    *ret_len = len;
    *ret_data = TAKE_PTR(buf);
    return 0;
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

static int fsync_directory_of(const char *path)
{
    _cleanup_free_ char *copy = strdup(path);
    _cleanup_close_ int dfd = -EBADF;

    if (!copy)
        return -ENOMEM;
    dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return negative_errno();
    return fsync(dfd) < 0 ? negative_errno() : 0;
}

/**
 * abipin_file_write_atomic:
 * @path: final name
 * @mode: permission bits for a new file; an existing file keeps its own
 *
 * Write @data to a temporary file in the same directory, fsync it, rename
 * it over @path and fsync the directory: readers see the old or the new
 * complete file, never a partial one (libvirt virFileRewrite, systemd
 * write_string_file_atomic). On failure the temporary file is removed and
 * @path is untouched.
 */
int abipin_file_write_atomic(const char *path, const void *data, size_t len, int mode)
{
    _cleanup_free_ char *tmp = NULL;
    const char *slash;
    _cleanup_close_ int fd = -EBADF;
    struct stat st;
    int r;

    if (stat(path, &st) == 0)
        mode = st.st_mode & 07777;
    /* A hidden name (".NAME.abipin-XXXXXX"): directory readers skip dot
     * files, so none takes a half-written file for a real one; Node
     * Feature Discovery reads every other file in features.d. */
    slash = strrchr(path, '/');
    if (asprintf(&tmp, "%.*s.%s.abipin-XXXXXX", slash ? (int) (slash - path + 1) : 0, path,
                 slash ? slash + 1 : path) < 0) {
        tmp = NULL;
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(),
                                _("cannot create a temporary file next to '%1$s': %2$s"),
                                path, strerror(errno));
    r = fchmod(fd, mode) < 0 ? negative_errno() : 0;
    if (r >= 0)
        r = write_all(fd, data, len);
    if (r >= 0 && fsync(fd) < 0)
        r = negative_errno();
    if (r >= 0) {
        int cfd = TAKE_FD(fd);

        if (close(cfd) < 0)
            r = negative_errno();
    }
    if (r >= 0 && rename(tmp, path) < 0)
        r = negative_errno();
    if (r < 0) {
        (void) unlink(tmp);
        return abipin_error_set(ABIPIN_ERR_ENV, r, _("cannot write '%1$s': %2$s"),
                                path, strerror(-r));
    }
    r = fsync_directory_of(path);
    if (r < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, r, _("cannot sync the directory of '%1$s': %2$s"),
                                path, strerror(-r));
    return 0;
}
