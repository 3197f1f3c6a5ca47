#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "platforms.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

static void compare_help(void)
{
    static const CliHelpOption options[] = {
        { "--against PROFILE", N_("the profile that must honour the first (default: host)") },
        { "--json", N_("JSON instead of text") },
        CLI_HELP_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin compare PROFILE [--against PROFILE] [--json] [--emulator PATH] [--no-cache]",
                   N_("Can a host with the second profile (default: this host) honour every atom of the\n"
                      "first? One check per atom; exit 0 if so, 1 if an atom is missing. Answers \"can\n"
                      "this new host join the cluster\" when PROFILE is the cluster baseline.\n"),
                   options);
}

static json_object *compare_defaults_to_json(const AbipinDefaultDifference *diffs, size_t n)
{
    json_object *arr = abipin_json_array();

    for (size_t i = 0; i < n; i++) {
        json_object *item = abipin_json_object();

        abipin_json_set(item, "machine", abipin_json_string(diffs[i].machine));
        abipin_json_set(item, "property", abipin_json_string(diffs[i].property));
        abipin_json_set(item, "profile", abipin_json_bool(diffs[i].a));
        abipin_json_set(item, "against", abipin_json_bool(diffs[i].b));
        abipin_json_append(arr, item);
    }
    return arr;
}

static json_object *compare_to_json(const AbipinProfile *need, const AbipinProfile *have,
                                    const AbipinAtomSet *missing,
                                    const AbipinDefaultDifference *diffs, size_t n_diffs)
{
    json_object *o = abipin_json_object(), *arr = abipin_json_array();
    char text[512];

    abipin_json_set(o, "profile", abipin_json_string(need->name));
    abipin_json_set(o, "against", abipin_json_string(have->name));
    abipin_json_set(o, "ok", abipin_json_bool(missing->n == 0));
    for (size_t i = 0; i < missing->n; i++) {
        const AbipinAtom *a = &missing->items[i];
        json_object *item = abipin_json_object();

        abipin_json_set(item, "atom", abipin_json_string(a->name));
        abipin_json_set(item, "state",
                               abipin_json_string(abipin_atom_state_to_string(a->state)));
        abipin_json_set(item, "reason", abipin_json_string(a->reason));
        abipin_json_set(item, "meaning",
                               abipin_json_string(abipin_atom_describe_missing(a->name, text,
                                                                                   sizeof(text))));
        abipin_json_append(arr, item);
    }
    abipin_json_set(o, "missing", arr);
    abipin_json_set(o, "defaults", compare_defaults_to_json(diffs, n_diffs));
    return o;
}

/* A machine type both builds have, with another default: a WARN, since a
 * pinned guest keeps its value either way, but an unpinned one started on
 * the first would not find it on the second (or the reverse). */
static void compare_print_defaults(const AbipinProfile *need, const AbipinProfile *have,
                                   const AbipinDefaultDifference *diffs, size_t n)
{
    char detail[1024];

    for (size_t i = 0; i < n; i++) {
        const AbipinDefaultDifference *d = &diffs[i];

        snprintf(detail, sizeof(detail),
                 d->a ? _("%1$s's QEMU turns %2$s off by default on %3$s, %4$s's has it on: an "
                          "unpinned guest from %4$s loses it there; pin it ('abipin pin --live')")
                      : _("%1$s's QEMU turns %2$s on by default on %3$s, %4$s's has it off: an "
                          "unpinned guest started there cannot come back to %4$s"),
                 have->name, d->property, d->machine, need->name);
        cli_check_line(have->name, CLI_CHECK_WARN, detail, _("Checking the default of %1$s on %2$s"),
                       d->property, d->machine);
    }
}

/* "host_uso, guest_uso4, ..." from the atoms of @missing named PREFIX* */
static size_t compare_family_missing(const AbipinAtomSet *missing, const char *prefix, char *buf,
                                     size_t len)
{
    size_t n = 0, plen = strlen(prefix);

    buf[0] = '\0';
    for (size_t i = 0; i < missing->n; i++) {
        const char *name = missing->items[i].name;

        if (strncmp(name, prefix, plen) != 0)
            continue;
        if (n++ < 8)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", n > 1 ? ", " : "", name + plen);
        else if (n == 9)
            snprintf(buf + strlen(buf), len - strlen(buf), ", ...");
    }
    return n;
}

/* The emulator's properties and machine types, one check each for all of
 * them: a host profile has a hundred. */
static void compare_print_family(const char *host, const AbipinAtomSet *missing, const char *prefix,
                                 size_t n, const char *what)
{
    char list[512], detail[600];
    size_t lacking;

    if (n == 0)
        return;
    lacking = compare_family_missing(missing, prefix, list, sizeof(list));
    snprintf(detail, sizeof(detail), _("missing: %1$s"), list);
    cli_check_line(host, lacking ? CLI_CHECK_FAIL : CLI_CHECK_PASS, lacking ? detail : NULL, "%s",
                   what);
}

/* One check per atom @need has, as virt-host-validate does, then a verdict. */
static void compare_print(const AbipinProfile *need, const AbipinProfile *have,
                          const AbipinAtomSet *missing)
{
    size_t props = 0, machines = 0, skipped = 0;
    char text[512], detail[1024], what[256];

    for (size_t i = 0; i < need->atoms->n; i++) {
        const AbipinAtom *a = &need->atoms->items[i];
        const AbipinAtom *m = abipin_atom_set_get(missing, a->name);

        if (a->state != ABIPIN_ATOM_PRESENT)
            continue;
        if (strncmp(a->name, ABIPIN_ATOM_QEMU_PROP_FAMILY,
                    strlen(ABIPIN_ATOM_QEMU_PROP_FAMILY)) == 0) {
            props++;
            continue;
        }
        if (strncmp(a->name, "qemu.machine.", 13) == 0) {
            machines++;
            continue;
        }
        /* not missing, yet not present: a vhost bit that does not count */
        if (!m && !abipin_atom_set_has(have->atoms, a->name)) {
            skipped++;
            continue;
        }
        detail[0] = '\0';
        if (m) {
            abipin_atom_describe_missing(a->name, text, sizeof(text));
            if (m->state == ABIPIN_ATOM_UNKNOWN)
                snprintf(detail, sizeof(detail), _("%1$s (unknown on %2$s: %3$s)"), text, have->name,
                         m->reason ? m->reason : "?");
            else if (m->reason)
                snprintf(detail, sizeof(detail), "%s (%s)", text, m->reason);
            else
                snprintf(detail, sizeof(detail), "%s", text);
        }
        cli_check_line(have->name, m ? CLI_CHECK_FAIL : CLI_CHECK_PASS, detail,
                       _("Checking for %1$s (%2$s)"), a->name,
                       abipin_atom_describe(a->name, text, sizeof(text)));
    }
    snprintf(what, sizeof(what),
             P_("Checking for %1$zu virtio-net-pci property (qemu.prop.*)",
                "Checking for %1$zu virtio-net-pci properties (qemu.prop.*)", props),
             props);
    compare_print_family(have->name, missing, ABIPIN_ATOM_QEMU_PROP, props, what);
    snprintf(what, sizeof(what),
             P_("Checking for %1$zu machine type (qemu.machine.*)",
                "Checking for %1$zu machine types (qemu.machine.*)", machines),
             machines);
    compare_print_family(have->name, missing, "qemu.machine.", machines, what);
    if (skipped) {
        snprintf(detail, sizeof(detail),
                 _("vhost-net is not usable on %1$s: guests run on QEMU's userspace virtio-net"),
                 have->name);
        cli_check_line(have->name, CLI_CHECK_NOTE, detail,
                       P_("Checking for %1$zu vhost-net feature bit (vhost.bit.*)",
                          "Checking for %1$zu vhost-net feature bits (vhost.bit.*)", skipped),
                       skipped);
    }
    if (missing->n)
        printf(P_("%1$s cannot honour %2$s: %3$zu atom missing\n",
                  "%1$s cannot honour %2$s: %3$zu atoms missing\n", missing->n),
               have->name, need->name, missing->n);
    else if (!arg_quiet)
        printf(_("%1$s honours every atom of %2$s\n"), have->name, need->name);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },
        { "json", no_argument, NULL, 'j' },
        { "against", required_argument, NULL, 'a' },
        CLI_PROBE_OPTIONS,
        {},
    };
    _cleanup_(abipin_profile_freep) AbipinProfile *need = NULL, *have = NULL;
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *missing = NULL;
    _cleanup_free_ AbipinDefaultDifference *diffs = NULL;
    _cleanup_free_ const char **machines = NULL;
    AbipinProbeOptions opts = { 0 };
    size_t n_diffs;
    const char *against = "host";
    bool json = false;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            compare_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 'a':
            against = optarg;
            break;
        default:
            return cli_usage_error("compare", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (argc - optind != 1)
        return cli_usage_error("compare", _("exactly one profile to compare is needed"));
    if ((r = abipin_profile_resolve(argv[optind], &opts, &need)) < 0)
        return r;
    /* this host, if it is the second, measures what the first carries */
    machines = abipin_new0(const char *, need->defaults.n + 1);
    for (size_t i = 0; i < need->defaults.n; i++)
        machines[i] = need->defaults.items[i].machine;
    opts.machines = machines;
    opts.n_machines = need->defaults.n;
    if ((r = abipin_profile_resolve(against, &opts, &have)) < 0 ||
        (r = abipin_profile_missing(need, have, &missing)) < 0)
        return r;
    n_diffs = abipin_defaults_differences(&need->defaults, &have->defaults, &diffs);
    if (json) {
        json_object *o = compare_to_json(need, have, missing, diffs, n_diffs);

        r = cli_write_json(NULL, o);
        json_object_put(o);
        if (r < 0)
            return r;
    } else {
        compare_print_defaults(need, have, diffs, n_diffs);
        compare_print(need, have, missing);
    }
    return missing->n ? EXIT_REFUSED : 0;
}
