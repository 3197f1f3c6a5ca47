#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "abi-json.h"
#include "cli/cli.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

static void abi_help(void)
{
    static const CliHelpOption options[] = {
        CLI_HELP_PLATFORM_OPTION,
        { "--json", N_("JSON instead of text") },
        CLI_HELP_DOMAIN_PROBE_OPTIONS,
    };

    CLI_PRINT_HELP("abipin abi DOMAIN.xml [--platform PROFILE] [--json] [--emulator PATH] [--no-cache]",
                   N_("The guest hardware DOMAIN.xml produces on the platform (default: this host): per\n"
                      "virtio interface, the feature bits QEMU will offer the guest (as QMP\n"
                      "x-query-virtio-status reports them), and why each host-dependent bit that is off\n"
                      "is off. Starts nothing.\n"),
                   options);
}

static const char *off_reason_text(const AbipinPinContext *ctx, const AbipinAbi *abi,
                                   const AbipinAbiFeature *f, char *buf, size_t len)
{
    switch (f->why) {
    case ABIPIN_OFF_PINNED:
        return _("pinned off");
    case ABIPIN_OFF_MACHINE:
        if (abipin_default_differs(&f->dflt))
            return _("off by default on this machine type in this build of QEMU (measured; "
                     "upstream's is on)");
        return f->dflt.measured ? _("off for this machine type (measured)")
                                : _("off for this machine type (hw_compat)");
    case ABIPIN_OFF_DEFAULT:
        return _("off by default");
    case ABIPIN_OFF_NO_VNET_HDR:
        return abipin_backend_is_external(abi->iface->backend)
                   ? _("QEMU never gives it to this backend kind")
                   : _("the backend has no virtio-net header");
    case ABIPIN_OFF_NO_PROPERTY:
        return _("the emulator has no such property");
    case ABIPIN_OFF_HOST_LACKS:
    case ABIPIN_OFF_UNKNOWN:
        return abipin_pin_describe_atom(ctx, f->atom, buf, len);
    default:
        return "";
    }
}

static void abi_print(const AbipinPinContext *ctx, const AbipinDomain *d, const AbipinAbi *all,
                      size_t n)
{
    char text[512], hex[ABIPIN_ABI_VECTOR_MAX];
    uint64_t device_features;

    printf(_("%1$s on '%2$s' (QEMU %3$s, %4$s, %5$s)\n"), d->label, ctx->platform->name,
           ctx->platform->emulator_version, abipin_profile_resolve_machine(ctx->platform, d->machine),
           n && all[0].machine.measured ? _("defaults measured from the emulator")
                                        : _("upstream's defaults"));
    for (size_t i = 0; i < n; i++) {
        const AbipinAbi *abi = &all[i];

        abipin_abi_vector_format(abi->offered, hex, sizeof(hex));
        printf(_("  %1$s, %2$s, driver %3$s: offered %4$s\n"), abi->iface->label,
               abipin_backend_to_string(abi->iface->backend), abi->vhost ? "vhost" : "qemu", hex);
        printf("    on: ");
        for (unsigned b = 0, first = 1; b < 128; b++)
            if (abipin_abi_has(abi, b)) {
                const char *name = abipin_catalogue_bit_name(ctx->cat, b);

                printf("%s%u %s", first ? "" : ", ", b, name ? name : "?");
                first = 0;
            }
        putchar('\n');
        for (size_t k = 0; k < abi->n_features; k++) {
            const AbipinAbiFeature *f = &abi->features[k];

            if (!f->offered)
                printf("    off: %u %s (%s): %s\n", f->feature->bit, f->feature->macro,
                       f->feature->name, off_reason_text(ctx, abi, f, text, sizeof(text)));
            else if (f->external)
                printf(_("    external: %1$u %2$s: offered if the backend process offers it\n"),
                       f->feature->bit, f->feature->macro);
            if (f->offered && f->pinned == ABIPIN_VALUE_ABSENT && abipin_default_differs(&f->dflt))
                printf(_("    note: %1$u %2$s (%3$s): on by default on this machine type in this "
                         "build of QEMU (measured; upstream's is off)\n"),
                       f->feature->bit, f->feature->macro, f->feature->name);
        }
        if (abipin_abi_vdpa_device_features(ctx, d->record, abi, &device_features)) {
            snprintf(hex, sizeof(hex), "0x%" PRIx64, device_features);
            printf(_("    vDPA device: created with 'vdpa dev add ... device_features %1$s', it "
                     "gives the guest what this definition asks for, wherever its management "
                     "device supports these bits\n"),
                   hex);
        }
    }
}

/* abi --json: the domain, its platform and one object per interface */
static json_object *abi_to_json(const AbipinPinContext *ctx, const AbipinDomain *d,
                                const AbipinAbi *all, size_t n)
{
    const AbipinProfile *platform = ctx->platform;
    json_object *o = abipin_json_object(), *emu = abipin_json_object();
    json_object *ifaces = abipin_json_array();

    abipin_json_set(o, "domain", abipin_json_string(d->name));
    abipin_json_set(o, "platform", abipin_json_string(platform->name));
    abipin_json_set(o, "machine",
                    abipin_json_string(abipin_profile_resolve_machine(platform, d->machine)));
    abipin_json_set(o, "defaults",
                    abipin_json_string(n && all[0].machine.measured ? "measured" : "modelled"));
    abipin_json_set(emu, "path", abipin_json_string(platform->emulator_path));
    abipin_json_set(emu, "version", abipin_json_string(platform->emulator_version));
    abipin_json_set(o, "emulator", emu);
    for (size_t i = 0; i < n; i++)
        abipin_json_append(ifaces, abipin_abi_to_json(ctx, d->record, &all[i]));
    abipin_json_set(o, "interfaces", ifaces);
    return o;
}

int cmd_abi(int argc, char **argv)
{
    static const struct option options[] = {
        { "help", no_argument, NULL, 'h' },
        { "json", no_argument, NULL, 'j' },
        { "platform", required_argument, NULL, 'p' },
        CLI_PROBE_OPTIONS,
        {},
    };
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *platform = NULL;
    AbipinProbeOptions opts = { 0 };
    AbipinPinContext ctx;
    const char *platform_spec = NULL;
    AbipinAbi *all = NULL;
    size_t n = 0;
    bool json = false;
    int opt, r;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
        if (cli_parse_probe_option(opt, &opts))
            continue;
        switch (opt) {
        case 'h':
            abi_help();
            return 0;
        case 'j':
            json = true;
            break;
        case 'p':
            platform_spec = optarg;
            break;
        default:
            return cli_usage_error("abi", _("bad option"));
        }
    }
    if (json)
        cli_untranslated();
    if (argc - optind != 1)
        return cli_usage_error("abi", _("exactly one domain XML file is needed"));
    if ((r = abipin_domain_load_flags(argv[optind], ABIPIN_DOMAIN_READ_ONLY, &d)) < 0 ||
        (r = cli_platform_setup(d, platform_spec, &opts, &cat, &platform)) < 0 ||
        (r = abipin_pin_context_init(&ctx, cat, platform, ABIPIN_POLICY_HOST)) < 0 ||
        (r = abipin_abi_compute_all(&ctx, d, &all, &n)) < 0)
        return r;
    if (json) {
        _cleanup_(json_object_putp) json_object *o = abi_to_json(&ctx, d, all, n);

        r = cli_print_json(stdout, o);
    } else {
        abi_print(&ctx, d, all, n);
    }
    abipin_abi_free_all(all, n);
    return r < 0 ? r : 0;
}
