/* The commands' side of libvirt: loads abipin-libvirt.so (virt/module.h)
 * when a command first needs libvirt, and hands each call to it. */
#include <config.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/uri.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "virt/module.h"
#include "virt/virt.h"

static const AbipinVirtModule *virt;

/* ABIPIN_MODULE_DIR: the build tree's module (./run and the tests set it,
 * as ABIPIN_DATADIR); not honoured in a setuid run, where it would load
 * anyone's code. */
static char *virt_module_path(void)
{
    const char *dir = secure_getenv("ABIPIN_MODULE_DIR");

    return abipin_asprintf("%s/%s", dir && *dir ? dir : ABIPIN_PKGLIBDIR, ABIPIN_VIRT_MODULE_FILE);
}

/* dlerror() of a module that is there but cannot be loaded: most often a
 * library it needs is missing, libvirt-qemu (a package of its own on some
 * distributions) or libvirt itself. */
static int virt_load_error(const char *why)
{
    if (strstr(why, "libvirt-qemu"))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                _("cannot load libvirt's QEMU library: %1$s"), why);
    return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT, _("cannot load libvirt: %1$s"), why);
}

static int virt_load(void)
{
    _cleanup_free_ char *path = NULL;
    const AbipinVirtModule *m;
    void *handle;

    if (virt)
        return 0;
    path = virt_module_path();
    if (access(path, R_OK) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -errno,
                                _("cannot load abipin's libvirt module %1$s: %2$s (define, start "
                                  "and pin --live need it; make install puts it there, "
                                  "ABIPIN_MODULE_DIR names another directory)"),
                                path, strerror(errno));
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return virt_load_error(dlerror());
    m = dlsym(handle, ABIPIN_VIRT_MODULE_SYMBOL);
    if (!m || !m->version || strcmp(m->version, ABIPIN_VIRT_MODULE_VERSION) != 0) {
        dlclose(handle);
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOEXEC,
                                _("%1$s is not the libvirt module of abipin %2$s"), path,
                                PACKAGE_VERSION);
    }
    m->bind(abipin_error_set);
    virt = m; /* loaded for the rest of the process: libvirt keeps threads */
    return 0;
}

int abipin_virt_connect(const char *uri, virConnectPtr *ret)
{
    int r = virt_load();

    return r < 0 ? r : virt->connect(uri, ret);
}

/* Each function below takes a connection or a domain: abipin_virt_connect
 * has loaded the module. */
void abipin_virt_connect_close(virConnectPtr conn)
{
    if (conn)
        virt->connect_close(conn);
}

void abipin_virt_domain_free(virDomainPtr dom)
{
    if (dom)
        virt->domain_free(dom);
}

const char *abipin_virt_domain_name(virDomainPtr dom)
{
    return virt->domain_name(dom);
}

/**
 * abipin_virt_uri:
 *
 * The URI of @conn as libvirt resolved it (the default connection's real
 * one), for messages; "the default URI" if libvirt cannot say.
 */
char *abipin_virt_uri(virConnectPtr conn)
{
    char *uri = virt->uri(conn);

    return uri ? uri : abipin_strdup(_("the default URI"));
}

/**
 * abipin_virt_is_remote:
 *
 * A URI with a host part (qemu+ssh://host/system) reaches another machine:
 * probing this one would answer the wrong question.
 */
bool abipin_virt_is_remote(virConnectPtr conn)
{
    _cleanup_free_ char *uri = virt->uri(conn);
    xmlURIPtr parsed = uri ? xmlParseURI(uri) : NULL;
    bool remote = parsed && parsed->server && *parsed->server &&
                  strcmp(parsed->server, "localhost") != 0;

    xmlFreeURI(parsed);
    return remote;
}

int abipin_virt_define(virConnectPtr conn, const char *xml, virDomainPtr *ret)
{
    return virt->define(conn, xml, ret);
}

int abipin_virt_lookup(virConnectPtr conn, const char *name, virDomainPtr *ret)
{
    return virt->lookup(conn, name, ret);
}

int abipin_virt_inactive_xml(virDomainPtr dom, char **ret)
{
    return virt->inactive_xml(dom, ret);
}

int abipin_virt_start(virDomainPtr dom)
{
    return virt->start(dom);
}

int abipin_virt_require_qemu(virConnectPtr conn, const char *uri)
{
    return virt->require_qemu(conn, uri);
}

int abipin_virt_require_running(virDomainPtr dom)
{
    return virt->require_running(dom);
}

bool abipin_virt_is_persistent(virDomainPtr dom)
{
    return virt->is_persistent(dom);
}

int abipin_virt_live_xml(virDomainPtr dom, char **ret)
{
    return virt->live_xml(dom, ret);
}

/**
 * abipin_virt_qemu_monitor:
 * @userdata: the virDomainPtr
 *
 * One QMP command through libvirt's monitor passthrough; an AbipinQmpFunc.
 */
int abipin_virt_qemu_monitor(void *userdata, const char *command, char **ret)
{
    return virt->qemu_monitor(userdata, command, ret);
}
