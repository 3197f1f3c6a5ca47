/* /etc/abipin.conf: what the hook does with unpinned domains and refusals,
 * where the cache lives, and an optional fixed host profile. */
#pragma once

#include <stdbool.h>

#include "util/macro.h"

typedef enum {
    ABIPIN_UNPINNED_WARN,
    ABIPIN_UNPINNED_REFUSE,
    ABIPIN_UNPINNED_IGNORE,
} AbipinUnpinnedPolicy;

typedef struct {
    AbipinUnpinnedPolicy unpinned;
    bool enforce;       /* false: report refusals as warnings and allow */
    char *cache_dir;    /* NULL: the built-in default */
    char *host_profile; /* NULL: probe this host */
} AbipinConfig;

int abipin_config_load(const char *path, AbipinConfig *ret) _warn_unused_result_;
void abipin_config_clear(AbipinConfig *c);
const char *abipin_config_path(void);
