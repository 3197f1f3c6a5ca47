/* Platform profiles: a named set of capability atoms plus informational
 * facts (kernel release, emulator path, version and machine aliases). */
#pragma once


#include "atoms.h"
#include "backend.h"
#include "defaults.h"

typedef struct {
    char *name;    /* e.g. "pc" or "q35" */
    char *machine; /* e.g. "pc-q35-10.0" */
} AbipinMachineAlias;

typedef struct {
    char *name;
    char *description;
    char *kernel_release;
    bool has_emulator; /* the profile speaks for an emulator (qemu.* atoms) */
    char *emulator_path;
    char *emulator_version;
    AbipinMachineAlias *aliases;
    size_t n_aliases;
    AbipinDefaultsList defaults; /* measured per machine type (defaults.h) */
    bool measurable;   /* the emulator is this host's: a machine type can be measured now */
    AbipinBackendList backends; /* vhost-user backends (backend.h); their offers are atoms */
    AbipinAtomSet *atoms;
} AbipinProfile;

AbipinProfile *abipin_profile_new(const char *name) _returns_nonnull_;
void abipin_profile_free(AbipinProfile *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(AbipinProfile *, abipin_profile_free)

void abipin_profile_clear_emulator(AbipinProfile *p);
void abipin_profile_add_alias(AbipinProfile *p, const char *name, const char *machine);
const char *abipin_profile_resolve_machine(const AbipinProfile *p, const char *machine);
int abipin_profile_require_machine(const AbipinProfile *p, const char *machine, const char *what)
    _warn_unused_result_;

int abipin_profile_load(const char *path, AbipinProfile **ret) _warn_unused_result_;
int abipin_profile_load_owned(const char *path, AbipinProfile **ret) _warn_unused_result_;
int abipin_profile_parse(const char *name, const char *data, size_t len, AbipinProfile **ret)
    _warn_unused_result_;
int abipin_profile_format_xml(const AbipinProfile *p, char **ret, size_t *ret_len)
    _warn_unused_result_;
/* the probe cache's form (profile-cache.c): no XML parse at each hook */
void abipin_profile_format_cache(const AbipinProfile *p, char **ret, size_t *ret_len);
bool abipin_profile_is_cache(const char *data, size_t len);
int abipin_profile_parse_cache(const char *name, const char *data, size_t len,
                               AbipinProfile **ret) _warn_unused_result_;
int abipin_profile_complete(AbipinProfile *p, const AbipinProfile *host) _warn_unused_result_;
int abipin_profile_merge_add(AbipinProfile **acc, const AbipinProfile *p, const char *name)
    _warn_unused_result_;
int abipin_profile_merge(AbipinProfile *const *profiles, size_t n, const char *name,
                         AbipinProfile **ret) _warn_unused_result_;
