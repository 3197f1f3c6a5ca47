#include <config.h>

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "platforms.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/xml.h"
#include "version.h"

void abipin_platform_list_clear(AbipinPlatformList *list)
{
    for (size_t i = 0; i < list->n; i++)
        abipin_profile_free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static AbipinVersion platform_kernel_version(const AbipinProfile *p)
{
    AbipinVersion v = 0;
    char buf[32];

    /* "4.14.0", "6.12" and "6.12.0-rc1" all compare by their numbers. */
    snprintf(buf, sizeof(buf), "%s", p->kernel_release ? p->kernel_release : "");
    buf[strspn(buf, "0123456789.")] = '\0';
    return abipin_version_parse(buf, &v) < 0 ? 0 : v;
}

static int platform_compare(const void *a, const void *b)
{
    const AbipinProfile *pa = *(AbipinProfile *const *) a, *pb = *(AbipinProfile *const *) b;
    AbipinVersion va = platform_kernel_version(pa), vb = platform_kernel_version(pb);

    if (va != vb)
        return va < vb ? -1 : 1;
    return strcmp(pa->name, pb->name);
}

static int is_xml_file(const struct dirent *d)
{
    size_t n = strlen(d->d_name);

    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".xml") == 0;
}

/**
 * abipin_platforms_list:
 *
 * Load every shipped named platform, oldest kernel first. A broken
 * shipped file is an error (it is the product's own data).
 */
int abipin_platforms_list(AbipinPlatformList *ret)
{
    _cleanup_free_ char *dir = abipin_data_path("platforms");
    AbipinPlatformList list = { NULL, 0 };
    struct dirent **ents = NULL;
    int n, r = 0;

    n = scandir(dir, &ents, is_xml_file, alphasort);
    if (n < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(),
                                _("cannot read the platform directory '%1$s': %2$s"), dir,
                                strerror(errno));
    list.items = abipin_new0(AbipinProfile *, n);
    for (int i = 0; i < n; i++) {
        _cleanup_free_ char *path = abipin_asprintf("%s/%s", dir, ents[i]->d_name);

        if (r >= 0 && (r = abipin_profile_load(path, &list.items[list.n])) >= 0)
            list.n++;
        free(ents[i]);
    }
    free(ents);
    if (r < 0) {
        abipin_platform_list_clear(&list);
        return r;
    }
    qsort(list.items, list.n, sizeof(*list.items), platform_compare);
    *ret = list;
    return 0;
}

/**
 * abipin_profile_missing:
 * @need: the profile to honour
 * @have: the host's profile
 * @ret_missing: the atoms of @need that @have lacks, with @have's state
 *
 * The subset test, with one rule: on a host known to have no usable
 * vhost-net, vhost.bit.N atoms do not count. Such a host runs every domain
 * on QEMU's userspace virtio-net (libvirt falls back, or the pin says
 * driver name='qemu'), where those bits play no part; if @need requires
 * vhost.net itself, that atom is reported. A profile that does not list
 * vhost.net at all (a named platform: it describes the kernel) keeps its
 * bits. Returns the number missing.
 */
int abipin_profile_missing(const AbipinProfile *need, const AbipinProfile *have,
                           AbipinAtomSet **ret_missing)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *missing = NULL;
    const AbipinAtom *vhost_net = abipin_atom_set_get(have->atoms, "vhost.net");
    bool vhost = !vhost_net || vhost_net->state == ABIPIN_ATOM_PRESENT;
    size_t kept = 0;
    int r;

    r = abipin_atom_set_missing(need->atoms, have->atoms, &missing);
    if (r < 0)
        return r;
    for (size_t i = 0; i < missing->n; i++) {
        AbipinAtom *a = &missing->items[i];

        if (!vhost && strncmp(a->name, "vhost.bit.", 10) == 0) {
            free(a->name);
            free(a->reason);
            continue;
        }
        missing->items[kept++] = *a;
    }
    missing->n = kept;
    *ret_missing = TAKE_PTR(missing);
    return (int) kept;
}

/* A host satisfies a platform when it has every atom the platform has. */
bool abipin_platform_satisfied_by(const AbipinProfile *platform, const AbipinProfile *host)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *missing = NULL;

    return abipin_profile_missing(platform, host, &missing) == 0;
}

/* Index of the newest platform @host satisfies, or -1. */
int abipin_platforms_latest(const AbipinPlatformList *list, const AbipinProfile *host)
{
    for (size_t i = list->n; i-- > 0;)
        if (abipin_platform_satisfied_by(list->items[i], host))
            return (int) i;
    return -1;
}

static int platform_load_named(const char *name, AbipinProfile **ret)
{
    _cleanup_free_ char *rel = NULL, *path = NULL;

    for (const char *p = name; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+", *p))
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("'%1$s' is not a platform name"),
                                    name);
    rel = abipin_asprintf("platforms/%s.xml", name);
    path = abipin_data_path(rel);
    if (access(path, F_OK) < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -ENOENT,
                                _("unknown platform '%1$s' (neither a file nor a shipped platform; "
                                  "'abipin platforms' lists them)"),
                                name);
    return abipin_profile_load(path, ret);
}

static int platform_load_latest(const AbipinProbeOptions *opts, AbipinProfile **ret)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *host = NULL;
    AbipinPlatformList list;
    int r, i;

    if ((r = abipin_probe_host(opts, &host)) < 0 || (r = abipin_platforms_list(&list)) < 0)
        return r;
    i = abipin_platforms_latest(&list, host);
    if (i < 0) {
        abipin_platform_list_clear(&list);
        return abipin_error_set(ABIPIN_ERR_REFUSED, -ENOENT,
                                _("this host satisfies none of the shipped platforms"));
    }
    *ret = TAKE_PTR(list.items[i]);
    abipin_platform_list_clear(&list);
    return 0;
}

/**
 * abipin_profile_resolve:
 * @spec: "host", "latest", a file (contains '/' or exists) or a platform name
 *
 * The profile a command should use. Unknown names and bad files are INPUT
 * errors; a failed probe is an ENV error.
 */
int abipin_profile_resolve(const char *spec, const AbipinProbeOptions *opts, AbipinProfile **ret)
{
    struct stat st;

    if (strcmp(spec, "host") == 0)
        return abipin_probe_host(opts, ret);
    if (strcmp(spec, "latest") == 0)
        return platform_load_latest(opts, ret);
    if (strchr(spec, '/') || strcmp(spec, "-") == 0 || stat(spec, &st) == 0)
        return abipin_profile_load(spec, ret);
    return platform_load_named(spec, ret);
}

/**
 * abipin_platform_for_domain:
 * @spec: as for abipin_profile_resolve
 * @opts: probe options; the emulator is the domain's
 *
 * The profile to pin or check against, completed from this host where it
 * describes the kernel only (emulator facts, vhost-net usability).
 */
int abipin_platform_for_domain(const char *spec, const AbipinProbeOptions *opts,
                               AbipinProfile **ret)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL, *host = NULL;
    int r;

    if ((r = abipin_profile_resolve(spec, opts, &p)) < 0)
        return r;
    if (!p->has_emulator || !abipin_atom_set_get(p->atoms, "vhost.net")) {
        if ((r = abipin_probe_host(opts, &host)) < 0 || (r = abipin_profile_complete(p, host)) < 0)
            return r;
    }
    *ret = TAKE_PTR(p);
    return 0;
}

/**
 * abipin_platform_measure_machine:
 * @machine: a machine type or alias of a definition
 *
 * Make @p carry @machine's measured defaults, where @p speaks for this
 * host's emulator and does not yet (audit resolves a platform once for
 * many definitions): from the cache, else measured and cached. A machine
 * type the emulator lacks is left to the decisions to name.
 */
int abipin_platform_measure_machine(AbipinProfile *p, const AbipinProbeOptions *opts,
                                    const char *machine)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *host = NULL;
    const char *resolved = abipin_profile_resolve_machine(p, machine);
    AbipinProbeOptions o = *opts;
    int r;

    if (!p->measurable || abipin_defaults_has_machine(&p->defaults, resolved))
        return 0;
    o.emulator = p->emulator_path;
    o.machines = &machine;
    o.n_machines = 1;
    o.all_machines = false;
    if ((r = abipin_probe_host(&o, &host)) < 0)
        return r;
    abipin_defaults_copy_machine(&p->defaults, &host->defaults, resolved);
    return 0;
}
