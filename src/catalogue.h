/* The feature catalogue (data/features.xml): what each host-dependent
 * virtio-net property needs from the host, per backend kind, and its
 * default per machine type and QEMU version. */
#pragma once

#include <stdbool.h>

#include "atoms.h"
#include "version.h"

typedef enum {
    ABIPIN_BACKEND_TAP,
    ABIPIN_BACKEND_MACVTAP,
    ABIPIN_BACKEND_VHOST_NET, /* on top of tap or macvtap */
    ABIPIN_BACKEND_USER,      /* slirp, passt, socket, stream: no vnet header */
    ABIPIN_BACKEND_VHOST_USER,
    ABIPIN_BACKEND_VDPA,
    _ABIPIN_BACKEND_MAX,
} AbipinBackend;

/* tap or macvtap: the kernel backends, the ones vhost-net can sit on and
 * the ones whose <driver name=> abipin pins */
static inline bool abipin_backend_is_kernel(int b)
{
    return b == ABIPIN_BACKEND_TAP || b == ABIPIN_BACKEND_MACVTAP;
}

/* vhost-user or vDPA: a process or a device decides the offloads; QEMU has
 * no has_uso/has_tunnel callback for either */
static inline bool abipin_backend_is_external(int b)
{
    return b == ABIPIN_BACKEND_VHOST_USER || b == ABIPIN_BACKEND_VDPA;
}

const char *abipin_backend_to_string(AbipinBackend b);
int abipin_backend_from_string(const char *s);

typedef enum {
    ABIPIN_OUTCOME_ATOMS,   /* available iff every atom is present */
    ABIPIN_OUTCOME_NEVER,   /* the backend always loses the bit */
    ABIPIN_OUTCOME_BACKEND, /* an external process decides: not probeable */
    _ABIPIN_OUTCOME_MAX,
} AbipinOutcome;

typedef struct {
    AbipinBackend backend;
    AbipinOutcome outcome;
    AbipinVersion qemu_min, qemu_max; /* 0: unbounded */
    char **atoms;
    size_t n_atoms;
} AbipinRequirement;

typedef struct {
    AbipinVersion machine_max;
    AbipinVersion qemu_min, qemu_max;
    bool value;
    char *source;
} AbipinCompat;

typedef enum {
    ABIPIN_LIBVIRT_OVERRIDE, /* <qemu:override> frontend property */
    ABIPIN_LIBVIRT_HOST,     /* <driver><host ATTR=/> */
    ABIPIN_LIBVIRT_GUEST,    /* <driver><guest ATTR=/> */
    ABIPIN_LIBVIRT_DRIVER,   /* <driver ATTR=/> */
} AbipinLibvirtPlace;

typedef struct {
    char *name; /* QEMU property */
    unsigned bit;
    char *macro;
    AbipinVersion since;
    bool default_on;
    char *description;
    AbipinLibvirtPlace place;
    char *libvirt_attribute;
    AbipinVersion libvirt_since;
    AbipinRequirement *reqs;
    size_t n_reqs;
    AbipinCompat *compat;
    size_t n_compat;
} AbipinFeature;

/* A bit every host offers (no property decides it). */
typedef struct {
    unsigned bit;
    char *macro;
    bool multiqueue; /* only with more than one queue pair */
    AbipinVersion machine_min; /* older machine types do not offer it; 0: all do */
    bool transitional_keeps;   /* ...except with a transitional model */
    AbipinVersion qemu_min, qemu_max;
    /* the device property that decides it, measured per machine type (the
     * machine-min above is its model); NULL: none, QEMU always sets it */
    char *property;
    bool inverted; /* offered when the property is off ("disable-modern") */
    /* in QEMU's vhost-user list (user_feature_bits): cleared unless the
     * vhost-user backend offers it */
    bool vhost_user;
    /* in QEMU's vDPA list (vdpa_feature_bits) on these QEMU versions */
    bool vdpa;
    AbipinVersion vdpa_qemu_min, vdpa_qemu_max;
    /* on vDPA from vdpa_needs_qemu_min on, cleared unless the device offers
     * bit vdpa_needs (GUEST_ANNOUNCE needs CTRL_VQ); 0: no such rule */
    unsigned vdpa_needs;
    AbipinVersion vdpa_needs_qemu_min;
} AbipinBaseBit;

typedef struct {
    AbipinVersion qemu_min, qemu_max;
    bool builtin; /* abipin_catalogue_builtin()'s: static, never freed */
    AbipinFeature *features;
    size_t n_features;
    AbipinBaseBit *base;
    size_t n_base;
} AbipinCatalogue;

#define ABIPIN_CATALOGUE_TRUSTED (1u << 0)
int abipin_catalogue_load(const char *path, AbipinCatalogue **ret) _warn_unused_result_;
int abipin_catalogue_load_flags(const char *path, unsigned flags, AbipinCatalogue **ret)
    _warn_unused_result_;
int abipin_catalogue_load_default(AbipinCatalogue **ret) _warn_unused_result_;
/* data/features.xml as compiled in at build time (tools/gen-catalogue) */
const AbipinCatalogue *abipin_catalogue_builtin(void);
void abipin_catalogue_free(AbipinCatalogue *cat);
DEFINE_TRIVIAL_CLEANUP_FUNC(AbipinCatalogue *, abipin_catalogue_free)

const AbipinFeature *abipin_catalogue_find(const AbipinCatalogue *cat, const char *name);
const AbipinFeature *abipin_catalogue_find_bit(const AbipinCatalogue *cat, unsigned bit);
const char *abipin_catalogue_bit_name(const AbipinCatalogue *cat, unsigned bit);
size_t abipin_catalogue_measured_properties(const AbipinCatalogue *cat, const char **names,
                                            size_t max);
bool abipin_feature_default(const AbipinFeature *f, AbipinVersion machine, AbipinVersion qemu);
