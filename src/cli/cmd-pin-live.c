/* abipin pin --live NAME: pin the persistent definition of a running domain
 * to what its QEMU really offers. */
#include <config.h>

#include <string.h>

#include "cli/cli.h"
#include "live.h"
#include "probe/probe.h"
#include "record-json.h"
#include "util/error.h"
#include "util/i18n.h"
#include "virt/virt.h"

/* Read the running QEMU (through the running definition's aliases) and pin
 * a parsed copy of the persistent definition to it. The QEMU runs here
 * (libvirt's qemu driver is per host): this host's kernel facts and the
 * vhost-user backends its sockets reach are what its backends can do; the
 * emulator's facts come from the device itself. */
static int pin_live(virDomainPtr dom, const char *name, unsigned flags, AbipinDomain **ret)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *host = NULL;
    _cleanup_(abipin_domain_freep) AbipinDomain *running = NULL, *d = NULL;
    _cleanup_(abipin_live_freep) AbipinLive *live = NULL;
    _cleanup_free_ char *running_xml = NULL, *xml = NULL;
    int r;

    if ((r = abipin_catalogue_load_default(&cat)) < 0 ||
        (r = abipin_virt_live_xml(dom, &running_xml)) < 0 ||
        (r = abipin_domain_parse(name, running_xml, strlen(running_xml), &running)) < 0 ||
        (r = abipin_probe_host(&(AbipinProbeOptions) { .skip_emulator = true }, &host)) < 0 ||
        (r = abipin_probe_domain_backends(host, cat, running)) < 0 ||
        (r = abipin_live_read(cat, host, running, abipin_virt_qemu_monitor, dom, &live)) < 0 ||
        (r = abipin_virt_inactive_xml(dom, &xml)) < 0 ||
        (r = abipin_domain_parse(name, xml, strlen(xml), &d)) < 0)
        return r;
    if ((r = abipin_pin_live_domain(cat, live, d, flags)) < 0)
        return r;
    *ret = TAKE_PTR(d);
    return 0;
}

/**
 * cmd_pin_live_args:
 * @other_options: --platform, --policy, --in-place, ... were given too
 *
 * pin --live NAME [-c URI] [-o FILE [--migratable]] [--json]: without -o
 * the pinned definition is defined through libvirt (the running guest is
 * not touched; the next start uses it), with -o it is written there
 * instead. --migratable (ABIPIN_PIN_OVERRIDES_ONLY) writes what
 * 'virsh migrate --xml' accepts: the step-up of a running, unpinned guest
 * to a destination whose defaults differ (issue 26).
 */
int cmd_pin_live_args(int argc, char **argv, const char *uri, const char *output, bool json,
                      bool other_options, unsigned flags)
{
    _cleanup_(abipin_virt_connect_closep) virConnectPtr conn = NULL;
    _cleanup_(abipin_virt_domain_freep) virDomainPtr dom = NULL, defined = NULL;
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(json_object_putp) json_object *report = NULL;
    _cleanup_free_ char *xml = NULL;
    size_t len;
    int r;

    if (other_options)
        return cli_usage_error("pin", _("--live reads the running QEMU: --platform, --policy, "
                                        "--emulator, --no-cache and --in-place do not apply"));
    if (argc != 1)
        return cli_usage_error("pin", _("--live needs exactly one domain name"));
    if (flags && !output)
        return cli_usage_error("pin", _("--migratable writes an XML for 'virsh migrate --xml': "
                                        "give -o FILE"));
    if ((r = abipin_virt_connect(uri, &conn)) < 0 ||
        (r = abipin_virt_require_qemu(conn, uri)) < 0)
        return r;
    if (abipin_virt_is_remote(conn))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("'%1$s' is another host: --live masks its QEMU's properties with "
                                  "this host's kernel facts; run 'abipin pin --live' on that host"),
                                uri ? uri : _("the default URI"));
    if ((r = abipin_virt_lookup(conn, argv[0], &dom)) < 0 ||
        (r = abipin_virt_require_running(dom)) < 0)
        return r;
    if (!output && !abipin_virt_is_persistent(dom))
        return abipin_error_set(ABIPIN_ERR_REFUSED, -EINVAL,
                                _("'%1$s' is transient: it has no persistent definition to pin; "
                                  "write the pinned XML with -o FILE and define it with "
                                  "'virsh define'"),
                                argv[0]);
    if ((r = pin_live(dom, argv[0], flags, &d)) < 0 || (r = abipin_domain_format(d, &xml, &len)) < 0)
        return r;
    r = output ? cli_write_output(output, xml, len) : abipin_virt_define(conn, xml, &defined);
    if (r < 0)
        return r;
    if (json) {
        report = abipin_record_to_json(d->record, d->name);
        return cli_print_json(output && strcmp(output, "-") == 0 ? stderr : stdout, report);
    }
    if (arg_quiet)
        return 0;
    cli_pin_print_summary(d);
    if (!output)
        printf(_("Domain '%1$s' defined, pinned to what its running QEMU offers: the next start "
                 "offers the guest the same\n"),
               argv[0]);
    return 0;
}
