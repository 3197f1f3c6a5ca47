/* One allocation policy for the whole tree, libvirt's (g_new, g_strdup)
 * and systemd's for tools of this size: running out of memory prints one
 * line and aborts. No caller tests an allocation for NULL, so no caller can
 * carry on with half a result (a dropped refusal, a skipped file).
 *
 * libxml2 allocates through the same functions (xmlMemSetup, set once when
 * the program starts, see alloc.c). json-c has no such hook: its
 * constructors go through util/json.h. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "util/macro.h"

_noreturn_ void abipin_oom(void);

void *abipin_malloc(size_t size) _malloc_ _returns_nonnull_;
void *abipin_calloc(size_t n, size_t size) _malloc_ _returns_nonnull_;
void *abipin_realloc_array(void *p, size_t n, size_t size) _returns_nonnull_;
/* NULL in, NULL out: optional strings copy without a test at each caller */
char *abipin_strdup(const char *s) _malloc_;
char *abipin_strndup(const char *s, size_t n) _malloc_;
char *abipin_asprintf(const char *fmt, ...) _printf_(1, 2) _malloc_ _returns_nonnull_;
char *abipin_vasprintf(const char *fmt, va_list ap) _printf_(1, 0) _malloc_ _returns_nonnull_;

/* abipin_new0(AbipinFoo, n): n zeroed AbipinFoo, as g_new0 */
#define abipin_new0(type, n) ((type *) abipin_calloc((n), sizeof(type)))
/* grow an array to n elements of *p's type; *p keeps its contents */
#define abipin_array_resize(p, n) ((p) = abipin_realloc_array((p), (n), sizeof(*(p))))
