/* The lines pin, pin --live and define print after pinning (to stderr):
 * one header, one line per interface, from the record the pin wrote. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/i18n.h"

/* The header line: against a platform, or (pin --live) from a running QEMU. */
static void print_summary_header(const AbipinDomain *d)
{
    const AbipinPinRecord *rec = d->record;
    char dom[ABIPIN_QUOTE_MAX];
    const char *domain = abipin_error_quote(d->name, dom, sizeof(dom));
    size_t n = rec->n_ifaces;

    if (rec->source) {
        fprintf(stderr,
                P_("abipin: pinned %1$s to what its running QEMU %2$s offers (%3$s): %4$zu interface\n",
                   "abipin: pinned %1$s to what its running QEMU %2$s offers (%3$s): %4$zu interfaces\n",
                   n),
                domain, rec->emulator, rec->machine, n);
        return;
    }
    fprintf(stderr,
            P_("abipin: pinned %1$s against '%2$s' (policy %3$s, QEMU %4$s, %5$s): %6$zu interface\n",
               "abipin: pinned %1$s against '%2$s' (policy %3$s, QEMU %4$s, %5$s): %6$zu interfaces\n",
               n),
            domain, rec->platform, rec->policy, rec->emulator, rec->machine, n);
}

/* What is worth a word: what the host lacks, what pin --live replaced,
 * what the running QEMU does not offer. */
static void print_feature(const AbipinPinEntry *e, int backend)
{
    bool off = streq_ptr(e->value, "off");

    if (e->why == ABIPIN_WHY_HOST_LACKS || e->why == ABIPIN_WHY_BACKEND)
        fprintf(stderr, " %s off (%s%s),", e->name,
                e->atom ? _("lacks ")
                /* vhost-user and vDPA have a header, but no has_uso/has_tunnel */
                : abipin_backend_is_external(backend) ? _("never on this backend")
                    : _("no vnet header"),
                e->atom ? e->atom : "");
    else if (e->was)
        fprintf(stderr, _(" %1$s %2$s (was %3$s),"), e->name, e->value, e->was);
    else if (e->why == ABIPIN_WHY_LIVE && off)
        fprintf(stderr, _(" %1$s off,"), e->name);
}

static void print_interface(const AbipinPinRecordInterface *ri)
{
    char alias[ABIPIN_QUOTE_MAX], mac[ABIPIN_QUOTE_MAX];
    size_t on = 0, off = 0;

    fprintf(stderr, "  %s (%s), %s:",
            abipin_error_quote(ri->alias ? ri->alias : "-", alias, sizeof(alias)),
            abipin_error_quote(ri->mac ? ri->mac : "-", mac, sizeof(mac)),
            ri->backend >= 0 ? abipin_backend_to_string(ri->backend) : NULL);
    for (size_t k = 0; k < ri->n_entries; k++) {
        const AbipinPinEntry *e = &ri->entries[k];

        if (e->kind == ABIPIN_PIN_ENTRY_DRIVER) {
            if (e->was)
                fprintf(stderr, _(" driver %1$s (was %2$s);"), e->value, e->was);
            else
                fprintf(stderr, " driver %s;", e->value);
            continue;
        }
        on += streq_ptr(e->value, "on");
        off += streq_ptr(e->value, "off");
        print_feature(e, ri->backend);
    }
    if (ri->base_off) {
        char bits[256] = "";
        size_t len = 0;

        for (unsigned bit = 0; bit < 64; bit++)
            if (ri->base_off >> bit & 1)
                len += snprintf(bits + len, sizeof(bits) - len, "%s%u", len ? " " : "", bit);
        fprintf(stderr, _(" base bits %1$s off (backend %2$s lacks them: <qemu:override>),"), bits,
                ri->backend_name ? ri->backend_name : "?");
    }
    fprintf(stderr, _(" %1$zu on, %2$zu off\n"), on, off);
}

/**
 * cli_pin_print_summary:
 * @d: a domain just pinned: its record is the one the pin wrote
 *
 * What was pinned, to stderr: the JSON summary's content for a reader.
 */
void cli_pin_print_summary(const AbipinDomain *d)
{
    print_summary_header(d);
    for (size_t i = 0; i < d->record->n_ifaces; i++)
        print_interface(&d->record->ifaces[i]);
}
