#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "arch.h"
#include "catalogue.h"
#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"
#include "util/hash.h"

/* Without an emulator, the catalogue's properties are what abipin would
 * have asked about: each is unknown, with the reason. */
static int probe_mark_emulator_unknown(AbipinProfile *p, const char *why)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    int r = abipin_catalogue_load_default(&cat);

    if (r < 0)
        return r;
    for (size_t i = 0; i < cat->n_features; i++) {
        r = abipin_atom_set_putf_state(p->atoms, ABIPIN_ATOM_UNKNOWN, why,
                                       ABIPIN_ATOM_QEMU_PROP "%s", cat->features[i].name);
        if (r < 0)
            return r;
    }
    return 0;
}

/* tun and macvtap in two children at once (their teardown is slow and
 * nobody waits for it), vhost-net and eBPF here meanwhile. */
static int probe_kernel(AbipinAtomSet *set)
{
    static const struct {
        AbipinProbeFn fn;
        const char *prefix;
        const char *extra;
    } children[] = {
        { abipin_probe_tap, "tap.", "tap.steering_ebpf" },
        { abipin_probe_macvtap, "macvtap.", NULL },
    };
    AbipinProbeChild child[ELEMENTSOF(children)];
    char failure[512];
    int r = 0;

    for (size_t i = 0; i < ELEMENTSOF(children); i++)
        if ((r = abipin_probe_child_start(children[i].fn, &child[i])) < 0) {
            while (i-- > 0)
                close(child[i].fd);
            return r;
        }
    if ((r = abipin_probe_vhost(set)) >= 0)
        r = abipin_probe_bpf(set);
    for (size_t i = 0; i < ELEMENTSOF(children); i++) {
        int k = abipin_probe_child_finish(&child[i], set, failure, sizeof(failure));

        if (r >= 0 && k < 0)
            r = k;
        if (r >= 0 && failure[0]) {
            r = abipin_probe_mark_all(set, children[i].prefix, abipin_tun_atoms,
                                      ABIPIN_ATOM_UNKNOWN, failure);
            if (r >= 0 && children[i].extra)
                r = abipin_atom_set_put(set, children[i].extra, ABIPIN_ATOM_UNKNOWN, failure);
        }
    }
    return r;
}

/**
 * abipin_probe_host_uncached:
 *
 * Probe everything now: tun, macvtap, vhost-net, eBPF, the emulator.
 */
/* The profile is named after the host, so that reasons in a cluster
 * baseline say which host lacked an atom. */
static const char *probe_profile_name(const struct utsname *u)
{
    size_t n = strlen(u->nodename);

    if (n == 0 || n > 63 || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                    u->nodename[0]) ||
        strspn(u->nodename, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-") != n)
        return "host";
    return u->nodename;
}

/* @ret_transient: set when the answer may change without the cache key
 * changing (the emulator is there but could not be run), so it must not be
 * cached. */
static int probe_host_uncached(const AbipinProbeOptions *opts, AbipinProfile **ret,
                               bool *ret_transient)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    struct utsname u;
    char why[512];
    int r;

    if (uname(&u) < 0)
        memset(&u, 0, sizeof(u));
    p = abipin_profile_new(probe_profile_name(&u));
    if (u.release[0]) {
        p->kernel_release = abipin_strdup(u.release);
        p->description = abipin_asprintf("host %s, Linux %s", u.nodename, u.release);
    }
    if ((r = probe_kernel(p->atoms)) < 0)
        return r;
    if (!opts->skip_emulator) {
        r = abipin_probe_emulator(p, opts->emulator, why, sizeof(why));
        *ret_transient = r == ABIPIN_EMULATOR_FAILED;
        if (r > 0)
            r = probe_mark_emulator_unknown(p, why);
        if (r < 0)
            return r;
    }
    *ret = TAKE_PTR(p);
    return 0;
}

/* A profile is data: its reasons (strerror() included) are in the C
 * locale's words whatever the user's, so the cache another locale reads
 * later and the XML/JSON written from it are the same bytes. */
static int abipin_probe_host_uncached(const AbipinProbeOptions *opts, AbipinProfile **ret,
                                      bool *ret_transient)
{
    locale_t previous = abipin_i18n_data_begin();
    int r = probe_host_uncached(opts, ret, ret_transient);

    abipin_i18n_data_end(previous);
    return r;
}

static void key_add_file(uint64_t *h, const char *path)
{
    struct stat st;

    if (!path || stat(path, &st) < 0) {
        abipin_fnv1a64_add(h, "-", 1);
        return;
    }
    abipin_fnv1a64_add(h, &st.st_dev, sizeof(st.st_dev));
    abipin_fnv1a64_add(h, &st.st_ino, sizeof(st.st_ino));
    abipin_fnv1a64_add(h, &st.st_size, sizeof(st.st_size));
    abipin_fnv1a64_add(h, &st.st_mtim, sizeof(st.st_mtim));
    abipin_fnv1a64_add(h, &st.st_mode, sizeof(st.st_mode));
}

/* The cache key: what can change the answer without the cache noticing
 * otherwise. A reboot (new kernel, modules) changes the boot id; a new
 * emulator changes its file; device nodes come and go; an unprivileged
 * probe sees less than root. */
static uint64_t probe_cache_key(const AbipinProbeOptions *opts)
{
    _cleanup_free_ char *emulator = opts->skip_emulator ? NULL : abipin_emulator_find(opts->emulator);
    _cleanup_free_ char *boot_id = NULL;
    uint64_t h = ABIPIN_FNV1A64_INIT;
    uid_t uid = geteuid();
    size_t len;

    abipin_fnv1a64_add(&h, PACKAGE_VERSION, strlen(PACKAGE_VERSION));
    if (abipin_file_read("/proc/sys/kernel/random/boot_id", 64, &boot_id, &len) >= 0)
        abipin_fnv1a64_add(&h, boot_id, len);
    abipin_error_reset();
    abipin_fnv1a64_add(&h, &uid, sizeof(uid));
    abipin_fnv1a64_add(&h, emulator ? emulator : "-", strlen(emulator ? emulator : "-"));
    key_add_file(&h, emulator);
    key_add_file(&h, "/dev/net/tun");
    key_add_file(&h, "/dev/vhost-net");
    return h;
}

static char *probe_cache_path(const AbipinProbeOptions *opts)
{
    const char *dir = opts->cache_dir ? opts->cache_dir : getenv("ABIPIN_CACHE_DIR");

    if (!dir || !*dir)
        dir = ABIPIN_CACHEDIR;
    return abipin_asprintf("%s/host-%016" PRIx64 ".profile", dir, probe_cache_key(opts));
}

static void probe_cache_store(const char *path, const AbipinProfile *p)
{
    _cleanup_free_ char *data = NULL, *dir = abipin_strdup(path);
    size_t len;

    *strrchr(dir, '/') = '\0';
    (void) mkdir(dir, 0755);
    /* A cache that cannot be written only costs time: not an error. It is
     * read back only if it is our own (abipin_profile_load_owned): an entry
     * of another user there is replaced by ours, never followed. */
    abipin_profile_format_cache(p, &data, &len);
    if (abipin_file_write_atomic(path, data, len, 0644, ABIPIN_WRITE_OWN) < 0)
        abipin_error_reset();
}


/* Whether @machine (resolved) is one to measure: a pc, q35 or virt
 * machine type the emulator lists. One it lacks is the decision's error
 * to name (context.c), with the emulator's nearest names. */
static bool probe_machine_wanted(const AbipinProfile *p, const char *machine)
{
    char atom[256];

    snprintf(atom, sizeof(atom), "qemu.machine.%s", machine);
    return abipin_machine_is_modelled(machine) && abipin_atom_set_has(p->atoms, atom) &&
           !abipin_defaults_has_machine(&p->defaults, machine);
}

/* The machine types @opts asks for that @p does not carry yet, resolved,
 * each once. */
static size_t probe_machines_to_measure(const AbipinProbeOptions *opts, const AbipinProfile *p,
                                        const char **out, size_t max)
{
    static const char prefix[] = "qemu.machine.";
    size_t n = 0;

    for (size_t i = 0; opts->all_machines && i < p->atoms->n && n < max; i++) {
        const char *name = p->atoms->items[i].name;

        if (strncmp(name, prefix, strlen(prefix)) == 0 &&
            probe_machine_wanted(p, name + strlen(prefix)))
            out[n++] = name + strlen(prefix);
    }
    for (size_t i = 0; i < opts->n_machines && n < max; i++) {
        const char *m = abipin_profile_resolve_machine(p, opts->machines[i]);
        bool dup = false;

        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(out[k], m) == 0;
        if (!dup && probe_machine_wanted(p, m))
            out[n++] = m;
    }
    return n;
}

/* Measure what @opts asks for and @p lacks (probe/machine.c). Returns how
 * many machine types were measured, or an ENV error naming the emulator. */
static int probe_measure_machines(const AbipinProbeOptions *opts, AbipinProfile *p)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_free_ const char **todo = NULL;
    size_t n;
    int r;

    if (!p->measurable || (!opts->all_machines && opts->n_machines == 0))
        return 0;
    todo = abipin_new0(const char *, p->atoms->n + opts->n_machines + 1);
    n = probe_machines_to_measure(opts, p, todo, p->atoms->n + opts->n_machines);
    if (n == 0)
        return 0;
    if ((r = abipin_catalogue_load_default(&cat)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        /* todo[] points into @p, which the measurement does not touch
         * until it adds its entries: copy the name first */
        _cleanup_free_ char *machine = abipin_strdup(todo[i]);

        if (opts->progress)
            opts->progress(i, n, machine);
        if ((r = abipin_probe_machine_defaults(p->emulator_path, machine, cat, &p->defaults)) < 0)
            return r;
    }
    if (opts->progress)
        opts->progress(n, n, NULL);
    return (int) n;
}

/* A probe of this host: its emulator can be measured now. */
static int probe_host_measure(const AbipinProbeOptions *opts, AbipinProfile *p)
{
    p->measurable = p->has_emulator && p->emulator_path;
    return probe_measure_machines(opts, p);
}

/**
 * abipin_probe_host:
 * @opts: emulator, whether to use the cache, which machine types to measure
 *
 * This host's profile: from the cache when its key matches (boot id,
 * emulator identity, device nodes, user), else probed and cached. An
 * unreadable or corrupt cache entry is probed again and replaced. A probe
 * whose emulator failed to run is not cached: the next caller asks again.
 * The machine types @opts names are measured where the entry lacks them,
 * and the entry is written again with them: the binary's identity is in
 * its key, so a new or rebuilt emulator is measured anew. A measurement
 * that fails writes nothing.
 */
int abipin_probe_host(const AbipinProbeOptions *opts, AbipinProfile **ret)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    _cleanup_free_ char *path = NULL;
    bool transient = false, cached = false;
    int r;

    /* A declared host profile replaces the probe ("treat this host as
     * platform X"; tests use it to stand for a host they are not): its
     * emulator is not this host's to measure. */
    const char *fixed = getenv("ABIPIN_HOST_PROFILE");

    if (fixed && *fixed)
        return abipin_profile_load(fixed, ret);
    if (opts->no_cache) {
        if ((r = abipin_probe_host_uncached(opts, &p, &transient)) < 0 ||
            (r = probe_host_measure(opts, p)) < 0)
            return r;
        *ret = TAKE_PTR(p);
        return 0;
    }
    path = probe_cache_path(opts);
    if (access(path, R_OK) == 0) {
        cached = abipin_profile_load_owned(path, &p) >= 0;
        if (!cached)
            abipin_error_reset();
    }
    if (!cached && (r = abipin_probe_host_uncached(opts, &p, &transient)) < 0)
        return r;
    if ((r = probe_host_measure(opts, p)) < 0)
        return r;
    if (!transient && (!cached || r > 0))
        probe_cache_store(path, p);
    *ret = TAKE_PTR(p);
    return 0;
}
