#include <config.h>

#include <fnmatch.h>
#include <inttypes.h>
#include <string.h>

#include "backend.h"
#include "util/alloc.h"
#include "util/error.h"

static bool is_name_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-';
}

/* No dots: the name sits between "vhostuser." and ".bit.N" in its atoms. */
bool abipin_backend_name_is_valid(const char *name)
{
    size_t n = 0;

    for (; name[n]; n++)
        if (n == ABIPIN_BACKEND_NAME_MAX || !is_name_char(name[n]))
            return false;
    return n > 0;
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

static void backend_clear(AbipinVhostUserBackend *b)
{
    free(b->name);
    for (size_t i = 0; i < b->n_sockets; i++)
        free(b->sockets[i]);
    free(b->sockets);
}

void abipin_backend_list_clear(AbipinBackendList *l)
{
    for (size_t i = 0; i < l->n; i++)
        backend_clear(&l->items[i]);
    free(l->items);
    *l = (AbipinBackendList) { 0 };
}

AbipinVhostUserBackend *abipin_backend_list_add(AbipinBackendList *l, const char *name)
{
    AbipinVhostUserBackend *b;

    abipin_array_resize(l->items, l->n + 1);
    b = &l->items[l->n++];
    *b = (AbipinVhostUserBackend) { .name = abipin_strdup(name) };
    return b;
}

void abipin_backend_add_socket(AbipinVhostUserBackend *b, const char *socket)
{
    for (size_t i = 0; i < b->n_sockets; i++)
        if (strcmp(b->sockets[i], socket) == 0)
            return;
    abipin_array_resize(b->sockets, b->n_sockets + 1);
    b->sockets[b->n_sockets++] = abipin_strdup(socket);
}

const AbipinVhostUserBackend *abipin_backend_list_find(const AbipinBackendList *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

/**
 * abipin_backend_list_match:
 * @socket: an interface's <source path=>
 *
 * The backend serving @socket: the first whose socket, or pattern, matches.
 */
const AbipinVhostUserBackend *abipin_backend_list_match(const AbipinBackendList *l,
                                                        const char *socket)
{
    for (size_t i = 0; socket && i < l->n; i++)
        for (size_t k = 0; k < l->items[i].n_sockets; k++)
            if (fnmatch(l->items[i].sockets[k], socket, FNM_PATHNAME) == 0)
                return &l->items[i];
    return NULL;
}

void abipin_backend_list_copy(AbipinBackendList *dst, const AbipinBackendList *src)
{
    abipin_backend_list_clear(dst);
    for (size_t i = 0; i < src->n; i++) {
        AbipinVhostUserBackend *b = abipin_backend_list_add(dst, src->items[i].name);

        for (size_t k = 0; k < src->items[i].n_sockets; k++)
            abipin_backend_add_socket(b, src->items[i].sockets[k]);
    }
}

/**
 * abipin_backend_list_intersect:
 *
 * A baseline's backends: those every host has by name, serving any
 * socket one of them serves (its atoms are ANDed with the others').
 */
void abipin_backend_list_intersect(AbipinBackendList *acc, const AbipinBackendList *other)
{
    size_t kept = 0;

    for (size_t i = 0; i < acc->n; i++) {
        AbipinVhostUserBackend *b = &acc->items[i];
        const AbipinVhostUserBackend *o = abipin_backend_list_find(other, b->name);

        if (!o) {
            backend_clear(b);
            continue;
        }
        for (size_t k = 0; k < o->n_sockets; k++)
            abipin_backend_add_socket(b, o->sockets[k]);
        acc->items[kept++] = *b;
    }
    acc->n = kept;
}

void abipin_backend_atom(const char *name, unsigned bit, char *buf, size_t len)
{
    snprintf(buf, len, ABIPIN_ATOM_VHOST_USER "%s.bit.%u", name, bit);
}

/* "vhostuser.NAME.bit.N" into NAME and N */
bool abipin_backend_atom_parse(const char *atom, char *name, size_t len, unsigned *ret_bit)
{
    const char *p = atom + strlen(ABIPIN_ATOM_VHOST_USER), *dot;
    char *end;
    unsigned long bit;

    if (strncmp(atom, ABIPIN_ATOM_VHOST_USER, strlen(ABIPIN_ATOM_VHOST_USER)) != 0 ||
        !(dot = strchr(p, '.')) || strncmp(dot, ".bit.", 5) != 0 || (size_t) (dot - p) >= len)
        return false;
    memcpy(name, p, (size_t) (dot - p));
    name[dot - p] = '\0';
    if (!abipin_backend_name_is_valid(name) || dot[5] < '0' || dot[5] > '9' ||
        (dot[5] == '0' && dot[6]))
        return false;
    bit = strtoul(dot + 5, &end, 10);
    if (*end || bit >= 64) /* GET_FEATURES is 64 bits wide (QEMU 10.2 too) */
        return false;
    *ret_bit = (unsigned) bit;
    return true;
}

/**
 * abipin_catalogue_vhost_user_decides:
 *
 * Whether QEMU clears @bit on a vhost-user interface unless the backend
 * offers it (on some QEMU the catalogue covers): a feature with an
 * outcome="backend" requirement for vhost-user, or a base bit marked so.
 */
bool abipin_catalogue_vhost_user_decides(const AbipinCatalogue *cat, unsigned bit)
{
    const AbipinFeature *f = abipin_catalogue_find_bit(cat, bit);

    for (size_t i = 0; f && i < f->n_reqs; i++)
        if (f->reqs[i].backend == ABIPIN_BACKEND_VHOST_USER &&
            f->reqs[i].outcome == ABIPIN_OUTCOME_BACKEND)
            return true;
    for (size_t i = 0; i < cat->n_base; i++)
        if (cat->base[i].bit == bit && cat->base[i].vhost_user)
            return true;
    return false;
}

/* One atom per bit the backend decides (see above): present when
 * @features has it, else absent with @absent_reason; every one
 * @unknown_reason when that is given (the backend could not be asked). */
static int backend_put_atoms(AbipinAtomSet *atoms, const AbipinCatalogue *cat, const char *name,
                             uint64_t features, const char *absent_reason,
                             const char *unknown_reason)
{
    for (unsigned bit = 0; bit < 64; bit++) {
        char atom[ABIPIN_BACKEND_ATOM_MAX];
        AbipinAtomState state = unknown_reason          ? ABIPIN_ATOM_UNKNOWN
                                : (features >> bit & 1) ? ABIPIN_ATOM_PRESENT
                                                        : ABIPIN_ATOM_ABSENT;
        int r;

        if (!abipin_catalogue_vhost_user_decides(cat, bit))
            continue;
        abipin_backend_atom(name, bit, atom, sizeof(atom));
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
 * @features: its answer to VHOST_USER_GET_FEATURES
 *
 * The backend's atoms, with the offer as the reason of each absent one.
 */
int abipin_backend_put_offer(AbipinAtomSet *atoms, const AbipinCatalogue *cat, const char *name,
                             uint64_t features)
{
    char reason[96];

    /* data in the profile, never translated */
    snprintf(reason, sizeof(reason), "not offered (GET_FEATURES 0x%" PRIx64 ")", features);
    return backend_put_atoms(atoms, cat, name, features, reason, NULL);
}

/**
 * abipin_backend_put_derived:
 * @features: what the backend answers to GET_FEATURES, derived (not asked)
 * @how: how (probe/ovs.c: "derived from OVS 3.1.0 (DPDK 22.11.11), ...")
 *
 * abipin_backend_put_offer for a backend that could not be asked but whose
 * offer is known from what it is: each absent atom says how.
 */
int abipin_backend_put_derived(AbipinAtomSet *atoms, const AbipinCatalogue *cat, const char *name,
                               uint64_t features, const char *how)
{
    _cleanup_free_ char *reason = abipin_asprintf("not offered (%s: GET_FEATURES 0x%" PRIx64 ")",
                                                  how, features);

    return backend_put_atoms(atoms, cat, name, features, reason, NULL);
}

/* A backend that could not be asked: every bit it decides is unknown. */
int abipin_backend_put_unknown(AbipinAtomSet *atoms, const AbipinCatalogue *cat, const char *name,
                               const char *reason)
{
    return backend_put_atoms(atoms, cat, name, 0, NULL, reason ? reason : "not asked");
}
