#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "cli/cli.h"
#include "diff.h"
#include "util/error.h"
#include "util/i18n.h"

static void diff_help(void)
{
    static const CliHelpOption options[] = {
        { "--platform-a PROFILE", N_("the platform of A.xml, the source (default: host)") },
        { "--platform-b PROFILE", N_("the platform of B.xml, the destination (default: host)") },
        { "--json", N_("JSON instead of text") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin diff A.xml B.xml [--platform-a PROFILE] [--platform-b PROFILE] [--json]\n"
                   "        [--emulator PATH] [--no-cache]",
                   N_("Guest-ABI differences between two domain definitions, each on its platform\n"
                      "(default: this host): machine type, interfaces added or removed, backend and\n"
                      "driver, pinned values and the feature bits offered; then whether a guest running\n"
                      "A can migrate to B, with the error QEMU would print. Exit 0 same ABI, 1 differs,\n"
                      "2 error (as diff(1)).\n"),
                   options);
}

typedef struct {
    AbipinPinContext ctx;
    AbipinCatalogue *cat;
    AbipinProfile *platform;
    AbipinDomain *d;
} DiffSide;

static void diff_side_clear(DiffSide *s)
{
    abipin_domain_free(s->d);
    abipin_profile_free(s->platform);
    abipin_catalogue_free(s->cat);
}

static int diff_side_load(DiffSide *s, const char *path, const char *platform, AbipinProbeOptions opts)
{
    int r;

    if ((r = abipin_domain_load_flags(path, ABIPIN_DOMAIN_READ_ONLY, &s->d)) < 0 ||
        (r = cli_platform_setup(s->d, platform, &opts, &s->cat, &s->platform)) < 0)
        return r;
    return abipin_pin_context_init(&s->ctx, s->cat, s->platform, ABIPIN_POLICY_HOST);
}

static void diff_print(json_object *o)
{
    json_object *changes = json_object_object_get(o, "changes");
    json_object *verdicts = json_object_object_get(o, "migration");

    for (size_t i = 0; i < json_object_array_length(changes); i++) {
        json_object *c = json_object_array_get_idx(changes, i);
        const char *iface = json_object_get_string(json_object_object_get(c, "interface"));

        printf("%s%s%s: %s -> %s\n", iface ? iface : "", iface ? " " : "",
               json_object_get_string(json_object_object_get(c, "what")),
               json_object_get_string(json_object_object_get(c, "a")) ?: "-",
               json_object_get_string(json_object_object_get(c, "b")) ?: "-");
    }
    if (json_object_array_length(verdicts) == 0) {
        printf(_("migration A -> B: the destination offers every bit the source offers\n"));
        return;
    }
    for (size_t i = 0; i < json_object_array_length(verdicts); i++) {
        json_object *v = json_object_array_get_idx(verdicts, i);
        json_object *bits = json_object_object_get(v, "bits");
        _cleanup_free_ char *list = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&list, &len);

        for (size_t k = 0; f && k < json_object_array_length(bits); k++)
            fprintf(f, "%s%d", k ? ", " : "",
                    json_object_get_int(json_object_object_get(json_object_array_get_idx(bits, k), "bit")));
        if (f)
            fclose(f);
        printf(_("migration A -> B fails for %1$s: B lacks %2$s (bits %3$s); a guest that negotiated "
                 "them stops in QEMU's state load with \"%4$s\"\n"),
               json_object_get_string(json_object_object_get(v, "interface")),
               json_object_get_string(json_object_object_get(v, "unsupported")), list ? list : "",
               json_object_get_string(json_object_object_get(v, "qemu_error")));
        if (json_object_get_boolean(json_object_object_get(v, "hidden")))
            printf(_("  B's QEMU (10.2 or later) prints the guest's features already masked with the "
                     "allowed ones: its line shows none of the missing bits\n"));
    }
}

int cmd_diff(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },
        { "json", no_argument, NULL, 'j' },
        { "platform-a", required_argument, NULL, 'a' },
        { "platform-b", required_argument, NULL, 'b' },
        CLI_PROBE_OPTIONS,
        {},
    };
    _cleanup_(json_object_putp) json_object *o = json_object_new_object();
    json_object *changes = json_object_new_array(), *verdicts = json_object_new_array();
    DiffSide a = { 0 }, b = { 0 };
    AbipinProbeOptions opts = { 0 };
    const char *pa = NULL, *pb = NULL;
    bool json = false;
    int opt, r;

    json_object_object_add(o, "changes", changes);
    json_object_object_add(o, "migration", verdicts);
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            diff_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 'a':
            pa = optarg;
            break;
        case 'b':
            pb = optarg;
            break;
        default:
            return cli_usage_error("diff", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (argc - optind != 2)
        return cli_usage_error("diff", _("two domain XML files are needed"));
    if ((r = diff_side_load(&a, argv[optind], pa, opts)) < 0 ||
        (r = diff_side_load(&b, argv[optind + 1], pb, opts)) < 0)
        goto out;
    if ((r = abipin_diff_domains(&a.ctx, a.d, &b.ctx, b.d, changes, verdicts)) < 0)
        goto out;
    if (json)
        r = cli_print_json(stdout, o);
    else
        diff_print(o);
    if (r >= 0)
        r = json_object_array_length(changes) ? EXIT_REFUSED : 0;
out:
    diff_side_clear(&a);
    diff_side_clear(&b);
    return r;
}
