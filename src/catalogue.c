#include <config.h>

#include <limits.h>
#include <string.h>

#include "catalogue.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/xml.h"

static const char *const backend_names[_ABIPIN_BACKEND_MAX] = {
    [ABIPIN_BACKEND_TAP] = "tap",
    [ABIPIN_BACKEND_MACVTAP] = "macvtap",
    [ABIPIN_BACKEND_VHOST_NET] = "vhost-net",
    [ABIPIN_BACKEND_USER] = "user",
    [ABIPIN_BACKEND_VHOST_USER] = "vhost-user",
    [ABIPIN_BACKEND_VDPA] = "vdpa",
};

static const char *const outcome_names[_ABIPIN_OUTCOME_MAX] = {
    [ABIPIN_OUTCOME_ATOMS] = "atoms",
    [ABIPIN_OUTCOME_NEVER] = "never",
    [ABIPIN_OUTCOME_BACKEND] = "backend",
};

static int lookup_name(const char *const *table, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (s && table[i] && strcmp(s, table[i]) == 0)
            return (int) i;
    return -EINVAL;
}

const char *abipin_backend_to_string(AbipinBackend b)
{
    return b < _ABIPIN_BACKEND_MAX ? backend_names[b] : NULL;
}

int abipin_backend_from_string(const char *s)
{
    return lookup_name(backend_names, ELEMENTSOF(backend_names), s);
}

static void requirement_clear(AbipinRequirement *r)
{
    for (size_t i = 0; i < r->n_atoms; i++)
        free(r->atoms[i]);
    free(r->atoms);
}

static void feature_clear(AbipinFeature *f)
{
    free(f->name);
    free(f->macro);
    free(f->description);
    free(f->libvirt_attribute);
    for (size_t i = 0; i < f->n_reqs; i++)
        requirement_clear(&f->reqs[i]);
    free(f->reqs);
    for (size_t i = 0; i < f->n_compat; i++)
        free(f->compat[i].source);
    free(f->compat);
}

void abipin_catalogue_free(AbipinCatalogue *cat)
{
    if (!cat || cat->builtin)
        return;
    for (size_t i = 0; i < cat->n_features; i++)
        feature_clear(&cat->features[i]);
    free(cat->features);
    for (size_t i = 0; i < cat->n_base; i++) {
        free(cat->base[i].macro);
        free(cat->base[i].property);
    }
    free(cat->base);
    free(cat);
}

static size_t count_children(const xmlNode *node, const char *name)
{
    size_t n = 0;

    for (const xmlNode *c = node->children; c; c = c->next)
        n += abipin_xml_is(c, name);
    return n;
}

/* Optional version attribute; the schema already checked its form. */
static int prop_version(const char *path, const xmlNode *node, const char *attr,
                        AbipinVersion *ret)
{
    const char *s = abipin_xml_prop_static(node, attr);

    *ret = 0;
    if (!s)
        return 0;
    if (abipin_version_parse(s, ret) < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: bad version '%3$s'"),
                                path, xmlGetLineNo(node), s);
    return 0;
}

/* A virtio feature bit, 0..127 (features.rng says so too): the effective
 * ABI is a 128-bit vector, and a trusted catalogue is not validated. */
static int prop_bit(const char *path, const xmlNode *node, unsigned *ret)
{
    const char *s = abipin_xml_prop_static(node, "bit");
    char *end = NULL;
    unsigned long bit;

    errno = 0;
    bit = s && *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : ULONG_MAX;
    if (errno || !end || *end || bit > 127)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: bit '%3$s' is not a virtio feature bit (0-127)"), path,
                                xmlGetLineNo(node), s ? s : "");
    *ret = (unsigned) bit;
    return 0;
}

/* Without schema validation (a trusted catalogue) the parser still must not
 * trip over a missing attribute. */
static int require_props(const char *path, const xmlNode *node, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (!abipin_xml_prop_static(node, names[i]))
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$ld: <%3$s> lacks the attribute '%4$s'"), path,
                                    xmlGetLineNo(node), (const char *) node->name, names[i]);
    return 0;
}

static int requirement_parse(const char *path, const xmlNode *node, AbipinRequirement *req)
{
    const char *outcome = abipin_xml_prop_static(node, "outcome");
    int r;

    if (!abipin_xml_prop_static(node, "backend"))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: bad <requires>"), path,
                                xmlGetLineNo(node));
    req->backend = abipin_backend_from_string(abipin_xml_prop_static(node, "backend"));
    r = outcome ? lookup_name(outcome_names, ELEMENTSOF(outcome_names), outcome)
                : ABIPIN_OUTCOME_ATOMS;
    if ((int) req->backend < 0 || r < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: bad <requires>"), path,
                                xmlGetLineNo(node));
    req->outcome = r;
    if ((r = prop_version(path, node, "qemu-min", &req->qemu_min)) < 0 ||
        (r = prop_version(path, node, "qemu-max", &req->qemu_max)) < 0)
        return r;
    req->atoms = abipin_new0(char *, count_children(node, "atom") + 1);
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!abipin_xml_is(c, "atom"))
            continue;
        req->atoms[req->n_atoms] = abipin_xml_prop(c, "name");
        if (!req->atoms[req->n_atoms])
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: <atom> without a name"),
                                    path, xmlGetLineNo(c));
        if (!abipin_atom_is_known(req->atoms[req->n_atoms++]))
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$ld: unknown capability atom '%3$s'"), path,
                                    xmlGetLineNo(c), req->atoms[req->n_atoms - 1]);
    }
    if ((req->outcome == ABIPIN_OUTCOME_ATOMS) != (req->n_atoms > 0))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: <requires> lists atoms only for outcome 'atoms'"),
                                path, xmlGetLineNo(node));
    return 0;
}

static int compat_parse(const char *path, const xmlNode *node, AbipinCompat *compat)
{
    static const char *const required[] = { "machine-max", "value", "source", NULL };
    int r;

    if ((r = require_props(path, node, required)) < 0)
        return r;
    if ((r = prop_version(path, node, "machine-max", &compat->machine_max)) < 0 ||
        (r = prop_version(path, node, "qemu-min", &compat->qemu_min)) < 0 ||
        (r = prop_version(path, node, "qemu-max", &compat->qemu_max)) < 0)
        return r;
    compat->value = streq_ptr(abipin_xml_prop_static(node, "value"), "on");
    compat->source = abipin_xml_prop(node, "source"); /* required above */
    return 0;
}

static int libvirt_place_parse(const xmlNode *node, AbipinFeature *f)
{
    static const char *const places[] = { "override", "host", "guest", "driver" };
    int r;

    if (abipin_xml_is(node, "override")) {
        f->place = ABIPIN_LIBVIRT_OVERRIDE;
        return 0;
    }
    r = lookup_name(places, ELEMENTSOF(places), abipin_xml_prop_static(node, "element"));
    if (r <= 0)
        return -EINVAL;
    f->place = r;
    free(f->libvirt_attribute); /* a second <libvirt> (only the schema forbids it) */
    f->libvirt_attribute = abipin_xml_prop(node, "attribute");
    if (!f->libvirt_attribute)
        return -EINVAL;
    return abipin_version_parse(abipin_xml_prop_static(node, "since"), &f->libvirt_since);
}

static int feature_parse(const char *path, const xmlNode *node, AbipinFeature *f)
{
    static const char *const required[] = { "name", "bit", "macro", "since", "default", NULL };
    size_t n_reqs = count_children(node, "requires"), n_compat = count_children(node, "compat");
    int r;

    if ((r = require_props(path, node, required)) < 0)
        return r;
    f->name = abipin_xml_prop(node, "name");
    f->macro = abipin_xml_prop(node, "macro");
    if ((r = prop_bit(path, node, &f->bit)) < 0)
        return r;
    f->default_on = streq_ptr(abipin_xml_prop_static(node, "default"), "on");
    f->reqs = abipin_new0(AbipinRequirement, n_reqs);
    f->compat = abipin_new0(AbipinCompat, n_compat ? n_compat : 1);
    if ((r = prop_version(path, node, "since", &f->since)) < 0)
        return r;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (abipin_xml_is(c, "description")) {
            free(f->description);
            f->description = (char *) xmlNodeGetContent(c);
        } else if (abipin_xml_is(c, "libvirt") || abipin_xml_is(c, "override")) {
            if (libvirt_place_parse(c, f) < 0)
                return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: bad <%3$s>"),
                                        path, xmlGetLineNo(c), (const char *) c->name);
        } else if (abipin_xml_is(c, "requires")) {
            r = requirement_parse(path, c, &f->reqs[f->n_reqs++]);
            if (r < 0)
                return r;
        } else if (abipin_xml_is(c, "compat")) {
            r = compat_parse(path, c, &f->compat[f->n_compat++]);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

static int base_parse(const char *path, const xmlNode *node, AbipinBaseBit *b)
{
    static const char *const required[] = { "bit", "macro", NULL };
    int r;

    if ((r = require_props(path, node, required)) < 0)
        return r;
    if ((r = prop_bit(path, node, &b->bit)) < 0)
        return r;
    b->multiqueue = streq_ptr(abipin_xml_prop_static(node, "when"), "multiqueue");
    b->transitional_keeps = streq_ptr(abipin_xml_prop_static(node, "transitional-keeps"), "yes");
    if ((r = prop_version(path, node, "machine-min", &b->machine_min)) < 0)
        return r;
    b->macro = abipin_xml_prop(node, "macro"); /* required above */
    b->property = abipin_xml_prop(node, "property");
    b->inverted = streq_ptr(abipin_xml_prop_static(node, "offered-when"), "off");
    b->vhost_user = streq_ptr(abipin_xml_prop_static(node, "vhost-user"), "backend");
    b->vdpa = streq_ptr(abipin_xml_prop_static(node, "vdpa"), "backend");
    if ((r = prop_version(path, node, "qemu-min", &b->qemu_min)) < 0 ||
        (r = prop_version(path, node, "qemu-max", &b->qemu_max)) < 0 ||
        (r = prop_version(path, node, "vdpa-qemu-min", &b->vdpa_qemu_min)) < 0 ||
        (r = prop_version(path, node, "vdpa-qemu-max", &b->vdpa_qemu_max)) < 0 ||
        (r = prop_version(path, node, "vdpa-needs-qemu-min", &b->vdpa_needs_qemu_min)) < 0)
        return r;
    if (abipin_xml_prop_static(node, "vdpa-needs")) {
        const char *s = abipin_xml_prop_static(node, "vdpa-needs");
        char *end = NULL;
        unsigned long bit = strtoul(s, &end, 10);

        if (!*s || *end || bit > 63 || !b->vdpa_needs_qemu_min)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$ld: vdpa-needs='%3$s' is not a bit of a vDPA "
                                      "device (0-63) with its vdpa-needs-qemu-min"),
                                    path, xmlGetLineNo(node), s);
        b->vdpa_needs = (unsigned) bit;
    }
    return 0;
}

/* What the schema cannot say: names and bits are unique, requirement
 * ranges are consistent, each backend kind is covered once per version. */
static int catalogue_check_consistency(const char *path, const AbipinCatalogue *cat)
{
    for (size_t i = 0; i < cat->n_base; i++)
        for (size_t j = 0; j < cat->n_features + i; j++) {
            unsigned other = j < cat->n_features ? cat->features[j].bit : cat->base[j - cat->n_features].bit;

            if (other == cat->base[i].bit)
                return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                        _("%1$s: base bit %2$u is listed twice"), path,
                                        cat->base[i].bit);
        }
    for (size_t i = 0; i < cat->n_features; i++) {
        const AbipinFeature *f = &cat->features[i];

        for (size_t j = 0; j < i; j++) {
            const AbipinFeature *g = &cat->features[j];

            if (strcmp(f->name, g->name) == 0 || f->bit == g->bit)
                return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                        _("%1$s: features '%2$s' and '%3$s' share a name or bit %4$u"),
                                        path, g->name, f->name, f->bit);
        }
        if (f->since > cat->qemu_max)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s: feature '%2$s' is newer than the catalogue's qemu-max"),
                                    path, f->name);
        for (size_t j = 0; j < f->n_reqs; j++) {
            const AbipinRequirement *a = &f->reqs[j];

            if (a->qemu_min && a->qemu_max && a->qemu_min > a->qemu_max)
                return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                        _("%1$s: feature '%2$s': empty QEMU range for backend %3$s"),
                                        path, f->name, abipin_backend_to_string(a->backend));
            for (size_t k = 0; k < j; k++) {
                const AbipinRequirement *b = &f->reqs[k];

                if (a->backend == b->backend &&
                    !(a->qemu_min && b->qemu_max && a->qemu_min > b->qemu_max) &&
                    !(b->qemu_min && a->qemu_max && b->qemu_min > a->qemu_max))
                    return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                            _("%1$s: feature '%2$s': overlapping requirements for backend %3$s"),
                                            path, f->name, abipin_backend_to_string(a->backend));
            }
        }
    }
    return 0;
}

/**
 * abipin_catalogue_load:
 *
 * Load, validate against features.rng and check a catalogue. A broken
 * catalogue is an INPUT error naming the file and line. With
 * ABIPIN_CATALOGUE_TRUSTED the schema validation is skipped (the installed
 * catalogue is validated at build time and by the tests; validating it
 * again was most of a hook's time); the structural checks stay.
 */
int abipin_catalogue_load_flags(const char *path, unsigned flags, AbipinCatalogue **ret)
{
    _cleanup_xmldoc_ xmlDocPtr doc = NULL;
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    xmlNodePtr root;
    int r;

    r = abipin_xml_read_file(path, &doc);
    if (r < 0)
        return r;
    if ((r = abipin_xml_expect_root(doc, "catalogue", path)) < 0)
        return r;
    if (!(flags & ABIPIN_CATALOGUE_TRUSTED) && (r = abipin_xml_validate(doc, "features.rng", path)) < 0)
        return r;
    root = xmlDocGetRootElement(doc);
    cat = abipin_new0(AbipinCatalogue, 1);
    cat->features = abipin_new0(AbipinFeature, count_children(root, "feature"));
    if ((r = prop_version(path, root, "qemu-min", &cat->qemu_min)) < 0 ||
        (r = prop_version(path, root, "qemu-max", &cat->qemu_max)) < 0)
        return r;
    cat->base = abipin_new0(AbipinBaseBit, count_children(root, "base") + 1);
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (abipin_xml_is(c, "base")) {
            r = base_parse(path, c, &cat->base[cat->n_base++]);
        } else if (abipin_xml_is(c, "feature")) {
            r = feature_parse(path, c, &cat->features[cat->n_features++]);
        } else {
            continue;
        }
        if (r < 0)
            return r;
    }
    r = catalogue_check_consistency(path, cat);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(cat);
    return 0;
}

int abipin_catalogue_load(const char *path, AbipinCatalogue **ret)
{
    return abipin_catalogue_load_flags(path, 0, ret);
}

/**
 * abipin_catalogue_load_default:
 *
 * The catalogue abipin was built with: data/features.xml compiled in
 * (abipin_catalogue_builtin), so that no process parses it again; a build
 * tool without it reads the installed file. Free it as any other.
 */
int abipin_catalogue_load_default(AbipinCatalogue **ret)
{
    const AbipinCatalogue *builtin = abipin_catalogue_builtin();
    _cleanup_free_ char *path = NULL;

    if (builtin) {
        *ret = (AbipinCatalogue *) builtin; /* never written: callers take it const */
        return 0;
    }
    path = abipin_data_path("features.xml");
    return abipin_catalogue_load_flags(path, ABIPIN_CATALOGUE_TRUSTED, ret);
}

const AbipinFeature *abipin_catalogue_find(const AbipinCatalogue *cat, const char *name)
{
    for (size_t i = 0; i < cat->n_features; i++)
        if (strcmp(cat->features[i].name, name) == 0)
            return &cat->features[i];
    return NULL;
}

/* The host-dependent feature of virtio bit @bit, or NULL. */
const AbipinFeature *abipin_catalogue_find_bit(const AbipinCatalogue *cat, unsigned bit)
{
    for (size_t i = 0; i < cat->n_features; i++)
        if (cat->features[i].bit == bit)
            return &cat->features[i];
    return NULL;
}

/* The name QMP x-query-virtio-status gives @bit, or NULL. */
const char *abipin_catalogue_bit_name(const AbipinCatalogue *cat, unsigned bit)
{
    const AbipinFeature *f = abipin_catalogue_find_bit(cat, bit);

    if (f)
        return f->macro;
    for (size_t i = 0; i < cat->n_base; i++)
        if (cat->base[i].bit == bit)
            return cat->base[i].macro;
    return NULL;
}

/**
 * abipin_feature_default:
 * @machine: the machine type's version (pc-q35-8.1 -> 8.1)
 * @qemu: the emulator's version
 *
 * The property's default for that machine type on that QEMU: the newest
 * machine's default unless a compat entry of this QEMU covers the machine.
 */
bool abipin_feature_default(const AbipinFeature *f, AbipinVersion machine, AbipinVersion qemu)
{
    for (size_t i = 0; i < f->n_compat; i++) {
        const AbipinCompat *c = &f->compat[i];

        if (machine <= c->machine_max && abipin_version_in_range(qemu, c->qemu_min, c->qemu_max))
            return c->value;
    }
    return f->default_on;
}

/**
 * abipin_catalogue_measured_properties:
 * @names: receives at most @max property names (the catalogue's strings)
 *
 * Every device property whose default decides a feature bit: the
 * features' and the base bits' that have one. What probe/machine.c reads
 * from the emulator per machine type. Returns how many.
 */
size_t abipin_catalogue_measured_properties(const AbipinCatalogue *cat, const char **names,
                                            size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < cat->n_features && n < max; i++)
        names[n++] = cat->features[i].name;
    for (size_t i = 0; i < cat->n_base && n < max; i++)
        if (cat->base[i].property)
            names[n++] = cat->base[i].property;
    return n;
}
