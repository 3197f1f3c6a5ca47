#include <config.h>

#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/uri.h>

#include "util/error.h"
#include "util/i18n.h"
#include "virt.h"

/* libvirt prints every error to stderr by default; abipin reports it. */
static void virt_silence(void *data, virErrorPtr err)
{
}

static const char *virt_message(void)
{
    const char *msg = virGetLastErrorMessage();

    return msg ? msg : _("unknown libvirt error");
}

int abipin_virt_connect(const char *uri, virConnectPtr *ret)
{
    virConnectPtr conn;

    virSetErrorFunc(NULL, virt_silence);
    conn = virConnectOpen(uri);
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
    _cleanup_free_ char *uri = virConnectGetURI(conn);
    xmlURIPtr parsed = uri ? xmlParseURI(uri) : NULL;
    bool remote = parsed && parsed->server && *parsed->server &&
                  strcmp(parsed->server, "localhost") != 0;

    xmlFreeURI(parsed);
    return remote;
}

int abipin_virt_define(virConnectPtr conn, const char *xml, virDomainPtr *ret)
{
    virDomainPtr dom = virDomainDefineXML(conn, xml);

    if (!dom) {
        virErrorPtr err = virGetLastError();
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
    virDomainPtr dom = virDomainLookupByName(conn, name);

    if (!dom) {
        virErrorPtr err = virGetLastError();

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
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

    if (!xml)
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot read the domain definition: %1$s"),
                                virt_message());
    *ret = xml;
    return 0;
}

int abipin_virt_start(virDomainPtr dom)
{
    char msg[1024];

    if (virDomainCreate(dom) == 0)
        return 0;
    /* Copy the message first: any further libvirt call resets it. */
    snprintf(msg, sizeof(msg), "%s", virt_message());
    return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("libvirt could not start '%1$s': %2$s"),
                            virDomainGetName(dom), msg);
}
