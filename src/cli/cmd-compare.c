#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"

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

static json_object *compare_to_json(const AbipinProfile *need, const AbipinProfile *have,
                                    const AbipinAtomSet *missing)
{
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    char text[512];

    json_object_object_add(o, "profile", json_object_new_string(need->name));
    json_object_object_add(o, "against", json_object_new_string(have->name));
    json_object_object_add(o, "ok", json_object_new_boolean(missing->n == 0));
    for (size_t i = 0; i < missing->n; i++) {
        const AbipinAtom *a = &missing->items[i];
        json_object *item = json_object_new_object();

        json_object_object_add(item, "atom", json_object_new_string(a->name));
        json_object_object_add(item, "state",
                               json_object_new_string(abipin_atom_state_to_string(a->state)));
        json_object_object_add(item, "reason", a->reason ? json_object_new_string(a->reason) : NULL);
        json_object_object_add(item, "meaning",
                               json_object_new_string(abipin_atom_describe_missing(a->name, text,
                                                                                   sizeof(text))));
        json_object_array_add(arr, item);
    }
    json_object_object_add(o, "missing", arr);
    return o;
}

static void compare_print(const AbipinProfile *need, const AbipinProfile *have,
                          const AbipinAtomSet *missing)
{
    char text[512];

    if (missing->n == 0) {
        if (!arg_quiet)
            printf(_("%1$s honours every atom of %2$s\n"), have->name, need->name);
        return;
    }
    printf(_("%1$s cannot honour %2$s: %3$zu atoms missing\n"), have->name, need->name, missing->n);
    for (size_t i = 0; i < missing->n; i++) {
        const AbipinAtom *a = &missing->items[i];

        printf("  %s: %s", a->name, abipin_atom_describe_missing(a->name, text, sizeof(text)));
        if (a->state == ABIPIN_ATOM_UNKNOWN)
            printf(_(" (unknown on %1$s: %2$s)"), have->name, a->reason ? a->reason : "?");
        else if (a->reason)
            printf(" (%s)", a->reason);
        putchar('\n');
    }
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
    AbipinProbeOptions opts = { 0 };
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
    if ((r = abipin_profile_resolve(argv[optind], &opts, &need)) < 0 ||
        (r = abipin_profile_resolve(against, &opts, &have)) < 0 ||
        (r = abipin_profile_missing(need, have, &missing)) < 0)
        return r;
    if (json) {
        json_object *o = compare_to_json(need, have, missing);

        r = cli_write_json(NULL, o);
        json_object_put(o);
        if (r < 0)
            return r;
    } else {
        compare_print(need, have, missing);
    }
    return missing->n ? EXIT_REFUSED : 0;
}
