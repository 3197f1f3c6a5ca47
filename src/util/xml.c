#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <libxml/relaxng.h>
#include <libxml/xmlsave.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"
#include "util/xml.h"

/* The first error libxml2 reports, with its line: later ones are usually
 * consequences of the first. */
typedef struct {
    char message[512];
    int line;
    int seen;
} XmlErrorCapture;

static void xml_capture_error(void *data, xmlErrorPtr err)
{
    XmlErrorCapture *cap = data;
    size_t n;

    if (cap->seen || !err || err->level < XML_ERR_ERROR)
        return;
    cap->seen = 1;
    cap->line = err->line;
    snprintf(cap->message, sizeof(cap->message), "%s", err->message ? err->message : "?");
    n = strlen(cap->message);
    while (n > 0 && cap->message[n - 1] == '\n')
        cap->message[--n] = '\0';
    /* one line: libxml2 adds "\nBytes: 0x.." to encoding errors, and quotes
     * the input's own text (control characters included) after others */
    for (char *p = cap->message; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            *p = *p == '\n' ? ' ' : '?';
}

static void xml_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;

    *(bool *) ctxt->_private = true;
    xmlStopParser(ctxt);
}

/* libxml2 before 2.12 compares each attribute of an element with every
 * earlier one (xmlParseStartTag2, xmlSAX2StartElementNs): in xmllint itself
 * 20,000 attributes on one element take 3 s, 200,000 take 11 minutes. No
 * element of a domain or a profile has more than a few dozen. */
#define ABIPIN_MAX_ATTRIBUTES 256

/* The first start tag with more than @max attributes (namespace
 * declarations included), or NULL. Comments, CDATA sections, processing
 * instructions and declarations are skipped; anything malformed is left to
 * the parser. */
static const char *xml_crowded_tag(const char *p, const char *end, size_t max)
{
    while ((p = memchr(p, '<', end - p))) {
        const char *tag = p++, *skip_to = NULL;
        size_t n = 0;
        char quote = 0;

        if (end - p >= 3 && memcmp(p, "!--", 3) == 0)
            skip_to = "-->";
        else if (end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0)
            skip_to = "]]>";
        else if (p < end && (*p == '?' || *p == '!'))
            skip_to = *p == '?' ? "?>" : ">";
        if (skip_to) {
            if (!(p = memmem(p, end - p, skip_to, strlen(skip_to))))
                return NULL;
            continue;
        }
        for (; p < end && (quote || *p != '>'); p++) {
            if (quote)
                quote = *p == quote ? 0 : quote;
            else if (*p == '"' || *p == '\'')
                quote = *p;
            else if (*p == '=' && ++n > max)
                return tag;
        }
    }
    return NULL;
}

static size_t line_of(const char *data, const char *at)
{
    size_t line = 1;

    for (const char *p = data; (p = memchr(p, '\n', at - p)); p++)
        line++;
    return line;
}

/**
 * abipin_xml_parse:
 * @name: file name for messages
 *
 * Parse untrusted XML safely (libvirt virXMLParseHelper): no network, no
 * entity substitution, no DTD loading, no HUGE; a document type declaration
 * is refused outright because neither libvirt's domain XML nor abipin's
 * formats have one, and it is how entity bombs and external entities come
 * in. Blanks are kept so a document can be written back unchanged.
 */
int abipin_xml_parse(const char *name, const char *data, size_t len, xmlDocPtr *ret_doc)
{
    return abipin_xml_parse_options(name, data, len, 0, ret_doc);
}

/* @options: more XML_PARSE_* flags, e.g. NOBLANKS for a document that is
 * only read, never written back. */
int abipin_xml_parse_options(const char *name, const char *data, size_t len, int options,
                             xmlDocPtr *ret_doc)
{
    XmlErrorCapture cap = { .seen = 0 };
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    const char *crowded;
    bool doctype = false;

    if (len > ABIPIN_MAX_INPUT_SIZE)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EFBIG, _("%1$s: larger than %2$d bytes"),
                                name, ABIPIN_MAX_INPUT_SIZE);
    if (memchr(data, '\0', len))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: contains a NUL byte, not an XML document"), name);
    if ((crowded = xml_crowded_tag(data, data + len, ABIPIN_MAX_ATTRIBUTES)))
        return abipin_error_set(ABIPIN_ERR_INPUT, -E2BIG,
                                _("%1$s:%2$zu: an element with more than %3$d attributes"), name,
                                line_of(data, crowded), ABIPIN_MAX_ATTRIBUTES);
    ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    /* Stop at the DOCTYPE itself, before any entity is declared. */
    ctxt->_private = &doctype;
    ctxt->sax->internalSubset = xml_refuse_doctype;
    /* libxml2 < 2.13 has no per-context handler; the structured handler
     * is thread-local, so set it around this parse only. */
    xmlSetStructuredErrorFunc(&cap, xml_capture_error);
    doc = xmlCtxtReadMemory(ctxt, data, (int) len, name, NULL,
                            options | XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (doctype || !doc || cap.seen || !ctxt->wellFormed) {
        xmlFreeParserCtxt(ctxt);
        if (doc)
            xmlFreeDoc(doc);
        if (doctype)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s: a document type declaration (<!DOCTYPE>) is not allowed"),
                                    name);
        if (cap.seen)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$d: malformed XML: %3$s"),
                                    name, cap.line, cap.message);
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s: malformed XML"), name);
    }
    xmlFreeParserCtxt(ctxt);
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: a document type declaration (<!DOCTYPE>) is not allowed"),
                                name);
    }
    *ret_doc = doc;
    return 0;
}

int abipin_xml_read_file(const char *path, xmlDocPtr *ret_doc)
{
    _cleanup_free_ char *data = NULL;
    size_t len;
    int r;

    r = abipin_file_read(path, ABIPIN_MAX_INPUT_SIZE, &data, &len);
    if (r < 0)
        return r;
    return abipin_xml_parse(strcmp(path, "-") == 0 ? "<stdin>" : path, data, len, ret_doc);
}

int abipin_xml_expect_root(xmlDocPtr doc, const char *root, const char *what)
{
    xmlNodePtr node = xmlDocGetRootElement(doc);

    if (!node || !abipin_xml_is(node, root))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: expected a <%2$s> document, found <%3$s>"), what, root,
                                node ? (const char *) node->name : "");
    return 0;
}

/**
 * abipin_xml_validate:
 * @schema_name: file in the schema directory, e.g. "platform.rng"
 * @what: the document's name for messages
 *
 * RelaxNG validation; the first violation is reported with its line.
 */
/* Compiled schemas, kept for the life of the process: a baseline of
 * thousands of profiles compiled platform.rng once per file before. */
static struct {
    char *name;
    xmlRelaxNGPtr schema;
} schema_cache[4];

static xmlRelaxNGPtr schema_load(const char *schema_name, const char **ret_path_error)
{
    _cleanup_free_ char *path = NULL;
    xmlRelaxNGParserCtxtPtr pctxt;
    xmlRelaxNGPtr schema;
    size_t i;

    for (i = 0; i < ELEMENTSOF(schema_cache) && schema_cache[i].name; i++)
        if (strcmp(schema_cache[i].name, schema_name) == 0)
            return schema_cache[i].schema;
    path = abipin_schema_path(schema_name);
    if (!path || !(pctxt = xmlRelaxNGNewParserCtxt(path)))
        return NULL;
    xmlRelaxNGSetParserStructuredErrors(pctxt, NULL, NULL);
    schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    *ret_path_error = schema ? NULL : schema_name;
    if (schema && i < ELEMENTSOF(schema_cache)) {
        schema_cache[i].name = strdup(schema_name);
        schema_cache[i].schema = schema;
    }
    return schema;
}

int abipin_xml_validate(xmlDocPtr doc, const char *schema_name, const char *what)
{
    XmlErrorCapture cap = { .seen = 0 };
    const char *failed = NULL;
    xmlRelaxNGValidCtxtPtr vctxt;
    xmlRelaxNGPtr schema = schema_load(schema_name, &failed);
    int r;

    if (!schema)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT, _("cannot load the schema '%1$s'"),
                                schema_name);
    vctxt = xmlRelaxNGNewValidCtxt(schema);
    if (!vctxt)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    xmlRelaxNGSetValidStructuredErrors(vctxt, xml_capture_error, &cap);
    r = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (r != 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$d: does not match the schema %3$s: %4$s"), what,
                                cap.line, schema_name, cap.seen ? cap.message : "?");
    return 0;
}

int abipin_xml_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && strcmp((const char *) node->name, name) == 0;
}

char *abipin_xml_prop(const xmlNode *node, const char *name)
{
    return (char *) xmlGetNoNsProp(node, (const xmlChar *) name);
}

/* The attribute's value without a copy: valid while the node lives. */
const char *abipin_xml_prop_static(const xmlNode *node, const char *name)
{
    xmlAttrPtr attr = xmlHasNsProp(node, (const xmlChar *) name, NULL);

    if (!attr || !attr->children || attr->children->type != XML_TEXT_NODE)
        return attr ? "" : NULL;
    return (const char *) attr->children->content;
}

static bool str_in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/**
 * abipin_xml_check_attrs:
 * @what: the document's name for messages
 * @allowed: NULL-terminated attribute names @node may carry
 *
 * Strict parsing, libvirt's way: the parser itself refuses what the format
 * does not have instead of a schema run before it (a RelaxNG validation
 * costs more than the parse; the schema stays the documentation and the
 * tests' oracle). Namespaced attributes are not part of abipin's formats.
 */
int abipin_xml_check_attrs(const xmlNode *node, const char *what, const char *const *allowed)
{
    for (const xmlAttr *a = node->properties; a; a = a->next)
        if (a->ns || !str_in((const char *) a->name, allowed))
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$ld: <%3$s> has no attribute '%4$s'"), what,
                                    xmlGetLineNo(node), (const char *) node->name,
                                    (const char *) a->name);
    return 0;
}

/* An element where the format has none (or not at that place). */
int abipin_xml_unexpected(const xmlNode *c, const char *what)
{
    return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: unexpected <%3$s> in <%4$s>"),
                            what, xmlGetLineNo(c), (const char *) c->name,
                            (const char *) c->parent->name);
}

/**
 * abipin_xml_child_is_element:
 *
 * For walking an element's children strictly: 1 for an element in no
 * namespace, 0 for what a schema ignores (blank text, comments, processing
 * instructions), an INPUT error for other text or a foreign element.
 */
int abipin_xml_child_is_element(const xmlNode *c, const char *what)
{
    if (c->type == XML_ELEMENT_NODE)
        return c->ns ? abipin_xml_unexpected(c, what) : 1;
    if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE ||
        (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)))
        return 0;
    return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: unexpected text in <%3$s>"),
                            what, xmlGetLineNo(c->parent), (const char *) c->parent->name);
}

/* An element with attributes only: a child element or text is an error. */
int abipin_xml_check_empty(const xmlNode *node, const char *what)
{
    for (const xmlNode *c = node->children; c; c = c->next) {
        int r = abipin_xml_child_is_element(c, what);

        if (r != 0)
            return r > 0 ? abipin_xml_unexpected(c, what) : r;
    }
    return 0;
}

/* A growing output buffer for the serialiser. */
typedef struct {
    char *data;
    size_t len, alloc;
    bool oom;
} OutBuf;

static void out_write(OutBuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->alloc) {
        size_t alloc = (b->len + n + 1) * 2;
        char *p = realloc(b->data, alloc);

        if (!p) {
            b->oom = true;
            return;
        }
        b->data = p;
        b->alloc = alloc;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void out_str(OutBuf *b, const char *s)
{
    out_write(b, s, strlen(s));
}

/* Escape @n bytes of text content (@quote 0) or of an attribute value
 * quoted by @quote. */
static void out_escaped_n(OutBuf *b, const char *s, size_t n, char quote)
{
    for (const char *p = s; p && p < s + n; p++) {
        switch (*p) {
        case '&': out_str(b, "&amp;"); break;
        case '<': out_str(b, "&lt;"); break;
        case '>': out_str(b, "&gt;"); break;
        case '\r': out_str(b, "&#13;"); break;
        case '"': out_str(b, quote == '"' ? "&quot;" : "\""); break;
        case '\'': out_str(b, quote == '\'' ? "&apos;" : "'"); break;
        case '\n': out_str(b, quote ? "&#10;" : "\n"); break;
        case '\t': out_str(b, quote ? "&#9;" : "\t"); break;
        default: out_write(b, p, 1);
        }
    }
}

static void out_escaped(OutBuf *b, const char *s, char quote)
{
    out_escaped_n(b, s, s ? strlen(s) : 0, quote);
}

/* A namespace name: libxml2 keeps an '&' in it as the reference "&#38;"
 * (every other reference is resolved), which must not be escaped again. */
static void out_ns_name(OutBuf *b, const char *href, char quote)
{
    const char *amp;

    for (const char *p = href; p; p = amp ? amp + strlen("&#38;") : NULL) {
        amp = strstr(p, "&#38;");
        out_escaped_n(b, p, amp ? (size_t) (amp - p) : strlen(p), quote);
        if (amp)
            out_str(b, "&amp;");
    }
}

static void out_qname(OutBuf *b, const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix) {
        out_str(b, (const char *) ns->prefix);
        out_write(b, ":", 1);
    }
    out_str(b, (const char *) name);
}

static void out_attr(OutBuf *b, const xmlNs *ns, const xmlChar *name, const char *value, char quote)
{
    out_write(b, " ", 1);
    out_qname(b, ns, name);
    out_write(b, "=", 1);
    out_write(b, &quote, 1);
    out_escaped(b, value, quote);
    out_write(b, &quote, 1);
}

static void out_node(OutBuf *b, const xmlNode *node, char quote)
{
    switch (node->type) {
    case XML_ELEMENT_NODE:
        out_write(b, "<", 1);
        out_qname(b, node->ns, node->name);
        for (const xmlAttr *a = node->properties; a; a = a->next) {
            xmlChar *v = xmlNodeListGetString(node->doc, a->children, 1);

            out_attr(b, a->ns, a->name, v ? (const char *) v : "", quote);
            xmlFree(v);
        }
        /* after the attributes, where libvirt writes them */
        for (const xmlNs *ns = node->nsDef; ns; ns = ns->next) {
            out_str(b, ns->prefix ? " xmlns:" : " xmlns");
            if (ns->prefix)
                out_str(b, (const char *) ns->prefix);
            out_write(b, "=", 1);
            out_write(b, &quote, 1);
            out_ns_name(b, (const char *) ns->href, quote);
            out_write(b, &quote, 1);
        }
        if (!node->children) {
            out_str(b, "/>");
            return;
        }
        out_write(b, ">", 1);
        for (const xmlNode *c = node->children; c; c = c->next)
            out_node(b, c, quote);
        out_str(b, "</");
        out_qname(b, node->ns, node->name);
        out_write(b, ">", 1);
        return;
    case XML_TEXT_NODE:
        out_escaped(b, (const char *) node->content, 0);
        return;
    case XML_CDATA_SECTION_NODE:
        out_str(b, "<![CDATA[");
        out_str(b, (const char *) node->content);
        out_str(b, "]]>");
        return;
    case XML_COMMENT_NODE:
        out_str(b, "<!--");
        out_str(b, (const char *) node->content);
        out_str(b, "-->");
        return;
    case XML_PI_NODE:
        out_str(b, "<?");
        out_str(b, (const char *) node->name);
        if (node->content && *node->content) {
            out_write(b, " ", 1);
            out_str(b, (const char *) node->content);
        }
        out_str(b, "?>");
        return;
    default:
        return; /* no DOCTYPE, entities or the like survive parsing */
    }
}

/**
 * abipin_xml_to_string:
 * @decl: the XML declaration to write first (the input's own), or NULL
 * @quote: the attribute quote, ' or ", to match the input's style
 *
 * Serialise without reformatting: blanks were kept at parse time, so the
 * output differs from the input only where abipin changed the tree.
 * libxml2's own serialiser always writes double quotes, while libvirt
 * writes single ones: this one keeps the document's style.
 */
int abipin_xml_to_string(xmlDocPtr doc, const char *decl, char quote, char **ret, size_t *ret_len)
{
    OutBuf b = { NULL, 0, 0, false };

    if (decl) {
        out_str(&b, decl);
        out_write(&b, "\n", 1);
    }
    for (const xmlNode *c = doc->children; c; c = c->next) {
        out_node(&b, c, quote);
        out_write(&b, "\n", 1);
    }
    if (b.oom || !b.data) {
        free(b.data);
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    }
    *ret = b.data;
    *ret_len = b.len;
    return 0;
}

static char *path_under(const char *env, const char *fallback, const char *rel)
{
    const char *dir = getenv(env);

    if (!dir || !*dir)
        dir = fallback;
    return abipin_asprintf("%s/%s", dir, rel);
}

/* Installed data, or the source tree's when ABIPIN_DATADIR is set (tests). */
char *abipin_data_path(const char *rel)
{
    return path_under("ABIPIN_DATADIR", ABIPIN_PKGDATADIR, rel);
}

char *abipin_schema_path(const char *name)
{
    return path_under("ABIPIN_SCHEMADIR", ABIPIN_PKGDATADIR "/schemas", name);
}
