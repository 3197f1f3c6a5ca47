/* An emulator's measured defaults (DESIGN §2, "measure, don't model"):
 * per machine type and virtio-net-pci model, the effective value of every
 * property that decides a feature bit, as a paused QEMU reports it once the
 * machine type's compat properties have applied (probe/machine.c). A
 * downstream build (RHEL's pc-q35-rhel9.6.0, Ubuntu's pc-q35-noble, or an
 * upstream name whose default a distribution changed) is exact because it
 * is measured; the catalogue's compat table stays the explanation. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/macro.h"

typedef struct {
    char *name;  /* the QEMU property: "host_uso", "ctrl_mac_addr", "disable-modern" */
    bool value;
    bool mixed;  /* a baseline's members disagreed; value is then off (their AND) */
} AbipinDefaultValue;

typedef struct {
    char *machine; /* the resolved machine type: "pc-q35-10.0" */
    char *model;   /* the QEMU device: "virtio-net-pci", "virtio-net-pci-transitional" */
    AbipinDefaultValue *values; /* sorted by name, one per property the device has */
    size_t n_values;
} AbipinMachineDefaults;

typedef struct {
    AbipinMachineDefaults *items;
    size_t n;
} AbipinDefaultsList;

/* The QEMU devices a libvirt virtio NIC model is, as libvirt's
 * qemuBuildNicDevProps writes them: measured together in one QEMU. */
extern const char *const abipin_nic_devices[];
#define ABIPIN_N_NIC_DEVICES 3
const char *abipin_nic_device_for_model(const char *libvirt_model);

void abipin_defaults_clear(AbipinDefaultsList *list);
const AbipinMachineDefaults *abipin_defaults_find(const AbipinDefaultsList *list,
                                                  const char *machine, const char *model);
bool abipin_defaults_has_machine(const AbipinDefaultsList *list, const char *machine);
AbipinMachineDefaults *abipin_defaults_add(AbipinDefaultsList *list, const char *machine,
                                           const char *model) _returns_nonnull_;
void abipin_defaults_set(AbipinMachineDefaults *d, const char *name, bool value, bool mixed);
const AbipinDefaultValue *abipin_defaults_get(const AbipinMachineDefaults *d, const char *name);
void abipin_defaults_copy(AbipinDefaultsList *dst, const AbipinDefaultsList *src);
void abipin_defaults_copy_machine(AbipinDefaultsList *dst, const AbipinDefaultsList *src,
                                  const char *machine);
void abipin_defaults_intersect(AbipinDefaultsList *acc, const AbipinDefaultsList *other);

/* A default two profiles measured differently (the strings are theirs). */
typedef struct {
    const char *machine;
    const char *property;
    bool a, b;
} AbipinDefaultDifference;
size_t abipin_defaults_differences(const AbipinDefaultsList *a, const AbipinDefaultsList *b,
                                   AbipinDefaultDifference **ret);
