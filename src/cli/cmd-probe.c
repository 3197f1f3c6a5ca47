#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "util/error.h"
#include "util/i18n.h"

static void probe_help(void)
{
    static const CliHelpOption options[] = {
        { "--json", N_("JSON instead of XML") },
        { "--text", N_("a readable report instead of XML, one check per atom") },
        { "-o, --output FILE", N_("write the profile to FILE (atomically)") },
        CLI_HELP_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin probe [--json | --text] [-o FILE] [--emulator PATH] [--no-cache]",
                   N_("Probe this host for real (tun, macvtap, vhost-net, eBPF, the emulator) and print\n"
                      "its platform profile. Every atom is present, absent, or unknown with the reason.\n"),
                   options);
}

static bool atom_is_emulator(const char *name)
{
    return strncmp(name, "qemu.", 5) == 0;
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

        if (atom_is_emulator(a->name) && a->state == ABIPIN_ATOM_PRESENT) {
            props += strncmp(a->name, "qemu.prop.", 10) == 0;
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

int cmd_probe(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },   { "json", no_argument, NULL, 'j' },
        { "text", no_argument, NULL, 't' },   { "output", required_argument, NULL, 'o' },
        CLI_PROBE_OPTIONS,                   {},
    };
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    AbipinProbeOptions opts = { 0 };
    const char *output = NULL;
    bool json = false, text = false;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            probe_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 't':
            text = true;
            break;
        case 'o':
            output = optarg;
            break;
        default:
            return cli_usage_error("probe", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (optind < argc)
        return cli_usage_error("probe", _("unexpected argument '%1$s'"), argv[optind]);
    if (json && text)
        return cli_usage_error("probe", _("--json and --text exclude each other"));
    r = abipin_probe_host(&opts, &p);
    if (r < 0)
        return r;
    if (text) {
        probe_print_text(p);
        return 0;
    }
    r = cli_write_profile(output, p, json);
    return r < 0 ? r : 0;
}
