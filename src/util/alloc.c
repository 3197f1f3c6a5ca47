#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlmemory.h>

#include "util/alloc.h"

void abipin_oom(void)
{
    /* no translation, no allocation: gettext may need memory itself */
    static const char msg[] = "abipin: out of memory\n";

    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* nothing left to tell */
    }
    abort();
}

void *abipin_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        abipin_oom();
    return p;
}

void *abipin_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        abipin_oom();
    return p;
}

void *abipin_realloc_array(void *p, size_t n, size_t size)
{
    void *q;

    if (size && n > SIZE_MAX / size)
        abipin_oom();
    q = realloc(p, n && size ? n * size : 1);
    if (!q)
        abipin_oom();
    return q;
}

char *abipin_strdup(const char *s)
{
    char *p;

    if (!s)
        return NULL;
    if (!(p = strdup(s)))
        abipin_oom();
    return p;
}

char *abipin_strndup(const char *s, size_t n)
{
    char *p;

    if (!s)
        return NULL;
    if (!(p = strndup(s, n)))
        abipin_oom();
    return p;
}

char *abipin_vasprintf(const char *fmt, va_list ap)
{
    char *s;

    /* with a format abipin wrote, only memory can lack */
    if (vasprintf(&s, fmt, ap) < 0)
        abipin_oom();
    return s;
}

char *abipin_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = abipin_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

static void *xml_malloc(size_t size)
{
    return abipin_malloc(size);
}

static void *xml_realloc(void *p, size_t size)
{
    return abipin_realloc_array(p, size, 1);
}

static char *xml_strdup(const char *s)
{
    return abipin_strdup(s);
}

/* Before main(), before any libxml2 allocation of ours: every document,
 * node and XPath result then aborts on OOM as the rest does, and a NULL
 * from libxml2 means bad input or misuse, never memory. */
__attribute__((constructor)) static void abipin_alloc_init(void)
{
    xmlMemSetup(free, xml_malloc, xml_realloc, xml_strdup);
}
