#include <config.h>

#include "record-json.h"
#include "util/json.h"

static void set_string(json_object *o, const char *key, const char *value)
{
    if (value)
        abipin_json_set(o, key, abipin_json_string(value));
}

static json_object *entry_to_json(const AbipinPinEntry *e)
{
    json_object *o = abipin_json_object();
    const char *name, *value;

    for (size_t i = 0; (name = abipin_pin_entry_attribute(e, i, &value)); i++)
        set_string(o, name, value);
    set_string(o, "was", e->was);
    return o;
}

static json_object *interface_to_json(const AbipinPinRecordInterface *ri)
{
    json_object *o = abipin_json_object(), *features = abipin_json_array();

    set_string(o, "alias", ri->alias);
    set_string(o, "mac", ri->mac);
    set_string(o, "backend", ri->backend >= 0 ? abipin_backend_to_string(ri->backend) : NULL);
    for (size_t k = 0; k < ri->n_entries; k++)
        abipin_json_append(features, entry_to_json(&ri->entries[k]));
    abipin_json_set(o, "features", features);
    return o;
}

/**
 * abipin_record_to_json:
 * @domain: the domain's name
 *
 * {"interfaces": [{"alias", "mac", "backend", "features": [{"name",
 * "value", "why", "atom", "was"}]}], "version", "source", "method",
 * "platform", "digest", "policy", "emulator", "machine", "domain"}: the
 * record's attributes, absent ones left out (the driver has no "name").
 */
json_object *abipin_record_to_json(const AbipinPinRecord *rec, const char *domain)
{
    json_object *o = abipin_json_object(), *ifaces = abipin_json_array();
    const char *name, *value;

    abipin_json_set(o, "interfaces", ifaces);
    for (size_t i = 0; i < rec->n_ifaces; i++)
        abipin_json_append(ifaces, interface_to_json(&rec->ifaces[i]));
    for (size_t i = 0; (name = abipin_record_attribute(rec, i, &value)); i++)
        set_string(o, name, value);
    abipin_json_set(o, "domain", abipin_json_string(domain));
    return o;
}
