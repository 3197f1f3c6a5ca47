#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "cli/cli.h"
#include "diff.h"
#include "featmsg.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

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

/* A definition and its platform: each side of the command. */
static int diff_load(const char *path, const char *platform, AbipinProbeOptions opts,
                     AbipinDomain **ret_d, AbipinCatalogue **ret_cat, AbipinProfile **ret_platform,
                     AbipinPinContext *ret_ctx)
{
    int r;

    if ((r = abipin_domain_load_flags(path, ABIPIN_DOMAIN_READ_ONLY, ret_d)) < 0 ||
        (r = cli_platform_setup(*ret_d, platform, &opts, ret_cat, ret_platform)) < 0)
        return r;
    return abipin_pin_context_init(ret_ctx, *ret_cat, *ret_platform, ABIPIN_POLICY_HOST);
}

static bool diff_verdict_lacks(const AbipinDiffVerdict *v, unsigned bit)
{
    return v->unsupported[bit / 64] >> (bit % 64) & 1;
}

/* The missing bits as one hex number, 128 bits wide only when needed */
#define DIFF_HEX_MAX 40
static const char *diff_verdict_hex(const AbipinDiffVerdict *v, char buf[static DIFF_HEX_MAX])
{
    abipin_features_hex(v->unsupported, v->unsupported[1] != 0, buf, DIFF_HEX_MAX);
    return buf;
}

/* diff --json: the one place a diff becomes JSON. A verdict's bits are
 * named after A's catalogue. */
static json_object *diff_verdict_to_json(const AbipinCatalogue *cat, const AbipinDiffVerdict *v)
{
    json_object *o = abipin_json_object(), *bits = abipin_json_array();
    char hex[DIFF_HEX_MAX];

    abipin_json_set(o, "interface", abipin_json_string(v->interface));
    abipin_json_set(o, "unsupported", abipin_json_string(diff_verdict_hex(v, hex)));
    for (unsigned bit = 0; bit < 128; bit++)
        if (diff_verdict_lacks(v, bit)) {
            json_object *item = abipin_json_object();

            abipin_json_set(item, "bit", abipin_json_int(bit));
            abipin_json_set(item, "name", abipin_json_string(abipin_catalogue_bit_name(cat, bit)));
            abipin_json_append(bits, item);
        }
    abipin_json_set(o, "bits", bits);
    bits = abipin_json_array();
    for (unsigned bit = 0; bit < 128; bit++)
        if (v->untold[bit / 64] >> (bit % 64) & 1)
            abipin_json_append(bits, abipin_json_int(bit));
    abipin_json_set(o, "untold", bits);
    abipin_json_set(o, "qemu_error", abipin_json_string(v->qemu_error));
    abipin_json_set(o, "qemu_format", abipin_json_string(v->wide ? "128-bit" : "64-bit"));
    abipin_json_set(o, "hidden", abipin_json_bool(v->hidden));
    return o;
}

static json_object *diff_to_json(const AbipinCatalogue *cat, const AbipinDiff *diff)
{
    json_object *o = abipin_json_object();
    json_object *changes = abipin_json_array(), *verdicts = abipin_json_array();

    abipin_json_set(o, "changes", changes);
    abipin_json_set(o, "migration", verdicts);
    for (size_t i = 0; i < diff->n_changes; i++) {
        const AbipinDiffChange *c = &diff->changes[i];
        json_object *item = abipin_json_object();

        abipin_json_set(item, "interface", abipin_json_string(c->interface));
        abipin_json_set(item, "what", abipin_json_string(c->what));
        abipin_json_set(item, "a", abipin_json_string(c->a));
        abipin_json_set(item, "b", abipin_json_string(c->b));
        abipin_json_set(item, "cause", abipin_json_string(c->cause));
        abipin_json_append(changes, item);
    }
    for (size_t i = 0; i < diff->n_verdicts; i++)
        abipin_json_append(verdicts, diff_verdict_to_json(cat, &diff->verdicts[i]));
    return o;
}

/* "11, 12, 24": the bits of @v, ascending */
static const char *diff_bit_list(const uint64_t v[2], char *buf, size_t size)
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned bit = 0; bit < 128; bit++)
        if (v[bit / 64] >> (bit % 64) & 1)
            len += (size_t) snprintf(buf + len, size - len, "%s%u", len ? ", " : "", bit);
    return buf;
}

static void diff_print_verdict(const AbipinDiffVerdict *v)
{
    char hex[DIFF_HEX_MAX], list[128 * 5]; /* "127, " at most per bit */

    if (v->unsupported[0] || v->unsupported[1])
        printf(_("migration A -> B fails for %1$s: B lacks %2$s (bits %3$s); a guest that negotiated "
                 "them stops in QEMU's state load with \"%4$s\"\n"),
               v->interface, diff_verdict_hex(v, hex), diff_bit_list(v->unsupported, list, sizeof(list)),
               v->qemu_error);
    if (v->hidden)
        printf(_("  B's QEMU (10.2 or later) prints the guest's features already masked with the "
                 "allowed ones: its line shows none of the missing bits\n"));
    if (v->untold[0] || v->untold[1])
        printf(_("migration A -> B cannot be told for %1$s: B's backend process or device decides "
                 "bits %2$s, which A offers, and nobody asked it (name it in B's profile: 'abipin "
                 "probe --vhost-user NAME=SOCKET' or 'abipin probe --vdpa NAME=DEVICE')\n"),
               v->interface, diff_bit_list(v->untold, list, sizeof(list)));
}

static void diff_print(const AbipinDiff *diff)
{
    for (size_t i = 0; i < diff->n_changes; i++) {
        const AbipinDiffChange *c = &diff->changes[i];

        printf("%s%s%s: %s -> %s", c->interface ?: "", c->interface ? " " : "", c->what,
               c->a ?: "-", c->b ?: "-");
        if (c->cause)
            printf("; %s", c->cause);
        putchar('\n');
    }
    if (diff->n_verdicts == 0) {
        printf(_("migration A -> B: the destination offers every bit the source offers\n"));
        return;
    }
    for (size_t i = 0; i < diff->n_verdicts; i++)
        diff_print_verdict(&diff->verdicts[i]);
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
    _cleanup_(abipin_domain_freep) AbipinDomain *a = NULL, *b = NULL;
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat_a = NULL, *cat_b = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *platform_a = NULL, *platform_b = NULL;
    _cleanup_(abipin_diff_clear) AbipinDiff diff = { 0 };
    AbipinPinContext ctx_a, ctx_b;
    AbipinProbeOptions opts = { 0 };
    const char *pa = NULL, *pb = NULL;
    bool json = false;
    int opt, r;

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
    if ((r = diff_load(argv[optind], pa, opts, &a, &cat_a, &platform_a, &ctx_a)) < 0 ||
        (r = diff_load(argv[optind + 1], pb, opts, &b, &cat_b, &platform_b, &ctx_b)) < 0 ||
        (r = abipin_diff_domains(&ctx_a, a, &ctx_b, b, &diff)) < 0)
        return r;
    if (json) {
        _cleanup_(json_object_putp) json_object *o = diff_to_json(cat_a, &diff);

        if ((r = cli_print_json(stdout, o)) < 0)
            return r;
    } else {
        diff_print(&diff);
    }
    return diff.n_changes ? EXIT_REFUSED : 0;
}
