/* Guest-ABI differences between two definitions, each on its platform
 * (abipin diff): machine type, interfaces added or removed, backend, driver,
 * pinned values, offered bits, and which interfaces cannot migrate A -> B. */
#pragma once

#include "abi.h"

int abipin_diff_domains(const AbipinPinContext *ctx_a, const AbipinDomain *a,
                        const AbipinPinContext *ctx_b, const AbipinDomain *b, json_object *changes,
                        json_object *verdicts) _warn_unused_result_;
