/* The context every decision needs: the catalogue, a platform (its kernel
 * atoms and its emulator's facts) and the policy. What a backend can
 * provide is evaluated once per context, for every feature, backend kind
 * and driver: pin, check, abi, diff, audit and the hook look it up. */
#pragma once

#include "domain.h"
#include "profile.h"

typedef enum {
    ABIPIN_POLICY_HOST,   /* default AND what the platform supports */
    ABIPIN_POLICY_COMPAT, /* every host-dependent feature off: most portable */
} AbipinPolicy;

/* Whether a backend can provide a feature on a platform. */
typedef enum {
    ABIPIN_SUPPORT_YES,
    ABIPIN_SUPPORT_NO,       /* an atom is absent, or the backend never has it */
    ABIPIN_SUPPORT_UNKNOWN,  /* an atom could not be probed */
    ABIPIN_SUPPORT_EXTERNAL, /* an external backend process decides */
} AbipinSupport;

#define ABIPIN_MAX_FEATURES 128

typedef struct {
    const AbipinCatalogue *cat;
    const AbipinProfile *platform; /* with emulator facts */
    AbipinVersion qemu;
    AbipinPolicy policy;
    /* a running QEMU's context (abipin_pin_context_init_emulator): it runs
     * the machine type, whatever the platform's emulator lists, and its
     * device tells its own values */
    bool running;
    /* per catalogue feature: does the emulator have the property? Looked up
     * once per context, not once per interface and feature. */
    bool known[ABIPIN_MAX_FEATURES];
    /* per backend kind, vhost or not, and feature: what the platform
     * supports, and the deciding atom. The platform does not change during
     * a run, so an audit of thousands of domains decides each once. */
    struct {
        AbipinSupport support;
        const char *atom;
    } decided[_ABIPIN_BACKEND_MAX][2][ABIPIN_MAX_FEATURES];
} AbipinPinContext;

int abipin_pin_context_init(AbipinPinContext *ctx, const AbipinCatalogue *cat,
                            const AbipinProfile *platform, AbipinPolicy policy) _warn_unused_result_;
int abipin_pin_context_init_emulator(AbipinPinContext *ctx, const AbipinCatalogue *cat,
                                     const AbipinProfile *platform, const char *emulator_version)
    _warn_unused_result_;
AbipinSupport abipin_feature_support(const AbipinPinContext *ctx, const AbipinFeature *f,
                                     AbipinBackend backend, bool vhost, const char **ret_atom);
bool abipin_emulator_knows(const AbipinPinContext *ctx, const AbipinFeature *f);
const AbipinExternalBackend *abipin_interface_backend(const AbipinPinContext *ctx,
                                                       const AbipinInterface *iface);
AbipinSupport abipin_interface_feature_support(const AbipinPinContext *ctx, const AbipinFeature *f,
                                               const AbipinInterface *iface, bool vhost,
                                               const char **ret_atom);
bool abipin_interface_base_offered(const AbipinPinContext *ctx, const AbipinInterface *iface,
                                   const AbipinBaseBit *b);
int abipin_feature_needs(const AbipinFeature *f, AbipinVersion qemu, AbipinBackend backend,
                         bool vhost, AbipinAtomSet *acc) _warn_unused_result_;
/* A domain's machine type as the decisions see it. */
typedef struct {
    const char *name;      /* resolved: "pc-q35-10.0", "pc-q35-rhel9.6.0" */
    AbipinVersion version; /* upstream's version in the name; 0: upstream has no such name */
    bool measured;         /* the platform carries the emulator's measured defaults for it */
} AbipinMachine;

int abipin_domain_machine(const AbipinPinContext *ctx, const AbipinDomain *d, AbipinMachine *ret)
    _warn_unused_result_;
const AbipinMachineDefaults *abipin_machine_defaults(const AbipinPinContext *ctx,
                                                     const AbipinMachine *m,
                                                     const AbipinInterface *iface);
const char *abipin_pin_describe_atom(const AbipinPinContext *ctx, const char *atom, char *buf,
                                     size_t len);
char *abipin_platform_digest(const AbipinProfile *p) _returns_nonnull_;
