#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "conf.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"
#include "virt/virt.h"

static void start_help(void)
{
    static const CliHelpOption options[] = {
        { "-c, --connect URI", N_("the libvirt connection URI, as for virsh -c") },
        CLI_HELP_PLATFORM_OPTION,
        { "--strict", N_("an unpinned interface is an error, not a warning") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin start NAME [-c URI] [--platform PROFILE] [--strict] [--emulator PATH]\n"
                   "        [--no-cache]",
                   N_("Check the persistent definition of domain NAME against this host (or PROFILE) and\n"
                      "start it through libvirt only if the host honours every pin; otherwise exit 1 with\n"
                      "the reasons and leave the domain off. With a remote URI, give the remote host's\n"
                      "profile with --platform: this host is the wrong one to ask.\n"),
                   options);
}

int cmd_start(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },         { "connect", required_argument, NULL, 'c' },
        { "platform", required_argument, NULL, 'p' }, { "strict", no_argument, NULL, 's' },
        CLI_PROBE_OPTIONS,                         {},
    };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_(abipin_virt_connect_closep) virConnectPtr conn = NULL;
    _cleanup_(abipin_virt_domain_freep) virDomainPtr dom = NULL;
    _cleanup_free_ char *xml = NULL, *platform_name = NULL;
    _cleanup_(abipin_config_clear) AbipinConfig conf = { .enforce = true };
    AbipinProbeOptions opts = { 0 };
    const char *uri = NULL, *platform = NULL;
    bool strict = false;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "hc:", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            start_help();
            return 0;
        case 'c':
            uri = optarg;
            break;
        case 'p':
            platform = optarg;
            break;
        case 's':
            strict = true;
            break;
        default:
            return cli_usage_error("start", _("bad option"));
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("start", _("exactly one domain name is needed"));
    if ((r = abipin_virt_connect(uri, &conn)) < 0)
        return r;
    if (abipin_virt_is_remote(conn) && !platform) {
        /* the URI connected to: without -c, libvirt's default one */
        _cleanup_free_ char *remote_uri = abipin_virt_uri(conn);

        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("'%1$s' is another host: give its profile with --platform, or "
                                  "rely on abipin's hook on that host, which enforces the pins "
                                  "there"),
                                remote_uri);
    }
    /* Locally, the host is what /etc/abipin.conf says it is, as for the
     * hook: a fixed host_profile (a cluster baseline) applies to both. */
    if (!platform && !abipin_virt_is_remote(conn)) {
        if ((r = abipin_config_load(abipin_config_path(), &conf)) < 0)
            return r;
        platform = conf.host_profile;
        /* the environment overrides the file, as for every setting */
        if (!getenv("ABIPIN_CACHE_DIR"))
            opts.cache_dir = conf.cache_dir;
    }
    if ((r = abipin_virt_lookup(conn, argv[optind], &dom)) < 0 ||
        (r = abipin_virt_inactive_xml(dom, &xml)) < 0 ||
        (r = abipin_domain_parse_flags(argv[optind], xml, strlen(xml), ABIPIN_DOMAIN_READ_ONLY,
                                       &d)) < 0 ||
        (r = cli_check_document(d, platform, &opts, strict, &problems, &platform_name)) < 0)
        return r;
    if (r > 0) {
        cli_print_problems(&problems, stderr, NULL);
        return abipin_error_set(ABIPIN_ERR_REFUSED, -EPERM,
                                _("not starting '%1$s': the platform '%2$s' cannot honour its pins"),
                                d->label, platform_name);
    }
    if (!arg_quiet)
        cli_print_problems(&problems, stderr, stderr);
    if ((r = abipin_virt_start(dom)) < 0)
        return r;
    if (!arg_quiet)
        printf(_("Domain '%1$s' started (pins checked against '%2$s')\n"), d->label, platform_name);
    return 0;
}
