#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "record.h"
#include "util/alloc.h"
#include "util/xml.h"

static const char *const why_names[] = {
    [ABIPIN_WHY_EXPLICIT] = "explicit",     [ABIPIN_WHY_DEFAULT] = "default",
    [ABIPIN_WHY_MACHINE] = "machine-type",  [ABIPIN_WHY_HOST_LACKS] = "host-lacks",
    [ABIPIN_WHY_BACKEND] = "backend",       [ABIPIN_WHY_POLICY] = "policy",
    [ABIPIN_WHY_PLATFORM] = "platform",     [ABIPIN_WHY_LIVE] = "live",
};

const char *abipin_pin_why_to_string(AbipinPinWhy why)
{
    return why >= 0 && why < _ABIPIN_WHY_MAX ? why_names[why] : NULL;
}

AbipinPinWhy abipin_pin_why_from_string(const char *s)
{
    for (int i = 0; s && i < _ABIPIN_WHY_MAX; i++)
        if (strcmp(s, why_names[i]) == 0)
            return i;
    return ABIPIN_WHY_UNKNOWN;
}

/* The record's attributes, in the order they are written. */
static const struct {
    const char *name;
    size_t offset;
} record_attributes[] = {
    { "version", offsetof(AbipinPinRecord, version) },
    { "source", offsetof(AbipinPinRecord, source) },
    { "method", offsetof(AbipinPinRecord, method) },
    { "platform", offsetof(AbipinPinRecord, platform) },
    { "digest", offsetof(AbipinPinRecord, digest) },
    { "policy", offsetof(AbipinPinRecord, policy) },
    { "emulator", offsetof(AbipinPinRecord, emulator) },
    { "machine", offsetof(AbipinPinRecord, machine) },
    { "defaults", offsetof(AbipinPinRecord, defaults) },
};

static char **record_attribute_field(AbipinPinRecord *rec, size_t i)
{
    return (char **) ((char *) rec + record_attributes[i].offset);
}

/**
 * abipin_record_attribute:
 * @ret_value: the attribute's value, NULL when the record has none
 *
 * The name of the record's @i-th attribute (version, source, method,
 * platform, digest, policy, emulator, machine, defaults: the order the XML and the
 * JSON write them in), NULL past the last.
 */
const char *abipin_record_attribute(const AbipinPinRecord *rec, size_t i, const char **ret_value)
{
    if (i >= ELEMENTSOF(record_attributes))
        return NULL;
    *ret_value = *record_attribute_field((AbipinPinRecord *) rec, i);
    return record_attributes[i].name;
}

/**
 * abipin_pin_entry_attribute:
 *
 * The same for an entry: name, value, why, atom, upstream (what the record
 * keeps; "was" is the summary's only).
 */
const char *abipin_pin_entry_attribute(const AbipinPinEntry *e, size_t i, const char **ret_value)
{
    static const char *const names[] = { "name", "value", "why", "atom", "upstream" };
    const char *values[] = { e->name, e->value, abipin_pin_why_to_string(e->why), e->atom,
                             e->upstream };

    if (i >= ELEMENTSOF(names))
        return NULL;
    *ret_value = values[i];
    return names[i];
}

static const char *const entry_elements[] = {
    [ABIPIN_PIN_ENTRY_DRIVER] = "driver",
    [ABIPIN_PIN_ENTRY_FEATURE] = "feature",
};

AbipinPinRecord *abipin_record_new(void)
{
    AbipinPinRecord *rec = abipin_new0(AbipinPinRecord, 1);

    rec->version = abipin_strdup(PACKAGE_VERSION);
    return rec;
}

static void entry_clear(AbipinPinEntry *e)
{
    free(e->name);
    free(e->value);
    free(e->atom);
    free(e->upstream);
    free(e->was);
}

static void interface_clear(AbipinPinRecordInterface *ri)
{
    free(ri->alias);
    free(ri->mac);
    free(ri->backend_name);
    for (size_t i = 0; i < ri->n_entries; i++)
        entry_clear(&ri->entries[i]);
    free(ri->entries);
}

void abipin_record_free(AbipinPinRecord *rec)
{
    if (!rec)
        return;
    for (size_t i = 0; i < ELEMENTSOF(record_attributes); i++)
        free(*record_attribute_field(rec, i));
    for (size_t i = 0; i < rec->n_ifaces; i++)
        interface_clear(&rec->ifaces[i]);
    free(rec->ifaces);
    free(rec);
}

/**
 * abipin_record_add_interface:
 *
 * A new, empty interface entry at the end of @rec (the strings are copied).
 * The pointer is valid until the next interface is added.
 */
AbipinPinRecordInterface *abipin_record_add_interface(AbipinPinRecord *rec, const char *alias,
                                                      const char *mac, AbipinBackend backend)
{
    AbipinPinRecordInterface *ri;

    abipin_array_resize(rec->ifaces, rec->n_ifaces + 1);
    ri = &rec->ifaces[rec->n_ifaces++];
    *ri = (AbipinPinRecordInterface) {
        .alias = abipin_strdup(alias), .mac = abipin_strdup(mac), .backend = backend,
    };
    return ri;
}

AbipinPinEntry *abipin_record_add_entry(AbipinPinRecordInterface *ri, AbipinPinEntryKind kind,
                                        const char *name, const char *value, AbipinPinWhy why,
                                        const char *atom)
{
    AbipinPinEntry *e;

    abipin_array_resize(ri->entries, ri->n_entries + 1);
    e = &ri->entries[ri->n_entries++];
    *e = (AbipinPinEntry) {
        .kind = kind, .name = abipin_strdup(name), .value = abipin_strdup(value), .why = why,
        .atom = abipin_strdup(atom),
    };
    return e;
}

/* set_bit_list's reverse. A list that is not one reads as none: a record
 * another abipin wrote may lack anything, and is trusted for no more. */
static uint64_t parse_bit_list(const char *list)
{
    uint64_t bits = 0;
    char *end;

    for (const char *p = list; p && *p; p = end + (*end == ' ')) {
        unsigned long b = strtoul(p, &end, 10);

        if (end == p || b >= 64 || (*end && *end != ' '))
            return 0;
        bits |= 1ULL << b;
    }
    return bits;
}

/* ---- reading: a record another abipin wrote may lack anything ---------------- */

static void parse_interface(AbipinPinRecord *rec, const xmlNode *node)
{
    const char *backend = abipin_xml_prop_static(node, "backend");
    int b = backend ? abipin_backend_from_string(backend) : -1;
    AbipinPinRecordInterface *ri =
        abipin_record_add_interface(rec, abipin_xml_prop_static(node, "alias"),
                                    abipin_xml_prop_static(node, "mac"), b >= 0 ? b : -1);
    const char *name = abipin_xml_prop_static(node, "backend-name");

    /* a name the profile's rules refuse never becomes part of an atom's */
    if (name && abipin_backend_name_is_valid(name))
        ri->backend_name = abipin_strdup(name);
    ri->backend_bits = parse_bit_list(abipin_xml_prop_static(node, "backend-bits"));
    ri->base_off = parse_bit_list(abipin_xml_prop_static(node, "base-off"));

    for (const xmlNode *c = node->children; c; c = c->next)
        for (int kind = 0; kind < (int) ELEMENTSOF(entry_elements); kind++)
            if (c->type == XML_ELEMENT_NODE &&
                strcmp((const char *) c->name, entry_elements[kind]) == 0)
                abipin_record_add_entry(
                    ri, kind, kind == ABIPIN_PIN_ENTRY_FEATURE ? abipin_xml_prop_static(c, "name") : NULL,
                    abipin_xml_prop_static(c, "value"),
                    abipin_pin_why_from_string(abipin_xml_prop_static(c, "why")),
                    abipin_xml_prop_static(c, "atom"))
                    ->upstream = abipin_strdup(abipin_xml_prop_static(c, "upstream"));
}

/**
 * abipin_record_parse:
 * @node: an <abipin:pin> element
 *
 * The record as typed values. Never fails: a record is abipin's own note,
 * and one an older or newer abipin wrote is read for what it has (a
 * missing attribute is NULL, an unknown why ABIPIN_WHY_UNKNOWN).
 */
AbipinPinRecord *abipin_record_parse(const xmlNode *node)
{
    AbipinPinRecord *rec = abipin_new0(AbipinPinRecord, 1);

    for (size_t i = 0; i < ELEMENTSOF(record_attributes); i++)
        *record_attribute_field(rec, i) =
            abipin_strdup(abipin_xml_prop_static(node, record_attributes[i].name));
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *) c->name, "interface") == 0)
            parse_interface(rec, c);
    return rec;
}

/* ---- writing ------------------------------------------------------------------ */

static void set_prop(xmlNodePtr node, const char *name, const char *value)
{
    if (value)
        xmlNewProp(node, (const xmlChar *) name, (const xmlChar *) value);
}

/**
 * abipin_record_new_element:
 *
 * The <abipin:pin> element of @rec with its attributes, not yet in a
 * document: the caller places it, then abipin_record_write_children()
 * indents the children like their new siblings.
 */
xmlNodePtr abipin_record_new_element(const AbipinPinRecord *rec)
{
    xmlNodePtr node = xmlNewNode(NULL, (const xmlChar *) "pin");
    const char *name, *value;

    xmlSetNs(node, xmlNewNs(node, (const xmlChar *) ABIPIN_METADATA_NS, (const xmlChar *) "abipin"));
    for (size_t i = 0; (name = abipin_record_attribute(rec, i, &value)); i++)
        set_prop(node, name, value);
    return node;
}

static xmlNodePtr add_child(xmlNodePtr parent, const char *name)
{
    return abipin_xml_add_child_indented(parent, xmlNewNode(parent->ns, (const xmlChar *) name));
}

/* "6 21 27 28 32": the bits of @bits, ascending; nothing when none */
static void set_bit_list(xmlNodePtr node, const char *name, uint64_t bits)
{
    char list[64 * 3 + 1] = "";

    for (unsigned b = 0; b < 64; b++)
        if (bits >> b & 1)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", list[0] ? " " : "", b);
    if (list[0])
        set_prop(node, name, list);
}

void abipin_record_write_children(const AbipinPinRecord *rec, xmlNodePtr element)
{
    for (size_t i = 0; i < rec->n_ifaces; i++) {
        const AbipinPinRecordInterface *ri = &rec->ifaces[i];
        xmlNodePtr n = add_child(element, "interface");

        set_prop(n, "alias", ri->alias);
        set_prop(n, "mac", ri->mac);
        set_prop(n, "backend", ri->backend >= 0 ? abipin_backend_to_string(ri->backend) : NULL);
        set_prop(n, "backend-name", ri->backend_name);
        set_bit_list(n, "backend-bits", ri->backend_bits);
        set_bit_list(n, "base-off", ri->base_off);
        for (size_t k = 0; k < ri->n_entries; k++) {
            const AbipinPinEntry *e = &ri->entries[k];
            xmlNodePtr en = add_child(n, entry_elements[e->kind]);
            const char *name, *value;

            for (size_t a = 0; (name = abipin_pin_entry_attribute(e, a, &value)); a++)
                set_prop(en, name, value);
        }
    }
}

/* ---- lookups -------------------------------------------------------------------- */

/**
 * abipin_record_find_interface:
 *
 * The record's entry for an interface: the one with its alias, else the one
 * with its MAC. The alias first: two interfaces may share a MAC, never an
 * alias.
 */
const AbipinPinRecordInterface *abipin_record_find_interface(const AbipinPinRecord *rec,
                                                             const char *alias, const char *mac)
{
    for (size_t i = 0; rec && alias && i < rec->n_ifaces; i++)
        if (streq_ptr(rec->ifaces[i].alias, alias))
            return &rec->ifaces[i];
    for (size_t i = 0; rec && mac && i < rec->n_ifaces; i++)
        if (streq_ptr(rec->ifaces[i].mac, mac))
            return &rec->ifaces[i];
    return NULL;
}

/**
 * abipin_record_chose:
 * @name: the feature; NULL for the driver
 *
 * True when the record says abipin chose @value (not the user): then it
 * may be chosen again, e.g. against another platform. Only the first entry
 * of the kind and name counts.
 */
bool abipin_record_chose(const AbipinPinRecordInterface *ri, AbipinPinEntryKind kind,
                         const char *name, const char *value)
{
    for (size_t i = 0; ri && i < ri->n_entries; i++) {
        const AbipinPinEntry *e = &ri->entries[i];

        if (e->kind == kind && (!name || streq_ptr(e->name, name)))
            return streq_ptr(e->value, value) && e->why != ABIPIN_WHY_EXPLICIT;
    }
    return false;
}
