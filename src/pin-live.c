#include <config.h>

#include <string.h>

#include "arch.h"
#include "live.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

/* Only <qemu:override> can set this feature (or, with
 * ABIPIN_PIN_OVERRIDES_ONLY, every feature), and it needs a user alias. */
static bool device_needs_alias(const AbipinCatalogue *cat, const AbipinLiveDevice *dev,
                               unsigned flags)
{
    for (size_t i = 0; i < cat->n_features; i++)
        if ((cat->features[i].place == ABIPIN_LIBVIRT_OVERRIDE ||
             flags & ABIPIN_PIN_OVERRIDES_ONLY) && dev->known[i])
            return true;
    return false;
}

/* libvirt falls back to userspace virtio-net where vhost-net cannot be
 * opened, which changes the bits: keep the backend the guest runs on. */
static void decide_live_driver(const AbipinInterface *iface, const AbipinLiveDevice *dev,
                               AbipinPinRecordInterface *rec)
{
    const char *name = dev->vhost ? "vhost" : "qemu";
    AbipinPinEntry *e;

    if (!abipin_backend_is_kernel(iface->backend))
        return;
    e = abipin_record_add_entry(rec, ABIPIN_PIN_ENTRY_DRIVER, NULL, name, ABIPIN_WHY_LIVE, NULL);
    if (iface->driver && strcmp(iface->driver, name) != 0)
        e->was = abipin_strdup(iface->driver); /* the summary shows what it replaces */
}

static int decide_live_features(const AbipinCatalogue *cat, const AbipinDomain *d,
                                const AbipinInterface *iface, const char *alias,
                                const AbipinLiveDevice *dev, unsigned flags,
                                AbipinPinRecordInterface *rec)
{
    for (size_t i = 0; i < cat->n_features; i++) {
        const AbipinFeature *f = &cat->features[i];
        bool on = abipin_live_offers(dev, f->bit);
        AbipinPinEntry *e;
        AbipinValue was;
        int r;

        if (!dev->known[i])
            continue;
        if ((r = abipin_domain_read_feature(d, iface, alias, f, &was)) < 0)
            return r;
        if ((r = abipin_domain_check_feature_writable(d, alias, f,
                                                      flags & ABIPIN_PIN_OVERRIDES_ONLY)) < 0)
            return r;
        e = abipin_record_add_entry(rec, ABIPIN_PIN_ENTRY_FEATURE, f->name, on ? "on" : "off",
                                    ABIPIN_WHY_LIVE, NULL);
        if (was != ABIPIN_VALUE_ABSENT && (was == ABIPIN_VALUE_ON) != on)
            e->was = abipin_strdup(abipin_value_to_string(was));
    }
    return 0;
}

static int decide_live_interface(const AbipinCatalogue *cat, const AbipinLive *live,
                                 const AbipinDomain *d, size_t index, unsigned flags,
                                 AbipinPinRecord *record)
{
    const AbipinInterface *iface = &d->ifaces[index];
    _cleanup_free_ char *alias = NULL;
    const AbipinLiveDevice *dev;
    AbipinPinRecordInterface *rec;
    int r;

    if (!abipin_interface_pinnable(iface))
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
    if (device_needs_alias(cat, dev, flags)) {
        if ((r = abipin_domain_propose_alias(d, iface, index, record, &alias)) < 0)
            return r;
    } else {
        alias = abipin_strdup(iface->alias);
    }
    rec = abipin_record_add_interface(record, alias, iface->mac, iface->backend);
    decide_live_driver(iface, dev, rec);
    return decide_live_features(cat, d, iface, alias, dev, flags, rec);
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
 * replaced (the record's entries keep them as "was" for the summary): the
 * running guest's ABI is what must survive. abipin's record says the
 * values came from the live QEMU (which version), how they were read
 * (method="qom": the device's properties, masked by this host's profile,
 * named with its digest). Decided first, then written in one pass
 * (abipin_pin_apply, with @flags): d->record is then the new record.
 */
int abipin_pin_live_domain(const AbipinCatalogue *cat, const AbipinLive *live, AbipinDomain *d,
                           unsigned flags)
{
    _cleanup_(abipin_record_freep) AbipinPinRecord *record = abipin_record_new();
    int r;

    /* what check and the hook could not read back is not written */
    if ((r = abipin_domain_check_modelled(d)) < 0)
        return r;
    record->source = abipin_strdup("live");
    record->method = abipin_strdup(ABIPIN_LIVE_METHOD);
    record->platform = abipin_strdup(live->platform);
    record->digest = abipin_strdup(live->digest);
    record->emulator = abipin_strdup(live->emulator_version);
    record->machine = abipin_strdup(live->machine);
    for (size_t i = 0; i < d->n_ifaces; i++)
        if ((r = decide_live_interface(cat, live, d, i, flags, record)) < 0)
            return r;
    return abipin_pin_apply(cat, d, TAKE_PTR(record), flags);
}
