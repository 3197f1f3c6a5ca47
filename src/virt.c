#include <config.h>

#include <string.h>

#include <dlfcn.h>

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <libxml/uri.h>

#include "util/error.h"
#include "util/i18n.h"
#include "virt.h"

/* libvirt is loaded when a command needs it (define, start, pin --live),
 * not at every start of abipin: Debian links its libraries with -z now, and
 * resolving libvirt and its dependencies cost more than most commands'
 * whole work.
 * The prototypes come from libvirt's headers, so a mismatch is a compile
 * error, not a crash. */
#define VIRT_SYMBOLS(X)                                                                          \
    X(virSetErrorFunc) X(virConnectOpen) X(virConnectClose) X(virConnectGetURI)                  \
    X(virGetLastErrorMessage) X(virGetLastError) X(virDomainDefineXML)                          \
    X(virDomainLookupByName) X(virDomainGetXMLDesc) X(virDomainCreate) X(virDomainGetName)      \
    X(virDomainFree) X(virConnectGetType) X(virDomainIsActive) X(virDomainIsPersistent)

static struct {
#define X(name) __typeof__(name) *name;
    VIRT_SYMBOLS(X)
#undef X
} lv;

/* The QEMU monitor passthrough lives in its own library, libvirt-qemu
 * (a separate package on some distributions): loaded only by pin --live. */
#define VIRT_QEMU_SYMBOLS(X) X(virDomainQemuMonitorCommand)

static struct {
#define X(name) __typeof__(name) *name;
    VIRT_QEMU_SYMBOLS(X)
#undef X
} lvq;

typedef struct {
    const char *name;
    void **slot;
} VirtSymbol;

/* dlopen @soname and resolve every symbol of @syms. NULL on failure, with
 * *ret_missing the symbol it lacks, or NULL and dlerror() when the library
 * itself could not be loaded. */
static void *virt_open(const char *soname, const VirtSymbol *syms, size_t n,
                       const char **ret_missing)
{
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

    *ret_missing = NULL;
    for (size_t i = 0; handle && i < n; i++)
        if (!(*syms[i].slot = dlsym(handle, syms[i].name))) {
            *ret_missing = syms[i].name;
            dlclose(handle);
            handle = NULL;
        }
    return handle;
}

static int virt_load(void)
{
#define X(name) { #name, (void **) &lv.name },
    static const VirtSymbol syms[] = { VIRT_SYMBOLS(X) };
#undef X
    static void *handle;
    const char *missing;

    if (handle)
        return 0;
    handle = virt_open("libvirt.so.0", syms, ELEMENTSOF(syms), &missing);
    if (!handle && missing)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT, _("libvirt lacks %1$s"), missing);
    if (!handle)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT, _("cannot load libvirt: %1$s"), dlerror());
    return 0;
}

static int virt_load_qemu(void)
{
#define X(name) { #name, (void **) &lvq.name },
    static const VirtSymbol syms[] = { VIRT_QEMU_SYMBOLS(X) };
#undef X
    static void *handle;
    const char *missing;

    if (handle)
        return 0;
    handle = virt_open("libvirt-qemu.so.0", syms, ELEMENTSOF(syms), &missing);
    if (!handle && missing)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT, _("libvirt-qemu lacks %1$s"), missing);
    if (!handle)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("cannot load libvirt's QEMU library: %1$s"), dlerror());
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

/**
 * abipin_virt_require_qemu:
 *
 * Only libvirt's QEMU driver has a QEMU monitor to ask; the test driver,
 * Xen or LXC do not, and saying so beats libvirt's "not supported".
 */
int abipin_virt_require_qemu(virConnectPtr conn, const char *uri)
{
    const char *type = lv.virConnectGetType(conn);

    if (type && strcmp(type, "QEMU") == 0)
        return 0;
    return abipin_error_set(ABIPIN_ERR_ENV, -EOPNOTSUPP,
                            _("the libvirt driver '%1$s' at '%2$s' has no QEMU monitor to ask: "
                              "--live reads a domain that runs in QEMU (qemu:///system)"),
                            type ? type : "?", uri ? uri : _("the default URI"));
}

/**
 * abipin_virt_require_running:
 *
 * Only a running QEMU can say what it offers. Not running is a refusal
 * (exit 1): the domain exists, there is just nothing to read.
 */
int abipin_virt_require_running(virDomainPtr dom)
{
    int active = lv.virDomainIsActive(dom);

    if (active < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot tell whether '%1$s' runs: %2$s"),
                                lv.virDomainGetName(dom), virt_message());
    if (active == 0)
        return abipin_error_set(ABIPIN_ERR_REFUSED, -ESRCH,
                                _("'%1$s' is not running: --live reads what its running QEMU "
                                  "offers; start it, or pin its definition for a platform with "
                                  "'abipin pin FILE --platform ...'"),
                                lv.virDomainGetName(dom));
    return 0;
}

/* A transient domain (virsh create) has no definition to redefine. */
bool abipin_virt_is_persistent(virDomainPtr dom)
{
    return lv.virDomainIsPersistent(dom) == 1;
}

/* The running definition: libvirt's aliases, the machine type in use. */
int abipin_virt_live_xml(virDomainPtr dom, char **ret)
{
    char *xml = lv.virDomainGetXMLDesc(dom, 0);

    if (!xml)
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO,
                                _("cannot read the running definition: %1$s"), virt_message());
    *ret = xml;
    return 0;
}

/**
 * abipin_virt_qemu_monitor:
 * @userdata: the virDomainPtr
 *
 * One QMP command through libvirt's monitor passthrough; @ret gets QEMU's
 * reply as libvirt returns it (a QMP "error" reply is not a failure here:
 * the caller reads it). An AbipinQmpFunc.
 */
int abipin_virt_qemu_monitor(void *userdata, const char *command, char **ret)
{
    virDomainPtr dom = userdata;
    char *reply = NULL;
    int r = virt_load_qemu();

    if (r < 0)
        return r;
    if (lvq.virDomainQemuMonitorCommand(dom, command, &reply, 0) < 0) {
        virErrorPtr err = lv.virGetLastError();

        if (err && err->code == VIR_ERR_OPERATION_INVALID)
            return abipin_error_set(ABIPIN_ERR_REFUSED, -ESRCH,
                                    _("cannot ask the QEMU of '%1$s': %2$s"),
                                    lv.virDomainGetName(dom), virt_message());
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot ask the QEMU of '%1$s': %2$s"),
                                lv.virDomainGetName(dom), virt_message());
    }
    *ret = reply;
    return 0;
}
