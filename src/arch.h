/* Which guests abipin models: the virtio-net-pci device on x86 (pc, q35)
 * and aarch64 (virt) machine types. Other architectures and transports
 * (s390x's virtio-net-ccw, ppc64 pseries, riscv64 virt, virtio-mmio) get a
 * clear "not modelled yet", never a guess. */
#pragma once

#include "domain.h"

const char *abipin_domain_arch(const AbipinDomain *d);
int abipin_domain_check_modelled(const AbipinDomain *d) _warn_unused_result_;
bool abipin_machine_is_modelled(const char *machine);
