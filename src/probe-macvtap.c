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

#include "probe.h"
#include "util/error.h"
#include "util/i18n.h"

#define MACVTAP_LOWER "abipin0"
#define MACVTAP_PEER "abipin1"
#define MACVTAP_NAME "abipinmvt0"

/* The child reports on a pipe, one atom a line: NAME \t STATE \t REASON,
 * or a single line "!REASON" when nothing could be probed. */
_printf_(2, 3) static void child_fail(FILE *out, const char *fmt, ...)
{
    va_list ap;

    fputc('!', out);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    fflush(out);
    _exit(0);
}

static int macvtap_lower_create(struct nl_sock *sk, const char **ret_err)
{
    struct rtnl_link *link = rtnl_link_alloc();
    int err;

    if (!link)
        return -NLE_NOMEM;
    rtnl_link_set_name(link, MACVTAP_LOWER);
    rtnl_link_set_type(link, "dummy");
    err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(link);
    /* Kernels built without the dummy driver still have veth. */
    if (err < 0)
        err = rtnl_link_veth_add(sk, MACVTAP_LOWER, MACVTAP_PEER, getpid());
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
    mv = rtnl_link_macvtap_alloc();
    if (!mv) {
        rtnl_link_put(lower);
        *ret_err = nl_geterror(-NLE_NOMEM);
        return -NLE_NOMEM;
    }
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

static void macvtap_child(int wfd)
{
    FILE *out = fdopen(wfd, "w");
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *set = abipin_atom_set_new();
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
    unsigned features = 0;
    struct nl_sock *sk;
    const char *err = NULL;
    int fd;

    if (!out || !set)
        _exit(1);
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
        child_fail(out, _("cannot make a private network namespace: %s"), strerror(errno));
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID, "size=64k,mode=0700") < 0)
        child_fail(out, _("cannot set up private mounts: %s"), strerror(errno));
    sk = nl_socket_alloc();
    if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0)
        child_fail(out, _("cannot talk rtnetlink: %s"), "nl_connect");
    if (macvtap_lower_create(sk, &err) < 0)
        child_fail(out, _("cannot create a lower link: %s"), err);
    if (macvtap_create(sk, &err) < 0)
        child_fail(out, _("cannot create a macvtap link: %s"), err);
    fd = macvtap_make_node();
    if (fd < 0)
        child_fail(out, _("cannot make the macvtap device node: %s"), strerror(-fd));
    fd = open("/tmp/abipin-macvtap", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        child_fail(out, _("cannot open the macvtap device: %s"), strerror(errno));
    /* libvirt's virNetDevMacVLanTapSetup: IFF_VNET_HDR only if offered. */
    if (ioctl(fd, TUNGETFEATURES, &features) < 0)
        features = 0;
    if (!(features & IFF_VNET_HDR))
        ifr.ifr_flags &= ~IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
        child_fail(out, "TUNSETIFF: %s", strerror(errno));
    if (abipin_atom_set_put(set, "macvtap.vnet_hdr",
                            features & IFF_VNET_HDR ? ABIPIN_ATOM_PRESENT : ABIPIN_ATOM_ABSENT,
                            features & IFF_VNET_HDR ? NULL : "TUNGETFEATURES: no IFF_VNET_HDR") < 0 ||
        abipin_atom_set_put(set, "macvtap.multi_queue",
                            features & IFF_MULTI_QUEUE ? ABIPIN_ATOM_PRESENT : ABIPIN_ATOM_ABSENT,
                            features & IFF_MULTI_QUEUE ? NULL : "TUNGETFEATURES: no IFF_MULTI_QUEUE") < 0 ||
        abipin_probe_tun_fd(fd, "macvtap.", set) < 0)
        child_fail(out, "%s", abipin_error_message() ? abipin_error_message() : "?");
    for (size_t i = 0; i < set->n; i++)
        fprintf(out, "%s\t%s\t%s\n", set->items[i].name,
                abipin_atom_state_to_string(set->items[i].state),
                set->items[i].reason ? set->items[i].reason : "");
    fflush(out);
    /* The namespace, its links and the tmpfs vanish with this process. */
    _exit(0);
}

static int macvtap_read_report(FILE *in, AbipinAtomSet *set, char *failure, size_t len)
{
    char line[512];
    int n = 0;

    while (fgets(line, sizeof(line), in)) {
        char *state, *reason;

        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '!') {
            snprintf(failure, len, "%s", line + 1);
            return 0;
        }
        state = strchr(line, '\t');
        reason = state ? strchr(state + 1, '\t') : NULL;
        if (!reason)
            continue;
        *state++ = '\0';
        *reason++ = '\0';
        if (abipin_atom_is_known(line) && abipin_atom_state_from_string(state) >= 0) {
            int r = abipin_atom_set_put(set, line, abipin_atom_state_from_string(state),
                                        *reason ? reason : NULL);
            if (r < 0)
                return r;
            n++;
        }
    }
    if (n == 0)
        snprintf(failure, len, "%s", _("the macvtap probe process reported nothing"));
    return n;
}

/**
 * abipin_probe_macvtap:
 *
 * Probe macvtap in a child process inside a private network and mount
 * namespace: a lower link (dummy, or veth where the kernel has no dummy)
 * and a macvtap on it, then the same questions as for tap. Needs
 * CAP_SYS_ADMIN and CAP_NET_ADMIN; otherwise every macvtap atom is unknown.
 */
int abipin_probe_macvtap(AbipinAtomSet *set)
{
    char failure[512] = "";
    int pfd[2], status, r;
    FILE *in;
    pid_t pid;

    if (pipe2(pfd, O_CLOEXEC) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(), _("cannot create a pipe: %s"),
                                strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(), _("cannot fork: %s"),
                                strerror(errno));
    }
    if (pid == 0) {
        close(pfd[0]);
        macvtap_child(pfd[1]);
    }
    close(pfd[1]);
    in = fdopen(pfd[0], "r");
    r = in ? macvtap_read_report(in, set, failure, sizeof(failure)) : -ENOMEM;
    if (in)
        fclose(in);
    else
        close(pfd[0]);
    (void) waitpid(pid, &status, 0);
    if (r < 0)
        return r;
    if (failure[0])
        return abipin_probe_mark_all(set, "macvtap.", abipin_tun_atoms, ABIPIN_ATOM_UNKNOWN,
                                     failure);
    return 0;
}
