/* Helpers every subcommand shares (and the stand-alone hook binary). */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <string.h>

#include "arch.h"
#include "cli/cli.h"
#include "platforms.h"
#include "profile-json.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

bool arg_quiet;

/**
 * cli_i18n_init:
 *
 * The user's locale for messages, abipin's catalogue from LOCALEDIR or
 * $ABIPIN_LOCALEDIR (an uninstalled build, the tests), and '.' decimals in
 * data whatever the locale.
 */
void cli_i18n_init(void)
{
    const char *dir = secure_getenv("ABIPIN_LOCALEDIR"), *all = getenv("LC_ALL");

    /* libvirt runs its hooks with LC_ALL=C, the locale a process starts
     * in: setlocale(LC_ALL, "") would only read the environment and the
     * locale archive to get there again (0.17 M of the warm hook's 4.6 M
     * instructions). LC_ALL wins over every other variable. */
    if (!all || (strcmp(all, "C") != 0 && strcmp(all, "POSIX") != 0))
        setlocale(LC_ALL, "");
    bindtextdomain(PACKAGE, dir && *dir ? dir : LOCALEDIR);
    setlocale(LC_NUMERIC, "C");
}

/* --json: the document is data and never translated (abipin_i18n_data_begin),
 * and the messages it carries (check's problems, compare's meanings, audit's
 * findings) are part of it; so the whole run keeps the C locale's messages. */
void cli_untranslated(void)
{
    (void) abipin_i18n_data_begin();
}

/* "  NAMES  TEXT", the text's further lines under its first */
static void cli_print_help_option(int width, const char *names, const char *text)
{
    for (const char *line = text; *line;) {
        int len = (int) strcspn(line, "\n");

        printf("  %-*s  %.*s\n", width, line == text ? names : "", len, line);
        line += len + (line[len] == '\n');
    }
}

/**
 * cli_print_help:
 * @synopsis: "abipin CMD ARGS [OPTIONS]", continuation lines indented; not
 *   translated (option names and metavariables are what the user types)
 * @description: N_() text, each line ending in a newline
 *
 * A command's --help: usage, description, then one line per option. The
 * format is what tests/help-manual.sh reads: the usage block is the first
 * line and the lines after it that start with a space, options are the
 * lines that start with "  -".
 */
void cli_print_help(const char *synopsis, const char *description, const CliHelpOption *options,
                    size_t n_options)
{
    static const CliHelpOption help = { "-h, --help", N_("print this help and exit") };
    int width = (int) strlen(help.names);

    for (size_t i = 0; i < n_options; i++)
        if ((int) strlen(options[i].names) > width)
            width = (int) strlen(options[i].names);
    printf(_("Usage: %1$s\n"), synopsis);
    fputs(_(description), stdout);
    printf("\n%s\n", _("Options:"));
    for (size_t i = 0; i < n_options; i++)
        cli_print_help_option(width, options[i].names, _(options[i].text));
    cli_print_help_option(width, help.names, _(help.text));
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
        return abipin_file_write_atomic(path, data, len, 0666, 0);
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(), _("cannot write the output: %1$s"),
                                strerror(errno));
    return 0;
}

int cli_print_json(FILE *f, json_object *o)
{
    const char *s = abipin_json_to_string(o, CLI_JSON_FLAGS, NULL);

    if (fprintf(f, "%s\n", s) < 0 || fflush(f) != 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot write the output: %1$s"),
                                strerror(errno));
    return 0;
}

int cli_write_json(const char *path, json_object *o)
{
    size_t len;
    const char *s = abipin_json_to_string(o, CLI_JSON_FLAGS, &len);
    _cleanup_free_ char *line = abipin_asprintf("%s\n", s);

    return cli_write_output(path, line, len + 1);
}

int cli_write_profile(const char *path, const AbipinProfile *p, bool json)
{
    _cleanup_free_ char *xml = NULL;
    size_t len;
    int r;

    if (json) {
        _cleanup_(json_object_putp) json_object *o = abipin_profile_to_json(p);

        return cli_write_json(path, o);
    }
    r = abipin_profile_format_xml(p, &xml, &len);
    return r < 0 ? r : cli_write_output(path, xml, len);
}

/* Print the recorded error once and map its category to the exit code. */
int cli_exit_code(int r)
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

/* Load the catalogue and the platform for @d (the domain's emulator unless
 * --emulator). Where the platform's emulator is this host's, @d's machine
 * type is measured (or read from the cache) first: its defaults are the
 * emulator's, not a model's. audit shares one platform between many
 * definitions (cli_platform_ask_backends per definition). */
int cli_platform_setup_shared(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                              AbipinCatalogue **ret_cat, AbipinProfile **ret_platform)
{
    int r;

    /* before any probe: a guest abipin has no model of is the definition's
     * error (exit 2), whether or not this host has its emulator */
    if ((r = abipin_domain_check_modelled(d)) < 0 || (r = abipin_catalogue_load_default(ret_cat)) < 0)
        return r;
    if (!opts->emulator)
        opts->emulator = d->emulator;
    if (d->machine && opts->n_machines == 0) {
        opts->machines = &d->machine;
        opts->n_machines = 1;
    }
    return abipin_platform_for_domain(platform ? platform : "host", opts, ret_platform);
}

/* On this host (no --platform), the vhost-user backends @d's sockets
 * reach and its vDPA devices are asked what they offer; another host's
 * profile names its own. */
int cli_platform_ask_backends(const AbipinDomain *d, const char *platform,
                              const AbipinCatalogue *cat, AbipinProfile *p)
{
    return platform ? 0 : abipin_probe_domain_backends(p, cat, d);
}

/* cli_platform_setup_shared and cli_platform_ask_backends: pin, check,
 * abi, diff, define, start and the hook. */
int cli_platform_setup(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                       AbipinCatalogue **ret_cat, AbipinProfile **ret_platform)
{
    int r;

    if ((r = cli_platform_setup_shared(d, platform, opts, ret_cat, ret_platform)) < 0)
        return r;
    return cli_platform_ask_backends(d, platform, *ret_cat, *ret_platform);
}

/**
 * cli_check_document:
 * @problems: receives one problem per finding
 * @ret_platform_name: the platform's name (for messages), may be NULL
 *
 * check, start and the hook: returns the number of errors found.
 */
int cli_check_document(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                       bool strict, AbipinProblemList *problems, char **ret_platform_name)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *profile = NULL;
    AbipinCheckOptions copts = { .strict = strict };
    AbipinPinContext ctx;
    int r;

    if ((r = cli_platform_setup(d, platform, opts, &cat, &profile)) < 0 ||
        (r = abipin_pin_context_init(&ctx, cat, profile, ABIPIN_POLICY_HOST)) < 0 ||
        (r = abipin_check_domain(&ctx, d, &copts, problems)) < 0)
        return r;
    if (ret_platform_name)
        *ret_platform_name = abipin_strdup(profile->name);
    return r;
}

/* Errors to @errors, warnings (prefixed) to @warnings unless NULL. */
void cli_print_problems(const AbipinProblemList *problems, FILE *errors, FILE *warnings)
{
    for (size_t i = 0; i < problems->n; i++) {
        const AbipinProblem *p = &problems->items[i];

        if (p->severity == ABIPIN_PROBLEM_ERROR)
            fprintf(errors, "%s\n", p->message);
        else if (warnings)
            fprintf(warnings, _("warning: %1$s\n"), p->message);
    }
}
