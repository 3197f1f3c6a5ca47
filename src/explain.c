#include <config.h>

#include <inttypes.h>
#include <string.h>

#include "explain.h"
#include "featmsg.h"
#include "profile.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"

/* What the last libvirt log header said about the host that wrote the
 * lines after it: "libvirt version: 9.0.0, package: ..., qemu version:
 * 7.2.0Debian 1:7.2+dfsg-7, kernel: 6.1.0-21-amd64, hostname: ..."
 * (libvirt's qemuLogOperation writes it at each start). */
typedef struct {
    char qemu[32];
    char kernel[96];
} LogHost;

static void header_field(const char *line, const char *key, const char *stop, char *buf, size_t len)
{
    const char *p = strstr(line, key);
    size_t n;

    if (!p)
        return;
    p += strlen(key);
    n = strcspn(p, stop);
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

static void log_host_update(LogHost *h, const char *line)
{
    if (!strstr(line, "libvirt version: "))
        return;
    memset(h, 0, sizeof(*h));
    /* "7.2.0Debian ...": the version is the leading digits and dots */
    header_field(line, "qemu version: ", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ,(",
                 h->qemu, sizeof(h->qemu));
    header_field(line, "kernel: ", ", \n", h->kernel, sizeof(h->kernel));
}

static bool has_bit(const uint64_t v[2], unsigned bit)
{
    return v[bit / 64] >> (bit % 64) & 1;
}

/* The most specific atom of @req: every offload needs the vnet header too,
 * but a destination without one fails far earlier than a migration. */
static const char *req_cause_atom(const AbipinRequirement *req)
{
    for (size_t k = 0; k < req->n_atoms; k++) {
        const char *dot = strrchr(req->atoms[k], '.');

        if (!dot || strcmp(dot, ".vnet_hdr") != 0)
            return req->atoms[k];
    }
    return req->atoms[0];
}

/* The host capability @f needs per backend kind, and the likely cause of
 * its absence: the most specific atom of the first backend that needs one
 * (tap, then macvtap, then vhost-net: catalogue order). */
static json_object *bit_needs(const AbipinFeature *f, const char **ret_cause_atom)
{
    json_object *needs = abipin_json_array();

    *ret_cause_atom = NULL;
    for (size_t i = 0; f && i < f->n_reqs; i++) {
        const AbipinRequirement *req = &f->reqs[i];
        json_object *o, *atoms;

        if (req->outcome != ABIPIN_OUTCOME_ATOMS || req->n_atoms == 0)
            continue;
        o = abipin_json_object();
        atoms = abipin_json_array();
        abipin_json_set(o, "backend", abipin_json_string(abipin_backend_to_string(req->backend)));
        for (size_t k = 0; k < req->n_atoms; k++)
            abipin_json_append(atoms, abipin_json_string(req->atoms[k]));
        abipin_json_set(o, "atoms", atoms);
        abipin_json_append(needs, o);
        if (!*ret_cause_atom)
            *ret_cause_atom = req_cause_atom(req);
    }
    return needs;
}

static json_object *bit_info(const AbipinCatalogue *cat, unsigned bit,
                             const AbipinExplainOptions *opts)
{
    const AbipinFeature *f = abipin_catalogue_find_bit(cat, bit);
    const char *name = abipin_catalogue_bit_name(cat, bit), *atom;
    json_object *o = abipin_json_object(), *needs = bit_needs(f, &atom);
    char buf[256];
    const char *cause;

    abipin_json_set(o, "bit", abipin_json_int((int) bit));
    abipin_json_set(o, "name", abipin_json_string(name));
    abipin_json_set(o, "property", f ? abipin_json_string(f->name) : NULL);
    abipin_json_set(o, "needs", needs);
    /* what abipin computed for the domain on the destination names it
     * best (a build's own default, an atom); else the likeliest cause */
    if (opts && opts->causes && opts->causes[bit])
        cause = opts->causes[bit];
    else
        cause = atom ? abipin_atom_describe_missing(atom, buf, sizeof(buf))
                     : _("no host capability decides this bit: the destination's QEMU is older, or "
                         "its machine type or device properties differ");
    abipin_json_set(o, "cause", abipin_json_string(cause));
    return o;
}

static json_object *bits_info(const AbipinCatalogue *cat, const uint64_t v[2],
                              const AbipinExplainOptions *opts)
{
    json_object *a = abipin_json_array();

    for (unsigned bit = 0; bit < 128; bit++)
        if (has_bit(v, bit))
            abipin_json_append(a, bit_info(cat, bit, opts));
    return a;
}

/* From QEMU 10.2 the printed guest vector is already masked with the
 * allowed one (featmsg.c), so the failing bits must be inferred: a bit
 * the guest can have without anyone asking for it is a catalogue feature
 * on by default; the ones the destination does not offer are the
 * candidates. With a prediction for the domain whose destination vector
 * is the line's, only those it names. */
static void hidden_candidates(const AbipinCatalogue *cat, const AbipinFeatureMsg *m,
                              const uint64_t *predicted, bool matches, uint64_t ret[2])
{
    uint64_t narrowed[2];

    ret[0] = ret[1] = 0;
    for (size_t i = 0; i < cat->n_features; i++) {
        const AbipinFeature *f = &cat->features[i];

        if (f->default_on && f->bit < 128 && !has_bit(m->allowed, f->bit))
            ret[f->bit / 64] |= 1ULL << (f->bit % 64);
    }
    if (!predicted || !matches)
        return;
    narrowed[0] = ret[0] & predicted[0];
    narrowed[1] = ret[1] & predicted[1];
    if (narrowed[0] || narrowed[1]) {
        ret[0] = narrowed[0];
        ret[1] = narrowed[1];
    }
}

static json_object *failure_json(const AbipinCatalogue *cat, const AbipinFeatureMsg *m, unsigned line,
                                 const LogHost *host, const AbipinExplainOptions *opts)
{
    json_object *o = abipin_json_object();
    const uint64_t visible[2] = { m->guest[0] & ~m->allowed[0], m->guest[1] & ~m->allowed[1] };
    bool hidden = abipin_featmsg_masks_guest(m->wide), matches = false;
    char hex[40];

    /* the 64-bit format shows only bits 0..63 of what is allowed */
    for (size_t i = 0; i < opts->n_offered; i++)
        matches = matches || (opts->offered[i][0] == m->allowed[0] &&
                              (!m->wide || opts->offered[i][1] == m->allowed[1]));

    abipin_json_set(o, "line", abipin_json_int((int) line));
    abipin_json_set(o, "format", abipin_json_string(m->wide ? "128-bit" : "64-bit"));
    abipin_json_set(o, "qemu_version", host->qemu[0] ? abipin_json_string(host->qemu) : NULL);
    abipin_json_set(o, "kernel", host->kernel[0] ? abipin_json_string(host->kernel) : NULL);
    abipin_features_hex(m->guest, m->wide, hex, sizeof(hex));
    abipin_json_set(o, "guest", abipin_json_string(hex));
    abipin_features_hex(m->allowed, m->wide, hex, sizeof(hex));
    abipin_json_set(o, "allowed", abipin_json_string(hex));
    abipin_json_set(o, "unsupported", bits_info(cat, visible, opts));
    abipin_json_set(o, "hidden", abipin_json_bool(hidden));
    if (hidden) {
        uint64_t cand[2];

        hidden_candidates(cat, m, opts->predicted, matches, cand);
        abipin_json_set(o, "candidates", bits_info(cat, cand, opts));
    }
    if (opts->predicted) {
        json_object *p = abipin_json_array();

        for (unsigned bit = 0; bit < 128; bit++)
            if (has_bit(opts->predicted, bit))
                abipin_json_append(p, abipin_json_int((int) bit));
        abipin_json_set(o, "predicted", p);
        abipin_json_set(o, "allowed_matches", abipin_json_bool(matches));
    }
    return o;
}

/* The commands that pin the domain for both hosts. */
static json_object *fix_json(const AbipinExplainOptions *opts)
{
    json_object *a = abipin_json_array();
    const char *pa = opts->platform_a ? opts->platform_a : "A.xml";
    const char *pb = opts->platform_b ? opts->platform_b : "B.xml";
    char buf[1024];

    if (!opts->platform_a || !opts->platform_b)
        abipin_json_append(a, abipin_json_string("abipin probe -o HOST.xml"));
    snprintf(buf, sizeof(buf), "abipin baseline %s %s -o AB.xml", pa, pb);
    abipin_json_append(a, abipin_json_string(buf));
    snprintf(buf, sizeof(buf), "abipin pin %s --platform AB.xml --in-place",
             opts->domain ? opts->domain : "DOMAIN.xml");
    abipin_json_append(a, abipin_json_string(buf));
    return a;
}

/**
 * abipin_explain_log:
 * @name: the log's name, for messages
 * @data: the log, NUL-terminated, @len bytes
 * @ret: {"failures": [{"line", "format", "qemu_version", "kernel", "guest",
 *       "allowed", "unsupported": [BIT], "hidden", "candidates": [BIT],
 *       "predicted": [N], "allowed_matches"}], "fix": [COMMAND]} where BIT is {"bit", "name",
 *       "property", "needs": [{"backend", "atoms"}], "cause"}
 *
 * Every QEMU feature-mismatch line of the log, decoded. A log with a NUL
 * byte, or a mismatch line in neither of QEMU's formats, is an INPUT error.
 */
int abipin_explain_log(const AbipinCatalogue *cat, const char *name, const char *data, size_t len,
                       const AbipinExplainOptions *opts, json_object **ret)
{
    _cleanup_(json_object_putp) json_object *o = abipin_json_object();
    json_object *failures = abipin_json_array();
    LogHost host;
    unsigned line = 0;

    memset(&host, 0, sizeof(host));
    abipin_json_set(o, "failures", failures);
    if (memchr(data, '\0', len))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s: a NUL byte: not a text log"), name);
    for (const char *p = data; p < data + len; ) {
        const char *nl = memchr(p, '\n', (size_t) (data + len - p));
        size_t n = nl ? (size_t) (nl - p) : (size_t) (data + len - p);
        _cleanup_free_ char *text = abipin_strndup(p, n);
        AbipinFeatureMsg m;
        int r;

        line++;
        p += n + 1;
        log_host_update(&host, text);
        r = abipin_featmsg_parse(text, &m);
        if (r < 0)
            return abipin_error_set(ABIPIN_ERR_INPUT, r,
                                    _("%1$s:%2$u: a \"Features 0x... unsupported\" line whose values "
                                      "are in neither of QEMU's formats (up to 16 or exactly 32 "
                                      "hexadecimal digits, both alike)"),
                                    name, line);
        if (r > 0)
            abipin_json_append(failures, failure_json(cat, &m, line, &host, opts));
    }
    abipin_json_set(o, "fix", fix_json(opts));
    *ret = TAKE_PTR(o);
    return 0;
}
