#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "cli/cli.h"
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
    AbipinAbi *abi;
    size_t n;
    bool *matched;
} DiffSide;

static void diff_side_clear(DiffSide *s)
{
    cli_abi_free_all(s->abi, s->n);
    free(s->matched);
    abipin_domain_free(s->d);
    abipin_profile_free(s->platform);
    abipin_catalogue_free(s->cat);
}

static int diff_side_load(DiffSide *s, const char *path, const char *platform, AbipinProbeOptions opts)
{
    int r;

    if ((r = abipin_domain_load(path, &s->d)) < 0 ||
        (r = cli_platform_setup(s->d, platform, &opts, &s->cat, &s->platform)) < 0 ||
        (r = abipin_pin_context_init(&s->ctx, s->cat, s->platform, ABIPIN_POLICY_HOST)) < 0 ||
        (r = cli_abi_compute_all(&s->ctx, s->d, &s->abi, &s->n)) < 0)
        return r;
    s->matched = calloc(s->n + 1, sizeof(bool));
    return s->matched ? 0 : abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
}

/* B's interface for A's @i: same MAC, else same alias, else the next
 * unmatched one in order. */
static int diff_match(const DiffSide *a, size_t i, const DiffSide *b)
{
    const AbipinInterface *x = a->abi[i].iface;

    for (int pass = 0; pass < 3; pass++)
        for (size_t j = 0; j < b->n; j++) {
            const AbipinInterface *y = b->abi[j].iface;

            if (b->matched[j])
                continue;
            if ((pass == 0 && x->mac && streq_ptr(x->mac, y->mac)) ||
                (pass == 1 && x->alias && streq_ptr(x->alias, y->alias)) ||
                (pass == 2 && !x->mac && !y->mac))
                return (int) j;
        }
    return -1;
}

static void diff_add(json_object *changes, const char *iface, const char *what, const char *a,
                     const char *b)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "interface", iface ? json_object_new_string(iface) : NULL);
    json_object_object_add(o, "what", json_object_new_string(what));
    json_object_object_add(o, "a", a ? json_object_new_string(a) : NULL);
    json_object_object_add(o, "b", b ? json_object_new_string(b) : NULL);
    json_object_array_add(changes, o);
}

static const char *value_string(AbipinValue v)
{
    return v == ABIPIN_VALUE_ON ? "on" : v == ABIPIN_VALUE_OFF ? "off" : "unset";
}

static void diff_pair(const DiffSide *a, const AbipinAbi *x, const DiffSide *b, const AbipinAbi *y,
                      json_object *changes, json_object *verdicts)
{
    const char *label = x->iface->label;
    char va[64], vb[64];
    uint64_t lost = x->offered[0] & ~y->offered[0], lost_high = x->offered[1] & ~y->offered[1];

    if (x->iface->backend != y->iface->backend)
        diff_add(changes, label, "backend", abipin_backend_to_string(x->iface->backend),
                 abipin_backend_to_string(y->iface->backend));
    if (x->vhost != y->vhost)
        diff_add(changes, label, "driver", x->vhost ? "vhost" : "qemu", y->vhost ? "vhost" : "qemu");
    for (size_t k = 0; k < x->n_features && k < y->n_features; k++)
        if (x->features[k].pinned != y->features[k].pinned)
            diff_add(changes, label, x->features[k].feature->name, value_string(x->features[k].pinned),
                     value_string(y->features[k].pinned));
    for (unsigned bit = 0; bit < 128; bit++)
        if (abipin_abi_has(x, bit) != abipin_abi_has(y, bit)) {
            const char *name = abipin_catalogue_bit_name(a->cat, bit);
            char what[128];

            snprintf(what, sizeof(what), "bit %u %s", bit, name ? name : "?");
            diff_add(changes, label, what, abipin_abi_has(x, bit) ? "offered" : "not offered",
                     abipin_abi_has(y, bit) ? "offered" : "not offered");
        }
    if (lost || lost_high) {
        json_object *v = json_object_new_object();
        char msg[256];

        (void) b;
        snprintf(va, sizeof(va), "0x%" PRIx64, x->offered[0]);
        snprintf(vb, sizeof(vb), "0x%" PRIx64, y->offered[0]);
        snprintf(msg, sizeof(msg), "Features %s unsupported. Allowed features: %s", va, vb);
        json_object_object_add(v, "interface", json_object_new_string(label));
        snprintf(va, sizeof(va), "0x%" PRIx64, lost);
        json_object_object_add(v, "unsupported", json_object_new_string(va));
        json_object_object_add(v, "qemu_error", json_object_new_string(msg));
        json_object_array_add(verdicts, v);
    }
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

        printf(_("migration A -> B fails for %1$s: B lacks %2$s; a guest that negotiated them "
                 "stops in QEMU's state load with \"%3$s\"\n"),
               json_object_get_string(json_object_object_get(v, "interface")),
               json_object_get_string(json_object_object_get(v, "unsupported")),
               json_object_get_string(json_object_object_get(v, "qemu_error")));
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
    const char *pa = NULL, *pb = NULL, *ma, *mb;
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
    ma = abipin_profile_resolve_machine(a.platform, a.d->machine);
    mb = abipin_profile_resolve_machine(b.platform, b.d->machine);
    if (strcmp(ma, mb) != 0)
        diff_add(changes, NULL, "machine", ma, mb);
    for (size_t i = 0; i < a.n; i++) {
        int j = diff_match(&a, i, &b);

        if (j < 0) {
            diff_add(changes, a.abi[i].iface->label, "interface", "present", "removed");
            continue;
        }
        b.matched[j] = true;
        diff_pair(&a, &a.abi[i], &b, &b.abi[j], changes, verdicts);
    }
    for (size_t j = 0; j < b.n; j++)
        if (!b.matched[j])
            diff_add(changes, b.abi[j].iface->label, "interface", "absent", "added");
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
