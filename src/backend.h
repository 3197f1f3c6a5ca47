/* External backends: where a process or a device, not the kernel's tap,
 * decides a virtio-net interface's offload bits.
 *  - vhost-user: QEMU clears each bit of its vhost-user list
 *    (hw/net/vhost_net.c user_feature_bits) that the backend did not offer
 *    in VHOST_USER_GET_FEATURES;
 *  - vDPA: QEMU clears each bit of vdpa_feature_bits (net/vhost-vdpa.c)
 *    that the device does not offer (VHOST_GET_FEATURES on
 *    /dev/vhost-vdpa-N: the device's features, which the kernel's vdpa
 *    netlink family also reports, and `vdpa dev add ... device_features`
 *    provisions).
 * A profile names the backends a host has, each with the sockets or
 * devices it serves, and their offers as atoms, "vhostuser.NAME.bit.N" or
 * "vdpa.NAME.bit.N", present or absent: so a baseline ANDs them, compare
 * names the missing one, and check refuses a pin the destination's
 * backend cannot honour, like any kernel fact. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atoms.h"
#include "catalogue.h"

#define ABIPIN_ATOM_VHOST_USER "vhostuser."
#define ABIPIN_ATOM_VDPA "vdpa."
#define ABIPIN_BACKEND_NAME_MAX 64

typedef struct {
    char *name;          /* [A-Za-z0-9_-], at most ABIPIN_BACKEND_NAME_MAX */
    AbipinBackend kind;  /* ABIPIN_BACKEND_VHOST_USER or ABIPIN_BACKEND_VDPA */
    /* vhost-user: the socket paths it serves; vDPA: its character devices
     * (/dev/vhost-vdpa-N); either as fnmatch(3) patterns */
    char **paths;
    size_t n_paths;
    /* vDPA: the device's whole feature word, for the device_features value
     * a pin needs (`vdpa dev add ... device_features`); the atoms hold only
     * the bits QEMU lets it decide */
    bool has_features;
    uint64_t features;
} AbipinExternalBackend;

typedef struct {
    AbipinExternalBackend *items;
    size_t n;
} AbipinBackendList;

bool abipin_backend_name_is_valid(const char *name);
int abipin_backend_name_check(const char *name) _warn_unused_result_;
void abipin_backend_name_from_socket(const char *socket, char *buf, size_t len);

void abipin_backend_list_clear(AbipinBackendList *l);
AbipinExternalBackend *abipin_backend_list_add(AbipinBackendList *l, const char *name,
                                               AbipinBackend kind);
void abipin_backend_add_path(AbipinExternalBackend *b, const char *socket);
const AbipinExternalBackend *abipin_backend_list_find(const AbipinBackendList *l,
                                                       const char *name);
const AbipinExternalBackend *abipin_backend_list_match(const AbipinBackendList *l,
                                                      AbipinBackend kind, const char *path);
AbipinExternalBackend *abipin_backend_list_adopt(AbipinBackendList *l, AbipinBackend kind,
                                                 const char *name, const char *path);
void abipin_backend_list_copy(AbipinBackendList *dst, const AbipinBackendList *src);
void abipin_backend_list_intersect(AbipinBackendList *acc, const AbipinBackendList *other);

const char *abipin_backend_kind_name(AbipinBackend kind);
bool abipin_backend_kind_parse(const char *s, AbipinBackend *ret);

/* "vhostuser.NAME.bit.N", "vdpa.NAME.bit.N" */
#define ABIPIN_BACKEND_ATOM_MAX (sizeof(ABIPIN_ATOM_VHOST_USER) + ABIPIN_BACKEND_NAME_MAX + 8)
void abipin_backend_atom(const AbipinExternalBackend *b, unsigned bit, char *buf, size_t len);
bool abipin_backend_atom_parse(const char *atom, AbipinBackend *ret_kind, char *name, size_t len,
                               unsigned *ret_bit);
bool abipin_backend_atom_is_external(const char *atom);
bool abipin_catalogue_backend_decides(const AbipinCatalogue *cat, AbipinBackend kind, unsigned bit);
bool abipin_catalogue_backend_decides_on(const AbipinCatalogue *cat, AbipinBackend kind,
                                         unsigned bit, AbipinVersion qemu);
int abipin_backend_put_offer(AbipinAtomSet *atoms, const AbipinCatalogue *cat,
                             const AbipinExternalBackend *b, uint64_t features) _warn_unused_result_;
int abipin_backend_put_unknown(AbipinAtomSet *atoms, const AbipinCatalogue *cat,
                               const AbipinExternalBackend *b, const char *reason) _warn_unused_result_;
int abipin_backend_put_derived(AbipinAtomSet *atoms, const AbipinCatalogue *cat,
                               const AbipinExternalBackend *b, uint64_t features, const char *how)
    _warn_unused_result_;
