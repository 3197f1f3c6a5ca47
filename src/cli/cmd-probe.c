#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "labels.h"
#include "platforms.h"
#include "probe/ovs.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

static void probe_help(void)
{
    static const CliHelpOption options[] = {
        { "--format xml|json|text|nfd|nova",
          N_("XML (default), JSON, text (a report, one\n"
             "check per atom), nfd (a Node Feature\n"
             "Discovery file: Kubernetes node labels) or\n"
             "nova (a Nova provider config: traits)") },
        { "--json", N_("--format json") },
        { "--text", N_("--format text") },
        { "-o, --output FILE", N_("write the profile to FILE (atomically)") },
        { "-m, --machine NAME", N_("measure the emulator's defaults on this machine\n"
                                   "type (repeatable; an alias such as q35 resolves)") },
        { "--all-machines", N_("measure them on every pc, q35 and virt machine type") },
        { "--vhost-user [NAME=]SOCKET",
          N_("ask the vhost-user backend listening on SOCKET\n"
             "what it offers, and name it NAME in the profile\n"
             "(default: the socket's file name; repeatable)") },
        { "--vdpa [NAME=]DEVICE",
          N_("ask the kernel what the vDPA device DEVICE (its\n"
             "name, e.g. vdpa0, or /dev/vhost-vdpa-N) offers, and\n"
             "name it NAME in the profile (default: the vdpa\n"
             "device's name; repeatable)") },
        { "--ovs[=SOCKET]",
          N_("name this host's Open vSwitch backend 'ovs': its\n"
             "dpdkvhostuserclient ports' sockets, their offer\n"
             "derived from what Open vSwitch's database at\n"
             "SOCKET says (default: $ABIPIN_OVSDB_SOCKET or\n"
             "/var/run/openvswitch/db.sock)") },
        { "--platform PROFILE", N_("print PROFILE (a file, a shipped platform name or\n"
                                   "latest) instead, as check sees it: one that\n"
                                   "describes the kernel only gets this host's\n"
                                   "emulator and vhost-net") },
        CLI_HELP_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin probe [--format xml|json|text|nfd|nova | --json | --text] [-o FILE]\n"
                   "        [--machine NAME... | --all-machines] [--vhost-user [NAME=]SOCKET...]\n"
                   "        [--vdpa [NAME=]DEVICE...] [--ovs[=SOCKET]] [--platform PROFILE]\n"
                   "        [--emulator PATH] [--no-cache]",
                   N_("Probe this host for real (tun, macvtap, vhost-net, eBPF, the emulator) and print\n"
                      "its platform profile. Every atom is present, absent, or unknown with the reason.\n"
                      "With --machine, the profile carries the emulator's defaults on those machine\n"
                      "types, measured from a paused QEMU, so that another host can be compared.\n"
                      "With --vhost-user and --vdpa, it names this host's vhost-user backends and\n"
                      "vDPA devices and their offers; with --ovs, Open vSwitch's, whose offer it\n"
                      "derives.\n"
                      "With --platform, another host's profile in these formats (e.g. its provider\n"
                      "config), as check and pin see that host.\n"),
                   options);
}

typedef enum {
    PROBE_XML,
    PROBE_JSON,
    PROBE_TEXT,
    PROBE_NFD,
    PROBE_NOVA,
    _PROBE_FORMAT_MAX,
} ProbeFormat;

static const char *const probe_format_table[_PROBE_FORMAT_MAX] = {
    [PROBE_XML] = "xml", [PROBE_JSON] = "json", [PROBE_TEXT] = "text",
    [PROBE_NFD] = "nfd", [PROBE_NOVA] = "nova",
};

/* --format, --json and --text: one format, however it is spelled. */
static int probe_set_format(const char *name, ProbeFormat *format, bool *given)
{
    for (int f = 0; f < _PROBE_FORMAT_MAX; f++) {
        if (strcmp(name, probe_format_table[f]) != 0)
            continue;
        if (*given && *format != (ProbeFormat) f)
            return cli_usage_error("probe", _("two formats given, %1$s and %2$s"),
                                   probe_format_table[*format], name);
        *format = f;
        *given = true;
        return 0;
    }
    return cli_usage_error("probe", _("--format is xml, json, text, nfd or nova, not '%1$s'"), name);
}

/* One check per atom, as virt-host-validate prints them: present PASS;
 * absent WARN, an answer about this host (virt-host-validate's missing
 * /dev/vhost-net is a WARN too); unknown FAIL: the probe could not ask, so
 * -q shows what a probe with more privileges would tell. The emulator's
 * present properties and machine types are counted on one line. */
static void probe_print_text(const AbipinProfile *p)
{
    size_t props = 0, machines = 0;
    char text[512], detail[1024], counts[2][64];

    if (!arg_quiet)
        printf(_("Profile '%1$s': %2$s\n"), p->name, p->description ? p->description : "");
    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];
        CliCheckLevel level = CLI_CHECK_PASS;

        if (abipin_atom_is_emulator(a->name) && a->state == ABIPIN_ATOM_PRESENT) {
            props += strncmp(a->name, ABIPIN_ATOM_QEMU_PROP_FAMILY,
                             strlen(ABIPIN_ATOM_QEMU_PROP_FAMILY)) == 0;
            machines += strncmp(a->name, "qemu.machine.", 13) == 0;
            continue;
        }
        detail[0] = '\0';
        if (a->state == ABIPIN_ATOM_ABSENT) {
            level = CLI_CHECK_WARN;
            abipin_atom_describe_missing(a->name, text, sizeof(text));
            snprintf(detail, sizeof(detail), a->reason ? "%s (%s)" : "%s", text, a->reason);
        } else if (a->state == ABIPIN_ATOM_UNKNOWN) {
            level = CLI_CHECK_FAIL;
            snprintf(detail, sizeof(detail), "%s: %s", _(abipin_atom_state_to_string(a->state)),
                     a->reason ? a->reason : "?");
        }
        cli_check_line(p->name, level, detail, _("Checking for %1$s (%2$s)"), a->name,
                       abipin_atom_describe(a->name, text, sizeof(text)));
    }
    if (p->has_emulator && !arg_quiet) {
        snprintf(counts[0], sizeof(counts[0]),
                 P_("%1$zu virtio-net-pci property", "%1$zu virtio-net-pci properties", props), props);
        snprintf(counts[1], sizeof(counts[1]), P_("%1$zu machine type", "%1$zu machine types", machines),
                 machines);
        printf(_("Emulator %1$s, QEMU %2$s: %3$s, %4$s"), p->emulator_path ? p->emulator_path : "?",
               p->emulator_version ? p->emulator_version : "?", counts[0], counts[1]);
        for (size_t i = 0; i < p->n_aliases; i++)
            printf("%s%s = %s", i ? ", " : " (", p->aliases[i].name, p->aliases[i].machine);
        printf("%s\n", p->n_aliases ? ")" : "");
    }
}

/* --vhost-user [NAME=]SOCKET, --vdpa [NAME=]DEVICE: one backend to ask */
typedef struct {
    AbipinBackend kind;
    const char *spec;
} ProbeBackendSpec;

/* Each backend asked, into the profile, in the order given */
static int probe_backends(AbipinProfile *p, const ProbeBackendSpec *specs, size_t n)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    int r;

    if (n && (r = abipin_catalogue_load_default(&cat)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        const char *spec = specs[i].spec;
        const char *eq = spec[0] != '/' ? strchr(spec, '=') : NULL;
        _cleanup_free_ char *name = eq ? abipin_strndup(spec, (size_t) (eq - spec)) : NULL;

        r = specs[i].kind == ABIPIN_BACKEND_VDPA
                ? abipin_probe_vdpa_backend(p, cat, name, eq ? eq + 1 : spec)
                : abipin_probe_vhost_user_backend(p, cat, name, eq ? eq + 1 : spec);
        if (r < 0)
            return r;
    }
    return 0;
}

/* --ovs[=SOCKET]: Open vSwitch's dpdkvhostuserclient ports, one backend */
static int probe_ovs_backend(AbipinProfile *p, const char *ovsdb)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    int r;

    if ((r = abipin_catalogue_load_default(&cat)) < 0)
        return r;
    return abipin_probe_ovs_backend(p, cat, "ovs", ovsdb);
}

int cmd_probe(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },   { "json", no_argument, NULL, 'j' },
        { "text", no_argument, NULL, 't' },   { "output", required_argument, NULL, 'o' },
        { "format", required_argument, NULL, 'F' },
        { "machine", required_argument, NULL, 'm' },
        { "all-machines", no_argument, NULL, 'A' },
        { "platform", required_argument, NULL, 'p' },
        { "vhost-user", required_argument, NULL, 'U' },
        { "vdpa", required_argument, NULL, 'V' },
        { "ovs", optional_argument, NULL, 'O' },
        CLI_PROBE_OPTIONS,                   {},
    };
    _cleanup_free_ const char **machines = abipin_new0(const char *, argc + 1);
    _cleanup_free_ ProbeBackendSpec *backends = abipin_new0(ProbeBackendSpec, argc + 1);
    size_t n_backends = 0;
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    _cleanup_free_ char *labels = NULL;
    AbipinProbeOptions opts = { .machines = machines, .progress = cli_progress_machines };
    ProbeFormat format = PROBE_XML;
    const char *output = NULL, *platform = NULL, *ovsdb = NULL;
    bool given = false, ovs = false;
    size_t len;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "ho:m:", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            probe_help();
            return 0;
        case 'j':
            r = probe_set_format("json", &format, &given);
            break;
        case 't':
            r = probe_set_format("text", &format, &given);
            break;
        case 'F':
            r = probe_set_format(optarg, &format, &given);
            break;
        case 'o':
            output = optarg;
            r = 0;
            break;
        case 'm':
            machines[opts.n_machines++] = optarg;
            r = 0;
            break;
        case 'A':
            opts.all_machines = true;
            r = 0;
            break;
        case 'p':
            platform = optarg;
            r = 0;
            break;
        case 'U':
        case 'V':
            backends[n_backends++] = (ProbeBackendSpec) {
                opt == 'V' ? ABIPIN_BACKEND_VDPA : ABIPIN_BACKEND_VHOST_USER, optarg
            };
            r = 0;
            break;
        case 'O':
            ovs = true;
            ovsdb = optarg;
            r = 0;
            break;
        default:
            return cli_usage_error("probe", _("bad option"));
        }
        if (r < 0)
            return r;
    }
    /* every format but the report is data: never translated */
    if (format != PROBE_TEXT)
        cli_untranslated();
    if (optind < argc)
        return cli_usage_error("probe", _("unexpected argument '%1$s'"), argv[optind]);
    /* --platform: the profile as check sees that host (a Nova provider
     * config or NFD feature file for a host described by a file or a
     * named platform); this host's probe completes a kernel-only one */
    r = platform ? abipin_platform_for_domain(platform, &opts, &p) : abipin_probe_host(&opts, &p);
    if (r < 0)
        return r;
    for (size_t i = 0; i < opts.n_machines; i++)
        if ((r = abipin_profile_require_machine(p, machines[i], "probe --machine")) < 0)
            return r;
    if ((r = probe_backends(p, backends, n_backends)) < 0 ||
        (ovs && (r = probe_ovs_backend(p, ovsdb)) < 0))
        return r;
    switch (format) {
    case PROBE_TEXT:
        probe_print_text(p);
        return 0;
    case PROBE_NFD:
    case PROBE_NOVA:
        r = abipin_labels_format_host(p, format == PROBE_NFD ? ABIPIN_LABELS_NFD : ABIPIN_LABELS_NOVA,
                                      &labels, &len);
        if (r >= 0)
            r = cli_write_output(output, labels, len);
        break;
    default:
        r = cli_write_profile(output, p, format == PROBE_JSON);
    }
    return r < 0 ? r : 0;
}
