/* What an audit finds in one definition (abipin audit): host-dependent
 * features left unpinned, explicit 'on' values the platform cannot honour,
 * pins made against other atoms (stale), silent vhost-net fallbacks. The
 * answer is a typed list of findings; cmd-audit.c formats it. */
#pragma once

#include "check-pins.h"

typedef enum {
    ABIPIN_FINDING_CANNOT_HONOUR,  /* an error of check */
    ABIPIN_FINDING_UNPINNED,       /* a warning of check */
    ABIPIN_FINDING_STALE,          /* pinned against a platform whose atoms differ */
    ABIPIN_FINDING_VHOST_FALLBACK, /* no <driver name=>: libvirt picks vhost-net silently */
    ABIPIN_FINDING_UNKNOWN_MACHINE, /* the emulator has no such machine type */
    /* why a definition could not be audited at all (cmd-audit.c) */
    ABIPIN_FINDING_UNREADABLE,
    ABIPIN_FINDING_NOT_MODELLED,
    ABIPIN_FINDING_NOT_EVALUATED,
    _ABIPIN_FINDING_MAX,
} AbipinFindingKind;

/* "cannot-honour", "unpinned", ...: the kinds as audit --json and the text
 * output name them (data, never translated) */
const char *abipin_finding_kind_to_string(AbipinFindingKind kind);

/* One finding. Its strings are owned by it. */
typedef struct {
    AbipinFindingKind kind;
    char *interface; /* the interface's alias, or NULL */
    char *message;
} AbipinFinding;

typedef struct {
    AbipinFinding *items;
    size_t n;
} AbipinFindingList;

void abipin_finding_list_add(AbipinFindingList *l, AbipinFindingKind kind, const char *interface,
                             const char *message);
void abipin_finding_list_clear(AbipinFindingList *l);

int abipin_audit_domain(const AbipinPinContext *ctx, const char *digest, const AbipinDomain *d,
                        AbipinFindingList *findings) _warn_unused_result_;
