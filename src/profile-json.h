/* A host profile (profile.h) as JSON, for probe --json and friends: an
 * output format, apart from the model. */
#pragma once

#include "profile.h"
#include "util/json.h"

json_object *abipin_profile_to_json(const AbipinProfile *p);
