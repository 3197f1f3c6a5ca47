#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

bool arg_quiet;

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

/**
 * cli_usage_error:
 *
 * Record a usage error for @command (exit 2) and return it.
 */
int cli_usage_error(const char *command, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s: %2$s (see '%3$s %1$s --help')"),
                            command, msg, program_invocation_short_name);
}

bool cli_parse_probe_option(int opt, AbipinProbeOptions *opts)
{
    switch (opt) {
    case 'E':
        opts->emulator = optarg;
        return true;
    case 'N':
        opts->no_cache = true;
        return true;
    }
    return false;
}

/* Standard output or an atomic file: a reader of @path never sees half a
 * document, and on error @path is untouched. */
int cli_write_output(const char *path, const char *data, size_t len)
{
    if (path && strcmp(path, "-") != 0)
        return abipin_file_write_atomic(path, data, len, 0644);
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(), _("cannot write the output: %1$s"),
                                strerror(errno));
    return 0;
}

int cli_print_json(FILE *f, json_object *o)
{
    const char *s = json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);

    if (!s || fprintf(f, "%s\n", s) < 0 || fflush(f) != 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot write the output: %1$s"),
                                strerror(errno));
    return 0;
}

int cli_write_json(const char *path, json_object *o)
{
    size_t len;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    _cleanup_free_ char *line = NULL;

    if (!s || asprintf(&line, "%s\n", s) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    return cli_write_output(path, line, len + 1);
}

int cli_write_profile(const char *path, const AbipinProfile *p, bool json)
{
    _cleanup_free_ char *xml = NULL;
    size_t len;
    int r;

    if (json) {
        json_object *o = abipin_profile_to_json(p);

        r = o ? cli_write_json(path, o) : abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
        json_object_put(o);
        return r;
    }
    r = abipin_profile_format_xml(p, &xml, &len);
    return r < 0 ? r : cli_write_output(path, xml, len);
}

static int exit_code_of(int r)
{
    const char *msg = abipin_error_message();

    if (r >= 0)
        return r;
    fprintf(stderr, "%s: %s\n", program_invocation_short_name,
            msg ? msg : _("internal error without a message"));
    switch (abipin_error_category()) {
    case ABIPIN_ERR_REFUSED:
        return EXIT_REFUSED;
    case ABIPIN_ERR_INPUT:
        return 2;
    default:
        return 3;
    }
}

int main(int argc, char **argv)
{
    int i = 1;

    setlocale(LC_ALL, "");
    bindtextdomain(PACKAGE, LOCALEDIR);
    /* Data is written with '.' decimals whatever the locale. */
    setlocale(LC_NUMERIC, "C");

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
            return exit_code_of(abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
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
            return exit_code_of(commands[c].run(argc - i, argv + i));
        }
    return exit_code_of(abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                         _("unknown command '%1$s' (see '%2$s --help')"), argv[i],
                                         program_invocation_short_name));
}
