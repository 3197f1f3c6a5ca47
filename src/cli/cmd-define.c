#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/i18n.h"
#include "virt/virt.h"

static void define_help(void)
{
    static const CliHelpOption options[] = {
        { "-c, --connect URI", N_("the libvirt connection URI, as for virsh -c") },
        CLI_HELP_PLATFORM_OPTION,
        { "--policy host|compat", N_("as for 'abipin pin' (default: host)") },
        { "--json", N_("print the pin summary as JSON") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin define DOMAIN.xml [-c URI] [--platform PROFILE] [--policy host|compat]\n"
                   "        [--json] [--emulator PATH] [--no-cache]",
                   N_("Pin DOMAIN.xml (as 'abipin pin') and define the result through libvirt\n"
                      "(virDomainDefineXML). The file itself is not changed.\n"),
                   options);
}

int cmd_define(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },     { "json", no_argument, NULL, 'j' },
        { "connect", required_argument, NULL, 'c' }, CLI_PIN_OPTIONS, {},
    };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(json_object_putp) json_object *report = NULL;
    _cleanup_(abipin_virt_connect_closep) virConnectPtr conn = NULL;
    _cleanup_(abipin_virt_domain_freep) virDomainPtr dom = NULL;
    _cleanup_free_ char *xml = NULL;
    CliPinOptions o = { 0 };
    const char *uri = NULL;
    bool json = false;
    size_t len;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "hc:", options, NULL)) >= 0) {
        if ((r = cli_parse_pin_option("define", opt, &o)) != 0) {
            if (r < 0)
                return r;
            continue;
        }
        switch (opt) {
        case 'h':
            define_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 'c':
            uri = optarg;
            break;
        default:
            return cli_usage_error("define", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (argc - optind != 1)
        return cli_usage_error("define", _("exactly one domain XML file is needed"));
    /* Connect first: with a remote URI the local host is the wrong one to
     * pin for, unless a platform is given. */
    if ((r = abipin_domain_load(argv[optind], &d)) < 0 || (r = abipin_virt_connect(uri, &conn)) < 0)
        return r;
    if (abipin_virt_is_remote(conn) && !o.platform) {
        /* the URI connected to: without -c, libvirt's default one */
        _cleanup_free_ char *remote_uri = abipin_virt_uri(conn);

        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("'%1$s' is another host: pin for it with --platform (its profile, "
                                  "from 'abipin probe -o' there, or a cluster baseline)"),
                                remote_uri);
    }
    if ((r = cli_pin_document(d, &o, &xml, &len, &report)) < 0 ||
        (r = abipin_virt_define(conn, xml, &dom)) < 0)
        return r;
    if (json)
        return cli_print_json(stdout, report);
    if (!arg_quiet) {
        cli_pin_print_summary(d);
        printf(_("Domain '%1$s' defined from %2$s, pinned\n"), abipin_virt_domain_name(dom), argv[optind]);
    }
    return 0;
}
