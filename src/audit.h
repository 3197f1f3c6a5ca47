/* What an audit finds in one definition (abipin audit): host-dependent
 * features left unpinned, explicit 'on' values the platform cannot honour,
 * pins made against other atoms (stale), silent vhost-net fallbacks. */
#pragma once

#include "check-pins.h"

void abipin_audit_add(json_object *findings, const char *kind, const char *iface, const char *text);
int abipin_audit_domain(const AbipinPinContext *ctx, const char *digest, const AbipinDomain *d,
                        json_object *findings) _warn_unused_result_;
