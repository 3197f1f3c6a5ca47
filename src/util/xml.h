#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "util/macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(xmlDocPtr, xmlFreeDoc)
DEFINE_TRIVIAL_CLEANUP_FUNC(xmlNodePtr, xmlFreeNode)
DEFINE_TRIVIAL_CLEANUP_FUNC(xmlXPathContextPtr, xmlXPathFreeContext)
DEFINE_TRIVIAL_CLEANUP_FUNC(xmlXPathObjectPtr, xmlXPathFreeObject)
static inline void xmlFreep(xmlChar **p)
{
    if (*p)
        xmlFree(*p);
}
#define _cleanup_xmlfree_ _cleanup_(xmlFreep)
#define _cleanup_xmldoc_ _cleanup_(xmlFreeDocp)

int abipin_xml_parse(const char *name, const char *data, size_t len, xmlDocPtr *ret_doc)
    _warn_unused_result_ _nonnull_(1, 2, 4);
int abipin_xml_parse_options(const char *name, const char *data, size_t len, int options,
                             xmlDocPtr *ret_doc) _warn_unused_result_ _nonnull_(1, 2, 5);
int abipin_xml_read_file(const char *path, xmlDocPtr *ret_doc)
    _warn_unused_result_ _nonnull_(1, 2);
int abipin_xml_validate(xmlDocPtr doc, const char *schema_name, const char *what)
    _warn_unused_result_ _nonnull_(1, 2, 3);
int abipin_xml_expect_root(xmlDocPtr doc, const char *root, const char *what)
    _warn_unused_result_ _nonnull_(1, 2, 3);

int abipin_xml_is(const xmlNode *node, const char *name);
char *abipin_xml_prop(const xmlNode *node, const char *name);
const char *abipin_xml_prop_static(const xmlNode *node, const char *name);
int abipin_xml_check_attrs(const xmlNode *node, const char *what, const char *const *allowed)
    _warn_unused_result_;
int abipin_xml_unexpected(const xmlNode *c, const char *what);
int abipin_xml_child_is_element(const xmlNode *c, const char *what) _warn_unused_result_;
int abipin_xml_check_empty(const xmlNode *node, const char *what) _warn_unused_result_;
xmlNodePtr abipin_xml_child(const xmlNode *parent, const char *name);
xmlNodePtr abipin_xml_add_child_indented(xmlNodePtr parent, xmlNodePtr child);
xmlNodePtr abipin_xml_ensure_child(xmlNodePtr parent, const char *name);
int abipin_xml_to_string(xmlDocPtr doc, const char *decl, char quote, char **ret, size_t *ret_len)
    _warn_unused_result_ _nonnull_(1, 4, 5);

char *abipin_data_path(const char *rel);
char *abipin_schema_path(const char *name);
