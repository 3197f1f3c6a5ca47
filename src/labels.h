/* Fleet integration: capability atoms as what schedulers already match on,
 * Kubernetes node labels (a Node Feature Discovery feature file) and
 * OpenStack Placement traits (a Nova provider config), for a host and for
 * what a pinned domain needs. One mapping per scheduler, shared by both
 * directions, so that a host's labels satisfy exactly the requirements of
 * a domain pinned for it. */
#pragma once

#include "profile.h"

typedef enum {
    ABIPIN_LABELS_NFD,  /* Kubernetes node labels via NFD's local feature source */
    ABIPIN_LABELS_NOVA, /* Placement traits via a Nova provider config */
    _ABIPIN_LABELS_MAX,
} AbipinLabelKind;

/* NFD: "abipin.org/" + the atom, value "true" or "false" */
#define ABIPIN_LABEL_PREFIX "abipin.org/"
/* Nova: "CUSTOM_ABIPIN_" + the atom upper-cased, '.' and '-' as '_' */
#define ABIPIN_TRAIT_PREFIX "CUSTOM_ABIPIN_"

const char *abipin_label_kind_to_string(AbipinLabelKind k);
int abipin_label_kind_from_string(const char *s);

int abipin_label_nfd(const char *atom, char *buf, size_t len) _warn_unused_result_ _nonnull_(1, 2);
int abipin_label_nova(const char *atom, char *buf, size_t len) _warn_unused_result_ _nonnull_(1, 2);
int abipin_label_name(AbipinLabelKind kind, const char *atom, char *buf, size_t len)
    _warn_unused_result_ _nonnull_(2, 3);

int abipin_labels_format_host(const AbipinProfile *p, AbipinLabelKind kind, char **ret,
                              size_t *ret_len) _warn_unused_result_ _nonnull_(1, 3, 4);
int abipin_labels_format_requirements(const AbipinAtomSet *need, AbipinLabelKind kind, char **ret,
                                      size_t *ret_len) _warn_unused_result_ _nonnull_(1, 3, 4);
