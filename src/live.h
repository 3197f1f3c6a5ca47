/* What a running QEMU really offers (bits it drops silently), read so that asking can
 * never harm the guest: per virtio-net device, the properties QEMU
 * configured it with (QMP qom-list and qom-get, which every QEMU answers
 * and which only read), masked by what this host's backend can provide
 * (abipin's model, src/abi.c, the computation 'abipin abi' makes). QMP
 * x-query-virtio-status is never sent: QEMU 11.1.3 aborts on it. The
 * transport is the caller's: libvirt's monitor passthrough for 'pin
 * --live', a QMP socket or recorded replies in the tests; this module
 * itself needs no libvirt. */
#pragma once

#include <stdint.h>

#include "domain.h"
#include "pin.h"
#include "util/qmp.h"


/* Where the offered features came from, in the record's method=: the
 * device's QOM properties and this host's profile, through the model. */
#define ABIPIN_LIVE_METHOD "qom"

typedef struct {
    char *alias;          /* in the running definition: net0, ua-... */
    char *mac;
    AbipinBackend backend;
    char *path;           /* QOM path: /machine/peripheral/ALIAS/virtio-backend */
    uint64_t offered[2];  /* host features, bits 0..127 */
    bool vhost;           /* vhost-net masks them */
    bool known[ABIPIN_MAX_FEATURES]; /* the device has the feature's property */
} AbipinLiveDevice;

typedef struct {
    char *domain;
    char *emulator_version;    /* the running QEMU's, "10.0.2" */
    char *machine;             /* the machine type it runs */
    char *platform;            /* the host profile the model used, its name */
    char *digest;              /* and its digest */
    AbipinLiveDevice *devices; /* one per virtio interface it runs */
    size_t n_devices;
} AbipinLive;

int abipin_live_read(const AbipinCatalogue *cat, const AbipinProfile *host,
                     const AbipinDomain *running, AbipinQmpFunc call, void *userdata,
                     AbipinLive **ret) _warn_unused_result_;
void abipin_live_free(AbipinLive *live);
DEFINE_TRIVIAL_CLEANUP_FUNC(AbipinLive *, abipin_live_free)
const AbipinLiveDevice *abipin_live_find(const AbipinLive *live, const AbipinInterface *iface);
bool abipin_live_offers(const AbipinLiveDevice *dev, unsigned bit);

int abipin_pin_live_domain(const AbipinCatalogue *cat, const AbipinLive *live, AbipinDomain *d,
                           unsigned flags)
    _warn_unused_result_;
