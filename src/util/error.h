/* One error convention for the whole tree.
 *
 * Fallible functions return int: >= 0 on success, -errno on failure. Only
 * the function that *detects* a failure records a translated message and a
 * category with abipin_error_set(); callers pass the negative value up
 * without printing anything. main() prints the last error once and maps its
 * category to the exit code (abipin(1), EXIT STATUS: 1 refused, 2 input, 3 environment).
 */
#pragma once

#include <stddef.h>

#include "util/macro.h"

typedef enum {
    ABIPIN_ERR_NONE = 0,
    ABIPIN_ERR_REFUSED = 1, /* the platform cannot honour something */
    ABIPIN_ERR_INPUT = 2,   /* usage error, bad or unreadable input */
    ABIPIN_ERR_ENV = 3,     /* cannot probe, cannot connect, cannot write */
} AbipinErrorCategory;

int abipin_error_set(AbipinErrorCategory cat, int err, const char *fmt, ...) _printf_(3, 4);
AbipinErrorCategory abipin_error_category(void);
const char *abipin_error_message(void);
void abipin_error_reset(void);

/* Room for a value quoted in a message with abipin_error_quote(). */
#define ABIPIN_QUOTE_MAX 72
const char *abipin_error_quote(const char *s, char *buf, size_t size) _nonnull_(1, 2);
