#include <config.h>

#include "profile-json.h"

/**
 * abipin_profile_to_json:
 *
 * {"name", "description", "kernel", "emulator": {"path", "version",
 * "aliases": {NAME: MACHINE}, "defaults": [{"machine", "model", "on": [...], "off": [...],
 * "mixed": [...]}]}, "backends": [{"name", "kind", "sockets": [PATH...]}],
 * "atoms": {"present": [...], "absent":
 * [{"name", "reason"}], "unknown": [{"name", "reason"}]}}
 */
/* The names of @d's properties whose value (or, @mixed, mixed flag) is @want */
static json_object *defaults_list(const AbipinMachineDefaults *d, bool mixed, bool want)
{
    json_object *list = abipin_json_array();

    for (size_t i = 0; i < d->n_values; i++)
        if ((mixed ? d->values[i].mixed : d->values[i].value) == want)
            abipin_json_append(list, abipin_json_string(d->values[i].name));
    return list;
}

static json_object *defaults_to_json(const AbipinDefaultsList *list)
{
    json_object *all = abipin_json_array();

    for (size_t i = 0; i < list->n; i++) {
        const AbipinMachineDefaults *d = &list->items[i];
        json_object *o = abipin_json_object();

        abipin_json_set(o, "machine", abipin_json_string(d->machine));
        abipin_json_set(o, "model", abipin_json_string(d->model));
        abipin_json_set(o, "on", defaults_list(d, false, true));
        abipin_json_set(o, "off", defaults_list(d, false, false));
        abipin_json_set(o, "mixed", defaults_list(d, true, true));
        abipin_json_append(all, o);
    }
    return all;
}

static json_object *backends_to_json(const AbipinBackendList *list)
{
    json_object *all = abipin_json_array();

    for (size_t i = 0; i < list->n; i++) {
        json_object *o = abipin_json_object(), *sockets = abipin_json_array();

        abipin_json_set(o, "name", abipin_json_string(list->items[i].name));
        abipin_json_set(o, "kind", abipin_json_string(abipin_backend_kind_name(list->items[i].kind)));
        if (list->items[i].has_features)
            abipin_json_set(o, "features", abipin_json_hex64(list->items[i].features));
        for (size_t k = 0; k < list->items[i].n_paths; k++)
            abipin_json_append(sockets, abipin_json_string(list->items[i].paths[k]));
        abipin_json_set(o, list->items[i].kind == ABIPIN_BACKEND_VDPA ? "devices" : "sockets",
                        sockets);
        abipin_json_append(all, o);
    }
    return all;
}

json_object *abipin_profile_to_json(const AbipinProfile *p)
{
    json_object *o = abipin_json_object();
    json_object *atoms = abipin_json_object();
    json_object *lists[_ABIPIN_ATOM_STATE_MAX];

    abipin_json_set(o, "name", abipin_json_string(p->name));
    abipin_json_set(o, "description", abipin_json_string(p->description));
    abipin_json_set(o, "kernel", abipin_json_string(p->kernel_release));
    if (p->has_emulator) {
        json_object *e = abipin_json_object(), *aliases = abipin_json_object();

        abipin_json_set(e, "path", abipin_json_string(p->emulator_path));
        abipin_json_set(e, "version", abipin_json_string(p->emulator_version));
        for (size_t i = 0; i < p->n_aliases; i++)
            abipin_json_set(aliases, p->aliases[i].name,
                                   abipin_json_string(p->aliases[i].machine));
        abipin_json_set(e, "aliases", aliases);
        abipin_json_set(e, "defaults", defaults_to_json(&p->defaults));
        abipin_json_set(o, "emulator", e);
    } else {
        abipin_json_set(o, "emulator", NULL);
    }
    abipin_json_set(o, "backends", backends_to_json(&p->backends));
    for (int s = 0; s < _ABIPIN_ATOM_STATE_MAX; s++) {
        lists[s] = abipin_json_array();
        abipin_json_set(atoms, abipin_atom_state_to_string(s), lists[s]);
    }
    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];
        json_object *item;

        if (a->state == ABIPIN_ATOM_PRESENT) {
            item = abipin_json_string(a->name);
        } else {
            item = abipin_json_object();
            abipin_json_set(item, "name", abipin_json_string(a->name));
            abipin_json_set(item, "reason", abipin_json_string(a->reason));
        }
        abipin_json_append(lists[a->state], item);
    }
    abipin_json_set(o, "atoms", atoms);
    return o;
}
