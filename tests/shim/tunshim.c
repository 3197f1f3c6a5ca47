/* LD_PRELOAD shim: make TUNSETOFFLOAD reject offload flags the way an older
 * kernel does, for QEMU and abipin's probe alike.
 *
 *   ABIPIN_SHIM_REJECT=uso      Linux < 6.2: TUN_F_USO4/TUN_F_USO6 -> EINVAL
 *   ABIPIN_SHIM_REJECT=ufo      Linux 4.14.0: TUN_F_UFO -> EINVAL
 *   ABIPIN_SHIM_REJECT=udp_tunnel_gso
 *                               Linux < 6.17: TUN_F_UDP_TUNNEL_GSO and
 *                               TUN_F_UDP_TUNNEL_GSO_CSUM -> EINVAL
 *   ABIPIN_SHIM_REJECT=uso,ufo  several, separated by commas
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

#include "probe/tun.h"

/* The shim is preloaded into QEMUs of other Debian releases too, run in a
 * chroot with an older glibc (bullseye: 2.31). glibc 2.34 moved dlsym into
 * libc as dlsym@GLIBC_2.34; bind the version every x86_64 glibc has. */
#if defined(__x86_64__) && defined(__GLIBC__)
__asm__(".symver dlsym, dlsym@GLIBC_2.2.5");
#endif

int ioctl(int fd, unsigned long request, ...);

/* shim_names: does the comma-separated SPEC name NAME? */
static int shim_names(const char *spec, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = spec; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

static unsigned shim_rejected(void)
{
    const char *spec = getenv("ABIPIN_SHIM_REJECT");
    unsigned flags = 0;

    if (shim_names(spec, "uso"))
        flags |= TUN_F_USO4 | TUN_F_USO6;
    if (shim_names(spec, "ufo"))
        flags |= TUN_F_UFO;
    if (shim_names(spec, "udp_tunnel_gso"))
        flags |= TUN_F_UDP_TUNNEL_GSO | TUN_F_UDP_TUNNEL_GSO_CSUM;
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
