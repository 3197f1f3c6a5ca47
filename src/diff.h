/* Guest-ABI differences between two definitions, each on its platform
 * (abipin diff): machine type, interfaces added or removed, backend, driver,
 * pinned values, offered bits, and which interfaces cannot migrate A -> B.
 * The answer is typed; cmd-diff.c formats it (text, JSON). */
#pragma once

#include "abi.h"

/* One difference. Its strings are owned by it. */
typedef struct {
    char *interface; /* the interface's label; NULL for the machine type */
    char *what;      /* "machine", "interface", "backend", "driver", a feature, "bit N NAME" */
    char *a, *b;     /* the value in A and in B */
    char *cause;     /* a bit one side lacks: why (abipin_abi_why_not), else NULL */
} AbipinDiffChange;

/* An interface whose guest cannot migrate from A to B. */
typedef struct {
    char *interface;         /* the interface's label */
    uint64_t unsupported[2]; /* bits 0..127 A offers and B does not */
    uint64_t untold[2];      /* bits A offers that B's unasked backend process decides */
    char *qemu_error;        /* the line B's QEMU prints when the state load fails */
    bool wide;               /* that line's format: 128-bit (QEMU >= 10.2), else 64-bit */
    bool hidden;             /* that line shows none of the missing bits */
} AbipinDiffVerdict;

typedef struct {
    AbipinDiffChange *changes;
    size_t n_changes;
    AbipinDiffVerdict *verdicts;
    size_t n_verdicts;
} AbipinDiff;

void abipin_diff_clear(AbipinDiff *diff);
int abipin_diff_domains(const AbipinPinContext *ctx_a, const AbipinDomain *a,
                        const AbipinPinContext *ctx_b, const AbipinDomain *b, AbipinDiff *ret)
    _warn_unused_result_;
