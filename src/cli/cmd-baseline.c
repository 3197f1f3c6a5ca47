#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"

static void baseline_help(void)
{
    static const CliHelpOption options[] = {
        { "--name NAME", N_("the baseline's name (default: baseline)") },
        { "--json", N_("JSON instead of XML") },
        { "-o, --output FILE", N_("write to FILE (atomically)") },
        CLI_HELP_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin baseline PROFILE... [--name NAME] [--json] [-o FILE] [--emulator PATH]\n"
                   "        [--no-cache]",
                   N_("AND-merge profiles into a cluster baseline: an atom is present only if every\n"
                      "profile has it. PROFILE is a file, a shipped platform name, 'host' or 'latest'.\n"),
                   options);
}

/* The members' QEMU builds disagree on a machine type's default: the
 * baseline has it off (their AND); say so, as a pin against it will. */
static void baseline_note_mixed(const AbipinProfile *merged)
{
    for (size_t i = 0; !arg_quiet && i < merged->defaults.n; i++) {
        const AbipinMachineDefaults *d = &merged->defaults.items[i];

        if (!streq_ptr(d->model, abipin_nic_devices[0]))
            continue;
        for (size_t k = 0; k < d->n_values; k++)
            if (d->values[k].mixed)
                fprintf(stderr,
                        _("note: the members' QEMU builds disagree on %1$s's default on %2$s: the "
                          "baseline has it off\n"),
                        d->values[k].name, d->machine);
    }
}

int cmd_baseline(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },  { "json", no_argument, NULL, 'j' },
        { "name", required_argument, NULL, 'n' }, { "output", required_argument, NULL, 'o' },
        CLI_PROBE_OPTIONS, {},
    };
    _cleanup_(abipin_profile_freep) AbipinProfile *merged = NULL;
    AbipinProbeOptions opts = { 0 };
    const char *name = "baseline", *output = NULL;
    bool json = false;
    int opt, r = 0;

    while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            baseline_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 'n':
            name = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        default:
            return cli_usage_error("baseline", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (optind == argc)
        return cli_usage_error("baseline", _("no profile given"));
    /* One profile at a time: a fleet's profiles need not fit in memory. */
    for (int i = optind; i < argc; i++) {
        _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;

        if ((r = abipin_profile_resolve(argv[i], &opts, &p)) < 0 ||
            (r = abipin_profile_merge_add(&merged, p, name)) < 0)
            return r;
    }
    if ((r = cli_write_profile(output, merged, json)) < 0)
        return r;
    baseline_note_mixed(merged);
    return 0;
}
