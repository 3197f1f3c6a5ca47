#include <config.h>

#include <dirent.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"

static void audit_help(void)
{
    printf(_("Usage: abipin audit FILE|DIR... [--platform PROFILE] [--json]\n"
             "For every domain definition (DIR: its *.xml files, e.g. /etc/libvirt/qemu): the\n"
             "host-dependent features left unpinned, explicit 'on' values the platform (default:\n"
             "this host) cannot honour, pins made against a platform whose atoms differ from it\n"
             "(stale), and interfaces whose vhost-net choice libvirt would make silently. Exit 1\n"
             "when anything is found, 2 if a file cannot be read.\n"));
}

typedef struct {
    AbipinProbeOptions opts;
    const char *platform_spec;
    AbipinCatalogue *cat;
    AbipinProfile *platform;
    AbipinPinContext ctx;
    char *digest;
    json_object *domains;
    size_t findings, unreadable;
} Audit;

static void audit_add(json_object *list, const char *kind, const char *iface, const char *text)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "kind", json_object_new_string(kind));
    json_object_object_add(o, "interface", iface ? json_object_new_string(iface) : NULL);
    json_object_object_add(o, "message", json_object_new_string(text));
    json_object_array_add(list, o);
}

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

static int audit_domain(Audit *a, const AbipinDomain *d, json_object *list)
{
    _cleanup_(json_object_putp) json_object *problems = json_object_new_array();
    AbipinCheckOptions copts = { .strict = false };
    xmlNodePtr record = abipin_domain_get_record(d);
    const char *digest = record ? abipin_xml_prop_static(record, "digest") : NULL;
    char text[512];
    int r;

    if ((r = abipin_check_domain(&a->ctx, d, &copts, problems)) < 0)
        return r;
    for (size_t i = 0; i < json_object_array_length(problems); i++) {
        json_object *p = json_object_array_get_idx(problems, i);
        bool error = strcmp(json_object_get_string(json_object_object_get(p, "severity")), "error") == 0;

        audit_add(list, error ? "cannot-honour" : "unpinned",
                  json_object_get_string(json_object_object_get(p, "interface")),
                  json_object_get_string(json_object_object_get(p, "message")));
    }
    if (record && digest && strcmp(digest, a->digest) != 0) {
        snprintf(text, sizeof(text),
                 _("%1$s: pinned against '%2$s' (%3$s), whose atoms differ from '%4$s' (%5$s): re-pin"),
                 d->label, abipin_xml_prop_static(record, "platform"), digest, a->platform->name,
                 a->digest);
        audit_add(list, "stale", NULL, text);
    }
    for (size_t i = 0; i < d->n_ifaces; i++) {
        const AbipinInterface *iface = &d->ifaces[i];

        if (!iface->virtio || iface->driver ||
            (iface->backend != ABIPIN_BACKEND_TAP && iface->backend != ABIPIN_BACKEND_MACVTAP))
            continue;
        snprintf(text, sizeof(text),
                 _("%1$s: interface %2$s has no <driver name=>: libvirt silently falls back to "
                   "userspace virtio-net where vhost-net is missing, changing the ABI"),
                 d->label, iface->label);
        audit_add(list, "vhost-fallback", iface->alias, text);
    }
    return 0;
}

static int audit_file(Audit *a, const char *path)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    json_object *entry = json_object_new_object(), *list = json_object_new_array();
    int r;

    json_object_object_add(entry, "file", json_object_new_string(path));
    json_object_object_add(entry, "findings", list);
    json_object_array_add(a->domains, entry);
    abipin_error_reset();
    r = abipin_domain_load(path, &d);
    if (r >= 0) {
        json_object_object_add(entry, "domain", json_object_new_string(d->name));
        /* a bad --platform is the command's error, not this file's */
        if ((r = audit_platform(a, d)) < 0)
            return r;
        r = audit_domain(a, d, list);
    }
    if (r < 0 && abipin_error_category() == ABIPIN_ERR_INPUT) {
        /* One bad file does not stop a fleet audit. */
        audit_add(list, "unreadable", NULL, abipin_error_message());
        a->unreadable++;
        return 0;
    }
    a->findings += json_object_array_length(list);
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

static void audit_print(const Audit *a)
{
    for (size_t i = 0; i < json_object_array_length(a->domains); i++) {
        json_object *e = json_object_array_get_idx(a->domains, i);
        json_object *list = json_object_object_get(e, "findings");

        for (size_t k = 0; k < json_object_array_length(list); k++) {
            json_object *f = json_object_array_get_idx(list, k);

            printf("%s: %s: %s\n", json_object_get_string(json_object_object_get(e, "file")),
                   json_object_get_string(json_object_object_get(f, "kind")),
                   json_object_get_string(json_object_object_get(f, "message")));
        }
    }
    if (!arg_quiet)
        printf(_("audited %1$zu definitions: %2$zu findings, %3$zu unreadable\n"),
               json_object_array_length(a->domains), a->findings, a->unreadable);
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
    Audit a = { .domains = json_object_new_array() };
    bool json = false;
    int opt, r = 0;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &a.opts))
            continue;
        switch (opt) {
        case 'h':
            audit_help();
            json_object_put(a.domains);
            return 0;
        case 'j':
            json = true;
            break;
        case 'p':
            a.platform_spec = optarg;
            break;
        default:
            json_object_put(a.domains);
            return cli_usage_error("audit", _("bad option"));
        }
    }
    if (optind == argc)
        r = cli_usage_error("audit", _("no file or directory given"));
    for (int i = optind; i < argc && r >= 0; i++)
        r = audit_path(&a, argv[i]);
    if (r >= 0) {
        if (json) {
            json_object *o = json_object_new_object();

            json_object_object_add(o, "platform", a.platform ? json_object_new_string(a.platform->name) : NULL);
            json_object_object_add(o, "domains", json_object_get(a.domains));
            r = cli_print_json(stdout, o);
            json_object_put(o);
        } else {
            audit_print(&a);
        }
    }
    if (r >= 0 && a.unreadable)
        r = abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$zu definitions could not be read"),
                             a.unreadable);
    else if (r >= 0)
        r = a.findings ? EXIT_REFUSED : 0;
    json_object_put(a.domains);
    free(a.digest);
    abipin_profile_free(a.platform);
    abipin_catalogue_free(a.cat);
    return r;
}
