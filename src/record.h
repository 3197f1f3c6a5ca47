/* abipin's record in a domain's <metadata> (<abipin:pin>, xml/metadata.rng):
 * what was pinned, against which platform or from which running QEMU, and
 * why each value is what it is. Read once when a domain is parsed
 * (AbipinDomain.record), built by pin and pin --live, written back as one
 * element. Its JSON form, the pin summary, is record-json.c's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "catalogue.h"
#include "util/macro.h"

#define ABIPIN_METADATA_NS "http://abipin.org/schemas/pin/1.0"

/* Why a value is what it is. The strings are the record's and the JSON
 * summary's (never translated: tools read them). */
typedef enum {
    ABIPIN_WHY_EXPLICIT,   /* the definition said so */
    ABIPIN_WHY_DEFAULT,    /* QEMU's default for the machine type was possible */
    ABIPIN_WHY_MACHINE,    /* a hw_compat entry of the machine type turns it off */
    ABIPIN_WHY_HOST_LACKS, /* the platform lacks an atom */
    ABIPIN_WHY_BACKEND,    /* the backend kind never has it */
    ABIPIN_WHY_POLICY,     /* --policy compat */
    ABIPIN_WHY_PLATFORM,   /* the backend choice: the platform has vhost-net or not */
    ABIPIN_WHY_LIVE,       /* what the running QEMU offered (pin --live) */
    _ABIPIN_WHY_MAX,
    /* missing, or written by another abipin: never taken as "explicit" */
    ABIPIN_WHY_UNKNOWN = -1,
} AbipinPinWhy;

const char *abipin_pin_why_to_string(AbipinPinWhy why);
AbipinPinWhy abipin_pin_why_from_string(const char *s);

typedef enum {
    ABIPIN_PIN_ENTRY_DRIVER,  /* the backend choice: <driver name='vhost'|'qemu'> */
    ABIPIN_PIN_ENTRY_FEATURE, /* a catalogue feature */
} AbipinPinEntryKind;

typedef struct {
    AbipinPinEntryKind kind;
    char *name;  /* the feature's property name; NULL for the driver */
    char *value; /* "on"/"off"; for the driver "vhost"/"qemu" */
    AbipinPinWhy why;
    char *atom;  /* host-lacks: the missing atom; the driver: "vhost.net" when absent */
    char *upstream; /* "on"/"off": upstream QEMU's default, where the emulator's measured
                     * one, which the value follows, differs */
    char *was;   /* pin --live: the definition's other value (summary only, not recorded) */
} AbipinPinEntry;

typedef struct {
    char *alias;
    char *mac;
    int backend; /* AbipinBackend, or -1 when the record names none this abipin knows */
    char *backend_name; /* vhost-user: the platform's backend that decided its bits */
    /* vhost-user: the base bits (no catalogue feature) the backend decides
     * and offered: a destination's backend must offer them too */
    uint64_t backend_bits;
    /* vhost-user: the base bits the backend lacks that QEMU would offer
     * otherwise, turned off through their <qemu:override> property
     * (indirect_desc=false...): no backend then decides them */
    uint64_t base_off;
    AbipinPinEntry *entries;
    size_t n_entries;
} AbipinPinRecordInterface;

typedef struct AbipinPinRecord {
    char *version;  /* abipin's, when it pinned */
    char *source;   /* "live" (pin --live) or NULL (against a platform) */
    char *method;   /* pin --live: how the running QEMU was read */
    char *platform; /* the profile's name */
    char *digest;   /* abipin_platform_digest() of it */
    char *policy;   /* "host" or "compat" */
    char *emulator; /* the QEMU version the defaults came from */
    char *machine;  /* the resolved machine type */
    char *defaults; /* "measured" (from the emulator) or "modelled" (upstream's compat tables) */
    AbipinPinRecordInterface *ifaces;
    size_t n_ifaces;
} AbipinPinRecord;

AbipinPinRecord *abipin_record_new(void) _returns_nonnull_;
void abipin_record_free(AbipinPinRecord *rec);
DEFINE_TRIVIAL_CLEANUP_FUNC(AbipinPinRecord *, abipin_record_free)

const char *abipin_record_attribute(const AbipinPinRecord *rec, size_t i, const char **ret_value);
const char *abipin_pin_entry_attribute(const AbipinPinEntry *e, size_t i, const char **ret_value);
AbipinPinRecord *abipin_record_parse(const xmlNode *node) _returns_nonnull_;
xmlNodePtr abipin_record_new_element(const AbipinPinRecord *rec);
void abipin_record_write_children(const AbipinPinRecord *rec, xmlNodePtr element);

AbipinPinRecordInterface *abipin_record_add_interface(AbipinPinRecord *rec, const char *alias,
                                                      const char *mac, AbipinBackend backend);
AbipinPinEntry *abipin_record_add_entry(AbipinPinRecordInterface *ri, AbipinPinEntryKind kind,
                                        const char *name, const char *value, AbipinPinWhy why,
                                        const char *atom);
const AbipinPinRecordInterface *abipin_record_find_interface(const AbipinPinRecord *rec,
                                                             const char *alias, const char *mac);
bool abipin_record_chose(const AbipinPinRecordInterface *ri, AbipinPinEntryKind kind,
                         const char *name, const char *value);
