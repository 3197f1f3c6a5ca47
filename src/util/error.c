#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

static _Thread_local AbipinErrorCategory last_category;
static _Thread_local char last_message[4096];

/**
 * abipin_error_set:
 * @cat: category, decides the exit code
 * @err: negative errno returned to the caller (or positive, negated here)
 * @fmt: translated printf format
 *
 * Record the error of the failing operation. Returns @err as a negative
 * number so callers can write "return abipin_error_set(...)".
 */
int abipin_error_set(AbipinErrorCategory cat, int err, const char *fmt, ...)
{
    va_list ap;

    last_category = cat;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof(last_message), fmt, ap);
    va_end(ap);
    if (err > 0)
        err = -err;
    return err ? err : -EINVAL;
}

AbipinErrorCategory abipin_error_category(void)
{
    return last_category;
}

const char *abipin_error_message(void)
{
    return last_category == ABIPIN_ERR_NONE ? NULL : last_message;
}

void abipin_error_reset(void)
{
    last_category = ABIPIN_ERR_NONE;
    last_message[0] = '\0';
}
