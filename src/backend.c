#include <config.h>

#include <fnmatch.h>
#include <inttypes.h>
#include <string.h>

#include "backend.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

static bool is_name_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-';
}

/* No dots: the name sits between "vhostuser." or "vdpa." and ".bit.N" in
 * its atoms. */
bool abipin_backend_name_is_valid(const char *name)
{
    size_t n = 0;

    for (; name[n]; n++)
        if (n == ABIPIN_BACKEND_NAME_MAX || !is_name_char(name[n]))
            return false;
    return n > 0;
}

/* A name given on the command line: an INPUT error where it is none */
int abipin_backend_name_check(const char *name)
{
    if (abipin_backend_name_is_valid(name))
        return 0;
    return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                            _("'%1$s' is not a backend name: letters, digits, '_' and '-', at most "
                              "%2$d"),
                            name, ABIPIN_BACKEND_NAME_MAX);
}

/**
 * abipin_backend_name_from_socket:
 *
 * A name for a backend known only by its socket: the socket's file name
 * without ".sock", every other character mapped to '-' ("/run/vhu1.sock"
 * is "vhu1"). Hosts that serve a port on the same path (OpenStack's
 * vhu<port>) name it alike, which lets a baseline AND their offers.
 */
void abipin_backend_name_from_socket(const char *socket, char *buf, size_t len)
{
    const char *base = strrchr(socket, '/') ? strrchr(socket, '/') + 1 : socket;
    size_t n = strlen(base), k = 0;

    if (n > 5 && strcmp(base + n - 5, ".sock") == 0)
        n -= 5;
    for (size_t i = 0; i < n && k + 1 < len && k < ABIPIN_BACKEND_NAME_MAX; i++)
        buf[k++] = is_name_char(base[i]) ? base[i] : '-';
    buf[k] = '\0';
    if (k == 0)
        snprintf(buf, len, "vhost-user");
}

static void backend_clear(AbipinExternalBackend *b)
{
    free(b->name);
    for (size_t i = 0; i < b->n_paths; i++)
        free(b->paths[i]);
    free(b->paths);
}

void abipin_backend_list_clear(AbipinBackendList *l)
{
    for (size_t i = 0; i < l->n; i++)
        backend_clear(&l->items[i]);
    free(l->items);
    *l = (AbipinBackendList) { 0 };
}

AbipinExternalBackend *abipin_backend_list_add(AbipinBackendList *l, const char *name,
                                               AbipinBackend kind)
{
    AbipinExternalBackend *b;

    abipin_array_resize(l->items, l->n + 1);
    b = &l->items[l->n++];
    *b = (AbipinExternalBackend) { .name = abipin_strdup(name), .kind = kind };
    return b;
}

void abipin_backend_add_path(AbipinExternalBackend *b, const char *socket)
{
    for (size_t i = 0; i < b->n_paths; i++)
        if (strcmp(b->paths[i], socket) == 0)
            return;
    abipin_array_resize(b->paths, b->n_paths + 1);
    b->paths[b->n_paths++] = abipin_strdup(socket);
}

const AbipinExternalBackend *abipin_backend_list_find(const AbipinBackendList *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

/**
 * abipin_backend_list_match:
 * @path: an interface's <source path=> (vhost-user) or <source dev=> (vDPA)
 *
 * The backend of @kind serving @path: the first whose path, or pattern,
 * matches.
 */
const AbipinExternalBackend *abipin_backend_list_match(const AbipinBackendList *l,
                                                      AbipinBackend kind, const char *path)
{
    for (size_t i = 0; path && i < l->n; i++)
        for (size_t k = 0; l->items[i].kind == kind && k < l->items[i].n_paths; k++)
            if (fnmatch(l->items[i].paths[k], path, FNM_PATHNAME) == 0)
                return &l->items[i];
    return NULL;
}

/* A name no other path's backend in @l has: @name, else @name-2, -3... */
static void backend_unique_name(const AbipinBackendList *l, AbipinBackend kind, const char *name,
                                const char *path, char *buf, size_t len)
{
    snprintf(buf, len, "%s", name);
    for (unsigned n = 2;; n++) {
        const AbipinExternalBackend *b = abipin_backend_list_find(l, buf);

        if (!b || abipin_backend_list_match(l, kind, path) == b)
            return;
        snprintf(buf, len, "%.*s-%u", (int) (ABIPIN_BACKEND_NAME_MAX - 11), name, n);
    }
}

/**
 * abipin_backend_list_adopt:
 * @name: NULL: the name the backend serving @path already has, else one
 *        from @path's file name
 *
 * The backend of @kind serving @path in @l, added under a name of its own
 * where none serves it yet. Asked twice, a path keeps its first name.
 */
AbipinExternalBackend *abipin_backend_list_adopt(AbipinBackendList *l, AbipinBackend kind,
                                                 const char *name, const char *path)
{
    const AbipinExternalBackend *known = abipin_backend_list_match(l, kind, path);
    char derived[ABIPIN_BACKEND_NAME_MAX + 1], unique[ABIPIN_BACKEND_NAME_MAX + 1];
    AbipinExternalBackend *b;

    if (!name) {
        abipin_backend_name_from_socket(path, derived, sizeof(derived));
        name = known ? known->name : derived;
    }
    backend_unique_name(l, kind, name, path, unique, sizeof(unique));
    b = (AbipinExternalBackend *) abipin_backend_list_find(l, unique);
    if (!b)
        b = abipin_backend_list_add(l, unique, kind);
    abipin_backend_add_path(b, path);
    return b;
}

void abipin_backend_list_copy(AbipinBackendList *dst, const AbipinBackendList *src)
{
    abipin_backend_list_clear(dst);
    for (size_t i = 0; i < src->n; i++) {
        AbipinExternalBackend *b =
            abipin_backend_list_add(dst, src->items[i].name, src->items[i].kind);

        for (size_t k = 0; k < src->items[i].n_paths; k++)
            abipin_backend_add_path(b, src->items[i].paths[k]);
        b->has_features = src->items[i].has_features;
        b->features = src->items[i].features;
    }
}

/**
 * abipin_backend_list_intersect:
 *
 * A baseline's backends: those every host has by name and kind, serving
 * any path one of them serves (its atoms are ANDed with the others').
 */
void abipin_backend_list_intersect(AbipinBackendList *acc, const AbipinBackendList *other)
{
    size_t kept = 0;

    for (size_t i = 0; i < acc->n; i++) {
        AbipinExternalBackend *b = &acc->items[i];
        const AbipinExternalBackend *o = abipin_backend_list_find(other, b->name);

        if (!o || o->kind != b->kind) {
            backend_clear(b);
            continue;
        }
        for (size_t k = 0; k < o->n_paths; k++)
            abipin_backend_add_path(b, o->paths[k]);
        /* what every member's device has: ANDed like its atoms */
        b->features &= o->features;
        b->has_features = b->has_features && o->has_features;
        acc->items[kept++] = *b;
    }
    acc->n = kept;
}

static const char *backend_atom_prefix(AbipinBackend kind)
{
    return kind == ABIPIN_BACKEND_VDPA ? ABIPIN_ATOM_VDPA : ABIPIN_ATOM_VHOST_USER;
}

/* The profile's kind="..." of an external backend */
const char *abipin_backend_kind_name(AbipinBackend kind)
{
    return kind == ABIPIN_BACKEND_VDPA ? "vdpa" : "vhost-user";
}

bool abipin_backend_kind_parse(const char *s, AbipinBackend *ret)
{
    if (strcmp(s, "vhost-user") == 0)
        *ret = ABIPIN_BACKEND_VHOST_USER;
    else if (strcmp(s, "vdpa") == 0)
        *ret = ABIPIN_BACKEND_VDPA;
    else
        return false;
    return true;
}

void abipin_backend_atom(const AbipinExternalBackend *b, unsigned bit, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s.bit.%u", backend_atom_prefix(b->kind), b->name, bit);
}

/* "vhostuser.NAME.bit.N" or "vdpa.NAME.bit.N" into its kind, NAME and N */
bool abipin_backend_atom_parse(const char *atom, AbipinBackend *ret_kind, char *name, size_t len,
                               unsigned *ret_bit)
{
    AbipinBackend kind = strncmp(atom, ABIPIN_ATOM_VDPA, strlen(ABIPIN_ATOM_VDPA)) == 0
                             ? ABIPIN_BACKEND_VDPA
                             : ABIPIN_BACKEND_VHOST_USER;
    const char *prefix = backend_atom_prefix(kind);
    const char *p = atom + strlen(prefix), *dot;
    char *end;
    unsigned long bit;

    if (strncmp(atom, prefix, strlen(prefix)) != 0 || !(dot = strchr(p, '.')) ||
        strncmp(dot, ".bit.", 5) != 0 || (size_t) (dot - p) >= len)
        return false;
    memcpy(name, p, (size_t) (dot - p));
    name[dot - p] = '\0';
    if (!abipin_backend_name_is_valid(name) || dot[5] < '0' || dot[5] > '9' ||
        (dot[5] == '0' && dot[6]))
        return false;
    bit = strtoul(dot + 5, &end, 10);
    if (*end || bit >= 64) /* GET_FEATURES is 64 bits wide (QEMU 10.2 too) */
        return false;
    if (ret_kind)
        *ret_kind = kind;
    *ret_bit = (unsigned) bit;
    return true;
}

/* An external backend's atom: per definition on this host, not per host */
bool abipin_backend_atom_is_external(const char *atom)
{
    return strncmp(atom, ABIPIN_ATOM_VHOST_USER, strlen(ABIPIN_ATOM_VHOST_USER)) == 0 ||
           strncmp(atom, ABIPIN_ATOM_VDPA, strlen(ABIPIN_ATOM_VDPA)) == 0;
}

/* @qemu 0: on any QEMU */
static bool base_decided_on(const AbipinBaseBit *b, AbipinBackend kind, AbipinVersion qemu)
{
    if (kind == ABIPIN_BACKEND_VHOST_USER)
        return b->vhost_user;
    if (!b->vdpa)
        return false;
    if (!qemu)
        return true;
    /* from then on the bit it needs decides (abipin_interface_base_offered) */
    if (b->vdpa_needs && abipin_version_minor(qemu) >= b->vdpa_needs_qemu_min)
        return false;
    return abipin_version_in_range(qemu, b->vdpa_qemu_min, b->vdpa_qemu_max);
}

/**
 * abipin_catalogue_backend_decides_on:
 * @qemu: the QEMU version, or 0 for any the catalogue covers
 *
 * Whether QEMU @qemu clears @bit on an interface of @kind (vhost-user or
 * vDPA) unless the backend offers it: a feature with an outcome="backend"
 * requirement for that kind, or a base bit marked so for it.
 */
bool abipin_catalogue_backend_decides_on(const AbipinCatalogue *cat, AbipinBackend kind,
                                         unsigned bit, AbipinVersion qemu)
{
    const AbipinFeature *f = abipin_catalogue_find_bit(cat, bit);

    for (size_t i = 0; f && i < f->n_reqs; i++)
        if (f->reqs[i].backend == kind && f->reqs[i].outcome == ABIPIN_OUTCOME_BACKEND &&
            (!qemu || abipin_version_in_range(qemu, f->reqs[i].qemu_min, f->reqs[i].qemu_max)))
            return true;
    for (size_t i = 0; i < cat->n_base; i++)
        if (cat->base[i].bit == bit && base_decided_on(&cat->base[i], kind, qemu))
            return true;
    return false;
}

/* ...on some QEMU the catalogue covers: the bits a backend's atoms cover */
bool abipin_catalogue_backend_decides(const AbipinCatalogue *cat, AbipinBackend kind, unsigned bit)
{
    return abipin_catalogue_backend_decides_on(cat, kind, bit, 0);
}

/* One atom per bit the backend decides (see above): present when
 * @features has it, else absent with @absent_reason; every one
 * @unknown_reason when that is given (the backend could not be asked). */
static int backend_put_atoms(AbipinAtomSet *atoms, const AbipinCatalogue *cat,
                             const AbipinExternalBackend *b, uint64_t features,
                             const char *absent_reason, const char *unknown_reason)
{
    for (unsigned bit = 0; bit < 64; bit++) {
        char atom[ABIPIN_BACKEND_ATOM_MAX];
        AbipinAtomState state = unknown_reason          ? ABIPIN_ATOM_UNKNOWN
                                : (features >> bit & 1) ? ABIPIN_ATOM_PRESENT
                                                        : ABIPIN_ATOM_ABSENT;
        int r;

        if (!abipin_catalogue_backend_decides(cat, b->kind, bit))
            continue;
        abipin_backend_atom(b, bit, atom, sizeof(atom));
        r = abipin_atom_set_put(atoms, atom, state,
                                state == ABIPIN_ATOM_UNKNOWN  ? unknown_reason
                                : state == ABIPIN_ATOM_ABSENT ? absent_reason
                                                              : NULL);
        if (r < 0)
            return r;
    }
    return 0;
}

/**
 * abipin_backend_put_offer:
 * @features: a vhost-user backend's answer to VHOST_USER_GET_FEATURES, or
 *            a vDPA device's features
 *
 * The backend's atoms, with the offer as the reason of each absent one.
 */
int abipin_backend_put_offer(AbipinAtomSet *atoms, const AbipinCatalogue *cat,
                             const AbipinExternalBackend *b, uint64_t features)
{
    char reason[96];

    /* data in the profile, never translated */
    snprintf(reason, sizeof(reason), "not offered (%s 0x%" PRIx64 ")",
             b->kind == ABIPIN_BACKEND_VDPA ? "device features" : "GET_FEATURES", features);
    return backend_put_atoms(atoms, cat, b, features, reason, NULL);
}

/**
 * abipin_backend_put_derived:
 * @features: what the backend answers to GET_FEATURES, derived (not asked)
 * @how: how (probe/ovs.c: "derived from OVS 3.1.0 (DPDK 22.11.11), ...")
 *
 * abipin_backend_put_offer for a backend that could not be asked but whose
 * offer is known from what it is: each absent atom says how.
 */
int abipin_backend_put_derived(AbipinAtomSet *atoms, const AbipinCatalogue *cat,
                               const AbipinExternalBackend *b, uint64_t features, const char *how)
{
    _cleanup_free_ char *reason = abipin_asprintf("not offered (%s: GET_FEATURES 0x%" PRIx64 ")",
                                                  how, features);

    return backend_put_atoms(atoms, cat, b, features, reason, NULL);
}

/* A backend that could not be asked: every bit it decides is unknown. */
int abipin_backend_put_unknown(AbipinAtomSet *atoms, const AbipinCatalogue *cat,
                               const AbipinExternalBackend *b, const char *reason)
{
    return backend_put_atoms(atoms, cat, b, 0, NULL, reason ? reason : "not asked");
}
