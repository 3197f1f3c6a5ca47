/* Domain XML access: the interfaces abipin pins, the places libvirt
 * expresses each feature (<driver>, <host>, <guest>, <qemu:override>), and
 * abipin's record in <metadata>. Everything abipin does not touch keeps its
 * bytes: the document is parsed with blanks kept and new nodes copy their
 * siblings' indentation. */
#pragma once

#include <stdbool.h>

#include "catalogue.h"
#include "record.h"
#include "util/error.h"
#include "util/xml.h"

#define ABIPIN_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

typedef enum {
    ABIPIN_VALUE_ABSENT, /* not set, or "auto": QEMU's default and the host decide */
    ABIPIN_VALUE_OFF,
    ABIPIN_VALUE_ON,
} AbipinValue;

/* The value as libvirt's on/off attributes write it; NULL when absent */
static inline const char *abipin_value_to_string(AbipinValue v)
{
    return v == ABIPIN_VALUE_ON ? "on" : v == ABIPIN_VALUE_OFF ? "off" : NULL;
}

/* "ua-net0 (52:54:00:..)": an interface in messages */
#define ABIPIN_INTERFACE_LABEL_MAX 128

typedef struct {
    xmlNodePtr node; /* <interface> */
    const char *type;
    const char *model;
    const char *mac;
    const char *alias;
    bool virtio;        /* a virtio model: abipin pins it */
    int backend;        /* AbipinBackend of the NIC (tap, macvtap, user, ...) or -1 */
    const char *driver; /* <driver name=>: "vhost", "qemu" or NULL */
    const char *address_type; /* <address type=>: "pci", "virtio-mmio", "ccw" or NULL */
    unsigned queues;    /* <driver queues=>, 1 when absent */
    /* vhostuser: <source type='unix' path=... mode=...>; mode='server' means
     * QEMU listens and the backend connects (OVS dpdkvhostuserclient) */
    const char *socket;
    bool socket_qemu_listens;
    /* vdpa: <source dev='/dev/vhost-vdpa-N'/>, the device's character device */
    const char *vdpa_device;
    /* where libvirt's feature attributes are: <driver>, <driver><host>,
     * <driver><guest> (NULL when absent), found once, not per feature */
    const xmlNode *driver_element;
    const xmlNode *host_element;
    const xmlNode *guest_element;
    char label[ABIPIN_INTERFACE_LABEL_MAX];
} AbipinInterface;

/* One <qemu:override><qemu:device alias=><qemu:frontend><qemu:property>:
 * what QEMU is told beyond libvirt's own attributes. */
typedef struct {
    const char *alias;    /* the device's */
    const char *property; /* name= */
    const char *type;     /* type=, "bool" for every feature */
    const char *value;    /* value= */
    xmlNodePtr node;      /* the <qemu:property>: its line, and where pin writes */
} AbipinOverride;

/* What abipin pins: a virtio model on a backend it knows (hostdev and
 * emulated models keep whatever they have). */
static inline bool abipin_interface_pinnable(const AbipinInterface *iface)
{
    return iface->virtio && iface->backend >= 0;
}

typedef struct {
    xmlDocPtr doc;
    char *file; /* for messages */
    char *decl;  /* the input's XML declaration, written back as it was */
    char quote;  /* the input's attribute quote: libvirt writes ' */
    bool read_only; /* parsed for reading only: never changed or written */
    const char *name;
    char label[ABIPIN_QUOTE_MAX]; /* the name for messages: short, one line */
    const char *machine;
    const char *arch; /* <os><type arch=>, or NULL */
    const char *emulator;
    AbipinInterface *ifaces;
    size_t n_ifaces;
    AbipinOverride *overrides; /* every frontend property, in document order */
    size_t n_overrides;
    AbipinPinRecord *record; /* abipin's record in <metadata>, or NULL */
} AbipinDomain;

/* For check, abi, diff, audit and the hook: no blank text nodes, short
 * strings inside the nodes. Half the nodes and mallocs of a definition as
 * libvirt writes it; such a domain cannot be pinned or written back. */
#define ABIPIN_DOMAIN_READ_ONLY (1u << 0)

int abipin_domain_parse_flags(const char *file, const char *data, size_t len, unsigned flags,
                              AbipinDomain **ret) _warn_unused_result_;
int abipin_domain_parse(const char *file, const char *data, size_t len, AbipinDomain **ret)
    _warn_unused_result_;
int abipin_domain_load_flags(const char *path, unsigned flags, AbipinDomain **ret)
    _warn_unused_result_;
int abipin_domain_load(const char *path, AbipinDomain **ret) _warn_unused_result_;
void abipin_domain_free(AbipinDomain *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(AbipinDomain *, abipin_domain_free)
int abipin_domain_format(const AbipinDomain *d, char **ret, size_t *ret_len) _warn_unused_result_;

int abipin_domain_read_feature(const AbipinDomain *d, const AbipinInterface *iface,
                               const char *alias, const AbipinFeature *f, AbipinValue *ret)
    _warn_unused_result_;
int abipin_domain_get_feature(const AbipinDomain *d, const AbipinInterface *iface,
                              const AbipinFeature *f, AbipinValue *ret) _warn_unused_result_;
int abipin_domain_read_values(const AbipinDomain *d, const AbipinInterface *iface,
                              const char *alias, const AbipinCatalogue *cat, AbipinValue *values)
    _warn_unused_result_;
int abipin_domain_check_feature_writable(const AbipinDomain *d, const char *alias,
                                         const AbipinFeature *f, bool as_override)
    _warn_unused_result_;
int abipin_domain_set_feature(AbipinDomain *d, AbipinInterface *iface, const AbipinFeature *f,
                              bool on, bool as_override) _warn_unused_result_;
void abipin_domain_set_driver_name(AbipinInterface *iface, const char *name);
int abipin_domain_propose_alias(const AbipinDomain *d, const AbipinInterface *iface, size_t index,
                                const AbipinPinRecord *given, char **ret) _warn_unused_result_;
void abipin_domain_add_alias(AbipinInterface *iface, const char *alias);
void abipin_interface_format_label(const char *alias, const char *mac, char *buf, size_t len);

/* abipin's own record under <metadata> */
xmlNodePtr abipin_domain_record_element(const AbipinDomain *d);
void abipin_domain_set_record(AbipinDomain *d, AbipinPinRecord *record);
