/* The effective guest ABI: per virtio interface, the feature bits QEMU will
 * offer the guest (what QMP x-query-virtio-status reports as host-features)
 * for a definition on a platform, and why each catalogue bit that is off is
 * off. check, diff, audit and the hook all reason with it. */
#pragma once

#include "pin.h"

typedef enum {
    ABIPIN_OFF_NONE,        /* offered */
    ABIPIN_OFF_PINNED,      /* the definition sets it off */
    ABIPIN_OFF_MACHINE,     /* a hw_compat entry of the machine type */
    ABIPIN_OFF_DEFAULT,     /* off by default */
    ABIPIN_OFF_HOST_LACKS,  /* the platform lacks an atom */
    ABIPIN_OFF_NO_VNET_HDR, /* the backend kind never has it (no vnet header) */
    ABIPIN_OFF_UNKNOWN,     /* an atom could not be probed: not counted as offered */
    ABIPIN_OFF_NO_PROPERTY, /* the emulator has no such property */
} AbipinOffReason;

/* Where a property's default came from, and what upstream's is. */
typedef struct {
    bool value;
    bool measured; /* from the emulator (the platform's <defaults>), not the model */
    bool mixed;    /* measured on a baseline whose members disagreed */
    int upstream;  /* upstream QEMU's default for the machine type: 1, 0, or -1 when
                    * upstream has no machine type of that name */
} AbipinDefault;

typedef struct {
    const AbipinFeature *feature;
    AbipinValue pinned;     /* what the definition says */
    bool offered;
    bool external;          /* an external backend process decides (vhost-user, vDPA) */
    AbipinOffReason why;
    const char *atom;       /* for HOST_LACKS and UNKNOWN */
    AbipinDefault dflt;     /* the property's default on the machine type */
} AbipinAbiFeature;

typedef struct {
    const AbipinInterface *iface;
    AbipinMachine machine;  /* the domain's, as decided */
    bool vhost;
    uint64_t offered[2];    /* bits 0..127 */
    /* the bits of @offered an external process decides (vhost-user, vDPA)
     * that nobody could ask: features and base bits alike */
    uint64_t external[2];
    AbipinAbiFeature *features; /* one per catalogue feature */
    size_t n_features;
} AbipinAbi;

bool abipin_abi_uses_vhost(const AbipinPinContext *ctx, int backend, const char *driver);
void abipin_abi_default(const AbipinPinContext *ctx, const AbipinFeature *f,
                        const AbipinMachine *m, const AbipinMachineDefaults *measured,
                        AbipinDefault *ret);
bool abipin_default_differs(const AbipinDefault *d);
void abipin_abi_decide_feature(const AbipinPinContext *ctx, const AbipinFeature *f,
                               const AbipinInterface *iface, bool vhost, const AbipinMachine *m,
                               const AbipinMachineDefaults *measured, bool has_property,
                               AbipinValue value, AbipinAbiFeature *out);
int abipin_abi_compute(const AbipinPinContext *ctx, const AbipinDomain *d,
                       const AbipinInterface *iface, AbipinAbi *ret) _warn_unused_result_;
int abipin_abi_compute_device(const AbipinPinContext *ctx, const AbipinDomain *d,
                              const AbipinInterface *iface, const AbipinValue *configured,
                              AbipinAbi *ret) _warn_unused_result_;
void abipin_abi_clear(AbipinAbi *abi);
int abipin_abi_compute_all(const AbipinPinContext *ctx, const AbipinDomain *d, AbipinAbi **ret,
                           size_t *ret_n) _warn_unused_result_;
void abipin_abi_free_all(AbipinAbi *all, size_t n);
const char *abipin_off_reason_to_string(AbipinOffReason r);
bool abipin_abi_has(const AbipinAbi *abi, unsigned bit);
uint64_t abipin_abi_backend_base_bits(const AbipinPinContext *ctx, AbipinBackend kind,
                                      const AbipinAbi *abi);
bool abipin_abi_vdpa_device_features(const AbipinPinContext *ctx, const AbipinAbi *abi,
                                     uint64_t *ret);
const char *abipin_abi_why_not(const AbipinPinContext *ctx, const AbipinAbi *abi, unsigned bit,
                               const char *side, char *buf, size_t len);
/* "0x" and 32 hex digits */
#define ABIPIN_ABI_VECTOR_MAX 35
void abipin_abi_vector_format(const uint64_t v[2], char *buf, size_t len);
