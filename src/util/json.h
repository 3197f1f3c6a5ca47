/* json-c constructors under the allocation policy of util/alloc.h: json-c
 * returns NULL when it runs out of memory and has no allocator hook, and a
 * NULL added to an object silently becomes "null". JSON is an output
 * format: only the formatting code (commands, *-json.c) uses these. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "util/alloc.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

static inline json_object *abipin_json_checked(json_object *o)
{
    if (!o)
        abipin_oom();
    return o;
}

static inline json_object *abipin_json_object(void)
{
    return abipin_json_checked(json_object_new_object());
}

static inline json_object *abipin_json_array(void)
{
    return abipin_json_checked(json_object_new_array());
}

/* NULL in, JSON null out: optional values need no test at each caller */
static inline json_object *abipin_json_string(const char *s)
{
    return s ? abipin_json_checked(json_object_new_string(s)) : NULL;
}

static inline json_object *abipin_json_int(int64_t v)
{
    return abipin_json_checked(json_object_new_int64(v));
}

/* A 64-bit feature word as "0x..." (JSON numbers lose bits above 2^53) */
static inline json_object *abipin_json_hex64(uint64_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long) v);
    return abipin_json_string(buf);
}

static inline json_object *abipin_json_bool(bool v)
{
    return abipin_json_checked(json_object_new_boolean(v));
}

/* The document as text: json-c's formatting fails only when it runs out
 * of memory. */
static inline const char *abipin_json_to_string(json_object *o, int flags, size_t *ret_len)
{
    size_t len;
    const char *s = json_object_to_json_string_length(o, flags, &len);

    if (!s)
        abipin_oom();
    if (ret_len)
        *ret_len = len;
    return s;
}

/* json_object_object_add and json_object_array_add fail only on OOM */
static inline void abipin_json_set(json_object *o, const char *key, json_object *v)
{
    if (json_object_object_add(o, key, v) < 0)
        abipin_oom();
}

static inline void abipin_json_append(json_object *array, json_object *v)
{
    if (json_object_array_add(array, v) < 0)
        abipin_oom();
}
