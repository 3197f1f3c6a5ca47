#include <config.h>

#include <dirent.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "arch.h"
#include "audit.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "platforms.h"
#include "util/error.h"
#include "util/alloc.h"
#include "util/i18n.h"
#include "util/json.h"

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
                      "(stale), and interfaces whose vhost-net choice libvirt would make silently. Each\n"
                      "definition is audited with its own emulator; one that cannot be read or evaluated\n"
                      "(a guest abipin does not model, an emulator this host lacks) is a finding with its\n"
                      "reason, and the others are audited. Exit 1 when anything is found, 2 if a\n"
                      "definition cannot be read or is not modelled, else 3 if one cannot be evaluated.\n"),
                   options);
}

/* The platform for one emulator (--emulator, else a definition's own), or
 * why there is none: asked once per emulator however many definitions name
 * it, a failure included. */
typedef struct {
    char *emulator; /* NULL: the default emulator */
    AbipinCatalogue *cat;
    AbipinProfile *platform;
    AbipinPinContext ctx;
    char *digest;
    char *failure; /* set: this emulator's definitions cannot be evaluated */
} AuditPlatform;

typedef struct {
    AbipinProbeOptions opts;
    const char *platform_spec;
    AuditPlatform *platforms;
    size_t n_platforms;
    const char *platform_name; /* the first one resolved, for the JSON */
    bool json;
    size_t audited, findings, unreadable, unmodelled, unevaluated;
} Audit;

static void audit_platform_clear(AuditPlatform *p)
{
    free(p->emulator);
    abipin_catalogue_free(p->cat);
    abipin_profile_free(p->platform);
    free(p->digest);
    free(p->failure);
}

static int audit_platform_setup(Audit *a, const AbipinDomain *d, AuditPlatform *p)
{
    AbipinProbeOptions opts = a->opts;
    int r;

    opts.emulator = p->emulator;
    if ((r = cli_platform_setup_shared(d, a->platform_spec, &opts, &p->cat, &p->platform)) < 0 ||
        (r = abipin_pin_context_init(&p->ctx, p->cat, p->platform, ABIPIN_POLICY_HOST)) < 0)
        return r;
    p->digest = abipin_platform_digest(p->platform);
    if (!a->platform_name)
        a->platform_name = p->platform->name;
    return 0;
}

/* The platform @d is audited against, resolved once per emulator: a
 * directory of a host's definitions may name several (qemu-system-x86_64,
 * qemu-system-aarch64), some of them missing here. A failure of the host or
 * of an emulator (ENV) is the definitions' finding; a bad --platform (INPUT)
 * or a host that satisfies no shipped platform (--platform latest, REFUSED)
 * is the command's error. */
static int audit_platform(Audit *a, const AbipinDomain *d, AuditPlatform **ret)
{
    const char *emulator = a->opts.emulator ? a->opts.emulator : d->emulator;
    AuditPlatform *p;
    int r;

    for (size_t i = 0; i < a->n_platforms; i++)
        if (streq_ptr(a->platforms[i].emulator, emulator)) {
            *ret = &a->platforms[i];
            return 0;
        }
    abipin_array_resize(a->platforms, a->n_platforms + 1);
    p = &a->platforms[a->n_platforms++];
    *p = (AuditPlatform) { .emulator = abipin_strdup(emulator) };
    abipin_error_reset();
    r = audit_platform_setup(a, d, p);
    if (r < 0 && abipin_error_category() != ABIPIN_ERR_ENV)
        return r;
    if (r < 0)
        p->failure = abipin_strdup(abipin_error_message());
    *ret = p;
    return 0;
}

/* One audited file: the domain's name once it is read, and its findings. */
typedef struct {
    const char *file;
    const char *domain; /* NULL: the file could not be read */
    AbipinFindingList findings;
} AuditEntry;

static void audit_entry_clear(AuditEntry *e)
{
    abipin_finding_list_clear(&e->findings);
}

/* audit --json: the one place an audited file becomes JSON. */
static json_object *audit_entry_to_json(const AuditEntry *e)
{
    json_object *o = abipin_json_object(), *list = abipin_json_array();

    abipin_json_set(o, "file", abipin_json_string(e->file));
    abipin_json_set(o, "findings", list);
    for (size_t i = 0; i < e->findings.n; i++) {
        const AbipinFinding *f = &e->findings.items[i];
        json_object *item = abipin_json_object();

        abipin_json_set(item, "kind", abipin_json_string(abipin_finding_kind_to_string(f->kind)));
        abipin_json_set(item, "interface", abipin_json_string(f->interface));
        abipin_json_set(item, "message", abipin_json_string(f->message));
        abipin_json_append(list, item);
    }
    if (e->domain)
        abipin_json_set(o, "domain", abipin_json_string(e->domain));
    return o;
}

/* Each file's findings go out as soon as it is audited: a fleet's report
 * need not fit in memory. JSON is framed here, each entry by json-c,
 * indented to its depth in {"domains": [...], "platform": NAME}. */
static void audit_emit(Audit *a, const AuditEntry *e)
{
    if (e->findings.n || a->json)
        cli_progress_end(); /* a terminal's progress line is not the report's */
    if (a->json) {
        _cleanup_(json_object_putp) json_object *o = audit_entry_to_json(e);
        const char *text = abipin_json_to_string(o, CLI_JSON_FLAGS, NULL);

        fputs(a->audited ? ",\n    " : "{\n  \"domains\": [\n    ", stdout);
        for (const char *s = text; *s; s++)
            fputs(*s == '\n' ? "\n    " : (char[]) { *s, 0 }, stdout);
    }
    for (size_t k = 0; !a->json && k < e->findings.n; k++)
        printf("%s: %s: %s\n", e->file, abipin_finding_kind_to_string(e->findings.items[k].kind),
               e->findings.items[k].message);
    a->audited++;
}

/* One definition: its findings, or the one finding that says why it
 * cannot be audited (unreadable, not-modelled, not-evaluated). */
static int audit_definition(Audit *a, const AbipinDomain *d, AbipinFindingList *list)
{
    AuditPlatform *p = NULL;
    int r;

    if (abipin_domain_check_modelled(d) < 0) {
        abipin_finding_list_add(list, ABIPIN_FINDING_NOT_MODELLED, NULL, abipin_error_message());
        a->unmodelled++;
        return 0;
    }
    if ((r = audit_platform(a, d, &p)) < 0)
        return r;
    if (p->failure) {
        char text[1024], emu[ABIPIN_QUOTE_MAX];

        snprintf(text, sizeof(text), _("%1$s: cannot be evaluated with the emulator '%2$s' on this "
                                       "host: %3$s"),
                 d->label,
                 abipin_error_quote(p->emulator ? p->emulator : ABIPIN_DEFAULT_EMULATOR, emu,
                                    sizeof(emu)),
                 p->failure);
        abipin_finding_list_add(list, ABIPIN_FINDING_NOT_EVALUATED, NULL, text);
        a->unevaluated++;
        return 0;
    }
    /* a machine type this host's emulator lacks: libvirt would refuse the
     * domain here; a finding, not a guess */
    if (d->machine && abipin_profile_require_machine(p->platform, d->machine, d->label) < 0) {
        abipin_finding_list_add(list, ABIPIN_FINDING_UNKNOWN_MACHINE, NULL, abipin_error_message());
        abipin_error_reset();
        a->findings++;
        return 0;
    }
    if (d->machine && (r = abipin_platform_measure_machine(p->platform, &a->opts, d->machine)) < 0)
        return r;
    /* its vhost-user backends and vDPA devices: one that misbehaves is this
     * definition's finding, not the audit's end */
    if (cli_platform_ask_backends(d, a->platform_spec, p->cat, p->platform) < 0) {
        abipin_finding_list_add(list, ABIPIN_FINDING_NOT_EVALUATED, NULL, abipin_error_message());
        abipin_error_reset();
        a->unevaluated++;
        return 0;
    }
    abipin_error_reset();
    r = abipin_audit_domain(&p->ctx, p->digest, d, list);
    if (r < 0 && abipin_error_category() == ABIPIN_ERR_INPUT) {
        abipin_finding_list_add(list, ABIPIN_FINDING_UNREADABLE, NULL, abipin_error_message());
        a->unreadable++;
        return 0;
    }
    if (r >= 0)
        a->findings += list->n;
    return r;
}

static int audit_file(Audit *a, const char *path)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(audit_entry_clear) AuditEntry e = { .file = path };
    int r;

    abipin_error_reset();
    r = abipin_domain_load_flags(path, ABIPIN_DOMAIN_READ_ONLY, &d);
    if (r < 0 && abipin_error_category() == ABIPIN_ERR_INPUT) {
        /* One bad file does not stop a fleet audit. */
        abipin_finding_list_add(&e.findings, ABIPIN_FINDING_UNREADABLE, NULL,
                                abipin_error_message());
        a->unreadable++;
        r = 0;
    } else if (r >= 0) {
        e.domain = d->name;
        r = audit_definition(a, d, &e.findings);
    }
    if (r >= 0)
        audit_emit(a, &e);
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
        if (r >= 0) {
            _cleanup_free_ char *file = abipin_asprintf("%s/%s", path, ents[i]->d_name);

            cli_progress(i == 0, _("auditing %1$s: %2$d of %3$d"), path, i + 1, n);
            r = audit_file(a, file);
        }
        free(ents[i]);
    }
    free(ents);
    cli_progress_end();
    return r;
}

static int audit_finish(const Audit *a)
{
    if (a->json) {
        _cleanup_(json_object_putp) json_object *name = abipin_json_string(a->platform_name);

        fputs(a->audited ? "\n  ],\n" : "{\n  \"domains\": [\n  ],\n", stdout);
        printf("  \"platform\": %s\n}\n", json_object_to_json_string(name));
    } else if (!arg_quiet) {
        char defs[64], finds[64];

        /* two counts, two plural forms: each its own message */
        snprintf(defs, sizeof(defs), P_("%1$zu definition", "%1$zu definitions", a->audited),
                 a->audited);
        snprintf(finds, sizeof(finds), P_("%1$zu finding", "%1$zu findings", a->findings),
                 a->findings);
        if (a->unmodelled || a->unevaluated)
            printf(_("audited %1$s: %2$s, %3$zu unreadable, %4$zu not modelled, %5$zu not "
                     "evaluated\n"),
                   defs, finds, a->unreadable, a->unmodelled, a->unevaluated);
        else
            printf(_("audited %1$s: %2$s, %3$zu unreadable\n"), defs, finds, a->unreadable);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("cannot write the output: %1$s"),
                                strerror(errno));
    return 0;
}

/* The worst definition decides: one that cannot be read or is not modelled
 * (2, as check would exit for it), else one that cannot be evaluated on this
 * host (3), else findings (1). */
static int audit_exit(const Audit *a)
{
    size_t n = a->unreadable + a->unmodelled;

    if (a->unreadable && !a->unmodelled)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                P_("%1$zu definition could not be read",
                                   "%1$zu definitions could not be read", a->unreadable),
                                a->unreadable);
    if (n)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                P_("%1$zu definition could not be read or is not modelled",
                                   "%1$zu definitions could not be read or are not modelled", n),
                                n);
    if (a->unevaluated)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOENT,
                                P_("%1$zu definition could not be evaluated on this host",
                                   "%1$zu definitions could not be evaluated on this host",
                                   a->unevaluated),
                                a->unevaluated);
    return a->findings ? EXIT_REFUSED : 0;
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
    if (r >= 0)
        r = audit_exit(&a);
    for (size_t i = 0; i < a.n_platforms; i++)
        audit_platform_clear(&a.platforms[i]);
    free(a.platforms);
    return r;
}
