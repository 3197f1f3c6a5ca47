/* The effective guest ABI (abi.h) as JSON: an output format, apart from
 * the model. */
#pragma once

#include "util/json.h"

#include "abi.h"

json_object *abipin_abi_to_json(const AbipinPinContext *ctx, const AbipinPinRecord *record,
                                const AbipinAbi *abi);
