/* libvirt client wrappers for the commands: connect, define, read, start.
 * The work is done in abipin's libvirt module (virt/module.h), loaded on
 * the first call that needs it; each function reports its failure in
 * abipin's words. Never used by the hook (a hook must not call back into
 * libvirt). */
#pragma once

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "util/macro.h"

void abipin_virt_connect_close(virConnectPtr conn);
void abipin_virt_domain_free(virDomainPtr dom);
const char *abipin_virt_domain_name(virDomainPtr dom);
DEFINE_TRIVIAL_CLEANUP_FUNC(virConnectPtr, abipin_virt_connect_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(virDomainPtr, abipin_virt_domain_free)

int abipin_virt_connect(const char *uri, virConnectPtr *ret) _warn_unused_result_;
char *abipin_virt_uri(virConnectPtr conn) _malloc_ _returns_nonnull_;
bool abipin_virt_is_remote(virConnectPtr conn);
int abipin_virt_define(virConnectPtr conn, const char *xml, virDomainPtr *ret) _warn_unused_result_;
int abipin_virt_lookup(virConnectPtr conn, const char *name, virDomainPtr *ret) _warn_unused_result_;
int abipin_virt_inactive_xml(virDomainPtr dom, char **ret) _warn_unused_result_;
int abipin_virt_start(virDomainPtr dom) _warn_unused_result_;

/* pin --live: the running QEMU, through libvirt-qemu */
int abipin_virt_require_qemu(virConnectPtr conn, const char *uri) _warn_unused_result_;
int abipin_virt_require_running(virDomainPtr dom) _warn_unused_result_;
bool abipin_virt_is_persistent(virDomainPtr dom);
int abipin_virt_live_xml(virDomainPtr dom, char **ret) _warn_unused_result_;
int abipin_virt_qemu_monitor(void *userdata, const char *command, char **ret) _warn_unused_result_;
