/* Open vSwitch with DPDK as a vhost-user backend that cannot be asked.
 *
 * A dpdkvhostuserclient port connects to a socket QEMU listens on
 * (<source mode='server'>): before QEMU runs there is nobody to send
 * VHOST_USER_GET_FEATURES to. What the port will offer is derived instead
 * from what Open vSwitch says about itself in its database (ovs_version,
 * dpdk_version, other_config:userspace-tso-enable, the port's type),
 * through a table measured on the Open vSwitch builds Debian ships
 * (probe/ovs-offers.c). A build the table has no row for is unknown,
 * never guessed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "profile.h"

#define ABIPIN_OVSDB_SOCKET_DEFAULT "/var/run/openvswitch/db.sock"

typedef struct {
    char *name;   /* the Interface row's name */
    char *type;   /* "dpdkvhostuserclient" */
    char *socket; /* options:vhost-server-path, NULL if it has none */
} AbipinOvsPort;

/* What OVSDB's Open_vSwitch and Interface tables say */
typedef struct {
    char *ovs_version;  /* "3.1.0" (ovs-ctl writes it), NULL if unset */
    char *dpdk_version; /* "DPDK 22.11.11" (ovs-vswitchd writes it), NULL if unset */
    bool dpdk_initialized;
    bool tso; /* other_config:userspace-tso-enable=true (default false) */
    AbipinOvsPort *ports;
    size_t n_ports;
} AbipinOvsInfo;

/* A measured row: Open vSwitch x.y.[patch_min, patch_max] with DPDK
 * dpdk.*, a port type and userspace-tso-enable, and what its ports answer
 * to VHOST_USER_GET_FEATURES. */
typedef struct {
    unsigned major, minor, patch_min, patch_max;
    const char *dpdk; /* "22.11": the DPDK major.minor it was built with */
    const char *type;
    bool tso;
    uint64_t features;
} AbipinOvsOffer;

extern const AbipinOvsOffer abipin_ovs_offers[];
extern const size_t abipin_ovs_n_offers;

void abipin_ovs_info_clear(AbipinOvsInfo *info);
const char *abipin_ovsdb_socket(void);
int abipin_ovs_parse_reply(const char *socket, const char *text, size_t len, AbipinOvsInfo *ret)
    _warn_unused_result_;
int abipin_ovs_ask(const char *socket, AbipinOvsInfo *ret) _warn_unused_result_;
const AbipinOvsPort *abipin_ovs_port_find(const AbipinOvsInfo *info, const char *socket);
bool abipin_ovs_derive(const AbipinOvsInfo *info, const char *type, uint64_t *ret_features,
                       char *why, size_t len);
int abipin_probe_ovs_port(AbipinProfile *p, const AbipinCatalogue *cat, const AbipinOvsInfo *info,
                          const char *name, const AbipinOvsPort *port) _warn_unused_result_;
int abipin_probe_ovs_backend(AbipinProfile *p, const AbipinCatalogue *cat, const char *name,
                             const char *socket) _warn_unused_result_;
