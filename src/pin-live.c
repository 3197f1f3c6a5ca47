#include <config.h>

#include <string.h>

#include "arch.h"
#include "live.h"
#include "util/error.h"
#include "util/i18n.h"

/* Why a value is what it is, in the record: what the running QEMU offered. */
#define WHY_LIVE "live"

static const char *value_string(AbipinValue v)
{
    return v == ABIPIN_VALUE_ON ? "on" : v == ABIPIN_VALUE_OFF ? "off" : NULL;
}

/* The definition said otherwise: keep its old value in the report. */
static void report_was(json_object *features, const char *was)
{
    json_object *last = json_object_array_get_idx(features, json_object_array_length(features) - 1);

    json_object_object_add(last, "was", json_object_new_string(was));
}

/* Only <qemu:override> can set this feature, and it needs a user alias. */
static bool device_needs_alias(const AbipinCatalogue *cat, const AbipinLiveDevice *dev)
{
    for (size_t i = 0; i < cat->n_features; i++)
        if (cat->features[i].place == ABIPIN_LIBVIRT_OVERRIDE && dev->known[i])
            return true;
    return false;
}

/* libvirt falls back to userspace virtio-net where vhost-net cannot be
 * opened, which changes the bits: keep the backend the guest runs on. */
static int pin_live_driver(AbipinInterface *iface, const AbipinLiveDevice *dev, xmlNodePtr rec,
                           json_object *features)
{
    const char *name = dev->vhost ? "vhost" : "qemu";
    char was[32] = "";
    int r;

    if (iface->backend != ABIPIN_BACKEND_TAP && iface->backend != ABIPIN_BACKEND_MACVTAP)
        return 0;
    if (iface->driver && strcmp(iface->driver, name) != 0)
        snprintf(was, sizeof(was), "%s", iface->driver); /* setting it frees the old value */
    if ((r = abipin_domain_set_driver_name(iface, name)) < 0)
        return r;
    abipin_record_note(rec, features, "driver", NULL, name, WHY_LIVE, NULL);
    if (*was)
        report_was(features, was);
    return 0;
}

static int pin_live_feature(AbipinDomain *d, AbipinInterface *iface, const AbipinFeature *f,
                            const AbipinLiveDevice *dev, xmlNodePtr rec, json_object *features)
{
    bool on = abipin_live_offers(dev, f->bit);
    AbipinValue was;
    int r;

    if ((r = abipin_domain_get_feature(d, iface, f, &was)) < 0 ||
        (r = abipin_domain_set_feature(d, iface, f, on)) < 0)
        return r;
    abipin_record_note(rec, features, "feature", f->name, on ? "on" : "off", WHY_LIVE, NULL);
    if (was != ABIPIN_VALUE_ABSENT && (was == ABIPIN_VALUE_ON) != on)
        report_was(features, value_string(was));
    return 0;
}

static int pin_live_interface(const AbipinCatalogue *cat, const AbipinLive *live, AbipinDomain *d,
                              size_t index, xmlNodePtr record, json_object *ifaces)
{
    AbipinInterface *iface = &d->ifaces[index];
    const AbipinLiveDevice *dev;
    json_object *features;
    xmlNodePtr rec;
    int r;

    if (!iface->virtio || iface->backend < 0)
        return 0; /* non-virtio models and hostdev keep whatever they have */
    dev = abipin_live_find(live, iface);
    if (!dev)
        return abipin_error_set(ABIPIN_ERR_REFUSED, -ENOENT,
                                _("%1$s: interface %2$s of the definition is not a virtio-net "
                                  "device of the running domain (added or changed since it "
                                  "started?): nothing tells what it offers; restart the domain "
                                  "first, or pin the definition for a platform with 'abipin pin "
                                  "FILE'"),
                                d->name, iface->label);
    if (device_needs_alias(cat, dev) && (r = abipin_domain_ensure_alias(d, iface, index)) < 0)
        return r;
    rec = abipin_record_add_interface(record, ifaces, iface, &features);
    if ((r = pin_live_driver(iface, dev, rec, features)) < 0)
        return r;
    for (size_t i = 0; i < cat->n_features; i++)
        if (dev->known[i] &&
            (r = pin_live_feature(d, iface, &cat->features[i], dev, rec, features)) < 0)
            return r;
    return 0;
}

/**
 * abipin_pin_live_domain:
 * @live: what the domain's running QEMU offers
 * @d: its persistent definition, pinned in place
 *
 * Pin every virtio interface of @d to exactly the features its running
 * device offers (on what is offered, off what is not, for every catalogue
 * property that QEMU has), and its backend to the one in use, so the next
 * boot offers the guest the same. Values the definition set otherwise are
 * replaced (the report keeps them as "was"): the running guest's ABI is
 * what must survive. abipin's record says the values came from the live
 * QEMU (which version), how they were read (method="qom": the device's
 * properties, masked by this host's profile, named with its digest).
 */
int abipin_pin_live_domain(const AbipinCatalogue *cat, const AbipinLive *live, AbipinDomain *d,
                           json_object **ret_report)
{
    json_object *report = json_object_new_object(), *ifaces = json_object_new_array();
    xmlNodePtr record;
    int r;

    *ret_report = report; /* the caller owns it, also on failure */
    json_object_object_add(report, "interfaces", ifaces);
    /* what check and the hook could not read back is not written */
    if ((r = abipin_domain_check_modelled(d)) < 0)
        return r;
    record = abipin_record_new(report);
    abipin_record_set(record, report, "source", "live");
    abipin_record_set(record, report, "method", ABIPIN_LIVE_METHOD);
    abipin_record_set(record, report, "platform", live->platform);
    abipin_record_set(record, report, "digest", live->digest);
    abipin_record_set(record, report, "emulator", live->emulator_version);
    abipin_record_set(record, report, "machine", live->machine);
    json_object_object_add(report, "domain", json_object_new_string(d->name));
    abipin_domain_replace_record(d, record);
    for (size_t i = 0; i < d->n_ifaces; i++)
        if ((r = pin_live_interface(cat, live, d, i, record, ifaces)) < 0)
            return r;
    return 0;
}
