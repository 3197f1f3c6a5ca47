/* A vDPA device's offer, asked of the kernel, never of the device node.
 *
 * QEMU's -netdev vhost-vdpa opens /dev/vhost-vdpa-N and asks
 * VHOST_GET_FEATURES: the device's features, which the kernel's "vdpa"
 * generic netlink family reports too (VDPA_CMD_DEV_CONFIG_GET,
 * VDPA_ATTR_DEV_FEATURES: what `vdpa dev config show` prints as
 * dev_features). abipin asks netlink: opening the node is exclusive
 * (vhost_vdpa_open: EBUSY while QEMU holds it) and resets the device, and
 * a probe must never disturb a device that serves a guest. The node and
 * the vdpa device are tied by sysfs: /sys/bus/vdpa/devices/NAME/vhost-vdpa-N. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/vdpa.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "backend.h"
#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

#define VDPA_SYSFS "/sys/bus/vdpa/devices"

static void nl_socket_freep(struct nl_sock **s)
{
    if (*s)
        nl_socket_free(*s);
}
#define _cleanup_nl_socket_ __attribute__((cleanup(nl_socket_freep)))

static void nlmsg_freep(struct nl_msg **m)
{
    if (*m)
        nlmsg_free(*m);
}
#define _cleanup_nlmsg_ __attribute__((cleanup(nlmsg_freep)))

static void closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}
#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))

/* Is NAME/@node the vhost-vdpa node of vdpa device NAME (a sysfs entry)? */
static bool vdpa_sysfs_has(const char *name, const char *node)
{
    char p[PATH_MAX];
    struct stat st;

    snprintf(p, sizeof(p), VDPA_SYSFS "/%s/%s", name, node);
    return stat(p, &st) == 0;
}

/**
 * abipin_vdpa_name_from_node:
 * @path: a vDPA device's character device, /dev/vhost-vdpa-N
 *
 * The vdpa device behind @path, by the node's name under sysfs. -ENOENT
 * where neither the node nor such a device exists (nothing to ask, as a
 * socket nobody listens on); the environment's error where @path exists
 * but is no vhost-vdpa node.
 */
int abipin_vdpa_name_from_node(const char *path, char *name, size_t len)
{
    _cleanup_closedir_ DIR *d = NULL;
    const char *node = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    struct stat st;
    bool exists = stat(path, &st) == 0;
    struct dirent *e;

    if (exists && !S_ISCHR(st.st_mode))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOTTY,
                                _("vDPA device %1$s is not a character device"), path);
    if (strncmp(node, "vhost-vdpa-", 11) == 0 && (d = opendir(VDPA_SYSFS)))
        while ((e = readdir(d)))
            if (e->d_name[0] != '.' && vdpa_sysfs_has(e->d_name, node)) {
                if (strlen(e->d_name) >= len)
                    break;
                snprintf(name, len, "%s", e->d_name);
                return 0;
            }
    if (!exists)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("vDPA device %1$s does not exist (no vdpa device has it: "
                                  "'vdpa dev add' creates one)"),
                                path);
    return abipin_error_set(ABIPIN_ERR_ENV, -ENODEV,
                            _("%1$s is no vhost-vdpa device of a vdpa device the kernel lists "
                              "(%2$s)"),
                            path, VDPA_SYSFS);
}

/* /dev/vhost-vdpa-N of vdpa device @name: its node's name under sysfs */
static int vdpa_node_from_name(const char *name, char *path, size_t len)
{
    _cleanup_closedir_ DIR *d = NULL;
    char dir[PATH_MAX];
    struct dirent *e;

    snprintf(dir, sizeof(dir), VDPA_SYSFS "/%s", name);
    if (!(d = opendir(dir)))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("the kernel has no vdpa device '%1$s' (%2$s: %3$s)"), name, dir,
                                strerror(errno));
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "vhost-vdpa-", 11) == 0) {
            snprintf(path, len, "/dev/%s", e->d_name);
            return 0;
        }
    return abipin_error_set(ABIPIN_ERR_ENV, -ENODEV,
                            _("vdpa device '%1$s' is not bound to vhost_vdpa (no /dev/vhost-vdpa-N): "
                              "QEMU cannot use it"),
                            name);
}

typedef struct {
    AbipinVdpaOffer *offer;
    int cmd;
} VdpaReply;

static int vdpa_reply_parse(struct nl_msg *msg, void *arg)
{
    VdpaReply *reply = arg;
    struct nlattr *attrs[VDPA_ATTR_MAX + 1];

    if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, VDPA_ATTR_MAX, NULL) < 0)
        return NL_SKIP;
    if (reply->cmd == VDPA_CMD_DEV_GET && attrs[VDPA_ATTR_MGMTDEV_DEV_NAME])
        snprintf(reply->offer->mgmtdev, sizeof(reply->offer->mgmtdev), "%s",
                 nla_get_string(attrs[VDPA_ATTR_MGMTDEV_DEV_NAME]));
    if (reply->cmd == VDPA_CMD_DEV_GET && attrs[VDPA_ATTR_DEV_ID])
        reply->offer->virtio_id = nla_get_u32(attrs[VDPA_ATTR_DEV_ID]);
    if (reply->cmd == VDPA_CMD_DEV_CONFIG_GET && attrs[VDPA_ATTR_DEV_FEATURES]) {
        reply->offer->features = nla_get_u64(attrs[VDPA_ATTR_DEV_FEATURES]);
        reply->offer->has_features = true;
    }
    return NL_OK;
}

/* One request about vdpa device @name, its reply parsed into @offer */
static int vdpa_request(struct nl_sock *sk, int family, int cmd, const char *name,
                        AbipinVdpaOffer *offer)
{
    _cleanup_nlmsg_ struct nl_msg *msg = nlmsg_alloc();
    VdpaReply reply = { .offer = offer, .cmd = cmd };
    int r;

    if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, (uint8_t) cmd,
                             VDPA_GENL_VERSION) ||
        nla_put_string(msg, VDPA_ATTR_DEV_NAME, name) < 0)
        abipin_oom();
    nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, vdpa_reply_parse, &reply);
    /* nl_recvmsgs_default() returns after the one (not multipart) answer,
     * leaving the kernel's ACK in the socket: unread, the next request's
     * receive takes it for its own answer, and VDPA_CMD_DEV_CONFIG_GET's
     * reply, the device's features, was never parsed (seen on Linux 6.12) */
    if ((r = nl_send_auto(sk, msg)) < 0 || (r = nl_recvmsgs_default(sk)) < 0 ||
        (r = nl_wait_for_ack(sk)) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, r == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO,
                                _("the kernel's vdpa netlink family did not tell device '%1$s' "
                                  "(%2$s)"),
                                name, nl_geterror(r));
    return 0;
}

/**
 * abipin_vdpa_ask:
 * @name: a vdpa device's name ("vdpa0", as `vdpa dev show` lists it)
 *
 * The device's features and its management device, from the kernel's
 * vdpa netlink family.
 */
int abipin_vdpa_ask(const char *name, AbipinVdpaOffer *ret)
{
    _cleanup_nl_socket_ struct nl_sock *sk = nl_socket_alloc();
    AbipinVdpaOffer offer = { 0 };
    int family, r;

    if (!sk)
        abipin_oom();
    if ((r = genl_connect(sk)) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot open a generic netlink socket: %1$s"),
                                nl_geterror(r));
    if ((family = genl_ctrl_resolve(sk, VDPA_GENL_NAME)) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("the kernel has no vdpa netlink family (module vdpa not loaded): "
                                  "no vDPA device '%1$s'"),
                                name);
    if ((r = vdpa_request(sk, family, VDPA_CMD_DEV_GET, name, &offer)) < 0 ||
        (r = vdpa_request(sk, family, VDPA_CMD_DEV_CONFIG_GET, name, &offer)) < 0)
        return r;
    if (offer.virtio_id && offer.virtio_id != 1 /* VIRTIO_ID_NET */)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOTTY,
                                _("vdpa device '%1$s' is a virtio device of type %2$u, not a "
                                  "network device"),
                                name, offer.virtio_id);
    if (!offer.has_features)
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("the kernel did not report the features of vdpa device '%1$s' "
                                  "(VDPA_ATTR_DEV_FEATURES: Linux >= 6.0)"),
                                name);
    *ret = offer;
    return 0;
}

static void vdpa_put_features(AbipinExternalBackend *b, const AbipinVdpaOffer *offer)
{
    b->has_features = true;
    b->features = offer->features;
}

/**
 * abipin_probe_vdpa_backend:
 * @name: the backend's name in the profile; NULL: the vdpa device's
 * @device: the vdpa device's name ("vdpa0") or its node (/dev/vhost-vdpa-0)
 *
 * Ask the kernel about the device and add it to @p: its node, its whole
 * feature word, and its offer as atoms vdpa.NAME.bit.N.
 */
int abipin_probe_vdpa_backend(AbipinProfile *p, const AbipinCatalogue *cat, const char *name,
                              const char *device)
{
    char dev_name[ABIPIN_BACKEND_NAME_MAX + 1], node[PATH_MAX];
    AbipinExternalBackend *b;
    AbipinVdpaOffer offer;
    int r;

    if (name && (r = abipin_backend_name_check(name)) < 0)
        return r;
    if (device[0] == '/') {
        snprintf(node, sizeof(node), "%s", device);
        r = abipin_vdpa_name_from_node(device, dev_name, sizeof(dev_name));
    } else if (!abipin_backend_name_is_valid(device)) {
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("'%1$s' is neither a vdpa device's name nor an absolute path"),
                                device);
    } else {
        snprintf(dev_name, sizeof(dev_name), "%s", device);
        r = vdpa_node_from_name(device, node, sizeof(node));
    }
    if (r < 0 || (r = abipin_vdpa_ask(dev_name, &offer)) < 0)
        return r;
    b = abipin_backend_list_adopt(&p->backends, ABIPIN_BACKEND_VDPA, name ? name : dev_name, node);
    vdpa_put_features(b, &offer);
    return abipin_backend_put_offer(p->atoms, cat, b, offer.features);
}

/**
 * abipin_probe_domain_vdpa:
 *
 * This host's vDPA devices for @d's vdpa interfaces, asked where nothing
 * in @p serves an interface's node yet. A node that does not exist (the
 * device not created yet, the vdpa module not loaded) leaves the device's
 * bits unknown, never guessed.
 */
int abipin_probe_domain_vdpa(AbipinProfile *p, const AbipinCatalogue *cat, const AbipinDomain *d)
{
    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];
        int r;

        if (iface->backend != ABIPIN_BACKEND_VDPA || !iface->virtio || !iface->vdpa_device ||
            abipin_backend_list_match(&p->backends, ABIPIN_BACKEND_VDPA, iface->vdpa_device))
            continue;
        r = abipin_probe_vdpa_backend(p, cat, NULL, iface->vdpa_device);
        if (r == -ENOENT) {
            r = abipin_backend_put_unknown(p->atoms, cat,
                                           abipin_backend_list_adopt(&p->backends,
                                                                     ABIPIN_BACKEND_VDPA, NULL,
                                                                     iface->vdpa_device),
                                           abipin_error_message());
            abipin_error_reset();
        }
        if (r < 0)
            return r;
    }
    return 0;
}
