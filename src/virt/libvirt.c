/* abipin-libvirt.so: abipin's libvirt client code, in a module linked
 * against libvirt and libvirt-qemu (see virt/module.h for why a module).
 * libvirt's own error printing is silenced; its message is reported once,
 * in abipin's words, through the error function abipin binds. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "util/i18n.h"
#include "virt/module.h"

static AbipinVirtErrorFunc report;

static void virt_bind(AbipinVirtErrorFunc error_set)
{
    report = error_set;
}

static void virt_connect_close(virConnectPtr conn)
{
    virConnectClose(conn);
}

static void virt_domain_free(virDomainPtr dom)
{
    virDomainFree(dom);
}

static const char *virt_domain_name(virDomainPtr dom)
{
    return virDomainGetName(dom);
}

/* libvirt prints every error to stderr by default; abipin reports it. */
static void virt_silence(void *data, virErrorPtr err)
{
}

static const char *virt_message(void)
{
    const char *msg = virGetLastErrorMessage();

    return msg ? msg : _("unknown libvirt error");
}

static int virt_connect(const char *uri, virConnectPtr *ret)
{
    virConnectPtr conn;

    virSetErrorFunc(NULL, virt_silence);
    conn = virConnectOpen(uri);
    if (!conn)
        return report(ABIPIN_ERR_ENV, -ECONNREFUSED, _("cannot connect to libvirt at '%1$s': %2$s"),
                      uri ? uri : _("the default URI"), virt_message());
    *ret = conn;
    return 0;
}

/* The URI libvirt connected to (the default one resolved); NULL if it
 * cannot say. */
static char *virt_uri(virConnectPtr conn)
{
    return virConnectGetURI(conn);
}

static int virt_define(virConnectPtr conn, const char *xml, virDomainPtr *ret)
{
    virDomainPtr dom = virDomainDefineXML(conn, xml);

    if (!dom) {
        virErrorPtr err = virGetLastError();
        bool bad_xml = err && (err->code == VIR_ERR_XML_ERROR || err->code == VIR_ERR_XML_DETAIL ||
                               err->code == VIR_ERR_CONFIG_UNSUPPORTED);

        return report(bad_xml ? ABIPIN_ERR_INPUT : ABIPIN_ERR_ENV, -EIO,
                      _("libvirt refused to define the domain: %1$s"), virt_message());
    }
    *ret = dom;
    return 0;
}

static int virt_lookup(virConnectPtr conn, const char *name, virDomainPtr *ret)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);

    if (!dom) {
        virErrorPtr err = virGetLastError();

        return report(err && err->code == VIR_ERR_NO_DOMAIN ? ABIPIN_ERR_INPUT : ABIPIN_ERR_ENV,
                      -ENOENT, _("no domain '%1$s': %2$s"), name, virt_message());
    }
    *ret = dom;
    return 0;
}

/* The persistent definition: what the next start uses. */
static int virt_inactive_xml(virDomainPtr dom, char **ret)
{
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

    if (!xml)
        return report(ABIPIN_ERR_ENV, -EIO, _("cannot read the domain definition: %1$s"),
                      virt_message());
    *ret = xml;
    return 0;
}

static int virt_start(virDomainPtr dom)
{
    char msg[1024];

    if (virDomainCreate(dom) == 0)
        return 0;
    /* Copy the message first: any further libvirt call resets it. A hook
     * that refused (abipin's own on that host, say) is a refusal, not an
     * environment error. */
    virErrorPtr err = virGetLastError();
    bool refused = err && err->code == VIR_ERR_HOOK_SCRIPT_FAILED;

    snprintf(msg, sizeof(msg), "%s", virt_message());
    return report(refused ? ABIPIN_ERR_REFUSED : ABIPIN_ERR_ENV, -EIO,
                  _("libvirt could not start '%1$s': %2$s"), virDomainGetName(dom), msg);
}

/* Only libvirt's QEMU driver has a QEMU monitor to ask; the test driver,
 * Xen or LXC do not, and saying so beats libvirt's "not supported". */
static int virt_require_qemu(virConnectPtr conn, const char *uri)
{
    const char *type = virConnectGetType(conn);

    if (type && strcmp(type, "QEMU") == 0)
        return 0;
    return report(ABIPIN_ERR_ENV, -EOPNOTSUPP,
                  _("the libvirt driver '%1$s' at '%2$s' has no QEMU monitor to ask: "
                    "--live reads a domain that runs in QEMU (qemu:///system)"),
                  type ? type : "?", uri ? uri : _("the default URI"));
}

/* Only a running QEMU can say what it offers. Not running is a refusal
 * (exit 1): the domain exists, there is just nothing to read. */
static int virt_require_running(virDomainPtr dom)
{
    int active = virDomainIsActive(dom);

    if (active < 0)
        return report(ABIPIN_ERR_ENV, -EIO, _("cannot tell whether '%1$s' runs: %2$s"),
                      virDomainGetName(dom), virt_message());
    if (active == 0)
        return report(ABIPIN_ERR_REFUSED, -ESRCH,
                      _("'%1$s' is not running: --live reads what its running QEMU "
                        "offers; start it, or pin its definition for a platform with "
                        "'abipin pin FILE --platform ...'"),
                      virDomainGetName(dom));
    return 0;
}

/* A transient domain (virsh create) has no definition to redefine. */
static bool virt_is_persistent(virDomainPtr dom)
{
    return virDomainIsPersistent(dom) == 1;
}

/* The running definition: libvirt's aliases, the machine type in use. */
static int virt_live_xml(virDomainPtr dom, char **ret)
{
    char *xml = virDomainGetXMLDesc(dom, 0);

    if (!xml)
        return report(ABIPIN_ERR_ENV, -EIO, _("cannot read the running definition: %1$s"),
                      virt_message());
    *ret = xml;
    return 0;
}

/* One QMP command through libvirt-qemu's monitor passthrough; @ret gets
 * QEMU's reply as libvirt returns it (a QMP "error" reply is not a failure
 * here: the caller reads it). */
static int virt_qemu_monitor(virDomainPtr dom, const char *command, char **ret)
{
    char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, command, &reply, 0) < 0) {
        virErrorPtr err = virGetLastError();

        return report(err && err->code == VIR_ERR_OPERATION_INVALID ? ABIPIN_ERR_REFUSED
                                                                    : ABIPIN_ERR_ENV,
                      err && err->code == VIR_ERR_OPERATION_INVALID ? -ESRCH : -EIO,
                      _("cannot ask the QEMU of '%1$s': %2$s"), virDomainGetName(dom),
                      virt_message());
    }
    *ret = reply;
    return 0;
}

/* The one symbol abipin looks up (visible: the module is built with the
 * default visibility, and this is its only non-static definition). */
extern const AbipinVirtModule abipin_virt_module;
const AbipinVirtModule abipin_virt_module = {
    .version = ABIPIN_VIRT_MODULE_VERSION,
    .bind = virt_bind,
    .connect = virt_connect,
    .connect_close = virt_connect_close,
    .uri = virt_uri,
    .define = virt_define,
    .lookup = virt_lookup,
    .domain_free = virt_domain_free,
    .domain_name = virt_domain_name,
    .inactive_xml = virt_inactive_xml,
    .start = virt_start,
    .require_qemu = virt_require_qemu,
    .require_running = virt_require_running,
    .is_persistent = virt_is_persistent,
    .live_xml = virt_live_xml,
    .qemu_monitor = virt_qemu_monitor,
};
