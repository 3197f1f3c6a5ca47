/* vhost-user backends: where a process, not the kernel, decides a
 * virtio-net interface's offload bits. QEMU clears each bit of its
 * vhost-user list (hw/net/vhost_net.c user_feature_bits) that the backend
 * did not offer in VHOST_USER_GET_FEATURES. A profile names the backends a
 * host has, each with the sockets it serves, and their offers as atoms,
 * "vhostuser.NAME.bit.N", present or absent: so a baseline ANDs them,
 * compare names the missing one, and check refuses a pin the destination's
 * backend cannot honour, like any kernel fact. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atoms.h"
#include "catalogue.h"

#define ABIPIN_ATOM_VHOST_USER "vhostuser."
#define ABIPIN_BACKEND_NAME_MAX 64

typedef struct {
    char *name;      /* [A-Za-z0-9_-], at most ABIPIN_BACKEND_NAME_MAX */
    char **sockets;  /* the socket paths it serves, or fnmatch(3) patterns of them */
    size_t n_sockets;
} AbipinVhostUserBackend;

typedef struct {
    AbipinVhostUserBackend *items;
    size_t n;
} AbipinBackendList;

bool abipin_backend_name_is_valid(const char *name);
void abipin_backend_name_from_socket(const char *socket, char *buf, size_t len);

void abipin_backend_list_clear(AbipinBackendList *l);
AbipinVhostUserBackend *abipin_backend_list_add(AbipinBackendList *l, const char *name);
void abipin_backend_add_socket(AbipinVhostUserBackend *b, const char *socket);
const AbipinVhostUserBackend *abipin_backend_list_find(const AbipinBackendList *l,
                                                       const char *name);
const AbipinVhostUserBackend *abipin_backend_list_match(const AbipinBackendList *l,
                                                        const char *socket);
void abipin_backend_list_copy(AbipinBackendList *dst, const AbipinBackendList *src);
void abipin_backend_list_intersect(AbipinBackendList *acc, const AbipinBackendList *other);

/* "vhostuser.NAME.bit.N" */
#define ABIPIN_BACKEND_ATOM_MAX (sizeof(ABIPIN_ATOM_VHOST_USER) + ABIPIN_BACKEND_NAME_MAX + 8)
void abipin_backend_atom(const char *name, unsigned bit, char *buf, size_t len);
bool abipin_backend_atom_parse(const char *atom, char *name, size_t len, unsigned *ret_bit);
bool abipin_catalogue_vhost_user_decides(const AbipinCatalogue *cat, unsigned bit);
int abipin_backend_put_offer(AbipinAtomSet *atoms, const AbipinCatalogue *cat, const char *name,
                             uint64_t features) _warn_unused_result_;
int abipin_backend_put_derived(AbipinAtomSet *atoms, const AbipinCatalogue *cat, const char *name,
                               uint64_t features, const char *how) _warn_unused_result_;
int abipin_backend_put_unknown(AbipinAtomSet *atoms, const AbipinCatalogue *cat, const char *name,
                               const char *reason) _warn_unused_result_;
