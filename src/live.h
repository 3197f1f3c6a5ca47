/* What a running QEMU really offers (DESIGN §1): per virtio-net device, the
 * host features left after QEMU masked what its backend cannot do, read
 * over QMP (query-version, x-query-virtio, qom-list,
 * x-query-virtio-status). The transport is the caller's: libvirt's monitor
 * passthrough for 'pin --live', recorded replies in the tests; this module
 * itself needs no libvirt. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "domain.h"
#include "pin.h"

/* Send one QMP command (JSON text); *ret_reply gets QEMU's reply (JSON
 * text, malloc'd), also when it is a QMP error. */
typedef int (*AbipinQmpFunc)(void *userdata, const char *command, char **ret_reply);

typedef struct {
    char *alias;          /* in the running definition: net0, ua-... */
    char *mac;
    AbipinBackend backend;
    char *path;           /* QOM path: /machine/peripheral/ALIAS/virtio-backend */
    uint64_t offered[2];  /* host-features, bits 0..127 */
    bool vhost;           /* a vhost backend masked them (backend-features set) */
    bool known[ABIPIN_MAX_FEATURES]; /* the device has the feature's property */
} AbipinLiveDevice;

typedef struct {
    char *domain;
    char *emulator_version;    /* the running QEMU's, "10.0.2" */
    char *machine;             /* the machine type it runs */
    AbipinLiveDevice *devices; /* one per virtio interface it runs */
    size_t n_devices;
} AbipinLive;

int abipin_live_read(const AbipinCatalogue *cat, const AbipinDomain *running, AbipinQmpFunc call,
                     void *userdata, AbipinLive **ret) _warn_unused_result_;
void abipin_live_free(AbipinLive *live);
DEFINE_TRIVIAL_CLEANUP_FUNC(AbipinLive *, abipin_live_free)
const AbipinLiveDevice *abipin_live_find(const AbipinLive *live, const AbipinInterface *iface);
bool abipin_live_offers(const AbipinLiveDevice *dev, unsigned bit);

int abipin_qmp_decode_features(const AbipinCatalogue *cat, json_object *features,
                               const char *what, uint64_t ret[2]) _warn_unused_result_;

int abipin_pin_live_domain(const AbipinCatalogue *cat, const AbipinLive *live, AbipinDomain *d,
                           json_object **ret_report) _warn_unused_result_;
