#include <config.h>

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <linux/if_tun.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvtap.h>
#include <netlink/route/link/veth.h>

#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

#define MACVTAP_LOWER "abipin0"
#define MACVTAP_PEER "abipin1"
#define MACVTAP_NAME "abipinmvt0"

static int macvtap_lower_create(struct nl_sock *sk, const char **ret_err)
{
    struct rtnl_link *link;
    int err;

    /* A veth pair first: asking for a dummy link on a kernel without the
     * driver makes the kernel run modprobe and wait for it, which cost more
     * than the rest of the probe together. */
    err = rtnl_link_veth_add(sk, MACVTAP_LOWER, MACVTAP_PEER, getpid());
    if (err >= 0) {
        *ret_err = NULL;
        return 0;
    }
    /* libnl's constructors fail only for lack of memory */
    if (!(link = rtnl_link_alloc()))
        abipin_oom();
    rtnl_link_set_name(link, MACVTAP_LOWER);
    rtnl_link_set_type(link, "dummy");
    err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(link);
    *ret_err = err < 0 ? nl_geterror(err) : NULL;
    return err;
}

static int macvtap_create(struct nl_sock *sk, const char **ret_err)
{
    struct rtnl_link *lower = NULL, *mv;
    int err;

    err = rtnl_link_get_kernel(sk, 0, MACVTAP_LOWER, &lower);
    if (err < 0) {
        *ret_err = nl_geterror(err);
        return err;
    }
    if (!(mv = rtnl_link_macvtap_alloc()))
        abipin_oom();
    rtnl_link_set_link(mv, rtnl_link_get_ifindex(lower));
    rtnl_link_set_name(mv, MACVTAP_NAME);
    err = rtnl_link_add(sk, mv, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(mv);
    rtnl_link_put(lower);
    *ret_err = err < 0 ? nl_geterror(err) : NULL;
    return err;
}

/* No udev in a private namespace: make the /dev/tapN node from sysfs. */
static int macvtap_make_node(void)
{
    char path[256], dev[32];
    unsigned maj, min;
    int ifindex;
    FILE *f;

    f = fopen("/sys/class/net/" MACVTAP_NAME "/ifindex", "re");
    if (!f || fscanf(f, "%d", &ifindex) != 1) {
        if (f)
            fclose(f);
        return -ENOENT;
    }
    fclose(f);
    snprintf(path, sizeof(path), "/sys/class/net/" MACVTAP_NAME "/macvtap/tap%d/dev", ifindex);
    f = fopen(path, "re");
    if (!f || !fgets(dev, sizeof(dev), f) || sscanf(dev, "%u:%u", &maj, &min) != 2) {
        if (f)
            fclose(f);
        return -ENOENT;
    }
    fclose(f);
    if (mknod("/tmp/abipin-macvtap", S_IFCHR | 0600, makedev(maj, min)) < 0)
        return negative_errno();
    return 0;
}

/**
 * abipin_probe_macvtap:
 * @failure: why nothing could be probed
 *
 * Probe macvtap inside a private network and mount namespace: a lower link
 * (a veth pair, or a dummy link) and a macvtap on it, then the same
 * questions as for tap. The namespace, its links and the tmpfs vanish with
 * the process: run it with abipin_probe_child_start(). Needs CAP_SYS_ADMIN
 * and CAP_NET_ADMIN; without them nothing is probed.
 */
int abipin_probe_macvtap(AbipinAtomSet *set, char *failure, size_t len)
{
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
    unsigned features = 0;
    struct nl_sock *sk;
    const char *err = NULL;
    int fd, r;

#define FAIL(...) do { snprintf(failure, len, __VA_ARGS__); return -1; } while (0)
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
        FAIL("cannot make a private network namespace: %1$s", strerror(errno));
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID, "size=64k,mode=0700") < 0)
        FAIL("cannot set up private mounts: %1$s", strerror(errno));
    if (!(sk = nl_socket_alloc()))
        abipin_oom();
    if (nl_connect(sk, NETLINK_ROUTE) < 0)
        FAIL("%s", "cannot talk rtnetlink");
    if (macvtap_lower_create(sk, &err) < 0)
        FAIL("cannot create a lower link: %1$s", err);
    if (macvtap_create(sk, &err) < 0)
        FAIL("cannot create a macvtap link: %1$s", err);
    fd = macvtap_make_node();
    if (fd < 0)
        FAIL("cannot make the macvtap device node: %1$s", strerror(-fd));
    fd = open("/tmp/abipin-macvtap", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        FAIL("cannot open the macvtap device: %1$s", strerror(errno));
    /* libvirt's virNetDevMacVLanTapSetup: IFF_VNET_HDR only if offered. */
    if (ioctl(fd, TUNGETFEATURES, &features) < 0)
        features = 0;
    if (!(features & IFF_VNET_HDR))
        ifr.ifr_flags &= ~IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        FAIL("TUNSETIFF: %s", strerror(errno));
#undef FAIL
    r = abipin_atom_set_put(set, "macvtap.vnet_hdr",
                            features & IFF_VNET_HDR ? ABIPIN_ATOM_PRESENT : ABIPIN_ATOM_ABSENT,
                            features & IFF_VNET_HDR ? NULL : "TUNGETFEATURES: no IFF_VNET_HDR");
    if (r < 0)
        return r;
    r = abipin_atom_set_put(set, "macvtap.multi_queue",
                            features & IFF_MULTI_QUEUE ? ABIPIN_ATOM_PRESENT : ABIPIN_ATOM_ABSENT,
                            features & IFF_MULTI_QUEUE ? NULL : "TUNGETFEATURES: no IFF_MULTI_QUEUE");
    if (r < 0)
        return r;
    return abipin_probe_tun_fd(fd, "macvtap.", set);
}
