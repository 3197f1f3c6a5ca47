/* abipin explain: QEMU's "Features 0x... unsupported. Allowed features:
 * 0x..." lines in a QEMU, libvirt or Proxmox log, decoded into the bits a
 * guest had that the destination does not offer, what each needs from the
 * host, the likely cause, and what QEMU's format cannot show. */
#pragma once

#include "util/json.h"
#include <stdint.h>

#include "catalogue.h"

typedef struct {
    /* bits abipin predicts the destination lacks for a domain (--domain),
     * or NULL */
    const uint64_t *predicted;
    /* what the destination offers each of its interfaces, per abipin
     * (--domain): n_offered vectors of two words */
    const uint64_t (*offered)[2];
    size_t n_offered;
    /* why the destination lacks each bit, per abipin for the domain
     * (abipin_abi_why_not): 128 entries, NULL where it has no answer; or NULL */
    const char *const *causes;
    const char *domain;     /* for the fix: the domain's file, or NULL */
    const char *platform_a; /* the source's and destination's profiles, or NULL */
    const char *platform_b;
} AbipinExplainOptions;

int abipin_explain_log(const AbipinCatalogue *cat, const char *name, const char *data, size_t len,
                       const AbipinExplainOptions *opts, json_object **ret) _warn_unused_result_;
