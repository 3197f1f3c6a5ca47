/* Pin and check: resolve every host-dependent virtio-net feature of a
 * domain to an explicit on/off for a platform (decide on the parsed
 * definition, then write the result in one pass), and test whether a
 * platform honours a pinned domain. */
#pragma once

#include "context.h"

int abipin_pin_decide(const AbipinPinContext *ctx, const AbipinDomain *d,
                      AbipinPinRecord **ret_record) _warn_unused_result_;
/* abipin_pin_apply's flags: every feature as a <qemu:override> property and
 * <driver> untouched (an XML for 'virsh migrate --xml': libvirt refuses a
 * <driver> the running domain lacks, "Target device virtio options don't
 * match the source") */
#define ABIPIN_PIN_OVERRIDES_ONLY (1u << 0)
int abipin_pin_apply(const AbipinCatalogue *cat, AbipinDomain *d, AbipinPinRecord *record,
                     unsigned flags) _warn_unused_result_;
int abipin_pin_domain(const AbipinPinContext *ctx, AbipinDomain *d) _warn_unused_result_;

