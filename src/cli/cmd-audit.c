#include <config.h>

#include <dirent.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "cli/cli.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"

static void audit_help(void)
{
    static const CliHelpOption options[] = {
        CLI_HELP_PLATFORM_OPTION,
        { "--json", N_("JSON instead of text") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin audit FILE|DIR... [--platform PROFILE] [--json] [--emulator PATH] [--no-cache]",
                   N_("For every domain definition (DIR: its *.xml files, e.g. /etc/libvirt/qemu): the\n"
                      "host-dependent features left unpinned, explicit 'on' values the platform (default:\n"
                      "this host) cannot honour, pins made against a platform whose atoms differ from it\n"
                      "(stale), and interfaces whose vhost-net choice libvirt would make silently. Exit 1\n"
                      "when anything is found, 2 if a file cannot be read.\n"),
                   options);
}

typedef struct {
    AbipinProbeOptions opts;
    const char *platform_spec;
    AbipinCatalogue *cat;
    AbipinProfile *platform;
    AbipinPinContext ctx;
    char *digest;
    bool json;
    size_t audited, findings, unreadable;
} Audit;

/* The platform is resolved once, for the first domain's emulator: an audit
 * of a host's definitions asks about that host. */
static int audit_platform(Audit *a, const AbipinDomain *d)
{
    int r;

    if (a->platform)
        return 0;
    if ((r = cli_platform_setup(d, a->platform_spec, &a->opts, &a->cat, &a->platform)) < 0 ||
        (r = abipin_pin_context_init(&a->ctx, a->cat, a->platform, ABIPIN_POLICY_HOST)) < 0)
        return r;
    a->digest = abipin_platform_digest(a->platform);
    return a->digest ? 0 : abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
}

/* Each file's findings go out as soon as it is audited: a fleet's report
 * need not fit in memory. JSON is framed here, each entry by json-c,
 * indented to its depth in {"domains": [...], "platform": NAME}. */
static void audit_emit(Audit *a, json_object *entry)
{
    json_object *list = json_object_object_get(entry, "findings");

    if (a->json) {
        fputs(a->audited ? ",\n    " : "{\n  \"domains\": [\n    ", stdout);
        for (const char *s = json_object_to_json_string_ext(entry, CLI_JSON_FLAGS); *s; s++)
            fputs(*s == '\n' ? "\n    " : (char[]) { *s, 0 }, stdout);
    }
    for (size_t k = 0; !a->json && k < json_object_array_length(list); k++) {
        json_object *f = json_object_array_get_idx(list, k);

        printf("%s: %s: %s\n", json_object_get_string(json_object_object_get(entry, "file")),
               json_object_get_string(json_object_object_get(f, "kind")),
               json_object_get_string(json_object_object_get(f, "message")));
    }
    a->audited++;
}

static int audit_file(Audit *a, const char *path)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(json_object_putp) json_object *entry = json_object_new_object();
    json_object *list = json_object_new_array();
    int r;

    json_object_object_add(entry, "file", json_object_new_string(path));
    json_object_object_add(entry, "findings", list);
    abipin_error_reset();
    r = abipin_domain_load_flags(path, ABIPIN_DOMAIN_READ_ONLY, &d);
    if (r >= 0) {
        json_object_object_add(entry, "domain", json_object_new_string(d->name));
        /* a bad --platform is the command's error, not this file's */
        if ((r = audit_platform(a, d)) < 0)
            return r;
        r = abipin_audit_domain(&a->ctx, a->digest, d, list);
    }
    if (r < 0 && abipin_error_category() == ABIPIN_ERR_INPUT) {
        /* One bad file does not stop a fleet audit. */
        abipin_audit_add(list, "unreadable", NULL, abipin_error_message());
        a->unreadable++;
        r = 0;
    } else {
        a->findings += json_object_array_length(list);
    }
    if (r >= 0)
        audit_emit(a, entry);
    return r;
}

static int is_xml(const struct dirent *e)
{
    size_t n = strlen(e->d_name);

    return e->d_name[0] != '.' && n > 4 && strcmp(e->d_name + n - 4, ".xml") == 0;
}

static int audit_path(Audit *a, const char *path)
{
    struct dirent **ents = NULL;
    struct stat st;
    int n, r = 0;

    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return audit_file(a, path);
    n = scandir(path, &ents, is_xml, alphasort);
    if (n < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, negative_errno(), _("cannot read '%1$s': %2$s"),
                                path, strerror(errno));
    for (int i = 0; i < n; i++) {
        _cleanup_free_ char *file = NULL;

        if (r >= 0 && asprintf(&file, "%s/%s", path, ents[i]->d_name) >= 0)
            r = audit_file(a, file);
        free(ents[i]);
    }
    free(ents);
    return r;
}

static int audit_finish(const Audit *a)
{
    if (a->json) {
        json_object *name = a->platform ? json_object_new_string(a->platform->name) : NULL;

        fputs(a->audited ? "\n  ],\n" : "{\n  \"domains\": [\n  ],\n", stdout);
        printf("  \"platform\": %s\n}\n", json_object_to_json_string(name));
        json_object_put(name);
    } else if (!arg_quiet) {
        char defs[64], finds[64];

        /* two counts, two plural forms: each its own message */
        snprintf(defs, sizeof(defs), P_("%1$zu definition", "%1$zu definitions", a->audited),
                 a->audited);
        snprintf(finds, sizeof(finds), P_("%1$zu finding", "%1$zu findings", a->findings),
                 a->findings);
        printf(_("audited %1$s: %2$s, %3$zu unreadable\n"), defs, finds, a->unreadable);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot write the output: %1$s"),
                                strerror(errno));
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },
        { "json", no_argument, NULL, 'j' },
        { "platform", required_argument, NULL, 'p' },
        CLI_PROBE_OPTIONS,
        {},
    };
    Audit a = { 0 };
    int opt, r = 0;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &a.opts))
            continue;
        switch (opt) {
        case 'h':
            audit_help();
            return 0;
        case 'j':
            a.json = true;
            break;
        case 'p':
            a.platform_spec = optarg;
            break;
        default:
            return cli_usage_error("audit", _("bad option"));
        }
    }
    if (a.json)
        cli_untranslated();
    if (optind == argc)
        r = cli_usage_error("audit", _("no file or directory given"));
    for (int i = optind; i < argc && r >= 0; i++)
        r = audit_path(&a, argv[i]);
    if (r >= 0)
        r = audit_finish(&a);
    if (r >= 0 && a.unreadable)
        r = abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, P_("%1$zu definition could not be read",
                                                            "%1$zu definitions could not be read",
                                                            a.unreadable),
                             a.unreadable);
    else if (r >= 0)
        r = a.findings ? EXIT_REFUSED : 0;
    free(a.digest);
    abipin_profile_free(a.platform);
    abipin_catalogue_free(a.cat);
    return r;
}
