#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "platforms.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

static void platforms_help(void)
{
    static const CliHelpOption options[] = {
        { "--json", N_("JSON instead of a table") },
        { "--names", N_("only the names of the shipped platforms, one per line; probes nothing") },
        CLI_HELP_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin platforms [--json | --names] [--emulator PATH] [--no-cache]",
                   N_("List the shipped named platforms, whether this host satisfies each (has every\n"
                      "atom it lists), and which is 'latest': the newest one this host satisfies.\n"),
                   options);
}

static json_object *platforms_to_json(const AbipinPlatformList *list, const AbipinProfile *host,
                                      int latest)
{
    json_object *o = abipin_json_object(), *arr = abipin_json_array();

    for (size_t i = 0; i < list->n; i++) {
        const AbipinProfile *p = list->items[i];
        json_object *item = abipin_json_object();

        abipin_json_set(item, "name", abipin_json_string(p->name));
        abipin_json_set(item, "kernel",
                               abipin_json_string(p->kernel_release));
        abipin_json_set(item, "description",
                               abipin_json_string(p->description));
        abipin_json_set(item, "satisfied",
                               abipin_json_bool(abipin_platform_satisfied_by(p, host)));
        abipin_json_append(arr, item);
    }
    abipin_json_set(o, "platforms", arr);
    abipin_json_set(o, "latest",
                           latest >= 0 ? abipin_json_string(list->items[latest]->name) : NULL);
    return o;
}

static void platforms_print(const AbipinPlatformList *list, const AbipinProfile *host, int latest)
{
    printf("  %-14s %-8s %-5s %s\n", _("NAME"), _("KERNEL"), _("HOST"), _("DESCRIPTION"));
    for (size_t i = 0; i < list->n; i++) {
        const AbipinProfile *p = list->items[i];

        printf("%c %-14s %-8s %-5s %s\n", (int) i == latest ? '*' : ' ', p->name,
               p->kernel_release ? p->kernel_release : "-",
               abipin_platform_satisfied_by(p, host) ? _("yes") : _("no"),
               p->description ? p->description : "");
    }
    if (latest >= 0)
        printf(_("latest: %1$s (the newest platform this host satisfies)\n"),
               list->items[latest]->name);
    else
        printf(_("latest: none (this host satisfies no shipped platform)\n"));
}

/* For shell completion and scripts: no probe, so it is instant and works
 * without privileges or an emulator. */
static int platforms_print_names(void)
{
    AbipinPlatformList list;
    int r = abipin_platforms_list(&list);

    if (r < 0)
        return r;
    for (size_t i = 0; i < list.n; i++)
        printf("%s\n", list.items[i]->name);
    abipin_platform_list_clear(&list);
    return 0;
}

int cmd_platforms(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },   { "json", no_argument, NULL, 'j' },
        { "names", no_argument, NULL, 'n' }, CLI_PROBE_OPTIONS,
        {},
    };
    _cleanup_(abipin_profile_freep) AbipinProfile *host = NULL;
    AbipinProbeOptions opts = { 0 };
    AbipinPlatformList list;
    bool json = false, names = false;
    int opt, r, latest;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        if (opt == 'h') {
            platforms_help();
            return 0;
        }
        if (opt == 'j')
            json = true;
        else if (opt == 'n')
            names = true;
        else
            return cli_usage_error("platforms", _("bad option"));
    }
    if (json)
        cli_untranslated();
    if (optind < argc)
        return cli_usage_error("platforms", _("unexpected argument '%1$s'"), argv[optind]);
    if (json && names)
        return cli_usage_error("platforms", _("--json and --names exclude each other"));
    if (names)
        return platforms_print_names();
    if ((r = abipin_probe_host(&opts, &host)) < 0 || (r = abipin_platforms_list(&list)) < 0)
        return r;
    latest = abipin_platforms_latest(&list, host);
    if (json) {
        json_object *o = platforms_to_json(&list, host, latest);

        r = cli_write_json(NULL, o);
        json_object_put(o);
    } else {
        platforms_print(&list, host, latest);
    }
    abipin_platform_list_clear(&list);
    return r < 0 ? r : 0;
}
