/* Capability atoms: the flat host facts a virtio-net feature can need
 * (abipin-profile(5), ATOMS), and sets of them. Every operation on hosts is set algebra:
 * a baseline is an intersection, a check is a subset test. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/macro.h"

typedef enum {
    ABIPIN_ATOM_PRESENT,
    ABIPIN_ATOM_ABSENT,
    ABIPIN_ATOM_UNKNOWN, /* could not be probed: never treated as present */
    _ABIPIN_ATOM_STATE_MAX,
} AbipinAtomState;

/* The emulator's virtio-net-pci properties as atoms: this prefix and the
 * property's name ("qemu.prop.virtio-net-pci.guest_uso4"). The probe
 * writes them, pin and check read them, compare groups them. */
#define ABIPIN_ATOM_QEMU_PROP_FAMILY "qemu.prop."
#define ABIPIN_ATOM_QEMU_PROP ABIPIN_ATOM_QEMU_PROP_FAMILY "virtio-net-pci."

const char *abipin_atom_state_to_string(AbipinAtomState s);
int abipin_atom_state_from_string(const char *s);

typedef struct {
    char *name;
    AbipinAtomState state;
    char *reason; /* why absent or unknown; may be NULL */
} AbipinAtom;

/* Sorted by name, at most one entry per name. */
typedef struct {
    AbipinAtom *items;
    size_t n;
    size_t alloc;
} AbipinAtomSet;

AbipinAtomSet *abipin_atom_set_new(void);
void abipin_atom_set_free(AbipinAtomSet *set);
DEFINE_TRIVIAL_CLEANUP_FUNC(AbipinAtomSet *, abipin_atom_set_free)

int abipin_atom_set_put(AbipinAtomSet *set, const char *name, AbipinAtomState state,
                        const char *reason) _warn_unused_result_ _nonnull_(1, 2);
int abipin_atom_set_putf_state(AbipinAtomSet *set, AbipinAtomState state, const char *reason,
                               const char *fmt, ...) _printf_(4, 5) _warn_unused_result_;
void abipin_atom_set_remove_prefix(AbipinAtomSet *set, const char *prefix);
const AbipinAtom *abipin_atom_set_get(const AbipinAtomSet *set, const char *name);
bool abipin_atom_set_has(const AbipinAtomSet *set, const char *name);
size_t abipin_atom_set_count(const AbipinAtomSet *set, AbipinAtomState state);
int abipin_atom_set_intersect(AbipinAtomSet *acc, const AbipinAtomSet *other,
                              const char *other_name) _warn_unused_result_;
int abipin_atom_set_missing(const AbipinAtomSet *need, const AbipinAtomSet *have,
                            AbipinAtomSet **ret_missing) _warn_unused_result_;

/* The vocabulary: which names exist, and what each means in words. */
bool abipin_atom_is_known(const char *name);
/* The emulator's own facts (its properties); every other atom is the
 * kernel's or the device nodes'. */
#define ABIPIN_EMULATOR_ATOM_PREFIX "qemu."
bool abipin_atom_is_emulator(const char *name);
const char *abipin_atom_describe_missing(const char *name, char *buf, size_t len);
const char *abipin_atom_describe(const char *name, char *buf, size_t len);
