#include <config.h>

#include <string.h>

#include "arch.h"
#include "cli/cli.h"
#include "conf.h"
#include "util/error.h"
#include "util/i18n.h"

/* libvirt runs the qemu hook as "NAME OP SUBOP EXTRA" with the domain XML on
 * stdin (docs/hooks.rst). Only these operations are guarded: they happen
 * before QEMU starts, so a refusal costs nothing. For migrate and restore
 * stdout is the (new) domain XML: abipin prints nothing there, so libvirt
 * keeps the XML as it is. */
static bool hook_is_guarded(const char *op, const char *subop)
{
    return subop && strcmp(subop, "begin") == 0 &&
           (strcmp(op, "prepare") == 0 || strcmp(op, "migrate") == 0 || strcmp(op, "restore") == 0);
}

static const char *hook_action(const char *op)
{
    return strcmp(op, "migrate") == 0 ? _("the incoming migration of")
           : strcmp(op, "restore") == 0 ? _("the restore of") : _("the start of");
}

static int hook_unpinned(const AbipinConfig *conf, const char *op, const AbipinDomain *d)
{
    /* A guest abipin has no model of can never be pinned: refusing it as
     * unpinned would keep it off this host for good. It passes, said once
     * (unless unpinned = ignore). */
    if (abipin_domain_check_modelled(d) < 0) {
        if (conf->unpinned != ABIPIN_UNPINNED_IGNORE)
            fprintf(stderr, _("abipin: warning: %1$s; its virtio-net ABI depends on the host\n"),
                    abipin_error_message());
        abipin_error_reset();
        return 0;
    }
    switch (conf->unpinned) {
    case ABIPIN_UNPINNED_IGNORE:
        return 0;
    case ABIPIN_UNPINNED_REFUSE:
        return abipin_error_set(ABIPIN_ERR_REFUSED, -EPERM,
                                _("refusing %1$s '%2$s': it has no abipin pins (unpinned = refuse "
                                  "in %3$s); run 'abipin pin' or 'abipin define'"),
                                hook_action(op), d->label, abipin_config_path());
    default:
        fprintf(stderr, _("abipin: warning: '%1$s' has no abipin pins: its virtio-net ABI depends on "
                          "the host\n"),
                d->label);
        return 0;
    }
}

/* An unpinned guest arriving (migrate, restore) keeps the bits it
 * negotiated only where this QEMU build's defaults are upstream's: where
 * the platform measured otherwise, say which (kubevirt/kubevirt#16386). A
 * warning: the hook cannot see the source's build. */
static int hook_unpinned_defaults(const AbipinConfig *conf, const char *op, const AbipinDomain *d,
                                  AbipinProbeOptions *opts)
{
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    int r;

    if (conf->unpinned != ABIPIN_UNPINNED_WARN || strcmp(op, "prepare") == 0 ||
        abipin_domain_check_modelled(d) < 0) {
        abipin_error_reset();
        return 0;
    }
    /* advice about a guest that is let through anyway: what cannot be
     * worked out (no machine type, an emulator that fails) stops nothing */
    if ((r = cli_check_document(d, conf->host_profile, opts, false, &problems, NULL)) < 0) {
        abipin_error_reset();
        return 0;
    }
    for (size_t i = 0; i < problems.n; i++)
        if (problems.items[i].feature)
            fprintf(stderr, _("abipin: warning: %1$s\n"), problems.items[i].message);
    return 0;
}

static void hook_help(void)
{
    cli_print_help("abipin hook NAME OP SUBOP EXTRA < DOMAIN.xml",
                   N_("The libvirt qemu hook: refuse a start, an incoming migration or a restore that\n"
                      "this host cannot honour, before QEMU starts. libvirt runs it (as abipin-hook)\n"
                      "with these arguments and the domain XML on standard input; it takes no options.\n"),
                   NULL, 0);
}

/* abipin-hook exits as soon as it has decided: freeing the domain's
 * document node by node would cost a fifth of what parsing it did (0.34 M
 * instructions of the warm hook's 6.2 M, callgrind), for memory the exit
 * gives back at once. It stays reachable from here (volatile: the compiler
 * would drop a store never read), so valgrind's leak check still tells a
 * real leak from it; "abipin hook" frees it. */
static bool hook_exiting;
static AbipinDomain *volatile hook_domain_left_to_exit;

/**
 * cmd_hook_exiting:
 *
 * cmd_hook for a process that exits right after it (abipin-hook): the
 * domain is not freed.
 */
int cmd_hook_exiting(int argc, char **argv)
{
    hook_exiting = true;
    return cmd_hook(argc, argv);
}

/**
 * cmd_hook:
 *
 * The libvirt qemu hook. Never calls back into libvirt (a deadlock, says
 * docs/hooks.rst): the domain comes from stdin, the host from the cache or
 * /etc/abipin.conf's host_profile.
 */
int cmd_hook(int argc, char **argv)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_free_ char *platform_name = NULL;
    AbipinConfig conf = { .enforce = true };
    AbipinProbeOptions opts = { 0 };
    const char *op = argc > 2 ? argv[2] : "", *subop = argc > 3 ? argv[3] : NULL;
    int r;

    /* libvirt always passes four arguments, so a lone --help is a person. */
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        hook_help();
        return 0;
    }
    /* reconnect must never fail: libvirt would kill the running QEMU. */
    if (!hook_is_guarded(op, subop))
        return 0;
    if ((r = abipin_config_load(abipin_config_path(), &conf)) < 0 ||
        (r = abipin_domain_load_flags("-", ABIPIN_DOMAIN_READ_ONLY, &d)) < 0)
        goto out;
    if (!getenv("ABIPIN_CACHE_DIR"))
        opts.cache_dir = conf.cache_dir;
    if (!d->record) {
        if ((r = hook_unpinned(&conf, op, d)) >= 0)
            r = hook_unpinned_defaults(&conf, op, d, &opts);
        goto out;
    }
    r = cli_check_document(d, conf.host_profile, &opts, false, &problems, &platform_name);
    if (r <= 0)
        goto out;
    cli_print_problems(&problems, stderr, NULL);
    if (conf.enforce)
        r = abipin_error_set(ABIPIN_ERR_REFUSED, -EPERM,
                             _("refusing %1$s '%2$s': this host ('%3$s') cannot honour its pinned "
                               "virtio-net ABI"),
                             hook_action(op), d->label, platform_name);
    else {
        fprintf(stderr, _("abipin: warning: '%1$s' would be refused (mode = warn)\n"), d->label);
        r = 0;
    }
out:
    abipin_config_clear(&conf);
    if (hook_exiting)
        hook_domain_left_to_exit = TAKE_PTR(d);
    return r;
}
