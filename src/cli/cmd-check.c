#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "pin.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"

static void check_help(void)
{
    static const CliHelpOption options[] = {
        CLI_HELP_PLATFORM_OPTION,
        { "--strict", N_("an unpinned interface is an error, not a warning") },
        { "--json", N_("JSON instead of text") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin check DOMAIN.xml [--platform PROFILE] [--strict] [--json]\n"
                   "        [--emulator PATH] [--no-cache]",
                   N_("Can the platform (default: this host) honour every pin of DOMAIN.xml? One check per\n"
                      "interface; exit 0 if so, 1 with one failed check per unmet requirement: the\n"
                      "interface, the feature, the missing capability in words and the fix.\n"),
                   options);
}

static bool check_problem_is_for(json_object *p, const AbipinInterface *iface)
{
    return streq_ptr(json_object_get_string(json_object_object_get(p, "interface")), iface->alias) &&
           streq_ptr(json_object_get_string(json_object_object_get(p, "mac")), iface->mac);
}

/* One check per interface (the ones check looks at: virtio, a known
 * backend), one line per finding: FAIL for an error, WARN for an unpinned
 * interface. */
static void check_print(const AbipinDomain *d, json_object *problems)
{
    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];
        bool found = false;

        if (!iface->virtio || iface->backend < 0)
            continue;
        for (size_t k = 0; k < json_object_array_length(problems); k++) {
            json_object *p = json_object_array_get_idx(problems, k);
            const char *severity = json_object_get_string(json_object_object_get(p, "severity"));

            if (!check_problem_is_for(p, iface))
                continue;
            found = true;
            cli_check_line(d->label, strcmp(severity, "error") == 0 ? CLI_CHECK_FAIL : CLI_CHECK_WARN,
                           json_object_get_string(json_object_object_get(p, "detail")),
                           _("Checking interface %1$s"), iface->label);
        }
        if (!found)
            cli_check_line(d->label, CLI_CHECK_PASS, NULL, _("Checking interface %1$s"),
                           iface->label);
    }
}

int cmd_check(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },   { "json", no_argument, NULL, 'j' },
        { "strict", no_argument, NULL, 's' }, { "platform", required_argument, NULL, 'p' },
        CLI_PROBE_OPTIONS,                   {},
    };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(json_object_putp) json_object *problems = json_object_new_array();
    _cleanup_free_ char *platform_name = NULL;
    AbipinProbeOptions opts = { 0 };
    const char *platform = NULL;
    bool json = false, strict = false;
    int opt, r, errors;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            check_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 's':
            strict = true;
            break;
        case 'p':
            platform = optarg;
            break;
        default:
            return cli_usage_error("check", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (argc - optind != 1)
        return cli_usage_error("check", _("exactly one domain XML file is needed"));
    if ((r = abipin_domain_load_flags(argv[optind], ABIPIN_DOMAIN_READ_ONLY, &d)) < 0 ||
        (errors = r = cli_check_document(d, platform, &opts, strict, problems, &platform_name)) < 0)
        return r;
    if (json) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "domain", json_object_new_string(d->name));
        json_object_object_add(o, "platform", json_object_new_string(platform_name));
        json_object_object_add(o, "ok", json_object_new_boolean(errors == 0));
        json_object_object_add(o, "problems", json_object_get(problems));
        r = cli_print_json(stdout, o);
        json_object_put(o);
        if (r < 0)
            return r;
    } else {
        check_print(d, problems);
        if (errors == 0 && !arg_quiet)
            printf(_("%1$s: the platform '%2$s' honours every pin\n"), d->label, platform_name);
    }
    return errors ? EXIT_REFUSED : 0;
}
