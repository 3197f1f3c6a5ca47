/* Profile sources: this host, a file, a shipped named platform, "latest". */
#pragma once

#include "probe/probe.h"

typedef struct {
    AbipinProfile **items;
    size_t n;
} AbipinPlatformList;

int abipin_platforms_list(AbipinPlatformList *ret) _warn_unused_result_;
void abipin_platform_list_clear(AbipinPlatformList *list);
int abipin_profile_missing(const AbipinProfile *need, const AbipinProfile *have,
                           AbipinAtomSet **ret_missing) _warn_unused_result_;
bool abipin_platform_satisfied_by(const AbipinProfile *platform, const AbipinProfile *host);
int abipin_platforms_latest(const AbipinPlatformList *list, const AbipinProfile *host);
int abipin_profile_resolve(const char *spec, const AbipinProbeOptions *opts, AbipinProfile **ret)
    _warn_unused_result_;
int abipin_platform_measure_machine(AbipinProfile *p, const AbipinProbeOptions *opts,
                                    const char *machine) _warn_unused_result_;
int abipin_platform_for_domain(const char *spec, const AbipinProbeOptions *opts,
                               AbipinProfile **ret) _warn_unused_result_;
