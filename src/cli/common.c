/* Helpers every subcommand shares (and the stand-alone hook binary). */
#include <config.h>

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"
#include "platforms.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

bool arg_quiet;

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
 * --emulator), shared by pin, check, define, start and the hook. */
int cli_platform_setup(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                       AbipinCatalogue **ret_cat, AbipinProfile **ret_platform)
{
    int r = abipin_catalogue_load_default(ret_cat);

    if (r < 0)
        return r;
    if (!opts->emulator)
        opts->emulator = d->emulator;
    return abipin_platform_for_domain(platform ? platform : "host", opts, ret_platform);
}

/**
 * cli_check_document:
 * @problems: receives one object per finding
 * @ret_platform_name: the platform's name (for messages), may be NULL
 *
 * check, start and the hook: returns the number of errors found.
 */
int cli_check_document(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                       bool strict, json_object *problems, char **ret_platform_name)
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
    if (ret_platform_name && !(*ret_platform_name = strdup(profile->name)))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    return r;
}

/* Errors to @errors, warnings (prefixed) to @warnings unless NULL. */
void cli_print_problems(json_object *problems, FILE *errors, FILE *warnings)
{
    for (size_t i = 0; i < json_object_array_length(problems); i++) {
        json_object *p = json_object_array_get_idx(problems, i);
        const char *msg = json_object_get_string(json_object_object_get(p, "message"));

        if (strcmp(json_object_get_string(json_object_object_get(p, "severity")), "error") == 0)
            fprintf(errors, "%s\n", msg);
        else if (warnings)
            fprintf(warnings, _("warning: %1$s\n"), msg);
    }
}

