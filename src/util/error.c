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

/* The start of the UTF-8 character that contains s[i], or of the next. */
static size_t utf8_start(const char *s, size_t i, int step)
{
    while (i > 0 && ((unsigned char) s[i] & 0xc0) == 0x80)
        i += step;
    return i;
}

/**
 * abipin_error_quote:
 * @s: a value taken from the input, for a message
 * @buf: where the quoted value goes (at least 16 bytes)
 *
 * @s as one short readable line: control characters (a newline from
 * "&#10;", an escape sequence) become '?', and a value longer than @buf has
 * its middle replaced by "...", cut between UTF-8 characters. A 9 MB
 * attribute must not make a 9 MB message, nor a value end a line.
 * Returns @buf.
 */
const char *abipin_error_quote(const char *s, char *buf, size_t size)
{
    size_t len = strlen(s), head = len, tail = 0, n = 0;

    if (len >= size) {
        head = utf8_start(s, (size - 4) / 2, -1);
        tail = len - utf8_start(s, len - (size - 4 - head), +1);
    }
    for (size_t i = 0; i < head; i++)
        buf[n++] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (tail) {
        memcpy(buf + n, "...", 3);
        n += 3;
        for (size_t i = len - tail; i < len; i++)
            buf[n++] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    }
    buf[n] = '\0';
    return buf;
}
