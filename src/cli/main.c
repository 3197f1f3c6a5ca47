#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "probe", cmd_probe, N_("probe this host and print its platform profile") },
    { "platforms", cmd_platforms, N_("list shipped platforms and which this host satisfies") },
    { "baseline", cmd_baseline, N_("AND-merge profiles into a cluster baseline") },
    { "compare", cmd_compare, N_("can a host honour a profile; which atoms are missing") },
    { "pin", cmd_pin, N_("resolve every host-dependent virtio-net feature to explicit on/off") },
    { "check", cmd_check, N_("can a platform honour every pin of a domain") },
    { "abi", cmd_abi, N_("the feature bits a definition offers the guest on a platform, and why") },
    { "diff", cmd_diff, N_("guest-ABI differences between two definitions; can A migrate to B") },
    { "explain", cmd_explain, N_("decode QEMU's \"Features 0x... unsupported\" migration error in a log") },
    { "audit", cmd_audit, N_("host-dependent features left unpinned in many definitions") },
    { "define", cmd_define, N_("pin a domain and define it through libvirt") },
    { "start", cmd_start, N_("check a defined domain against this host, then start it") },
    { "hook", cmd_hook, N_("libvirt qemu hook: refuse starts and migrations this host cannot honour") },
};

static void usage(FILE *f)
{
    fprintf(f, _("Usage: %1$s [-q] COMMAND [OPTIONS] [ARGS]\n"
                 "Pin the virtio-net guest ABI of libvirt/QEMU domains.\n\n"
                 "Commands:\n"),
            program_invocation_short_name);
    for (size_t i = 0; i < ELEMENTSOF(commands); i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
    fprintf(f, _("\n'%1$s COMMAND --help' describes a command.\n"
                 "Exit status: 0 ok, 1 refused or differs, 2 usage or input error, "
                 "3 environment error.\n"),
            program_invocation_short_name);
}

int main(int argc, char **argv)
{
    int i = 1;

    cli_i18n_init();

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
            printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return 0;
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            arg_quiet = true;
        } else {
            return cli_exit_code(abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                                 _("unknown option '%1$s' (see '%2$s --help')"),
                                                 argv[i], program_invocation_short_name));
        }
    }
    if (i == argc) {
        usage(stderr);
        return 2;
    }
    for (size_t c = 0; c < ELEMENTSOF(commands); c++)
        if (strcmp(argv[i], commands[c].name) == 0) {
            optind = 0; /* GNU getopt: start afresh on the command's own argv */
            return cli_exit_code(commands[c].run(argc - i, argv + i));
        }
    return cli_exit_code(abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                         _("unknown command '%1$s' (see '%2$s --help')"), argv[i],
                                         program_invocation_short_name));
}
