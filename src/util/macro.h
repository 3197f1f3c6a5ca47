/* Cleanup attributes and small helpers shared by every module.
 *
 * Modelled on systemd's alloc-util.h / kmod's shared/macro.h: ownership is
 * tied to a scope, TAKE_PTR() hands it out on success.
 */
#pragma once

#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _nonnull_(...) __attribute__((nonnull(__VA_ARGS__)))
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _malloc_ __attribute__((malloc))
#define _returns_nonnull_ __attribute__((returns_nonnull))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Return the pointer and forget it, so the cleanup handler does nothing. */
#define TAKE_PTR(p) ({ __typeof__(p) _p_ = (p); (p) = NULL; _p_; })
#define TAKE_FD(fd) ({ int _fd_ = (fd); (fd) = -EBADF; _fd_; })

static inline void freep(void *p)
{
    free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Declare "static inline void NAMEp(TYPE **p)" calling FUNC(*p) when set. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)     \
    static inline void func##p(type *p)             \
    {                                               \
        if (*p)                                     \
            func(*p);                               \
    }

static inline int negative_errno(void)
{
    return errno > 0 ? -errno : -EIO;
}

static inline int streq_ptr(const char *a, const char *b)
{
    extern int strcmp(const char *, const char *);
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}
