#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "check-pins.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

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

static bool check_problem_is_for(const AbipinProblem *p, const AbipinInterface *iface)
{
    return streq_ptr(p->interface, iface->alias) && streq_ptr(p->mac, iface->mac);
}

/* One check per interface (the ones check looks at: virtio, a known
 * backend), one line per finding: FAIL for an error, WARN for an unpinned
 * interface. */
static void check_print(const AbipinDomain *d, const AbipinProblemList *problems)
{
    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];
        bool found = false;

        if (!abipin_interface_pinnable(iface))
            continue;
        for (size_t k = 0; k < problems->n; k++) {
            const AbipinProblem *p = &problems->items[k];

            if (!check_problem_is_for(p, iface))
                continue;
            found = true;
            cli_check_line(d->label,
                           p->severity == ABIPIN_PROBLEM_ERROR ? CLI_CHECK_FAIL : CLI_CHECK_WARN,
                           p->detail, _("Checking interface %1$s"), iface->label);
        }
        if (!found)
            cli_check_line(d->label, CLI_CHECK_PASS, NULL, _("Checking interface %1$s"),
                           iface->label);
    }
}

/* check --json: the one place a problem becomes JSON. */
static json_object *check_problem_to_json(const AbipinProblem *p)
{
    const char *severity = abipin_problem_severity_to_string(p->severity);
    json_object *o = abipin_json_object();

    abipin_json_set(o, "severity", abipin_json_string(severity));
    abipin_json_set(o, "domain", abipin_json_string(p->domain));
    abipin_json_set(o, "interface", abipin_json_string(p->interface));
    abipin_json_set(o, "mac", abipin_json_string(p->mac));
    abipin_json_set(o, "feature", abipin_json_string(p->feature));
    abipin_json_set(o, "atom", abipin_json_string(p->atom));
    abipin_json_set(o, "message", abipin_json_string(p->message));
    abipin_json_set(o, "detail", abipin_json_string(p->detail));
    return o;
}

static int check_print_json(const AbipinDomain *d, const char *platform_name,
                            const AbipinProblemList *problems)
{
    _cleanup_(json_object_putp) json_object *o = abipin_json_object();
    json_object *list = abipin_json_array();

    abipin_json_set(o, "domain", abipin_json_string(d->name));
    abipin_json_set(o, "platform", abipin_json_string(platform_name));
    abipin_json_set(o, "ok", abipin_json_bool(problems->n_errors == 0));
    abipin_json_set(o, "problems", list);
    for (size_t i = 0; i < problems->n; i++)
        abipin_json_append(list, check_problem_to_json(&problems->items[i]));
    return cli_print_json(stdout, o);
}

int cmd_check(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },   { "json", no_argument, NULL, 'j' },
        { "strict", no_argument, NULL, 's' }, { "platform", required_argument, NULL, 'p' },
        CLI_PROBE_OPTIONS,                   {},
    };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
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
        (errors = r = cli_check_document(d, platform, &opts, strict, &problems,
                                         &platform_name)) < 0)
        return r;
    if (json) {
        if ((r = check_print_json(d, platform_name, &problems)) < 0)
            return r;
    } else {
        check_print(d, &problems);
        if (errors == 0 && !arg_quiet)
            printf(_("%1$s: the platform '%2$s' honours every pin\n"), d->label, platform_name);
    }
    return errors ? EXIT_REFUSED : 0;
}
