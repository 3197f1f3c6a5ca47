#include <config.h>

#include <assert.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <libxml/parserInternals.h>

#include "domain.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

void abipin_domain_free(AbipinDomain *d)
{
    if (!d)
        return;
    xmlFreeDoc(d->doc);
    abipin_record_free(d->record);
    free(d->file);
    free(d->decl);
    free(d->ifaces);
    free(d->overrides);
    free(d);
}

static bool is_ns_element(const xmlNode *node, const char *ns, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           strcmp((const char *) node->ns->href, ns) == 0 &&
           strcmp((const char *) node->name, name) == 0;
}

static const char *child_prop(const xmlNode *parent, const char *name, const char *attr)
{
    xmlNodePtr c = abipin_xml_child(parent, name);

    return c ? abipin_xml_prop_static(c, attr) : NULL;
}

static const char *child_text(const xmlNode *parent, const char *name)
{
    xmlNodePtr c = abipin_xml_child(parent, name);

    return c && c->children && c->children->type == XML_TEXT_NODE
               ? (const char *) c->children->content : NULL;
}

/* libvirt's <interface type=> -> the kind of backend QEMU gets. */
static int interface_backend(const char *type)
{
    static const struct {
        const char *type;
        AbipinBackend backend;
    } map[] = {
        { "network", ABIPIN_BACKEND_TAP },  { "bridge", ABIPIN_BACKEND_TAP },
        { "ethernet", ABIPIN_BACKEND_TAP }, { "direct", ABIPIN_BACKEND_MACVTAP },
        { "user", ABIPIN_BACKEND_USER },    { "mcast", ABIPIN_BACKEND_USER },
        { "server", ABIPIN_BACKEND_USER },  { "client", ABIPIN_BACKEND_USER },
        { "udp", ABIPIN_BACKEND_USER },     { "null", ABIPIN_BACKEND_USER },
        { "vhostuser", ABIPIN_BACKEND_VHOST_USER }, { "vdpa", ABIPIN_BACKEND_VDPA },
    };

    for (size_t i = 0; i < ELEMENTSOF(map); i++)
        if (type && strcmp(type, map[i].type) == 0)
            return map[i].backend;
    return -1; /* hostdev, vds, ...: not a QEMU virtio-net backend */
}

static bool model_is_virtio(const char *model)
{
    return model && (strcmp(model, "virtio") == 0 || strcmp(model, "virtio-transitional") == 0 ||
                     strcmp(model, "virtio-non-transitional") == 0);
}

/**
 * abipin_interface_format_label:
 *
 * An interface as messages name it: "ua-net0 (52:54:00:..)", quoted.
 */
void abipin_interface_format_label(const char *alias, const char *mac, char *buf, size_t len)
{
    char qalias[60], qmac[60];

    snprintf(buf, len, "%s (%s)", alias ? abipin_error_quote(alias, qalias, sizeof(qalias)) : "-",
             mac ? abipin_error_quote(mac, qmac, sizeof(qmac)) : _("no MAC"));
}

static void interface_refresh(AbipinInterface *iface)
{
    xmlNodePtr n = iface->node;
    const char *queues;

    iface->type = abipin_xml_prop_static(n, "type");
    iface->model = child_prop(n, "model", "type");
    iface->mac = child_prop(n, "mac", "address");
    iface->alias = child_prop(n, "alias", "name");
    iface->driver = child_prop(n, "driver", "name");
    iface->address_type = child_prop(n, "address", "type");
    iface->socket = child_prop(n, "source", "path");
    iface->socket_qemu_listens = streq_ptr(child_prop(n, "source", "mode"), "server");
    iface->vdpa_device = streq_ptr(iface->type, "vdpa") ? child_prop(n, "source", "dev") : NULL;
    queues = child_prop(n, "driver", "queues");
    iface->queues = queues ? (unsigned) strtoul(queues, NULL, 10) : 1;
    if (streq_ptr(iface->driver, "default")) /* libvirt's choice, as if absent */
        iface->driver = NULL;
    iface->driver_element = abipin_xml_child(n, "driver");
    iface->host_element = abipin_xml_child(iface->driver_element, "host");
    iface->guest_element = abipin_xml_child(iface->driver_element, "guest");
    iface->virtio = model_is_virtio(iface->model);
    iface->backend = interface_backend(iface->type);
    abipin_interface_format_label(iface->alias, iface->mac, iface->label, sizeof(iface->label));
}

/* Per interface, abipin looks at every <qemu:device> override; more of
 * either than any machine can hold would only make that quadratic work a
 * way to keep the hook busy for hours. */
#define ABIPIN_MAX_INTERFACES 1024
#define ABIPIN_MAX_OVERRIDES 1024

static xmlNodePtr ns_child(const xmlNode *parent, const char *name, const char *attr,
                           const char *value)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (is_ns_element(c, ABIPIN_QEMU_NS, name) &&
            (!attr || streq_ptr(abipin_xml_prop_static(c, attr), value)))
            return c;
    return NULL;
}

/* (Re)read what @o says: xmlSetProp frees the values it pointed to. */
static void override_read(AbipinOverride *o)
{
    o->type = abipin_xml_prop_static(o->node, "type");
    o->value = abipin_xml_prop_static(o->node, "value");
}

static void override_add(AbipinDomain *d, xmlNodePtr device, xmlNodePtr property)
{
    AbipinOverride *o;

    abipin_array_resize(d->overrides, d->n_overrides + 1);
    o = &d->overrides[d->n_overrides++];
    *o = (AbipinOverride) {
        .alias = abipin_xml_prop_static(device, "alias"),
        .property = abipin_xml_prop_static(property, "name"),
        .node = property,
    };
    override_read(o);
}

/* Every <qemu:property> of every device's <qemu:frontend>, in document
 * order: read once, looked up per interface and feature. */
static int domain_collect_overrides(AbipinDomain *d)
{
    xmlNodePtr root = xmlDocGetRootElement(d->doc);
    size_t n_devices = 0;

    d->n_overrides = 0;
    for (xmlNodePtr o = root->children; o; o = o->next)
        for (xmlNodePtr dev = is_ns_element(o, ABIPIN_QEMU_NS, "override") ? o->children : NULL;
             dev; dev = dev->next) {
            if (!is_ns_element(dev, ABIPIN_QEMU_NS, "device"))
                continue;
            xmlNodePtr frontend = ns_child(dev, "frontend", NULL, NULL);

            if (++n_devices > ABIPIN_MAX_OVERRIDES)
                return abipin_error_set(ABIPIN_ERR_INPUT, -E2BIG,
                                        _("%1$s: more than %2$d <qemu:device> overrides"), d->file,
                                        ABIPIN_MAX_OVERRIDES);
            /* in one <qemu:override>, the first <qemu:device> of an alias
             * and its first <qemu:frontend> are the ones that count */
            if (ns_child(o, "device", "alias", abipin_xml_prop_static(dev, "alias")) != dev)
                continue;
            for (xmlNodePtr p = frontend ? frontend->children : NULL; p; p = p->next) {
                if (!is_ns_element(p, ABIPIN_QEMU_NS, "property"))
                    continue;
                override_add(d, dev, p);
            }
        }
    return 0;
}

static int domain_collect_interfaces(AbipinDomain *d, xmlNodePtr devices)
{
    size_t n = 0;

    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next)
        n += abipin_xml_is(c, "interface") && !c->ns;
    if (n > ABIPIN_MAX_INTERFACES)
        return abipin_error_set(ABIPIN_ERR_INPUT, -E2BIG,
                                _("%1$s: %2$zu interfaces, more than the %3$d abipin handles"),
                                d->file, n, ABIPIN_MAX_INTERFACES);
    d->ifaces = abipin_new0(AbipinInterface, n ? n : 1);
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        AbipinInterface *iface;

        if (!abipin_xml_is(c, "interface") || c->ns)
            continue;
        iface = &d->ifaces[d->n_ifaces++];
        iface->node = c;
        interface_refresh(iface);
        if (!iface->type)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$ld: <interface> without a type"), d->file,
                                    xmlGetLineNo(c));
        /* libvirt refuses other backends too; guessing one would pin wrong bits */
        if (iface->backend >= 0 && iface->driver && !streq_ptr(iface->driver, "qemu") &&
            !streq_ptr(iface->driver, "vhost")) {
            char q[ABIPIN_QUOTE_MAX];

            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$ld: <driver name='%3$s'> is neither 'qemu' nor 'vhost'"),
                                    d->file, xmlGetLineNo(c),
                                    abipin_error_quote(iface->driver, q, sizeof(q)));
        }
        for (size_t i = 0; iface->alias && i + 1 < d->n_ifaces; i++)
            if (streq_ptr(d->ifaces[i].alias, iface->alias)) {
                char q[ABIPIN_QUOTE_MAX];

                return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                        _("%1$s:%2$ld: the alias '%3$s' is used twice"), d->file,
                                        xmlGetLineNo(c),
                                        abipin_error_quote(iface->alias, q, sizeof(q)));
            }
    }
    return 0;
}

/* The quote of the root element's first attribute: libvirt writes
 * <domain type='kvm'>, and the output keeps whichever style the input has. */
static char domain_quote_style(const char *data, size_t len)
{
    const char *end = data + len, *root = memmem(data, len, "<domain", strlen("<domain"));
    const char *eq = root ? memchr(root, '=', end - root) : NULL;

    while (eq && eq + 1 < end && (eq[1] == ' ' || eq[1] == '\t'))
        eq++;
    return eq && eq + 1 < end && eq[1] == '"' ? '"' : '\'';
}

static bool domain_declares_other_encoding(const AbipinDomain *d)
{
    const char *enc = (const char *) d->doc->encoding;

    return enc && strcasecmp(enc, "UTF-8") != 0 && strcasecmp(enc, "UTF8") != 0;
}

/* The serialiser writes UTF-8 and the input's own declaration: under an
 * encoding='ISO-8859-1' (or 'UTF-7', where "+AOk-" is text too) declaration,
 * a non-ASCII character would come out as different text (and pinning
 * again would change it again). */
static int domain_check_encoding(const AbipinDomain *d, const char *xml, size_t len)
{
    const char *enc = (const char *) d->doc->encoding;
    char q[ABIPIN_QUOTE_MAX];

    if (!domain_declares_other_encoding(d))
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) xml[i] >= 0x80)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s: declares encoding='%2$s' and has non-ASCII text, "
                                      "but abipin writes UTF-8: convert the file to UTF-8 first"),
                                    d->file, abipin_error_quote(enc, q, sizeof(q)));
    return 0;
}

/* A definition abipin may write is refused at once, before any work, if it
 * could not be written back as the same text. */
static int domain_check_rewritable(const AbipinDomain *d)
{
    _cleanup_free_ char *xml = NULL;
    size_t len;
    int r;

    if (!domain_declares_other_encoding(d))
        return 0;
    if ((r = abipin_xml_to_string(d->doc, d->decl, d->quote, &xml, &len)) < 0)
        return r;
    return domain_check_encoding(d, xml, len);
}

/**
 * abipin_domain_parse:
 * @file: the document's name for messages
 *
 * Parse a libvirt domain definition (safely: see abipin_xml_parse) and
 * index the interfaces. Wrong root, missing name or a malformed interface
 * are INPUT errors.
 */
int abipin_domain_parse_flags(const char *file, const char *data, size_t len, unsigned flags,
                              AbipinDomain **ret)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = abipin_new0(AbipinDomain, 1);
    bool read_only = flags & ABIPIN_DOMAIN_READ_ONLY;
    const char *p = data, *decl_end;
    xmlNodePtr root, record;
    int r;

    d->file = abipin_strdup(file);
    d->read_only = read_only;
    if ((r = abipin_xml_parse_options(file, data, len,
                                      read_only ? XML_PARSE_NOBLANKS | XML_PARSE_COMPACT : 0,
                                      &d->doc)) < 0 ||
        (r = abipin_xml_expect_root(d->doc, "domain", file)) < 0)
        return r;
    /* @data need not end in a NUL: nothing below reads past @len */
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    /* "<?xml" and white space: <?xml-stylesheet …?> is a processing
     * instruction, which the tree keeps and the serialiser writes itself */
    if ((size_t) (data + len - p) >= 6 && memcmp(p, "<?xml", 5) == 0 && IS_BLANK_CH(p[5]) &&
        (decl_end = memmem(p, data + len - p, "?>", 2)))
        d->decl = abipin_strndup(p, decl_end + 2 - p);
    d->quote = domain_quote_style(data, len);
    root = xmlDocGetRootElement(d->doc);
    d->name = child_text(root, "name");
    if (!d->name)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s: the domain has no <name>"), file);
    abipin_error_quote(d->name, d->label, sizeof(d->label));
    d->machine = child_prop(abipin_xml_child(root, "os"), "type", "machine");
    d->arch = child_prop(abipin_xml_child(root, "os"), "type", "arch");
    d->emulator = child_text(abipin_xml_child(root, "devices"), "emulator");
    if ((r = domain_collect_overrides(d)) < 0 ||
        (r = domain_collect_interfaces(d, abipin_xml_child(root, "devices"))) < 0 ||
        (!read_only && (r = domain_check_rewritable(d)) < 0))
        return r;
    if ((record = abipin_domain_record_element(d)))
        d->record = abipin_record_parse(record);
    *ret = TAKE_PTR(d);
    return 0;
}

int abipin_domain_parse(const char *file, const char *data, size_t len, AbipinDomain **ret)
{
    return abipin_domain_parse_flags(file, data, len, 0, ret);
}

int abipin_domain_load_flags(const char *path, unsigned flags, AbipinDomain **ret)
{
    _cleanup_free_ char *data = NULL;
    size_t len;
    int r = abipin_file_read(path, ABIPIN_MAX_INPUT_SIZE, &data, &len);

    return r < 0 ? r
                 : abipin_domain_parse_flags(strcmp(path, "-") ? path : "<stdin>", data, len, flags,
                                             ret);
}

int abipin_domain_load(const char *path, AbipinDomain **ret)
{
    return abipin_domain_load_flags(path, 0, ret);
}

int abipin_domain_format(const AbipinDomain *d, char **ret, size_t *ret_len)
{
    _cleanup_free_ char *xml = NULL;
    size_t len;
    int r;

    assert(!d->read_only); /* its blanks are gone */
    if ((r = abipin_xml_to_string(d->doc, d->decl, d->quote, &xml, &len)) < 0 ||
        (r = domain_check_encoding(d, xml, len)) < 0)
        return r;
    *ret = TAKE_PTR(xml);
    *ret_len = len;
    return 0;
}

/* ---- libvirt's own attributes --------------------------------------------- */

/* Where libvirt keeps @f's attribute: <driver>, <driver><host> or
 * <driver><guest>, made when missing (pin writes it there). */
static xmlNodePtr feature_element_ensure(AbipinInterface *iface, const AbipinFeature *f)
{
    xmlNodePtr driver = abipin_xml_ensure_child(iface->node, "driver");

    switch (f->place) {
    case ABIPIN_LIBVIRT_HOST:
        return abipin_xml_ensure_child(driver, "host");
    case ABIPIN_LIBVIRT_GUEST:
        return abipin_xml_ensure_child(driver, "guest");
    default:
        return driver;
    }
}

/* ... and as parsed: NULL when the definition has no such element */
static const xmlNode *feature_element(const AbipinInterface *iface, const AbipinFeature *f)
{
    switch (f->place) {
    case ABIPIN_LIBVIRT_DRIVER:
        return iface->driver_element;
    case ABIPIN_LIBVIRT_HOST:
        return iface->host_element;
    case ABIPIN_LIBVIRT_GUEST:
        return iface->guest_element;
    default:
        return NULL;
    }
}

static int parse_value(const AbipinDomain *d, const xmlNode *node, const char *what,
                       const char *s, const char *on, const char *off, AbipinValue *ret)
{
    char q[ABIPIN_QUOTE_MAX];

    if (!s || strcmp(s, "auto") == 0 || strcmp(s, "default") == 0)
        *ret = ABIPIN_VALUE_ABSENT;
    else if (strcmp(s, on) == 0)
        *ret = ABIPIN_VALUE_ON;
    else if (strcmp(s, off) == 0)
        *ret = ABIPIN_VALUE_OFF;
    else
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: %3$s='%4$s' is neither '%5$s' nor '%6$s'"), d->file,
                                xmlGetLineNo(node), what, abipin_error_quote(s, q, sizeof(q)), on,
                                off);
    return 0;
}

/* ---- <qemu:override> --------------------------------------------------------- */

/* The frontend property @prop of the device @alias, the first in
 * document order, or NULL. */
static AbipinOverride *override_property(const AbipinDomain *d, const char *alias,
                                         const char *prop)
{
    for (size_t i = 0; alias && i < d->n_overrides; i++)
        if (streq_ptr(d->overrides[i].alias, alias) && streq_ptr(d->overrides[i].property, prop))
            return &d->overrides[i];
    return NULL;
}

/* The qemu namespace as the root declares it (*ret_ns), else a prefix to
 * declare it with. The document may bind the prefix "qemu" to another
 * namespace already: then "qemu1", "qemu2"... (libvirt matches by
 * namespace, not by prefix). False when none of them is free. */
static bool qemu_ns_find(const AbipinDomain *d, xmlNsPtr *ret_ns, char prefix[static 16])
{
    xmlNodePtr root = xmlDocGetRootElement(d->doc);

    *ret_ns = xmlSearchNsByHref(d->doc, root, (const xmlChar *) ABIPIN_QEMU_NS);
    if (*ret_ns)
        return true;
    snprintf(prefix, 16, "qemu");
    for (unsigned i = 1; i < 100; i++) {
        if (!xmlSearchNs(d->doc, root, (const xmlChar *) prefix))
            return true;
        snprintf(prefix, 16, "qemu%u", i);
    }
    return false;
}

static int no_free_prefix(const AbipinDomain *d)
{
    return abipin_error_set(ABIPIN_ERR_INPUT, -EEXIST,
                            _("%1$s: no free prefix for the qemu namespace"), d->file);
}

/* The qemu namespace, declared on the root when it is not yet. */
static int qemu_ns(AbipinDomain *d, xmlNsPtr *ret)
{
    char prefix[16];

    if (!qemu_ns_find(d, ret, prefix))
        return no_free_prefix(d);
    if (!*ret)
        *ret = xmlNewNs(xmlDocGetRootElement(d->doc), (const xmlChar *) ABIPIN_QEMU_NS,
                        (const xmlChar *) prefix);
    return 0;
}

/**
 * abipin_domain_check_feature_writable:
 * @alias: the interface's alias, or the one a pin gives it
 *
 * Whether abipin_domain_set_feature can write @f: a <qemu:override>
 * property that is not there yet needs a prefix for the qemu namespace.
 * A pin asks while it decides, so that it fails before writing anything.
 */
int abipin_domain_check_feature_writable(const AbipinDomain *d, const char *alias,
                                         const AbipinFeature *f, bool as_override)
{
    char prefix[16];
    xmlNsPtr ns;

    if ((f->place != ABIPIN_LIBVIRT_OVERRIDE && !as_override) ||
        override_property(d, alias, f->name) ||
        qemu_ns_find(d, &ns, prefix))
        return 0;
    return no_free_prefix(d);
}

static xmlNodePtr ensure_ns_child(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                                  const char *attr, const char *value)
{
    xmlNodePtr c = ns_child(parent, name, attr, value);

    if (c)
        return c;
    c = xmlNewNode(ns, (const xmlChar *) name);
    if (attr)
        xmlNewProp(c, (const xmlChar *) attr, (const xmlChar *) value);
    return abipin_xml_add_child_indented(parent, c);
}

/**
 * abipin_domain_read_feature:
 * @alias: the alias the interface's <qemu:override> properties are found
 *         by: its own, or the one a pin gives it
 *
 * The value the definition gives @f on @iface: the <qemu:override>
 * frontend property for @alias where there is one (QEMU gets it last), else
 * libvirt's attribute. Values other than on/off
 * (true/false for overrides) and auto are INPUT errors.
 */
int abipin_domain_read_feature(const AbipinDomain *d, const AbipinInterface *iface,
                               const char *alias, const AbipinFeature *f, AbipinValue *ret)
{
    const AbipinOverride *o;
    const xmlNode *node;

    *ret = ABIPIN_VALUE_ABSENT;
    /* libvirt passes <qemu:override> properties after its own: one there
     * decides, whatever libvirt's attribute says */
    if (!(o = override_property(d, alias, f->name))) {
        if (f->place == ABIPIN_LIBVIRT_OVERRIDE || !(node = feature_element(iface, f)))
            return 0;
        return parse_value(d, node, f->libvirt_attribute,
                           abipin_xml_prop_static(node, f->libvirt_attribute), "on", "off", ret);
    }
    if (!streq_ptr(o->type, "bool"))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: the override of '%3$s' must have type='bool'"), d->file,
                                xmlGetLineNo(o->node), f->name);
    return parse_value(d, o->node, f->name, o->value, "true", "false", ret);
}

int abipin_domain_get_feature(const AbipinDomain *d, const AbipinInterface *iface,
                              const AbipinFeature *f, AbipinValue *ret)
{
    return abipin_domain_read_feature(d, iface, iface->alias, f, ret);
}

/**
 * abipin_domain_read_values:
 * @values: receives one value per catalogue feature
 *
 * Every catalogue feature's value on @iface, read once for a decision
 * (see abipin_domain_read_feature for @alias).
 */
int abipin_domain_read_values(const AbipinDomain *d, const AbipinInterface *iface,
                              const char *alias, const AbipinCatalogue *cat, AbipinValue *values)
{
    int r;

    for (size_t i = 0; i < cat->n_features; i++)
        if ((r = abipin_domain_read_feature(d, iface, alias, &cat->features[i], &values[i])) < 0)
            return r;
    return 0;
}

/**
 * abipin_domain_set_feature:
 * @as_override: write it as a <qemu:override> frontend property whatever
 *               libvirt can express (pin --live --migratable: libvirt's
 *               migration refuses a <driver> the running domain lacks)
 *
 * Set @f on @iface where libvirt reads it: its <driver> attribute, or a
 * <qemu:override> property of the interface's alias.
 */
int abipin_domain_set_feature(AbipinDomain *d, AbipinInterface *iface, const AbipinFeature *f,
                              bool on, bool as_override)
{
    xmlNodePtr node, device, root = xmlDocGetRootElement(d->doc);
    AbipinOverride *o;
    xmlNsPtr ns;
    int r;

    if (f->place != ABIPIN_LIBVIRT_OVERRIDE && !as_override) {
        node = feature_element_ensure(iface, f);
        xmlSetProp(node, (const xmlChar *) f->libvirt_attribute, (const xmlChar *) (on ? "on" : "off"));
        interface_refresh(iface); /* the elements it may have made */
        return 0;
    }
    if (!iface->alias)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: interface %2$s needs an alias for <qemu:override>"), d->file,
                                iface->label);
    o = override_property(d, iface->alias, f->name);
    if (!o) {
        if ((r = qemu_ns(d, &ns)) < 0)
            return r;
        node = ensure_ns_child(root, ns, "override", NULL, NULL);
        device = ensure_ns_child(node, ns, "device", "alias", iface->alias);
        node = ensure_ns_child(device, ns, "frontend", NULL, NULL);
        node = ensure_ns_child(node, ns, "property", "name", f->name);
        override_add(d, device, node);
        o = &d->overrides[d->n_overrides - 1];
    }
    xmlSetProp(o->node, (const xmlChar *) "type", (const xmlChar *) "bool");
    xmlSetProp(o->node, (const xmlChar *) "value", (const xmlChar *) (on ? "true" : "false"));
    override_read(o);
    return 0;
}

void abipin_domain_set_driver_name(AbipinInterface *iface, const char *name)
{
    xmlNodePtr driver = abipin_xml_ensure_child(iface->node, "driver");

    xmlSetProp(driver, (const xmlChar *) "name", (const xmlChar *) name);
    interface_refresh(iface);
}

/* Is @alias the <alias name=> of any device (libvirt wants user aliases
 * unique across all of them, not only among the interfaces), or one the
 * record under way gives? */
static bool alias_taken(const AbipinDomain *d, const AbipinPinRecord *given, const char *alias)
{
    xmlNodePtr devices = abipin_xml_child(xmlDocGetRootElement(d->doc), "devices");

    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && streq_ptr(child_prop(c, "alias", "name"), alias))
            return true;
    for (size_t i = 0; given && i < given->n_ifaces; i++)
        if (streq_ptr(given->ifaces[i].alias, alias))
            return true;
    return false;
}

/**
 * abipin_domain_propose_alias:
 * @index: the interface's position, for a NIC without MAC
 * @given: the record being built, whose interfaces' aliases count as taken
 * @ret: the interface's alias: its own, or a new one (malloc'd)
 *
 * <qemu:override> matches devices by alias, and only user aliases ("ua-")
 * survive in the persistent definition. An interface without one gets a
 * stable one, derived from its MAC; an existing alias is never renamed.
 * libvirt accepts interfaces that share a MAC: the first of them in
 * document order without an alias gets "ua-net-MAC", the next ones
 * "ua-net-MAC-2", "-3" ..., the first such name no device has. Pinning the
 * same input again gives the same names, and a pinned domain keeps its own.
 * Nothing is written: abipin_domain_add_alias() does.
 */
int abipin_domain_propose_alias(const AbipinDomain *d, const AbipinInterface *iface, size_t index,
                                const AbipinPinRecord *given, char **ret)
{
    char base[64], alias[80];
    size_t n = 0;

    if (iface->alias) {
        *ret = abipin_strdup(iface->alias);
        return 0;
    }
    if (iface->mac) {
        n = snprintf(base, sizeof(base), "ua-net-");
        for (const char *p = iface->mac; *p && n + 1 < sizeof(base); p++)
            if (isxdigit((unsigned char) *p))
                base[n++] = (char) tolower((unsigned char) *p);
        base[n] = '\0';
    } else {
        snprintf(base, sizeof(base), "ua-net%zu", index);
    }
    snprintf(alias, sizeof(alias), "%s", base);
    for (unsigned k = 2; alias_taken(d, given, alias); k++) {
        if (k > ABIPIN_MAX_INTERFACES + 1)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EEXIST,
                                    _("%1$s: the alias '%2$s' abipin would give %3$s is taken"),
                                    d->file, alias, iface->label);
        snprintf(alias, sizeof(alias), "%s-%u", base, k);
    }
    *ret = abipin_strdup(alias);
    return 0;
}

/* Give @iface the <alias name=> it lacks (see abipin_domain_propose_alias). */
void abipin_domain_add_alias(AbipinInterface *iface, const char *alias)
{
    xmlNodePtr node = xmlNewNode(NULL, (const xmlChar *) "alias");

    assert(!iface->alias);
    xmlNewProp(node, (const xmlChar *) "name", (const xmlChar *) alias);
    abipin_xml_add_child_indented(iface->node, node);
    interface_refresh(iface);
}

/* ---- abipin's record ----------------------------------------------------------- */

/**
 * abipin_domain_record_element:
 *
 * The <abipin:pin> element in <metadata>, or NULL. Read the record as
 * d->record: this is for what looks at the XML itself (schema tests).
 */
xmlNodePtr abipin_domain_record_element(const AbipinDomain *d)
{
    xmlNodePtr meta = abipin_xml_child(xmlDocGetRootElement(d->doc), "metadata");

    for (xmlNodePtr c = meta ? meta->children : NULL; c; c = c->next)
        if (is_ns_element(c, ABIPIN_METADATA_NS, "pin"))
            return c;
    return NULL;
}

/**
 * abipin_domain_set_record:
 * @record: the new record (taken over)
 *
 * Make @record the domain's record and write it where the old one was, or
 * at the end of <metadata>, which is created when missing. libvirt keeps
 * one element per namespace there.
 */
void abipin_domain_set_record(AbipinDomain *d, AbipinPinRecord *record)
{
    xmlNodePtr old = abipin_domain_record_element(d), node = abipin_record_new_element(record);

    if (old) {
        xmlReplaceNode(old, node);
        xmlFreeNode(old);
    } else {
        abipin_xml_add_child_indented(
            abipin_xml_ensure_child(xmlDocGetRootElement(d->doc), "metadata"), node);
    }
    abipin_record_write_children(record, node);
    abipin_record_free(d->record);
    d->record = record;
}
