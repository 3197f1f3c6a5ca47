/* A profile in the probe cache's own form. The hook reads this host's
 * profile at every start of every guest: as XML that cost a libxml2 parse
 * of a few hundred elements (1.4 M of the warm hook's 6.3 M instructions,
 * callgrind), for a file only abipin writes and reads. So the cache holds
 * the profile's fields as they are: a magic line, then each field in a fixed
 * order, strings as a length and their bytes (no escaping, nothing to
 * unquote). Every read is bounded; anything short, long or unexpected makes
 * the entry unreadable, and the caller probes again. What may be trusted
 * is the file's owner's business (abipin_file_read_owned), not the format's. */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "profile.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

/* the version is in the magic: another layout is another magic */
static const char cache_magic[] = "abipin profile cache 3\n";
#define CACHE_NO_STRING UINT32_MAX
#define CACHE_MAX_STRING (64 * 1024)
#define CACHE_MAX_COUNT 100000

/* ---- writing --------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, alloc;
} Writer;

static void put_bytes(Writer *w, const void *p, size_t n)
{
    if (n == 0) /* a NULL string's none: memcpy wants a pointer even for 0 bytes */
        return;
    if (w->len + n > w->alloc) {
        w->alloc = (w->len + n) * 2;
        abipin_array_resize(w->data, w->alloc);
    }
    memcpy(w->data + w->len, p, n);
    w->len += n;
}

static void put_u32(Writer *w, uint32_t v)
{
    put_bytes(w, &v, sizeof(v));
}

static void put_u8(Writer *w, uint8_t v)
{
    put_bytes(w, &v, 1);
}

static void put_str(Writer *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    put_u32(w, s ? (uint32_t) n : CACHE_NO_STRING);
    put_bytes(w, s, n);
}

/**
 * abipin_profile_format_cache:
 *
 * @p in the cache's form (see above). Fields longer than the reader takes
 * are no error here: such an entry is read back as unreadable, and probed.
 */
void abipin_profile_format_cache(const AbipinProfile *p, char **ret, size_t *ret_len)
{
    Writer w = { 0 };

    put_bytes(&w, cache_magic, strlen(cache_magic));
    put_str(&w, p->name);
    put_str(&w, p->description);
    put_str(&w, p->kernel_release);
    put_u8(&w, p->has_emulator);
    put_str(&w, p->emulator_path);
    put_str(&w, p->emulator_version);
    put_u32(&w, (uint32_t) p->n_aliases);
    for (size_t i = 0; i < p->n_aliases; i++) {
        put_str(&w, p->aliases[i].name);
        put_str(&w, p->aliases[i].machine);
    }
    put_u32(&w, (uint32_t) p->defaults.n);
    for (size_t i = 0; i < p->defaults.n; i++) {
        const AbipinMachineDefaults *d = &p->defaults.items[i];

        put_str(&w, d->machine);
        put_str(&w, d->model);
        put_u32(&w, (uint32_t) d->n_values);
        for (size_t k = 0; k < d->n_values; k++) {
            put_str(&w, d->values[k].name);
            put_u8(&w, (uint8_t) (d->values[k].value | d->values[k].mixed << 1));
        }
    }
    put_u32(&w, (uint32_t) p->backends.n);
    for (size_t i = 0; i < p->backends.n; i++) {
        put_str(&w, p->backends.items[i].name);
        put_u8(&w, (uint8_t) ((p->backends.items[i].kind == ABIPIN_BACKEND_VDPA) |
                              p->backends.items[i].has_features << 1));
        put_u32(&w, (uint32_t) (p->backends.items[i].features >> 32));
        put_u32(&w, (uint32_t) p->backends.items[i].features);
        put_u32(&w, (uint32_t) p->backends.items[i].n_paths);
        for (size_t k = 0; k < p->backends.items[i].n_paths; k++)
            put_str(&w, p->backends.items[i].paths[k]);
    }
    put_u32(&w, (uint32_t) p->atoms->n);
    for (size_t i = 0; i < p->atoms->n; i++) {
        put_str(&w, p->atoms->items[i].name);
        put_u8(&w, (uint8_t) p->atoms->items[i].state);
        put_str(&w, p->atoms->items[i].reason);
    }
    *ret = w.data;
    *ret_len = w.len;
}

/* ---- reading ---------------------------------------------------------------------- */

typedef struct {
    const char *p, *end;
    bool bad; /* ran out, or a value out of range: the whole entry is unreadable */
} Reader;

static bool get_bytes(Reader *r, void *out, size_t n)
{
    if (r->bad || (size_t) (r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    memcpy(out, r->p, n);
    r->p += n;
    return true;
}

static uint32_t get_u32(Reader *r)
{
    uint32_t v = 0;

    (void) get_bytes(r, &v, sizeof(v));
    return v;
}

static uint8_t get_u8(Reader *r)
{
    uint8_t v = 0;

    (void) get_bytes(r, &v, 1);
    return v;
}

/* a count of records that follow, each at least @min bytes */
static size_t get_count(Reader *r, size_t min)
{
    uint32_t n = get_u32(r);

    if (n > CACHE_MAX_COUNT || (size_t) (r->end - r->p) / min < n)
        r->bad = true;
    return r->bad ? 0 : n;
}

/* A string, NULL for none; @required: none is unreadable */
static char *get_str(Reader *r, bool required)
{
    uint32_t n = get_u32(r);
    char *s;

    if (r->bad || (n == CACHE_NO_STRING && !required))
        return NULL;
    if (n == CACHE_NO_STRING || n > CACHE_MAX_STRING || (size_t) (r->end - r->p) < n ||
        memchr(r->p, '\0', n)) {
        r->bad = true;
        return NULL;
    }
    s = abipin_strndup(r->p, n);
    r->p += n;
    return s;
}

static void get_defaults(Reader *r, AbipinProfile *p)
{
    for (size_t i = 0, n = get_count(r, 12); i < n && !r->bad; i++) {
        _cleanup_free_ char *machine = get_str(r, true), *model = get_str(r, true);
        AbipinMachineDefaults *d;

        if (r->bad || abipin_defaults_find(&p->defaults, machine, model)) {
            r->bad = true;
            return;
        }
        d = abipin_defaults_add(&p->defaults, machine, model);
        for (size_t k = 0, m = get_count(r, 5); k < m && !r->bad; k++) {
            _cleanup_free_ char *name = get_str(r, true);
            uint8_t flags = get_u8(r);

            if (!r->bad && flags <= 3)
                abipin_defaults_set(d, name, flags & 1, flags & 2);
            else
                r->bad = true;
        }
    }
}

/* As the XML parser has them: valid names, each once, absolute sockets */
static void get_backends(Reader *r, AbipinProfile *p)
{
    for (size_t i = 0, n = get_count(r, 8); i < n && !r->bad; i++) {
        _cleanup_free_ char *name = get_str(r, true);
        AbipinExternalBackend *b;
        uint8_t flags = get_u8(r);
        uint64_t features = (uint64_t) get_u32(r) << 32;
        size_t m;

        features |= get_u32(r);
        if (r->bad || !abipin_backend_name_is_valid(name) || flags > 3 ||
            abipin_backend_list_find(&p->backends, name) || (m = get_count(r, 5)) == 0) {
            r->bad = true;
            return;
        }
        b = abipin_backend_list_add(&p->backends, name,
                                    flags & 1 ? ABIPIN_BACKEND_VDPA : ABIPIN_BACKEND_VHOST_USER);
        b->has_features = flags & 2;
        b->features = features;
        for (size_t k = 0; k < m && !r->bad; k++) {
            _cleanup_free_ char *socket = get_str(r, true);

            if (!r->bad && socket[0] == '/')
                abipin_backend_add_path(b, socket);
            else
                r->bad = true;
        }
    }
}

static void get_atoms(Reader *r, AbipinProfile *p)
{
    for (size_t i = 0, n = get_count(r, 9); i < n && !r->bad; i++) {
        _cleanup_free_ char *name = get_str(r, true), *reason = NULL;
        uint8_t state = get_u8(r);

        reason = get_str(r, false);
        /* the vocabulary still holds: an atom abipin does not know would
         * read as a fact about this host */
        if (r->bad || state >= _ABIPIN_ATOM_STATE_MAX || !abipin_atom_is_known(name) ||
            abipin_atom_set_get(p->atoms, name)) {
            r->bad = true;
            return;
        }
        if (abipin_atom_set_put(p->atoms, name, state, reason) < 0)
            r->bad = true;
    }
}

/**
 * abipin_profile_is_cache:
 *
 * Whether @data is in the cache's form (its magic line).
 */
bool abipin_profile_is_cache(const char *data, size_t len)
{
    return len >= strlen(cache_magic) && memcmp(data, cache_magic, strlen(cache_magic)) == 0;
}

/**
 * abipin_profile_parse_cache:
 * @name: the entry's file, for the message
 *
 * A profile from its cache form. Anything that is not one, whole and
 * consistent, is an INPUT error; the probe then asks the host again.
 */
int abipin_profile_parse_cache(const char *name, const char *data, size_t len,
                               AbipinProfile **ret)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    Reader r = { .p = data, .end = data + len };
    _cleanup_free_ char *pname = NULL;

    if (abipin_profile_is_cache(data, len))
        r.p += strlen(cache_magic);
    else
        r.bad = true;
    pname = get_str(&r, true);
    if (!r.bad) {
        p = abipin_profile_new(pname);
        p->description = get_str(&r, false);
        p->kernel_release = get_str(&r, false);
        p->has_emulator = get_u8(&r) != 0;
        p->emulator_path = get_str(&r, false);
        p->emulator_version = get_str(&r, false);
        for (size_t i = 0, n = get_count(&r, 8); i < n && !r.bad; i++) {
            _cleanup_free_ char *alias = get_str(&r, true), *machine = get_str(&r, true);

            if (!r.bad)
                abipin_profile_add_alias(p, alias, machine);
        }
        get_defaults(&r, p);
        get_backends(&r, p);
        get_atoms(&r, p);
    }
    if (r.bad || r.p != r.end)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EBADMSG,
                                _("%1$s: not a whole abipin profile cache entry"), name);
    *ret = TAKE_PTR(p);
    return 0;
}
