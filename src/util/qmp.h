/* A QMP client over a transport the caller chooses: libvirt's monitor
 * passthrough (pin --live), a paused QEMU on pipes (the emulator's
 * measured defaults, probe/machine.c) or recorded replies (the tests).
 * It sends only commands that read: query-version, qom-list, qom-get. */
#pragma once

#include <stddef.h>

#include "util/macro.h"

/* Send one QMP command (JSON text); *ret_reply gets QEMU's reply (JSON
 * text, malloc'd), also when it is a QMP error. */
typedef int (*AbipinQmpFunc)(void *userdata, const char *command, char **ret_reply);

typedef struct {
    AbipinQmpFunc call;
    void *userdata;
    const char *what; /* who answers, for messages: a domain, an emulator */
} AbipinQmp;

int abipin_qmp_capabilities(const AbipinQmp *q) _warn_unused_result_;
int abipin_qmp_query_version(const AbipinQmp *q, char **ret) _warn_unused_result_;
int abipin_qmp_property_type(const AbipinQmp *q, const char *path, const char *name,
                             char **ret_type) _warn_unused_result_;
/* one value per name: 1 true, 0 false, -1 the object has no such boolean property */
int abipin_qmp_bool_properties(const AbipinQmp *q, const char *path, const char *const *names,
                               size_t n, int *values) _warn_unused_result_;
