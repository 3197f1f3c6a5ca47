#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "labels.h"
#include "pin.h"
#include "platforms.h"
#include "record-json.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

static void pin_help(void)
{
    static const CliHelpOption options[] = {
        CLI_HELP_PLATFORM_OPTION,
        { "--policy host", N_("default AND what the platform supports (default)") },
        { "--policy compat", N_("every host-dependent feature off: the most portable ABI") },
        { "-o, --output FILE", N_("write the pinned XML to FILE (atomically); with --live\n"
                                  "instead of defining it") },
        { "--in-place", N_("replace DOMAIN.xml atomically") },
        { "--json", N_("print a JSON summary (to stdout with -o/--in-place/--live)") },
        { "--require-labels[=FORMAT]",
          N_("print what a node needs to honour the pins, not the XML:\n"
             "nfd (default), a Kubernetes nodeSelector on the labels of\n"
             "'probe --format nfd', or nova, flavor extra specs on the traits\n"
             "of 'probe --format nova'. Without --platform: the pins\n"
             "DOMAIN.xml has; nothing is pinned or written") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
        { "--live", N_("NAME is a running libvirt domain: read its QEMU over QMP") },
        { "-c, --connect URI", N_("with --live: the libvirt connection, as for virsh") },
        { "--migratable", N_("with --live -o: every value as a <qemu:override> property and\n"
                             "<driver> untouched, for 'virsh migrate --xml FILE': the\n"
                             "running guest keeps its ABI on a destination whose defaults\n"
                             "differ") },
    };

    CLI_PRINT_HELP("abipin pin DOMAIN.xml [--platform PROFILE] [--policy host|compat]\n"
                   "        [-o FILE | --in-place] [--json | --require-labels[=FORMAT]]\n"
                   "        [--emulator PATH] [--no-cache]\n"
                   "       abipin pin --live NAME [-c URI] [-o FILE [--migratable]] [--json]",
                   N_("Resolve every host-dependent virtio-net feature of DOMAIN.xml to an explicit on/off\n"
                      "for a platform, pin the backend choice (<driver name='vhost'|'qemu'>) and record what\n"
                      "was pinned and why in <metadata>. An explicit 'on' the platform cannot honour is\n"
                      "refused, never flipped. Writes the pinned XML to standard output by default.\n"
                      "With --live, pin the persistent definition of the running domain NAME to exactly\n"
                      "what its QEMU offers now (the device's properties over QMP, masked by this host)\n"
                      "and define it through libvirt\n"
                      "(or write it to -o FILE), so the next boot offers the guest the same.\n"),
                   options);
}

/**
 * cli_parse_pin_option:
 *
 * The options pin and define share: --platform, --policy, and the probe
 * options. Returns 1 if @opt was one of them, 0 if not, or a usage error.
 */
int cli_parse_pin_option(const char *command, int opt, CliPinOptions *o)
{
    if (cli_parse_probe_option(opt, &o->probe))
        return 1;
    switch (opt) {
    case 'p':
        o->platform = optarg;
        return 1;
    case 'P':
        if (strcmp(optarg, "host") == 0)
            o->policy = ABIPIN_POLICY_HOST;
        else if (strcmp(optarg, "compat") == 0)
            o->policy = ABIPIN_POLICY_COMPAT;
        else
            return cli_usage_error(command, _("--policy is 'host' or 'compat', not '%1$s'"), optarg);
        o->policy_given = true;
        return 1;
    }
    return 0;
}

/**
 * cli_pin_document:
 * @d: the parsed domain, pinned in place
 * @ret_xml: the pinned document
 * @ret_report: the JSON summary (abipin_record_to_json of the new record)
 *
 * The whole of pin except reading the input and writing the output.
 */
int cli_pin_document(AbipinDomain *d, CliPinOptions *o, char **ret_xml, size_t *ret_len,
                     json_object **ret_report)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *platform = NULL;
    AbipinPinContext ctx;
    int r;

    if ((r = cli_platform_setup(d, o->platform, &o->probe, &cat, &platform)) < 0 ||
        (r = abipin_pin_context_init(&ctx, cat, platform, o->policy)) < 0)
        return r;
    if ((r = abipin_pin_domain(&ctx, d)) < 0 || (r = abipin_domain_format(d, ret_xml, ret_len)) < 0)
        return r;
    *ret_report = abipin_record_to_json(d->record, d->name);
    return 0;
}

/* --require-labels: what a node needs, from the pinned result (with
 * --platform) or from the pins @path has; the XML goes only to -o or
 * --in-place. Everything is computed before anything is written. */
static int pin_require_labels(const char *path, CliPinOptions *o, const char *output,
                              AbipinLabelKind kind)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *need = NULL;
    _cleanup_(json_object_putp) json_object *report = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_free_ char *xml = NULL, *labels = NULL;
    size_t len, labels_len;
    int r;

    if (!o->platform && output)
        return cli_usage_error("pin", _("--require-labels without --platform reads the pins "
                                        "DOMAIN.xml has: -o and --in-place need --platform"));
    if (!o->platform && o->policy_given)
        return cli_usage_error("pin", _("--require-labels without --platform reads the pins "
                                        "DOMAIN.xml has: --policy needs --platform"));
    if ((r = abipin_domain_load(path, &d)) < 0 ||
        (o->platform && (r = cli_pin_document(d, o, &xml, &len, &report)) < 0) ||
        (r = abipin_catalogue_load_default(&cat)) < 0)
        return r;
    r = abipin_check_requirements(cat, d, &problems, &need);
    if (r < 0)
        return r;
    cli_print_problems(&problems, stderr, arg_quiet ? NULL : stderr);
    if (r > 0)
        return abipin_error_set(ABIPIN_ERR_REFUSED, -EPERM,
                                _("no host can honour every pin of '%1$s'"), d->label);
    if ((r = abipin_labels_format_requirements(need, kind, &labels, &labels_len)) < 0 ||
        (output && (r = cli_write_output(output, xml, len)) < 0))
        return r;
    if (report && !arg_quiet)
        cli_pin_print_summary(d);
    return cli_write_output(NULL, labels, labels_len);
}

int cmd_pin(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },      { "json", no_argument, NULL, 'j' },
        { "output", required_argument, NULL, 'o' }, { "in-place", no_argument, NULL, 'i' },
        { "require-labels", optional_argument, NULL, 'R' },
        { "live", no_argument, NULL, 'L' },     { "connect", required_argument, NULL, 'c' },
        { "migratable", no_argument, NULL, 'M' },
        CLI_PIN_OPTIONS,                        {},
    };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(json_object_putp) json_object *report = NULL;
    _cleanup_free_ char *xml = NULL;
    CliPinOptions o = { 0 };
    const char *output = NULL, *uri = NULL;
    bool json = false, in_place = false, require = false, live = false, platform_options = false;
    unsigned live_flags = 0;
    int kind = ABIPIN_LABELS_NFD;
    size_t len;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "ho:c:", options, NULL)) >= 0) {
        if ((r = cli_parse_pin_option("pin", opt, &o)) != 0) {
            if (r < 0)
                return r;
            platform_options = true;
            continue;
        }
        switch (opt) {
        case 'h':
            pin_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 'o':
            output = optarg;
            break;
        case 'i':
            in_place = true;
            break;
        case 'L':
            live = true;
            break;
        case 'c':
            uri = optarg;
            break;
        case 'M':
            live_flags |= ABIPIN_PIN_OVERRIDES_ONLY;
            break;
        case 'R':
            require = true;
            if (optarg && (kind = abipin_label_kind_from_string(optarg)) < 0)
                return cli_usage_error("pin", _("--require-labels is nfd or nova, not '%1$s'"),
                                       optarg);
            break;
        default:
            return cli_usage_error("pin", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (live && require)
        return cli_usage_error("pin", _("--live and --require-labels exclude each other"));
    if (live_flags && !live)
        return cli_usage_error("pin", _("--migratable goes with --live"));
    if (live)
        return cmd_pin_live_args(argc - optind, argv + optind, uri, output, json,
                                 in_place || platform_options, live_flags);
    if (uri)
        return cli_usage_error("pin", _("-c/--connect goes with --live"));
    if (argc - optind != 1)
        return cli_usage_error("pin", _("exactly one domain XML file is needed"));
    if (in_place && output)
        return cli_usage_error("pin", _("-o and --in-place exclude each other"));
    if (in_place && strcmp(argv[optind], "-") == 0)
        return cli_usage_error("pin", _("--in-place needs a file, not standard input"));
    if (json && require)
        return cli_usage_error("pin", _("--json and --require-labels exclude each other"));
    if (in_place)
        output = argv[optind];
    if (require)
        return pin_require_labels(argv[optind], &o, output, kind);
    if ((r = abipin_domain_load(argv[optind], &d)) < 0 ||
        (r = cli_pin_document(d, &o, &xml, &len, &report)) < 0 ||
        (r = cli_write_output(output, xml, len)) < 0)
        return r;
    if (json)
        return cli_print_json(output ? stdout : stderr, report);
    if (!arg_quiet)
        cli_pin_print_summary(d);
    return 0;
}
