#include <config.h>

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "abi.h"
#include "check-pins.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

const char *abipin_problem_severity_to_string(AbipinProblemSeverity s)
{
    return s == ABIPIN_PROBLEM_ERROR ? "error" : "warning";
}

AbipinProblem *abipin_problem_list_add(AbipinProblemList *l, AbipinProblemSeverity severity)
{
    AbipinProblem *p;

    abipin_array_resize(l->items, l->n + 1);
    p = &l->items[l->n++];
    *p = (AbipinProblem) { .severity = severity };
    l->n_errors += severity == ABIPIN_PROBLEM_ERROR;
    return p;
}

static void problem_clear(AbipinProblem *p)
{
    free(p->domain);
    free(p->interface);
    free(p->mac);
    free(p->feature);
    free(p->atom);
    free(p->message);
    free(p->detail);
}

void abipin_problem_list_clear(AbipinProblemList *l)
{
    for (size_t i = 0; i < l->n; i++)
        problem_clear(&l->items[i]);
    free(l->items);
    *l = (AbipinProblemList) { 0 };
}

typedef struct {
    const AbipinPinContext *ctx;
    const AbipinDomain *d;
    const AbipinInterface *iface;
    AbipinProblemList *problems;
    size_t errors;
} CheckState;

/* One finding: @detail says what is wrong with the interface; the message
 * names the domain and the interface first (@message, or "DOMAIN: interface
 * LABEL: DETAIL"). */
static void check_report(CheckState *st, bool error, const char *feature, const char *atom,
                         const char *message, const char *detail)
{
    AbipinProblem *p = abipin_problem_list_add(st->problems, error ? ABIPIN_PROBLEM_ERROR
                                                                   : ABIPIN_PROBLEM_WARNING);

    p->domain = abipin_strdup(st->d->label);
    p->interface = abipin_strdup(st->iface->alias);
    p->mac = abipin_strdup(st->iface->mac);
    p->feature = abipin_strdup(feature);
    p->atom = abipin_strdup(atom);
    p->message = message ? abipin_strdup(message)
                         : abipin_asprintf(_("%1$s: interface %2$s: %3$s"), st->d->label,
                                           st->iface->label, detail);
    p->detail = abipin_strdup(detail);
    st->errors += error;
}

/* How a vhost-user backend comes to offer @bit: the switches of the
 * backends operators run (OVS lib/netdev-dpdk.c, DPDK's vhost PMD). */
static const char *vhost_user_fix(unsigned bit)
{
    switch (bit) {
    case 11: /* VIRTIO_NET_F_HOST_TSO4 */
    case 12: /* VIRTIO_NET_F_HOST_TSO6 */
        return _("Open vSwitch: other_config:userspace-tso-enable=true; DPDK's vhost PMD: tso=1");
    default:
        return _("a backend, or a version of it, that offers it");
    }
}

/* A bit pinned on that the interface's external backend does not offer
 * (or could not be asked about): the backend, its socket or device, the
 * bit, the fix. */
static void check_backend_feature(CheckState *st, const AbipinAbiFeature *f, AbipinBackend kind,
                                  const char *backend, unsigned bit)
{
    char detail[1536];

    if (kind == ABIPIN_BACKEND_VDPA)
        snprintf(detail, sizeof(detail),
                 f->why == ABIPIN_OFF_UNKNOWN
                     ? _("%1$s is pinned on, but whether vDPA device %2$s (%3$s) offers %4$s (bit "
                         "%5$u) could not be told; QEMU would clear it if not. Needed: the device "
                         "created with the bit ('vdpa dev add ... device_features', where its "
                         "management device supports it); or re-pin against a baseline of the "
                         "hosts")
                     : _("%1$s is pinned on, but vDPA device %2$s (%3$s) does not offer %4$s (bit "
                         "%5$u): QEMU would clear it and the guest would see other hardware. "
                         "Needed: the device created with the bit ('vdpa dev add ... "
                         "device_features', where its management device supports it; 'abipin abi' "
                         "gives the value); or re-pin against a baseline of the hosts"),
                 f->feature->name, backend, st->iface->vdpa_device ? st->iface->vdpa_device : "?",
                 f->feature->macro, bit);
    else
        snprintf(detail, sizeof(detail),
                 f->why == ABIPIN_OFF_UNKNOWN
                     ? _("%1$s is pinned on, but whether vhost-user backend %2$s (socket %3$s) "
                         "offers %4$s (bit %5$u) could not be told; QEMU would clear it if not. "
                         "Needed: %6$s; or re-pin against a baseline of the hosts")
                     : _("%1$s is pinned on, but vhost-user backend %2$s (socket %3$s) does not "
                         "offer %4$s (bit %5$u): QEMU would clear it and the guest would see other "
                         "hardware. Needed: %6$s; or re-pin against a baseline of the hosts"),
                 f->feature->name, backend, st->iface->socket ? st->iface->socket : "?",
                 f->feature->macro, bit, vhost_user_fix(bit));
    check_report(st, true, f->feature->name, f->atom, NULL, detail);
}

/* A bit pinned on that a vhost-user backend decides, where the platform
 * names no backend for the interface's socket. Nobody can honour what
 * nobody can tell: an error where abipin could have asked a backend (QEMU
 * connects to it) or the pin named the backend it was decided by (the
 * fleet's labels require that one). Only where QEMU is the socket's server
 * and the pin named none is it a warning: not verifiable before QEMU runs. */
static void check_external_feature(CheckState *st, const AbipinAbiFeature *f,
                                   const AbipinPinRecordInterface *ri)
{
    bool verifiable = !st->iface->socket_qemu_listens || (ri && ri->backend_name);
    char detail[1024];

    if (st->iface->backend == ABIPIN_BACKEND_VDPA) {
        snprintf(detail, sizeof(detail),
                 _("%1$s is pinned on, but the platform '%3$s' names no vDPA device at %2$s: "
                   "whether one offers it cannot be told"),
                 f->feature->name, st->iface->vdpa_device ? st->iface->vdpa_device : "?",
                 st->ctx->platform->name);
        check_report(st, true, f->feature->name, NULL, NULL, detail);
        return;
    }
    snprintf(detail, sizeof(detail),
             verifiable
                 ? _("%1$s is pinned on, but the platform '%3$s' names no vhost-user backend "
                     "serving socket %2$s: whether one offers it cannot be told")
                 : _("%1$s is pinned on, and the vhost-user backend that will connect to socket "
                     "%2$s decides whether QEMU keeps it: not verified (QEMU is the socket's "
                     "server; a profile that names the backend can tell)"),
             f->feature->name, st->iface->socket ? st->iface->socket : "?",
             st->ctx->platform->name);
    check_report(st, verifiable, f->feature->name, NULL, NULL, detail);
}

/* A bit pinned on that the platform does not offer, in words. */
static void check_feature(CheckState *st, const AbipinAbiFeature *f,
                          const AbipinPinRecordInterface *ri)
{
    char text[512], detail[1024], backend[ABIPIN_BACKEND_NAME_MAX + 1];
    AbipinBackend kind;
    unsigned bit;

    if (f->why == ABIPIN_OFF_NO_PROPERTY) {
        snprintf(detail, sizeof(detail),
                 _("%1$s is set, but the emulator (QEMU %2$s) has no such property: QEMU would "
                   "refuse to start"),
                 f->feature->name, st->ctx->platform->emulator_version);
        check_report(st, true, f->feature->name, NULL, NULL, detail);
        return;
    }
    if (f->pinned == ABIPIN_VALUE_ON && f->external && abipin_backend_is_external(st->iface->backend)) {
        check_external_feature(st, f, ri);
        return;
    }
    if (f->pinned != ABIPIN_VALUE_ON || f->offered)
        return;
    if (f->atom && abipin_backend_atom_parse(f->atom, &kind, backend, sizeof(backend), &bit)) {
        check_backend_feature(st, f, kind, backend, bit);
        return;
    }
    snprintf(detail, sizeof(detail),
             _("%1$s is pinned on, but the platform '%2$s' %3$s; re-pin with --platform set to a "
               "profile this host satisfies or a cluster baseline"),
             f->feature->name, st->ctx->platform->name,
             f->atom ? abipin_pin_describe_atom(st->ctx, f->atom, text, sizeof(text))
                     : _("never provides it on this backend"));
    check_report(st, true, f->feature->name, f->atom, NULL, detail);
}

/* A default the definition leaves to the machine type, and this build's is
 * not upstream's: a guest from a host with upstream's would find another
 * device here (kubevirt/kubevirt#16386). A warning; with strict (unpinned =
 * refuse) an error, before QEMU starts. */
static void check_build_default(CheckState *st, const AbipinAbiFeature *f, const AbipinAbi *abi,
                                bool strict)
{
    char detail[1024];

    if (f->pinned != ABIPIN_VALUE_ABSENT || !abipin_default_differs(&f->dflt))
        return;
    snprintf(detail, sizeof(detail),
             f->dflt.value
                 ? _("%1$s is not pinned, and this QEMU build turns it on by default on %2$s where "
                     "upstream's default is off: a guest started here cannot migrate to a host "
                     "with upstream's default; pin it ('abipin pin --live' keeps what it runs)")
                 : _("%1$s is not pinned, and this QEMU build turns it off by default on %2$s "
                     "where upstream's default is on: a guest started with upstream's default "
                     "cannot arrive here; pin it on the source ('abipin pin --live')"),
             f->feature->name, abi->machine.name);
    check_report(st, strict, f->feature->name, NULL, NULL, detail);
}

/* The base bits pin turned off for a backend that lacked them
 * (base-off): <host gso=> or their <qemu:override> must still say so, else a backend
 * that offers them shows the guest other hardware. */
static void check_base_off(CheckState *st, const AbipinPinRecordInterface *ri, const AbipinAbi *abi)
{
    char detail[1024];

    for (unsigned bit = 0; ri && bit < 64; bit++) {
        const char *macro = abipin_catalogue_bit_name(st->ctx->cat, bit);
        const char *prop = abipin_catalogue_base_off_property(st->ctx->cat, bit);

        if (!(ri->base_off >> bit & 1) || !abipin_abi_has(abi, bit))
            continue;
        snprintf(detail, sizeof(detail),
                 _("%1$s (bit %2$u) was pinned off for a backend that lacked it, but the "
                   "definition no longer turns %3$s off (<driver> or <qemu:override>) and this host offers "
                   "it: the guest would see other hardware; pin it again"),
                 macro ? macro : "?", bit, prop ? prop : "?");
        check_report(st, true, NULL, NULL, NULL, detail);
    }
}

/* The base bits this host's backend offers that the pinned-for backend
 * neither offered nor had turned off (a record from before base-off, or
 * a definition whose override went): the guest would negotiate them here
 * and could not go back to a host like the pinned one. */
static void check_base_extra(CheckState *st, const AbipinPinRecordInterface *ri,
                             const AbipinAbi *abi)
{
    const AbipinExternalBackend *b = abipin_interface_backend(st->ctx, st->iface);
    char detail[1024];

    for (size_t i = 0; ri && ri->backend_name && b && i < st->ctx->cat->n_base; i++) {
        const AbipinBaseBit *bb = &st->ctx->cat->base[i];
        uint64_t bit = bb->bit < 64 ? 1ULL << bb->bit : 0;

        if (!bit || !abipin_catalogue_backend_decides_on(st->ctx->cat, b->kind, bb->bit,
                                                         st->ctx->qemu) ||
            !abipin_abi_has(abi, bb->bit) || (ri->backend_bits | ri->base_off) & bit)
            continue;
        if (b->kind == ABIPIN_BACKEND_VDPA)
            snprintf(detail, sizeof(detail),
                     _("vDPA device %1$s (%2$s) offers %3$s (bit %4$u), which the device the "
                       "definition was pinned against did not: the guest would negotiate it here "
                       "and could not migrate to a host like the pinned one; pin it again, or "
                       "create the device with the device_features 'abipin abi' gives"),
                     b->name, st->iface->vdpa_device ? st->iface->vdpa_device : "?", bb->macro,
                     bb->bit);
        else
            snprintf(detail, sizeof(detail),
                     _("vhost-user backend %1$s (socket %2$s) offers %3$s (bit %4$u), which the "
                       "backend the definition was pinned against did not: the guest would "
                       "negotiate it here and could not migrate to a host like the pinned one; "
                       "pin it again"),
                     b->name, st->iface->socket ? st->iface->socket : "?", bb->macro, bb->bit);
        check_report(st, true, NULL, NULL, NULL, detail);
    }
}

/* The base bits the pin's backend offered, where the platform names no
 * backend for the interface at all: nobody can tell whether this host
 * offers them (the fleet's labels require the named backend's, so
 * Placement agrees). */
static void check_backend_bits_untold(CheckState *st, const AbipinPinRecordInterface *ri)
{
    char detail[1024], bits[64 * 4] = "";

    for (unsigned bit = 0; bit < 64; bit++)
        if (ri->backend_bits >> bit & 1)
            snprintf(bits + strlen(bits), sizeof(bits) - strlen(bits), "%s%u", bits[0] ? ", " : "",
                     bit);
    snprintf(detail, sizeof(detail),
             _("the pin needs bits %1$s of %2$s %3$s, and the platform '%4$s' names none serving "
               "%5$s: whether this host offers them cannot be told"),
             bits, st->iface->backend == ABIPIN_BACKEND_VDPA ? _("vDPA device") : _("vhost-user backend"),
             ri->backend_name, st->ctx->platform->name,
             st->iface->backend == ABIPIN_BACKEND_VDPA ? (st->iface->vdpa_device ?: "?")
                                                       : (st->iface->socket ?: "?"));
    check_report(st, true, NULL, NULL, NULL, detail);
}

/* The base bits the pinned-for backend offered (a guest may have
 * negotiated them) that the platform's backend for the socket does not
 * offer, or could not tell. */
static void check_backend_bits(CheckState *st, const AbipinPinRecord *record,
                               const AbipinPinRecordInterface *ri, const AbipinAbi *abi)
{
    const AbipinExternalBackend *b = abipin_interface_backend(st->ctx, st->iface);
    char detail[1024], atom[ABIPIN_BACKEND_ATOM_MAX], word[24] = "...";
    uint64_t device_features;

    /* a vDPA device: the word to create it with, that the pin needs */
    if (abipin_abi_vdpa_device_features(st->ctx, record, abi, &device_features))
        snprintf(word, sizeof(word), "0x%" PRIx64, device_features);
    if (ri && !b && ri->backend_name && ri->backend_bits) {
        check_backend_bits_untold(st, ri);
        return;
    }

    for (unsigned bit = 0; ri && b && bit < 64; bit++) {
        const char *macro = abipin_catalogue_bit_name(st->ctx->cat, bit), *prop;
        const AbipinAtom *a;

        if (!(ri->backend_bits >> bit & 1))
            continue;
        abipin_backend_atom(b, bit, atom, sizeof(atom));
        if ((a = abipin_atom_set_get(st->ctx->platform->atoms, atom)) && a->state == ABIPIN_ATOM_PRESENT)
            continue;
        if (b->kind == ABIPIN_BACKEND_VDPA)
            snprintf(detail, sizeof(detail),
                     _("the guest may have negotiated %1$s (bit %2$u), which the device it was "
                       "pinned against offered, and vDPA device %3$s (%4$s) %5$s: QEMU would "
                       "clear it; create the device with it ('vdpa dev add ... device_features "
                       "%6$s')"),
                     macro ? macro : "?", bit, b->name,
                     st->iface->vdpa_device ? st->iface->vdpa_device : "?",
                     a && a->state == ABIPIN_ATOM_UNKNOWN ? _("could not tell whether it offers it")
                                                          : _("does not offer it"),
                     word);
        else if ((prop = abipin_catalogue_base_off_property(st->ctx->cat, bit)))
            snprintf(detail, sizeof(detail),
                     _("the guest may have negotiated %1$s (bit %2$u), which the backend it was "
                       "pinned against offered, and vhost-user backend %3$s (socket %4$s) %5$s: "
                       "QEMU would clear it; run it where the backend offers it, or re-pin "
                       "against a baseline of the hosts (abipin then turns %6$s off)"),
                     macro ? macro : "?", bit, b->name, st->iface->socket ? st->iface->socket : "?",
                     a && a->state == ABIPIN_ATOM_UNKNOWN ? _("could not tell whether it offers it")
                                                          : _("does not offer it"),
                     prop);
        else
            snprintf(detail, sizeof(detail),
                     _("the guest may have negotiated %1$s (bit %2$u), which the backend it was "
                       "pinned against offered, and vhost-user backend %3$s (socket %4$s) %5$s: "
                       "QEMU would clear it; run it where the backend offers it (abipin does not "
                       "pin this bit off)"),
                     macro ? macro : "?", bit, b->name,
                     st->iface->socket ? st->iface->socket : "?",
                     a && a->state == ABIPIN_ATOM_UNKNOWN ? _("could not tell whether it offers it")
                                                          : _("does not offer it"));
        check_report(st, true, NULL, atom, NULL, detail);
    }
}

static int check_interface(CheckState *st, const AbipinPinRecord *record, bool strict)
{
    const AbipinInterface *iface = st->iface;
    const AbipinPinRecordInterface *ri = abipin_record_find_interface(record, iface->alias, iface->mac);
    char unpinned[1024] = "";
    size_t n_unpinned = 0;
    char text[512], detail[1024], msg[1280];
    AbipinAbi abi;
    int r;

    if (streq_ptr(iface->driver, "vhost") &&
        !abipin_atom_set_has(st->ctx->platform->atoms, "vhost.net")) {
        snprintf(detail, sizeof(detail),
                 _("<driver name='vhost'> but the platform '%1$s' %2$s; libvirt would refuse to "
                   "start it"),
                 st->ctx->platform->name,
                 abipin_pin_describe_atom(st->ctx, "vhost.net", text, sizeof(text)));
        check_report(st, true, NULL, "vhost.net", NULL, detail);
    }
    if ((r = abipin_abi_compute(st->ctx, st->d, iface, &abi)) < 0)
        return r;
    check_backend_bits(st, record, ri, &abi);
    check_base_off(st, ri, &abi);
    check_base_extra(st, ri, &abi);
    for (size_t i = 0; i < abi.n_features; i++) {
        const AbipinAbiFeature *f = &abi.features[i];

        if (f->pinned != ABIPIN_VALUE_ABSENT || f->why == ABIPIN_OFF_NO_PROPERTY) {
            if (f->pinned != ABIPIN_VALUE_ABSENT)
                check_feature(st, f, ri);
            continue;
        }
        check_build_default(st, f, &abi, strict);
        if (n_unpinned++ < 6)
            snprintf(unpinned + strlen(unpinned), sizeof(unpinned) - strlen(unpinned), "%s%s",
                     n_unpinned > 1 ? ", " : "", f->feature->name);
    }
    abipin_abi_clear(&abi);
    if (!ri || n_unpinned ||
        (!iface->driver && abipin_backend_is_kernel(iface->backend))) {
        snprintf(detail, sizeof(detail),
                 P_("not pinned (%1$zu host-dependent feature left to the host%2$s%3$s); run "
                    "'abipin pin'",
                    "not pinned (%1$zu host-dependent features left to the host%2$s%3$s); run "
                    "'abipin pin'",
                    n_unpinned),
                 n_unpinned, n_unpinned ? ": " : "", unpinned);
        snprintf(msg, sizeof(msg),
                 P_("%1$s: interface %2$s is not pinned (%3$zu host-dependent feature left to "
                    "the host%4$s%5$s); run 'abipin pin'",
                    "%1$s: interface %2$s is not pinned (%3$zu host-dependent features left to "
                    "the host%4$s%5$s); run 'abipin pin'",
                    n_unpinned),
                 st->d->label, iface->label, n_unpinned, n_unpinned ? ": " : "", unpinned);
        check_report(st, strict, NULL, NULL, msg, detail);
    }
    return 0;
}

/**
 * abipin_check_domain:
 * @problems: receives one problem per finding
 *
 * Can the platform honour every pin of @d: each feature pinned on has its
 * atoms for the interface's backend, vhost-net is there if pinned, and the
 * emulator knows each property the definition sets. Unpinned interfaces
 * are warnings (errors with @opts->strict). Returns the number of errors.
 */
int abipin_check_domain(const AbipinPinContext *ctx, const AbipinDomain *d,
                        const AbipinCheckOptions *opts, AbipinProblemList *problems)
{
    CheckState st = { .ctx = ctx, .d = d, .problems = problems };
    const AbipinPinRecord *record = d->record;
    int r;

    /* pinned for a machine type this platform's emulator lacks: the
     * platform cannot run it (an unpinned definition that names one is the
     * definition's error, abipin_domain_machine's) */
    if (record && record->machine &&
        abipin_profile_require_machine(ctx->platform, record->machine, d->label) < 0) {
        AbipinProblem *p = abipin_problem_list_add(problems, ABIPIN_PROBLEM_ERROR);

        p->domain = abipin_strdup(d->label);
        p->atom = abipin_asprintf("qemu.machine.%s", record->machine);
        p->message = abipin_strdup(abipin_error_message());
        p->detail = abipin_strdup(abipin_error_message());
        abipin_error_reset();
        return 1;
    }

    for (size_t i = 0; i < d->n_ifaces; i++) {
        st.iface = &d->ifaces[i];
        if (!abipin_interface_pinnable(st.iface))
            continue;
        if ((r = check_interface(&st, record, opts->strict)) < 0)
            return r;
    }
    return (int) st.errors;
}

/* The QEMU version the record says the definition was pinned for: the
 * catalogue's requirements differ between QEMU releases. */
static int requirements_qemu(const AbipinDomain *d, const AbipinPinRecord *record, AbipinVersion *ret)
{
    const char *v = record ? record->emulator : NULL;

    if (!record)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: '%2$s' has no abipin record in <metadata>: pin it first, "
                                  "or give --platform to pin it now"),
                                d->file, d->label);
    if (!v || abipin_version_parse(v, ret) < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s: the abipin record has no valid emulator version"), d->file);
    return 0;
}

/* A bit the vhost-user backend decides, pinned on: the backend must offer
 * it. Labels and traits cannot follow a socket to a backend, as check
 * does: the backend is the one the pin named, else the one a host names
 * after the socket ('probe --vhost-user SOCKET', and what a host asks for
 * itself). Where QEMU is the socket's server and the pin named none, check
 * cannot verify the bit either: nothing is required. */
static int requirements_backend_bit(const AbipinInterface *iface, const AbipinPinRecordInterface *ri,
                                    unsigned bit, AbipinAtomSet *need)
{
    char name[ABIPIN_BACKEND_NAME_MAX + 1], atom[ABIPIN_BACKEND_ATOM_MAX];
    AbipinExternalBackend b = { .name = name, .kind = iface->backend };
    int r;

    if (ri && ri->backend_name)
        snprintf(name, sizeof(name), "%s", ri->backend_name);
    else if (iface->backend == ABIPIN_BACKEND_VHOST_USER && iface->socket &&
             !iface->socket_qemu_listens)
        abipin_backend_name_from_socket(iface->socket, name, sizeof(name));
    else
        return ABIPIN_SUPPORT_EXTERNAL;
    abipin_backend_atom(&b, bit, atom, sizeof(atom));
    r = abipin_atom_set_put(need, atom, ABIPIN_ATOM_PRESENT, NULL);
    return r < 0 ? r : ABIPIN_SUPPORT_YES;
}

static int requirements_interface(CheckState *st, const AbipinCatalogue *cat, AbipinVersion qemu,
                                  const AbipinPinRecord *record, AbipinAtomSet *need)
{
    const AbipinInterface *iface = st->iface;
    bool kernel_backend = abipin_backend_is_kernel(iface->backend);
    /* Without <driver name=...> libvirt uses vhost-net wherever it can open
     * it: ask for its bits too, so that no host is claimed wrongly. */
    bool vhost = kernel_backend && (!iface->driver || streq_ptr(iface->driver, "vhost"));
    const AbipinPinRecordInterface *ri = abipin_record_find_interface(record, iface->alias, iface->mac);
    char detail[1024];
    int r;

    if (!ri || (kernel_backend && !iface->driver))
        check_report(st, false, NULL, NULL, NULL,
                     _("not pinned: its explicit values count, and vhost-net where <driver "
                       "name=...> is missing; run 'abipin pin'"));
    if (streq_ptr(iface->driver, "vhost") &&
        (r = abipin_atom_set_put(need, "vhost.net", ABIPIN_ATOM_PRESENT, NULL)) < 0)
        return r;
    for (size_t i = 0; i < cat->n_features; i++) {
        const AbipinFeature *f = &cat->features[i];
        AbipinValue v;

        if ((r = abipin_domain_get_feature(st->d, iface, f, &v)) < 0)
            return r;
        if (v == ABIPIN_VALUE_ABSENT)
            continue;
        /* check: the emulator must know every property the definition sets */
        if ((r = abipin_atom_set_putf_state(need, ABIPIN_ATOM_PRESENT, NULL,
                                            ABIPIN_ATOM_QEMU_PROP "%s", f->name)) < 0)
            return r;
        if (v != ABIPIN_VALUE_ON)
            continue;
        r = abipin_feature_needs(f, qemu, iface->backend, vhost, need);
        if (r == ABIPIN_SUPPORT_EXTERNAL && abipin_backend_is_external(iface->backend))
            r = requirements_backend_bit(iface, ri, f->bit, need);
        if (r < 0)
            return r;
        if (r != ABIPIN_SUPPORT_NO)
            continue;
        snprintf(detail, sizeof(detail),
                 _("%1$s is pinned on, but backend %2$s never provides it: no host can honour "
                   "it; set it off"),
                 f->name, abipin_backend_to_string(iface->backend));
        check_report(st, true, f->name, NULL, NULL, detail);
    }
    /* the base bits its backend offered, which a guest may negotiate */
    for (unsigned bit = 0; ri && bit < 64; bit++)
        if (ri->backend_bits >> bit & 1 &&
            (r = requirements_backend_bit(iface, ri, bit, need)) < 0)
            return r;
    return 0;
}

/**
 * abipin_check_requirements:
 * @d: a pinned definition; its record names the QEMU version it was pinned for
 * @problems: receives one problem per finding, as for check
 * @ret_need: the atoms a host must have (all present)
 *
 * What abipin_check_domain tests, as atoms, without a platform: for each
 * virtio interface vhost.net where <driver name='vhost'>, the emulator's
 * property for every feature the definition sets, and every atom each
 * feature pinned on needs on the interface's backend. A platform with the
 * same QEMU version that has all of them present passes check; one that
 * lacks any fails it. A feature pinned on that the backend never has is an
 * error (no host can honour it). Returns the number of errors.
 */
int abipin_check_requirements(const AbipinCatalogue *cat, const AbipinDomain *d,
                              AbipinProblemList *problems, AbipinAtomSet **ret_need)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *need = abipin_atom_set_new();
    CheckState st = { .d = d, .problems = problems };
    const AbipinPinRecord *record = d->record;
    AbipinVersion qemu;
    int r;

    if ((r = requirements_qemu(d, record, &qemu)) < 0)
        return r;
    /* the emulator must have the machine type it was pinned for */
    if (record->machine &&
        (r = abipin_atom_set_putf_state(need, ABIPIN_ATOM_PRESENT, NULL, "qemu.machine.%s",
                                        record->machine)) < 0)
        return r;
    for (size_t i = 0; i < d->n_ifaces; i++) {
        st.iface = &d->ifaces[i];
        if (!abipin_interface_pinnable(st.iface))
            continue;
        if ((r = requirements_interface(&st, cat, qemu, record, need)) < 0)
            return r;
    }
    *ret_need = TAKE_PTR(need);
    return (int) st.errors;
}
