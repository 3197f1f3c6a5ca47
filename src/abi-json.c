/* The effective guest ABI as JSON (abi --json, the fuzzers): the formats
 * layer, kept out of abi.c, which computes it. */
#include <config.h>

#include "abi-json.h"
#include "util/json.h"

/* {"bit", "name"} for each bit 0..127 @abi offers, named by the catalogue */
static json_object *abi_bits_to_json(const AbipinPinContext *ctx, const AbipinAbi *abi)
{
    json_object *bits = abipin_json_array();

    for (unsigned b = 0; b < 128; b++) {
        json_object *item;

        if (!abipin_abi_has(abi, b))
            continue;
        item = abipin_json_object();
        abipin_json_set(item, "bit", abipin_json_int(b));
        abipin_json_set(item, "name", abipin_json_string(abipin_catalogue_bit_name(ctx->cat, b)));
        abipin_json_append(bits, item);
    }
    return bits;
}

static json_object *abi_off_to_json(const AbipinAbiFeature *f)
{
    json_object *item = abipin_json_object();

    abipin_json_set(item, "bit", abipin_json_int(f->feature->bit));
    abipin_json_set(item, "name", abipin_json_string(f->feature->macro));
    abipin_json_set(item, "property", abipin_json_string(f->feature->name));
    abipin_json_set(item, "reason", abipin_json_string(abipin_off_reason_to_string(f->why)));
    abipin_json_set(item, "atom", abipin_json_string(f->atom));
    return item;
}

/* {"bit", "name", "property", "default", "upstream"}: a default the
 * definition leaves to the machine type, measured unlike upstream's */
static json_object *abi_build_default_to_json(const AbipinAbiFeature *f)
{
    json_object *item = abipin_json_object();

    abipin_json_set(item, "bit", abipin_json_int(f->feature->bit));
    abipin_json_set(item, "name", abipin_json_string(f->feature->macro));
    abipin_json_set(item, "property", abipin_json_string(f->feature->name));
    abipin_json_set(item, "default", abipin_json_bool(f->dflt.value));
    abipin_json_set(item, "upstream", abipin_json_bool(f->dflt.upstream > 0));
    return item;
}

/**
 * abipin_abi_to_json:
 *
 * {"alias", "mac", "backend", "driver", "offered": "0x…" (bits 0..127, one
 * number), "bits": [{"bit", "name"}], "off": [{"bit", "name", "property",
 * "reason", "atom"}], "external": [bits], "build_defaults": [{"bit",
 * "name", "property", "default", "upstream"}]}; a vDPA interface whose
 * device the platform knows has "device_features": "0x…", the value for
 * `vdpa dev add ... device_features` that gives the guest this vector.
 */
json_object *abipin_abi_to_json(const AbipinPinContext *ctx, const AbipinAbi *abi)
{
    json_object *o = abipin_json_object();
    json_object *off = abipin_json_array(), *external = abipin_json_array();
    json_object *build = abipin_json_array();
    char hex[ABIPIN_ABI_VECTOR_MAX];
    uint64_t device_features;

    abipin_json_set(o, "alias", abipin_json_string(abi->iface->alias));
    abipin_json_set(o, "mac", abipin_json_string(abi->iface->mac));
    abipin_json_set(o, "backend", abipin_json_string(abipin_backend_to_string(abi->iface->backend)));
    abipin_json_set(o, "driver", abipin_json_string(abi->vhost ? "vhost" : "qemu"));
    abipin_abi_vector_format(abi->offered, hex, sizeof(hex));
    abipin_json_set(o, "offered", abipin_json_string(hex));
    for (size_t i = 0; i < abi->n_features; i++) {
        const AbipinAbiFeature *f = &abi->features[i];

        if (!f->offered)
            abipin_json_append(off, abi_off_to_json(f));
        if (f->pinned == ABIPIN_VALUE_ABSENT && abipin_default_differs(&f->dflt))
            abipin_json_append(build, abi_build_default_to_json(f));
    }
    for (unsigned bit = 0; bit < 128; bit++)
        if (abi->external[bit / 64] >> (bit % 64) & 1)
            abipin_json_append(external, abipin_json_int(bit));
    abipin_json_set(o, "bits", abi_bits_to_json(ctx, abi));
    abipin_json_set(o, "off", off);
    abipin_json_set(o, "external", external);
    abipin_json_set(o, "build_defaults", build);
    if (abipin_abi_vdpa_device_features(ctx, abi, &device_features))
        abipin_json_set(o, "device_features", abipin_json_hex64(device_features));
    return o;
}
