#include <config.h>

#include <string.h>

#include <dlfcn.h>

#include <libvirt/virterror.h>
#include <libxml/uri.h>

#include "util/error.h"
#include "util/i18n.h"
#include "virt.h"

/* libvirt is loaded when a command needs it (define, start), not at every
 * start of abipin: Debian links its libraries with -z now, and resolving
 * libvirt and its dependencies cost more than most commands' whole work.
 * The prototypes come from libvirt's headers, so a mismatch is a compile
 * error, not a crash. */
#define VIRT_SYMBOLS(X)                                                                          \
    X(virSetErrorFunc) X(virConnectOpen) X(virConnectClose) X(virConnectGetURI)                  \
    X(virGetLastErrorMessage) X(virGetLastError) X(virDomainDefineXML)                          \
    X(virDomainLookupByName) X(virDomainGetXMLDesc) X(virDomainCreate) X(virDomainGetName)      \
    X(virDomainFree)

static struct {
#define X(name) __typeof__(name) *name;
    VIRT_SYMBOLS(X)
#undef X
} lv;

static int virt_load(void)
{
    static void *handle;
    const char *missing = NULL;

    if (handle)
        return 0;
    handle = dlopen("libvirt.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT, _("cannot load libvirt: %1$s"), dlerror());
#define X(name) if (!(lv.name = (__typeof__(name) *) dlsym(handle, #name)) && !missing) missing = #name;
    VIRT_SYMBOLS(X)
#undef X
    if (missing) {
        dlclose(handle);
        handle = NULL;
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT, _("libvirt lacks %1$s"), missing);
    }
    return 0;
}

void abipin_virt_connect_close(virConnectPtr conn)
{
    if (conn)
        lv.virConnectClose(conn);
}

void abipin_virt_domain_free(virDomainPtr dom)
{
    if (dom)
        lv.virDomainFree(dom);
}

const char *abipin_virt_domain_name(virDomainPtr dom)
{
    return lv.virDomainGetName(dom);
}

/* libvirt prints every error to stderr by default; abipin reports it. */
static void virt_silence(void *data, virErrorPtr err)
{
}

static const char *virt_message(void)
{
    const char *msg = lv.virGetLastErrorMessage();

    return msg ? msg : _("unknown libvirt error");
}

int abipin_virt_connect(const char *uri, virConnectPtr *ret)
{
    virConnectPtr conn;
    int r = virt_load();

    if (r < 0)
        return r;
    lv.virSetErrorFunc(NULL, virt_silence);
    conn = lv.virConnectOpen(uri);
    if (!conn)
        return abipin_error_set(ABIPIN_ERR_ENV, -ECONNREFUSED,
                                _("cannot connect to libvirt at '%1$s': %2$s"),
                                uri ? uri : _("the default URI"), virt_message());
    *ret = conn;
    return 0;
}

/**
 * abipin_virt_is_remote:
 *
 * A URI with a host part (qemu+ssh://host/system) reaches another machine:
 * probing this one would answer the wrong question.
 */
bool abipin_virt_is_remote(virConnectPtr conn)
{
    _cleanup_free_ char *uri = lv.virConnectGetURI(conn);
    xmlURIPtr parsed = uri ? xmlParseURI(uri) : NULL;
    bool remote = parsed && parsed->server && *parsed->server &&
                  strcmp(parsed->server, "localhost") != 0;

    xmlFreeURI(parsed);
    return remote;
}

int abipin_virt_define(virConnectPtr conn, const char *xml, virDomainPtr *ret)
{
    virDomainPtr dom = lv.virDomainDefineXML(conn, xml);

    if (!dom) {
        virErrorPtr err = lv.virGetLastError();
        bool bad_xml = err && (err->code == VIR_ERR_XML_ERROR || err->code == VIR_ERR_XML_DETAIL ||
                               err->code == VIR_ERR_CONFIG_UNSUPPORTED);

        return abipin_error_set(bad_xml ? ABIPIN_ERR_INPUT : ABIPIN_ERR_ENV, -EIO,
                                _("libvirt refused to define the domain: %1$s"), virt_message());
    }
    *ret = dom;
    return 0;
}

int abipin_virt_lookup(virConnectPtr conn, const char *name, virDomainPtr *ret)
{
    virDomainPtr dom = lv.virDomainLookupByName(conn, name);

    if (!dom) {
        virErrorPtr err = lv.virGetLastError();

        return abipin_error_set(err && err->code == VIR_ERR_NO_DOMAIN ? ABIPIN_ERR_INPUT
                                                                      : ABIPIN_ERR_ENV,
                                -ENOENT, _("no domain '%1$s': %2$s"), name, virt_message());
    }
    *ret = dom;
    return 0;
}

/* The persistent definition: what the next start uses. */
int abipin_virt_inactive_xml(virDomainPtr dom, char **ret)
{
    char *xml = lv.virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

    if (!xml)
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot read the domain definition: %1$s"),
                                virt_message());
    *ret = xml;
    return 0;
}

int abipin_virt_start(virDomainPtr dom)
{
    char msg[1024];

    if (lv.virDomainCreate(dom) == 0)
        return 0;
    /* Copy the message first: any further libvirt call resets it. A hook
     * that refused (abipin's own on that host, say) is a refusal, not an
     * environment error. */
    virErrorPtr err = lv.virGetLastError();
    bool refused = err && err->code == VIR_ERR_HOOK_SCRIPT_FAILED;

    snprintf(msg, sizeof(msg), "%s", virt_message());
    return abipin_error_set(refused ? ABIPIN_ERR_REFUSED : ABIPIN_ERR_ENV, -EIO,
                            _("libvirt could not start '%1$s': %2$s"), lv.virDomainGetName(dom), msg);
}
