#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "pin.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"

static void check_help(void)
{
    printf(_("Usage: abipin check DOMAIN.xml [--platform PROFILE] [--strict] [--json]\n"
             "Can the platform (default: this host) honour every pin of DOMAIN.xml? Exit 0 if so,\n"
             "1 with one line per unmet requirement: the interface, the feature, the missing\n"
             "capability in words and the fix. Unpinned interfaces are warnings; --strict makes\n"
             "them errors.\n"));
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
    if (argc - optind != 1)
        return cli_usage_error("check", _("exactly one domain XML file is needed"));
    if ((r = abipin_domain_load(argv[optind], &d)) < 0 ||
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
        cli_print_problems(problems, stdout, arg_quiet ? NULL : stderr);
        if (errors == 0 && !arg_quiet)
            printf(_("%1$s: the platform '%2$s' honours every pin\n"), d->label, platform_name);
    }
    return errors ? EXIT_REFUSED : 0;
}
