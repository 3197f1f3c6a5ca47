#pragma once

#include <stddef.h>

#include "util/macro.h"

/* virsh's VSH_MAX_XML_FILE: no definition abipin reads may be larger. */
#define ABIPIN_MAX_INPUT_SIZE (10 * 1024 * 1024)

int abipin_file_read(const char *path, size_t max, char **ret_data, size_t *ret_len)
    _warn_unused_result_ _nonnull_(1, 3, 4);
int abipin_file_read_owned(const char *path, size_t max, char **ret_data, size_t *ret_len)
    _warn_unused_result_ _nonnull_(1, 3, 4);
/* abipin_file_write_atomic() flags */
#define ABIPIN_WRITE_OWN (1u << 0) /* the writer's own file with the given mode; links replaced */

int abipin_file_write_atomic(const char *path, const void *data, size_t len, int mode,
                             unsigned flags) _warn_unused_result_ _nonnull_(1, 2);
