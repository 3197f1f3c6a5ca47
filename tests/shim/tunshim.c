/* LD_PRELOAD shim: make TUNSETOFFLOAD reject offload flags the way an older
 * kernel does, for QEMU and abipin's probe alike.
 *
 *   ABIPIN_SHIM_REJECT=uso      Linux < 6.2: TUN_F_USO4/TUN_F_USO6 -> EINVAL
 *   ABIPIN_SHIM_REJECT=ufo      Linux 4.14.0: TUN_F_UFO -> EINVAL
 *   ABIPIN_SHIM_REJECT=uso,ufo  both
 *
 * Everything else goes to the real ioctl(). A kernel that lacks a flag
 * answers EINVAL to the whole TUNSETOFFLOAD call (tun_set_offload), and so
 * does this shim. */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/tun.h"

int ioctl(int fd, unsigned long request, ...);

static unsigned shim_rejected(void)
{
    const char *spec = getenv("ABIPIN_SHIM_REJECT");
    unsigned flags = 0;

    if (spec && strstr(spec, "uso"))
        flags |= TUN_F_USO4 | TUN_F_USO6;
    if (spec && strstr(spec, "ufo"))
        flags |= TUN_F_UFO;
    return flags;
}

int ioctl(int fd, unsigned long request, ...)
{
    static int (*real_ioctl)(int, unsigned long, ...);
    va_list ap;
    void *arg;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!real_ioctl)
        real_ioctl = (int (*)(int, unsigned long, ...)) dlsym(RTLD_NEXT, "ioctl");
    /* TUNSETOFFLOAD passes the flags by value, not by pointer. */
    if (request == TUNSETOFFLOAD && ((unsigned long) arg & shim_rejected())) {
        errno = EINVAL;
        return -1;
    }
    return real_ioctl(fd, request, arg);
}
