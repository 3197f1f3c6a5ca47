/* The pin record as JSON: the summary 'pin --json', 'define --json' and
 * 'pin --live --json' print (the keys and values of the record, never
 * translated). */
#pragma once

#include "util/json.h"

#include "record.h"

json_object *abipin_record_to_json(const AbipinPinRecord *rec, const char *domain);
