#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "pin.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"

static void pin_help(void)
{
    printf(_("Usage: abipin pin DOMAIN.xml [--platform PROFILE] [--policy host|compat]\n"
             "                  [-o FILE | --in-place] [--json] [--emulator PATH] [--no-cache]\n"
             "Resolve every host-dependent virtio-net feature of DOMAIN.xml to an explicit on/off\n"
             "for a platform, pin the backend choice (<driver name='vhost'|'qemu'>) and record what\n"
             "was pinned and why in <metadata>. An explicit 'on' the platform cannot honour is\n"
             "refused, never flipped. Writes the pinned XML to standard output by default.\n\n"
             "  --platform PROFILE  host (default), latest, a shipped platform name or a file\n"
             "  --policy host       default AND what the platform supports (default)\n"
             "  --policy compat     every host-dependent feature off: the most portable ABI\n"
             "  -o, --output FILE   write the pinned XML to FILE (atomically)\n"
             "  --in-place          replace DOMAIN.xml atomically\n"
             "  --json              print a JSON summary (to stdout with -o/--in-place)\n"
             "  --emulator PATH     the emulator to probe (default: the domain's <emulator>)\n"));
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
        return 1;
    }
    return 0;
}

/**
 * cli_pin_document:
 * @d: the parsed domain, pinned in place
 * @ret_xml: the pinned document
 * @ret_report: the JSON summary
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
    r = abipin_pin_domain(&ctx, d, ret_report);
    if (r < 0)
        return r;
    return abipin_domain_format(d, ret_xml, ret_len);
}

void cli_pin_print_summary(json_object *report)
{
    json_object *ifaces = json_object_object_get(report, "interfaces");
    char dom[ABIPIN_QUOTE_MAX], alias[ABIPIN_QUOTE_MAX], mac[ABIPIN_QUOTE_MAX];

    fprintf(stderr, _("abipin: pinned %1$s against '%2$s' (policy %3$s, QEMU %4$s, %5$s): %6$zu interfaces\n"),
            abipin_error_quote(json_object_get_string(json_object_object_get(report, "domain")), dom,
                               sizeof(dom)),
            json_object_get_string(json_object_object_get(report, "platform")),
            json_object_get_string(json_object_object_get(report, "policy")),
            json_object_get_string(json_object_object_get(report, "emulator")),
            json_object_get_string(json_object_object_get(report, "machine")),
            json_object_array_length(ifaces));
    for (size_t i = 0; i < json_object_array_length(ifaces); i++) {
        json_object *it = json_object_array_get_idx(ifaces, i);
        json_object *fs = json_object_object_get(it, "features");
        const char *a = json_object_get_string(json_object_object_get(it, "alias"));
        const char *m = json_object_get_string(json_object_object_get(it, "mac"));
        size_t on = 0, off = 0;

        fprintf(stderr, "  %s (%s), %s:", abipin_error_quote(a ? a : "-", alias, sizeof(alias)),
                abipin_error_quote(m ? m : "-", mac, sizeof(mac)),
                json_object_get_string(json_object_object_get(it, "backend")));
        for (size_t k = 0; k < json_object_array_length(fs); k++) {
            json_object *f = json_object_array_get_idx(fs, k);
            const char *value = json_object_get_string(json_object_object_get(f, "value"));
            const char *why = json_object_get_string(json_object_object_get(f, "why"));
            const char *atom = json_object_get_string(json_object_object_get(f, "atom"));
            const char *name = json_object_get_string(json_object_object_get(f, "name"));

            if (!name) { /* the backend choice */
                fprintf(stderr, " driver %s;", value);
                continue;
            }
            on += strcmp(value, "on") == 0;
            off += strcmp(value, "off") == 0;
            if (strcmp(why, "host-lacks") == 0 || strcmp(why, "backend") == 0)
                fprintf(stderr, " %s off (%s%s),", name, atom ? _("lacks ") : _("no vnet header"),
                        atom ? atom : "");
        }
        fprintf(stderr, _(" %1$zu on, %2$zu off\n"), on, off);
    }
}

int cmd_pin(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },      { "json", no_argument, NULL, 'j' },
        { "output", required_argument, NULL, 'o' }, { "in-place", no_argument, NULL, 'i' },
        CLI_PIN_OPTIONS,                        {},
    };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(json_object_putp) json_object *report = NULL;
    _cleanup_free_ char *xml = NULL;
    CliPinOptions o = { 0 };
    const char *output = NULL;
    bool json = false, in_place = false;
    size_t len;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) >= 0) {
        if ((r = cli_parse_pin_option("pin", opt, &o)) != 0) {
            if (r < 0)
                return r;
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
        default:
            return cli_usage_error("pin", _("bad option"));
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("pin", _("exactly one domain XML file is needed"));
    if (in_place && output)
        return cli_usage_error("pin", _("-o and --in-place exclude each other"));
    if (in_place && strcmp(argv[optind], "-") == 0)
        return cli_usage_error("pin", _("--in-place needs a file, not standard input"));
    if (in_place)
        output = argv[optind];
    if ((r = abipin_domain_load(argv[optind], &d)) < 0 ||
        (r = cli_pin_document(d, &o, &xml, &len, &report)) < 0 ||
        (r = cli_write_output(output, xml, len)) < 0)
        return r;
    if (json)
        return cli_print_json(output ? stdout : stderr, report);
    if (!arg_quiet)
        cli_pin_print_summary(report);
    return 0;
}
