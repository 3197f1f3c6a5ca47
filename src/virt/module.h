/* The contract between abipin and its libvirt module, abipin-libvirt.so.
 *
 * The module (virt/libvirt.c) is linked against libvirt and libvirt-qemu by
 * the linker, as QEMU's ui/audio/block modules and libvirt's driver modules
 * are against their libraries; abipin (virt/virt.c) loads it only for the
 * commands that talk to libvirt (define, start, pin --live): Debian links
 * libvirt with -z now, and loading it costs about four times a whole pin.
 * abipin-hook never loads it.
 *
 * The module exports one symbol, ABIPIN_VIRT_MODULE_SYMBOL: an
 * AbipinVirtModule. abipin refuses a module whose version string is not its
 * own (a module left from another build or another release). */
#pragma once

#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "util/error.h"

#define ABIPIN_VIRT_MODULE_FILE "abipin-libvirt.so"
#define ABIPIN_VIRT_MODULE_SYMBOL "abipin_virt_module"
/* the release, and the struct's own revision: bump it when a field changes */
#define ABIPIN_VIRT_MODULE_VERSION PACKAGE_VERSION "/1"

/* abipin_error_set, handed to the module: the one last error is abipin's */
typedef int (*AbipinVirtErrorFunc)(AbipinErrorCategory cat, int err, const char *fmt, ...)
    _printf_(3, 4);

typedef struct {
    const char *version; /* ABIPIN_VIRT_MODULE_VERSION of the module's build */
    void (*bind)(AbipinVirtErrorFunc error_set);

    int (*connect)(const char *uri, virConnectPtr *ret);
    void (*connect_close)(virConnectPtr conn);
    char *(*uri)(virConnectPtr conn);
    int (*define)(virConnectPtr conn, const char *xml, virDomainPtr *ret);
    int (*lookup)(virConnectPtr conn, const char *name, virDomainPtr *ret);
    void (*domain_free)(virDomainPtr dom);
    const char *(*domain_name)(virDomainPtr dom);
    int (*inactive_xml)(virDomainPtr dom, char **ret);
    int (*start)(virDomainPtr dom);

    int (*require_qemu)(virConnectPtr conn, const char *uri);
    int (*require_running)(virDomainPtr dom);
    bool (*is_persistent)(virDomainPtr dom);
    int (*live_xml)(virDomainPtr dom, char **ret);
    int (*qemu_monitor)(virDomainPtr dom, const char *command, char **ret);
} AbipinVirtModule;
