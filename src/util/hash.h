/* FNV-1a, 64 bits: a small, stable hash for keys and digests that only
 * need to tell inputs apart (the probe cache's file name, a platform's
 * digest in the pin record), never to resist an attacker. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ABIPIN_FNV1A64_INIT 0xcbf29ce484222325ULL

/* Hash @len bytes of @data into *h (start with ABIPIN_FNV1A64_INIT). */
static inline void abipin_fnv1a64_add(uint64_t *h, const void *data, size_t len)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        *h ^= p[i];
        *h *= 0x100000001b3ULL;
    }
}
