#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "diff.h"
#include "explain.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"
#include "util/json.h"

/* libvirt's per-domain logs grow across starts; a bound still, as for XML */
#define EXPLAIN_MAX_LOG (64 * 1024 * 1024)

static void explain_help(void)
{
    static const CliHelpOption options[] = {
        { "--domain DOMAIN.xml", N_("the migrated domain: abipin's own prediction sharpens the answer") },
        { "--platform-a PROFILE", N_("with --domain: the source's platform (default: host)") },
        { "--platform-b PROFILE", N_("with --domain: the destination's platform (default: host)") },
        { "--json", N_("JSON instead of text") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin explain [FILE|-] [--domain DOMAIN.xml] [--platform-a PROFILE]\n"
                   "        [--platform-b PROFILE] [--json] [--emulator PATH] [--no-cache]",
                   N_("Decode every \"Features 0x... unsupported. Allowed features: 0x...\" line of\n"
                      "a QEMU, libvirt or Proxmox log (standard input without FILE or with '-'):\n"
                      "the bits the guest had that the destination does not offer, what each needs\n"
                      "from the host, the likely cause and the abipin commands that fix it; from QEMU\n"
                      "10.2, which hides the failing bits, the bits that can be hidden. Exit 0 a\n"
                      "failure explained, 1 none in the log, 2 error.\n"),
                   options);
}

/* "tap: tap.uso4 and tap.uso6; vhost-net: vhost.bit.54" */
static char *needs_text(json_object *needs)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);

    if (!f) /* a memory stream fails only for lack of memory */
        abipin_oom();
    for (size_t i = 0; i < json_object_array_length(needs); i++) {
        json_object *n = json_object_array_get_idx(needs, i), *atoms = json_object_object_get(n, "atoms");

        fprintf(f, "%s%s: ", i ? "; " : "", json_object_get_string(json_object_object_get(n, "backend")));
        for (size_t k = 0; k < json_object_array_length(atoms); k++)
            fprintf(f, "%s%s", k ? _(" and ") : "", json_object_get_string(json_object_array_get_idx(atoms, k)));
    }
    if (fclose(f) != 0)
        abipin_oom();
    return s;
}

static void print_bits(json_object *bits)
{
    for (size_t i = 0; i < json_object_array_length(bits); i++) {
        json_object *b = json_object_array_get_idx(bits, i);
        const char *prop = json_object_get_string(json_object_object_get(b, "property"));
        _cleanup_free_ char *needs = needs_text(json_object_object_get(b, "needs"));

        printf("    bit %d %s%s%s%s", json_object_get_int(json_object_object_get(b, "bit")),
               json_object_get_string(json_object_object_get(b, "name")) ?: "?", prop ? " (" : "",
               prop ?: "", prop ? ")" : "");
        if (needs && *needs)
            printf(_(": needs %1$s"), needs);
        printf("\n");
        printf(_("      likely cause: %1$s\n"), json_object_get_string(json_object_object_get(b, "cause")));
    }
}

static void print_predicted(json_object *predicted)
{
    printf(_("  abipin's prediction for the domain: the destination lacks bits"));
    for (size_t i = 0; i < json_object_array_length(predicted); i++)
        printf("%s %d", i ? "," : "", json_object_get_int(json_object_array_get_idx(predicted, i)));
    if (json_object_array_length(predicted) == 0)
        printf(_(" (none)"));
    printf("\n");
}

static void print_failure(const char *name, json_object *v)
{
    const char *qemu = json_object_get_string(json_object_object_get(v, "qemu_version"));
    const char *kernel = json_object_get_string(json_object_object_get(v, "kernel"));
    bool wide = strcmp(json_object_get_string(json_object_object_get(v, "format")), "128-bit") == 0;
    json_object *unsupported = json_object_object_get(v, "unsupported"), *predicted;

    printf(wide ? _("%1$s:%2$d: QEMU's migration error in the 128-bit format of QEMU 10.2 and later: "
                    "the guest had %3$s, the destination allows %4$s\n")
                : _("%1$s:%2$d: QEMU's migration error in the 64-bit format of QEMU before 10.2: the "
                    "guest had %3$s, the destination allows %4$s\n"),
           name, json_object_get_int(json_object_object_get(v, "line")),
           json_object_get_string(json_object_object_get(v, "guest")),
           json_object_get_string(json_object_object_get(v, "allowed")));
    if (qemu || kernel)
        printf(_("  the destination, from libvirt's log header: QEMU %1$s, kernel %2$s\n"), qemu ?: "?",
               kernel ?: "?");
    if (json_object_array_length(unsupported) > 0) {
        printf(_("  the guest had these bits, which the destination does not offer:\n"));
        print_bits(unsupported);
    }
    if (json_object_get_boolean(json_object_object_get(v, "hidden"))) {
        printf(json_object_array_length(unsupported) > 0
                   ? _("  QEMU 10.2 and later print the guest's features already masked with the allowed "
                       "ones, so more bits may be hidden. Bits a guest has by default that the "
                       "destination does not offer:\n")
                   : _("  The line shows no unsupported bit, yet the migration failed: QEMU 10.2 and "
                       "later print the guest's features already masked with the allowed ones, so the "
                       "failing bits are hidden. Bits a guest has by default that the destination does "
                       "not offer, one or more of which the guest had:\n"));
        print_bits(json_object_object_get(v, "candidates"));
    }
    if (json_object_object_get_ex(v, "predicted", &predicted)) {
        print_predicted(predicted);
        printf(json_object_get_boolean(json_object_object_get(v, "allowed_matches"))
                   ? _("  abipin's vector for the destination is the line's Allowed features\n")
                   : _("  abipin's vector for the destination differs from the line's Allowed features: "
                       "--platform-b or --domain is not what the destination ran\n"));
    }
}

static void explain_print(const char *name, json_object *o)
{
    json_object *failures = json_object_object_get(o, "failures"), *fix = json_object_object_get(o, "fix");

    if (json_object_array_length(failures) == 0) {
        printf(_("%1$s: no \"Features 0x... unsupported\" line: no virtio feature mismatch to explain\n"),
               name);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(failures); i++)
        print_failure(name, json_object_array_get_idx(failures, i));
    printf(_("fix: pin the domain against a baseline of both hosts, then define it again:\n"));
    for (size_t i = 0; i < json_object_array_length(fix); i++)
        printf("    %s\n", json_object_get_string(json_object_array_get_idx(fix, i)));
}

typedef struct {
    const char *domain, *platform_a, *platform_b;
    AbipinProbeOptions probe;
} ExplainArgs;

/* The bits abipin predicts the destination lacks for the domain: diff's
 * verdict for the domain on A against itself on B, over every interface;
 * and why B lacks each (@causes: 128 strings, NULL where none). */
static int explain_predict(ExplainArgs *a, uint64_t ret[2], uint64_t (**ret_offered)[2], size_t *ret_n,
                           char **causes)
{
    AbipinAbi *abi = NULL;
    size_t n = 0;
    _cleanup_(abipin_diff_clear) AbipinDiff diff = { 0 };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat_a = NULL, *cat_b = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *pa = NULL, *pb = NULL;
    AbipinPinContext ca, cb;
    AbipinProbeOptions oa = a->probe, ob = a->probe;
    int r;

    if ((r = abipin_domain_load_flags(a->domain, ABIPIN_DOMAIN_READ_ONLY, &d)) < 0 ||
        (r = cli_platform_setup(d, a->platform_a, &oa, &cat_a, &pa)) < 0 ||
        (r = cli_platform_setup(d, a->platform_b, &ob, &cat_b, &pb)) < 0 ||
        (r = abipin_pin_context_init(&ca, cat_a, pa, ABIPIN_POLICY_HOST)) < 0 ||
        (r = abipin_pin_context_init(&cb, cat_b, pb, ABIPIN_POLICY_HOST)) < 0 ||
        (r = abipin_diff_domains(&ca, d, &cb, d, &diff)) < 0 ||
        (r = abipin_abi_compute_all(&cb, d, &abi, &n)) < 0)
        return r;
    *ret_offered = abipin_calloc(n + 1, sizeof(**ret_offered));
    for (size_t i = 0; i < n; i++) {
        memcpy((*ret_offered)[i], abi[i].offered, sizeof(abi[i].offered));
        for (unsigned bit = 0; bit < 128; bit++) {
            char why[1024];

            if (!causes[bit] && abipin_abi_why_not(&cb, &abi[i], bit, _("the destination"), why, sizeof(why)))
                causes[bit] = abipin_strdup(why);
        }
    }
    abipin_abi_free_all(abi, n);
    *ret_n = n;
    ret[0] = ret[1] = 0;
    for (size_t i = 0; i < diff.n_verdicts; i++) {
        ret[0] |= diff.verdicts[i].unsupported[0];
        ret[1] |= diff.verdicts[i].unsupported[1];
    }
    return 0;
}

static void explain_causes_clear(char *(*causes)[128])
{
    for (size_t i = 0; i < 128; i++)
        free((*causes)[i]);
}

/* Read the log at @path, explain it, print the answer. */
static int explain_run(const char *path, ExplainArgs *a, bool json)
{
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    _cleanup_(json_object_putp) json_object *o = NULL;
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_free_ uint64_t (*offered)[2] = NULL;
    _cleanup_free_ char *data = NULL;
    AbipinExplainOptions eo = { .domain = a->domain, .platform_a = a->platform_a,
                                .platform_b = a->platform_b };
    _cleanup_(explain_causes_clear) char *causes[128] = { NULL };
    uint64_t predicted[2];
    size_t len;
    int r;

    if ((r = abipin_file_read(path, EXPLAIN_MAX_LOG, &data, &len)) < 0 ||
        (r = abipin_catalogue_load_default(&cat)) < 0)
        return r;
    if (a->domain) {
        if ((r = explain_predict(a, predicted, &offered, &eo.n_offered, causes)) < 0)
            return r;
        eo.predicted = predicted;
        eo.causes = (const char *const *) causes;
        eo.offered = (const uint64_t (*)[2]) offered;
    }
    if ((r = abipin_explain_log(cat, name, data, len, &eo, &o)) < 0)
        return r;
    if (json)
        r = cli_print_json(stdout, o);
    else
        explain_print(name, o);
    if (r < 0)
        return r;
    return json_object_array_length(json_object_object_get(o, "failures")) ? 0 : EXIT_REFUSED;
}

int cmd_explain(int argc, char **argv)
{
    static const struct option options[] = {
        { "domain", required_argument, NULL, 'd' },
        { "platform-a", required_argument, NULL, 'a' },
        { "platform-b", required_argument, NULL, 'b' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        CLI_PROBE_OPTIONS,
        {},
    };
    ExplainArgs a = { 0 };
    bool json = false;
    int opt;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &a.probe))
            continue;
        switch (opt) {
        case 'h':
            explain_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 'd':
            a.domain = optarg;
            break;
        case 'a':
            a.platform_a = optarg;
            break;
        case 'b':
            a.platform_b = optarg;
            break;
        default:
            return cli_usage_error("explain", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (argc - optind > 1)
        return cli_usage_error("explain", _("at most one log file is read"));
    if ((a.platform_a || a.platform_b) && !a.domain)
        return cli_usage_error("explain", _("--platform-a and --platform-b need --domain"));
    return explain_run(argc - optind == 1 ? argv[optind] : "-", &a, json);
}
