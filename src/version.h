/* QEMU and machine-type versions ("10.0.2", "8.1") as comparable numbers. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/macro.h"

typedef uint32_t AbipinVersion; /* major * 1000000 + minor * 1000 + micro; 0 = none */

#define ABIPIN_VERSION(ma, mi, mc) ((AbipinVersion) ((ma) * 1000000u + (mi) * 1000u + (mc)))

int abipin_version_parse(const char *s, AbipinVersion *ret) _warn_unused_result_;
int abipin_version_from_machine(const char *machine, AbipinVersion *ret) _warn_unused_result_;
/* major.minor only: "8.2.2" and "8.2" compare equal here */
static inline AbipinVersion abipin_version_minor(AbipinVersion v)
{
    return v - v % 1000u;
}

/* Is @v (compared as major.minor) within [min, max]? 0 bounds are open. */
static inline bool abipin_version_in_range(AbipinVersion v, AbipinVersion min, AbipinVersion max)
{
    v = abipin_version_minor(v);
    return (!min || v >= min) && (!max || v <= max);
}
