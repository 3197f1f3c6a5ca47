/* QEMU's migration error "Features 0x... unsupported. Allowed features:
 * 0x...", printed by virtio_load (hw/virtio/virtio.c) on the destination
 * when the guest's negotiated features are not a subset of the features
 * the destination's device offers: how each QEMU version prints it, what
 * it can show, and how to read one back from a log line. diff writes it,
 * explain reads it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "version.h"

/* QEMU 10.2 (Paolo Abeni's "virtio: serialize extended features state",
 * mst PULL 05/75, 2025-10-05): 128-bit vectors printed as 32 hex digits,
 * VIRTIO_FEATURES_FMT "%016"PRIx64"%016"PRIx64, high word first. */
#define ABIPIN_QEMU_FEATURES_128 ABIPIN_VERSION(10, 2, 0)

typedef struct {
    uint64_t guest[2];   /* as printed: bits 0..63, 64..127 */
    uint64_t allowed[2];
    bool wide;           /* 32 digits: QEMU >= 10.2 */
} AbipinFeatureMsg;

bool abipin_featmsg_wide(AbipinVersion qemu);
bool abipin_featmsg_masks_guest(bool wide);
void abipin_features_hex(const uint64_t v[2], bool wide, char *buf, size_t len);
void abipin_featmsg_format(AbipinVersion qemu, const uint64_t guest[2], const uint64_t allowed[2],
                           char *buf, size_t len);
int abipin_featmsg_parse(const char *line, AbipinFeatureMsg *ret) _warn_unused_result_;
