#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "util/alloc.h"

/* libvirt's model names and the devices they are (src/qemu/qemu_command.c,
 * qemuBuildVirtioDevGetConfig: "virtio-transitional" and
 * "virtio-non-transitional" since libvirt 5.2) */
const char *const abipin_nic_devices[ABIPIN_N_NIC_DEVICES] = {
    "virtio-net-pci",
    "virtio-net-pci-transitional",
    "virtio-net-pci-non-transitional",
};

/**
 * abipin_nic_device_for_model:
 * @libvirt_model: <model type=> of a virtio interface
 *
 * The QEMU device, or NULL for a model that is no virtio-net-pci.
 */
const char *abipin_nic_device_for_model(const char *libvirt_model)
{
    static const char *const models[ABIPIN_N_NIC_DEVICES] = {
        "virtio", "virtio-transitional", "virtio-non-transitional",
    };

    for (size_t i = 0; i < ABIPIN_N_NIC_DEVICES; i++)
        if (streq_ptr(libvirt_model, models[i]))
            return abipin_nic_devices[i];
    return NULL;
}

static void machine_defaults_clear(AbipinMachineDefaults *d)
{
    free(d->machine);
    free(d->model);
    for (size_t i = 0; i < d->n_values; i++)
        free(d->values[i].name);
    free(d->values);
}

void abipin_defaults_clear(AbipinDefaultsList *list)
{
    for (size_t i = 0; i < list->n; i++)
        machine_defaults_clear(&list->items[i]);
    free(list->items);
    *list = (AbipinDefaultsList) { 0 };
}

const AbipinMachineDefaults *abipin_defaults_find(const AbipinDefaultsList *list,
                                                  const char *machine, const char *model)
{
    for (size_t i = 0; i < list->n; i++)
        if (streq_ptr(list->items[i].machine, machine) && streq_ptr(list->items[i].model, model))
            return &list->items[i];
    return NULL;
}

bool abipin_defaults_has_machine(const AbipinDefaultsList *list, const char *machine)
{
    for (size_t i = 0; i < list->n; i++)
        if (streq_ptr(list->items[i].machine, machine))
            return true;
    return false;
}

/* A new, empty entry; the caller knows there was none for machine and model. */
AbipinMachineDefaults *abipin_defaults_add(AbipinDefaultsList *list, const char *machine,
                                           const char *model)
{
    AbipinMachineDefaults *d;

    abipin_array_resize(list->items, list->n + 1);
    d = &list->items[list->n++];
    *d = (AbipinMachineDefaults) { .machine = abipin_strdup(machine),
                                   .model = abipin_strdup(model) };
    return d;
}

static int value_compare(const void *a, const void *b)
{
    return strcmp(((const AbipinDefaultValue *) a)->name, ((const AbipinDefaultValue *) b)->name);
}

const AbipinDefaultValue *abipin_defaults_get(const AbipinMachineDefaults *d, const char *name)
{
    AbipinDefaultValue key = { .name = (char *) name };

    /* bsearch wants a base even for no elements: an empty entry has none */
    return d && d->n_values ? bsearch(&key, d->values, d->n_values, sizeof(key), value_compare)
                            : NULL;
}

/* Set, or add in order (a measurement adds a few dozen, once). */
void abipin_defaults_set(AbipinMachineDefaults *d, const char *name, bool value, bool mixed)
{
    AbipinDefaultValue *v = (AbipinDefaultValue *) abipin_defaults_get(d, name);
    size_t at = 0;

    if (v) {
        v->value = value;
        v->mixed = mixed;
        return;
    }
    while (at < d->n_values && strcmp(d->values[at].name, name) < 0)
        at++;
    abipin_array_resize(d->values, d->n_values + 1);
    memmove(&d->values[at + 1], &d->values[at], (d->n_values - at) * sizeof(*d->values));
    d->values[at] = (AbipinDefaultValue) { .name = abipin_strdup(name), .value = value,
                                           .mixed = mixed };
    d->n_values++;
}

static void machine_defaults_copy(AbipinDefaultsList *dst, const AbipinMachineDefaults *src)
{
    AbipinMachineDefaults *d;

    if (abipin_defaults_find(dst, src->machine, src->model))
        return;
    d = abipin_defaults_add(dst, src->machine, src->model);
    for (size_t i = 0; i < src->n_values; i++)
        abipin_defaults_set(d, src->values[i].name, src->values[i].value, src->values[i].mixed);
}

/* Every entry of @src that @dst lacks. */
void abipin_defaults_copy(AbipinDefaultsList *dst, const AbipinDefaultsList *src)
{
    for (size_t i = 0; i < src->n; i++)
        machine_defaults_copy(dst, &src->items[i]);
}

/* @src's entries for @machine that @dst lacks. */
void abipin_defaults_copy_machine(AbipinDefaultsList *dst, const AbipinDefaultsList *src,
                                  const char *machine)
{
    for (size_t i = 0; i < src->n; i++)
        if (streq_ptr(src->items[i].machine, machine))
            machine_defaults_copy(dst, &src->items[i]);
}

/**
 * abipin_defaults_intersect:
 * @acc: the baseline's defaults so far, changed in place
 *
 * A cluster baseline's defaults: only machine types and properties every
 * member measured, each the AND of their values, marked mixed where they
 * disagreed (a default that differs between two builds of a machine type).
 * What one member did not measure is not the baseline's to claim.
 */
void abipin_defaults_intersect(AbipinDefaultsList *acc, const AbipinDefaultsList *other)
{
    size_t kept = 0;

    for (size_t i = 0; i < acc->n; i++) {
        AbipinMachineDefaults *a = &acc->items[i];
        const AbipinMachineDefaults *b = abipin_defaults_find(other, a->machine, a->model);
        size_t k = 0;

        if (!b) {
            machine_defaults_clear(a);
            continue;
        }
        for (size_t j = 0; j < a->n_values; j++) {
            AbipinDefaultValue *v = &a->values[j];
            const AbipinDefaultValue *w = abipin_defaults_get(b, v->name);

            if (!w) {
                free(v->name);
                continue;
            }
            v->mixed = v->mixed || w->mixed || v->value != w->value;
            v->value = v->value && w->value;
            a->values[k++] = *v;
        }
        a->n_values = k;
        acc->items[kept++] = *a;
    }
    acc->n = kept;
}

/**
 * abipin_defaults_differences:
 * @ret: receives one entry per machine type and property whose default
 *       @a and @b both measured and that differs (once, whatever the models)
 *
 * Where two builds of a machine type part: an unpinned guest started on
 * one has a bit the other's device lacks, or the reverse. Returns how many.
 */
size_t abipin_defaults_differences(const AbipinDefaultsList *a, const AbipinDefaultsList *b,
                                   AbipinDefaultDifference **ret)
{
    AbipinDefaultDifference *out = NULL;
    size_t n = 0;

    for (size_t i = 0; i < a->n; i++) {
        const AbipinMachineDefaults *x = &a->items[i];
        const AbipinMachineDefaults *y = abipin_defaults_find(b, x->machine, x->model);

        for (size_t j = 0; y && j < x->n_values; j++) {
            const AbipinDefaultValue *v = &x->values[j], *w = abipin_defaults_get(y, v->name);
            bool seen = false;

            if (!w || w->value == v->value)
                continue;
            for (size_t k = 0; k < n && !seen; k++)
                seen = streq_ptr(out[k].machine, x->machine) && streq_ptr(out[k].property, v->name);
            if (seen)
                continue;
            abipin_array_resize(out, n + 1);
            out[n++] = (AbipinDefaultDifference) { .machine = x->machine, .property = v->name,
                                                   .a = v->value, .b = w->value };
        }
    }
    *ret = out;
    return n;
}
