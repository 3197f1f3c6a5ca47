#include <config.h>

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "profile.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"
#include "util/xml.h"

AbipinProfile *abipin_profile_new(const char *name)
{
    AbipinProfile *p = abipin_new0(AbipinProfile, 1);

    p->name = abipin_strdup(name);
    p->atoms = abipin_atom_set_new();
    return p;
}

void abipin_profile_free(AbipinProfile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->description);
    free(p->kernel_release);
    abipin_profile_clear_emulator(p);
    abipin_backend_list_clear(&p->backends);
    abipin_atom_set_free(p->atoms);
    free(p);
}

/**
 * abipin_profile_clear_emulator:
 *
 * Forget the emulator's path, version, aliases and measured defaults: the profile has no
 * emulator facts. Its qemu.* atoms are the caller's to settle.
 */
void abipin_profile_clear_emulator(AbipinProfile *p)
{
    p->has_emulator = false;
    free(TAKE_PTR(p->emulator_path));
    free(TAKE_PTR(p->emulator_version));
    for (size_t i = 0; i < p->n_aliases; i++) {
        free(p->aliases[i].name);
        free(p->aliases[i].machine);
    }
    free(TAKE_PTR(p->aliases));
    p->n_aliases = 0;
    abipin_defaults_clear(&p->defaults);
    p->measurable = false;
}

void abipin_profile_add_alias(AbipinProfile *p, const char *name, const char *machine)
{
    abipin_array_resize(p->aliases, p->n_aliases + 1);
    p->aliases[p->n_aliases].name = abipin_strdup(name);
    p->aliases[p->n_aliases].machine = abipin_strdup(machine);
    p->n_aliases++;
}

/* "q35" -> "pc-q35-10.0" with the emulator's alias table; other names as
 * they are (libvirt canonicalises the same way at define time). */
const char *abipin_profile_resolve_machine(const AbipinProfile *p, const char *machine)
{
    for (size_t i = 0; i < p->n_aliases; i++)
        if (strcmp(p->aliases[i].name, machine) == 0)
            return p->aliases[i].machine;
    return machine;
}

/* @attr of @node (the caller knows it is there), or its text without */
static void set_string(char **dst, const xmlNode *node, const char *attr)
{
    free(*dst);
    *dst = attr ? abipin_xml_prop(node, attr) : (char *) xmlNodeGetContent(node);
}

/* platform.rng's value patterns. The parser enforces the schema itself
 * (abipin_xml_check_attrs says why); tests/test-profile.c holds the two
 * to the same verdicts. */
static bool is_ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_word(const char *s, const char *punct, size_t max)
{
    size_t n = 0;

    for (; s[n]; n++)
        if (n == max || (!is_ascii_alnum(s[n]) && !strchr(punct, s[n])))
            return false;
    return n > 0;
}

static bool is_platform_name(const char *s)
{
    return is_ascii_alnum(s[0]) && is_word(s, "_.+-", 64);
}

static bool is_token(const char *s)
{
    return is_word(s, "_.+-~", 128);
}

/* [0-9]+(\.[0-9]+){1,3} */
static bool is_version(const char *s)
{
    int dots = 0;

    for (const char *p = s; *p; p++)
        if (*p == '.' && p > s && p[-1] != '.' && p[1])
            dots++;
        else if (*p < '0' || *p > '9')
            return false;
    return dots >= 1 && dots <= 3;
}

/* The attribute @attr of @node: NULL when absent, an error when @required
 * and absent or when @valid rejects it. */
static int profile_attr(const xmlNode *node, const char *what, const char *attr, bool required,
                        bool (*valid)(const char *), const char **ret)
{
    const char *v = abipin_xml_prop_static(node, attr);

    if (!v && required)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: <%3$s> needs the attribute '%4$s'"),
                                what, xmlGetLineNo(node), (const char *) node->name, attr);
    if (v && valid && !valid(v))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: invalid %3$s='%4$s' in <%5$s>"),
                                what, xmlGetLineNo(node), attr, v, (const char *) node->name);
    *ret = v;
    return 0;
}

static int profile_parse_description(AbipinProfile *p, const char *what, const xmlNode *node)
{
    static const char *const attrs[] = { NULL };
    int r = abipin_xml_check_attrs(node, what, attrs);

    for (const xmlNode *c = node->children; r == 0 && c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            r = abipin_xml_unexpected(c, what);
    if (r < 0)
        return r;
    set_string(&p->description, node, NULL);
    return 0;
}

static int profile_parse_kernel(AbipinProfile *p, const char *what, const xmlNode *node)
{
    static const char *const attrs[] = { "release", NULL };
    const char *release;
    int r;

    if ((r = abipin_xml_check_attrs(node, what, attrs)) < 0 ||
        (r = abipin_xml_check_empty(node, what)) < 0 ||
        (r = profile_attr(node, what, "release", true, is_token, &release)) < 0)
        return r;
    set_string(&p->kernel_release, node, "release");
    return 0;
}

static int profile_parse_alias(AbipinProfile *p, const char *what, const xmlNode *node)
{
    static const char *const attrs[] = { "name", "machine", NULL };
    const char *name, *machine;
    int r;

    if ((r = abipin_xml_check_attrs(node, what, attrs)) < 0 ||
        (r = abipin_xml_check_empty(node, what)) < 0 ||
        (r = profile_attr(node, what, "name", true, is_token, &name)) < 0 ||
        (r = profile_attr(node, what, "machine", true, is_token, &machine)) < 0)
        return r;
    abipin_profile_add_alias(p, name, machine);
    return 0;
}

/* platform.rng's property-list: QEMU property names, one space between */
static bool is_property_list(const char *s)
{
    for (const char *p = s;; p++) {
        if (!is_ascii_alnum(*p) && (!*p || !strchr("_-", *p)))
            return false;
        p += strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
        if (!*p)
            return true;
        if (*p != ' ')
            return false;
    }
}

/* One list of <defaults>: each name gets @value (and mixed, for the
 * "mixed" list: those are the "off" ones a baseline's members disagreed on). */
static int profile_parse_default_list(AbipinMachineDefaults *d, const char *what,
                                      const xmlNode *node, const char *attr, bool value)
{
    const char *list;
    int r;

    if ((r = profile_attr(node, what, attr, false, is_property_list, &list)) < 0 || !list)
        return r;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " ");
        char name[128];

        if (n > 0 && n < sizeof(name)) {
            memcpy(name, p, n);
            name[n] = '\0';
            if (strcmp(attr, "mixed") == 0) {
                if (!abipin_defaults_get(d, name))
                    return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                            _("%1$s:%2$ld: mixed='%3$s' names a property that is "
                                              "neither on nor off"),
                                            what, xmlGetLineNo(node), name);
                abipin_defaults_set(d, name, false, true);
            } else if (abipin_defaults_get(d, name)) {
                return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                        _("%1$s:%2$ld: the property '%3$s' is listed twice"), what,
                                        xmlGetLineNo(node), name);
            } else {
                abipin_defaults_set(d, name, value, false);
            }
        } else if (n > 0) {
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$ld: invalid %3$s='%4$s' in <%5$s>"), what,
                                    xmlGetLineNo(node), attr, list, (const char *) node->name);
        }
        p += n + (p[n] == ' ');
    }
    return 0;
}

static int profile_parse_defaults(AbipinProfile *p, const char *what, const xmlNode *node)
{
    static const char *const attrs[] = { "machine", "model", "on", "off", "mixed", NULL };
    const char *machine, *model;
    AbipinMachineDefaults *d;
    int r;

    if ((r = abipin_xml_check_attrs(node, what, attrs)) < 0 ||
        (r = abipin_xml_check_empty(node, what)) < 0 ||
        (r = profile_attr(node, what, "machine", true, is_token, &machine)) < 0 ||
        (r = profile_attr(node, what, "model", true, is_token, &model)) < 0)
        return r;
    if (abipin_defaults_find(&p->defaults, machine, model))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: the defaults of %3$s on %4$s are listed twice"),
                                what, xmlGetLineNo(node), model, machine);
    d = abipin_defaults_add(&p->defaults, machine, model);
    if ((r = profile_parse_default_list(d, what, node, "on", true)) < 0 ||
        (r = profile_parse_default_list(d, what, node, "off", false)) < 0)
        return r;
    return profile_parse_default_list(d, what, node, "mixed", false);
}

static int profile_parse_emulator(AbipinProfile *p, const char *what, const xmlNode *node)
{
    static const char *const attrs[] = { "path", "version", NULL };
    const char *version;
    int r;

    if ((r = abipin_xml_check_attrs(node, what, attrs)) < 0 ||
        (r = profile_attr(node, what, "version", false, is_version, &version)) < 0)
        return r;
    p->has_emulator = true;
    if (xmlHasProp(node, (const xmlChar *) "path"))
        set_string(&p->emulator_path, node, "path");
    if (version)
        set_string(&p->emulator_version, node, "version");
    for (const xmlNode *c = node->children; c; c = c->next) {
        if ((r = abipin_xml_child_is_element(c, what)) <= 0) {
            if (r < 0)
                return r;
            continue;
        }
        if (abipin_xml_is(c, "alias") && p->defaults.n == 0)
            r = profile_parse_alias(p, what, c);
        else if (abipin_xml_is(c, "defaults"))
            r = profile_parse_defaults(p, what, c);
        else
            r = abipin_xml_unexpected(c, what);
        if (r < 0)
            return r;
    }
    return 0;
}

static int profile_parse_atom(AbipinProfile *p, const char *what, const xmlNode *node)
{
    static const char *const attrs[] = { "name", "state", "reason", NULL };
    const char *name, *state;
    int r, s;

    if ((r = abipin_xml_check_attrs(node, what, attrs)) < 0 ||
        (r = abipin_xml_check_empty(node, what)) < 0 ||
        (r = profile_attr(node, what, "name", true, NULL, &name)) < 0 ||
        (r = profile_attr(node, what, "state", false, NULL, &state)) < 0)
        return r;
    if (!abipin_atom_is_known(name))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: unknown capability atom '%3$s'"), what,
                                xmlGetLineNo(node), name);
    s = state ? abipin_atom_state_from_string(state) : ABIPIN_ATOM_PRESENT;
    if (s < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: bad atom state '%3$s'"),
                                what, xmlGetLineNo(node), state);
    if (abipin_atom_set_get(p->atoms, name))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: atom '%3$s' is listed twice"),
                                what, xmlGetLineNo(node), name);
    return abipin_atom_set_put(p->atoms, name, s, abipin_xml_prop_static(node, "reason"));
}

/* A socket path: absolute, and short enough for sockaddr_un's 108 bytes */
static bool is_socket_path(const char *s)
{
    return s[0] == '/' && strlen(s) < 108;
}

static bool is_device_path(const char *s)
{
    return s[0] == '/' && strlen(s) < 256;
}

/* "0x" and 1 to 16 lowercase hex digits */
static bool is_feature_word(const char *s)
{
    size_t n = strspn(s + 2, "0123456789abcdef");

    return strncmp(s, "0x", 2) == 0 && n >= 1 && n <= 16 && !s[2 + n];
}

static int profile_parse_backend(AbipinProfile *p, const char *what, const xmlNode *node)
{
    static const char *const attrs[] = { "name", "kind", "features", NULL };
    static const char *const path_attrs[] = { "path", NULL };
    AbipinExternalBackend *b;
    AbipinBackend kind;
    const char *name, *kind_s, *features, *path, *child;
    int r;

    if ((r = abipin_xml_check_attrs(node, what, attrs)) < 0 ||
        (r = profile_attr(node, what, "name", true, abipin_backend_name_is_valid, &name)) < 0 ||
        (r = profile_attr(node, what, "kind", true, NULL, &kind_s)) < 0 ||
        (r = profile_attr(node, what, "features", false, is_feature_word, &features)) < 0)
        return r;
    if (!abipin_backend_kind_parse(kind_s, &kind) || (features && kind != ABIPIN_BACKEND_VDPA))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: invalid %3$s='%4$s' in <%5$s>"),
                                what, xmlGetLineNo(node), features ? "features" : "kind",
                                features ? features : kind_s, "backend");
    if (abipin_backend_list_find(&p->backends, name))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: backend '%3$s' is listed twice"), what,
                                xmlGetLineNo(node), name);
    b = abipin_backend_list_add(&p->backends, name, kind);
    if (features) {
        b->has_features = true;
        b->features = strtoull(features, NULL, 16);
    }
    child = kind == ABIPIN_BACKEND_VDPA ? "device" : "socket";
    for (const xmlNode *c = node->children; c; c = c->next) {
        if ((r = abipin_xml_child_is_element(c, what)) == 0)
            continue;
        if (r < 0 || (r = abipin_xml_is(c, child) ? 0 : abipin_xml_unexpected(c, what)) < 0 ||
            (r = abipin_xml_check_attrs(c, what, path_attrs)) < 0 ||
            (r = abipin_xml_check_empty(c, what)) < 0 ||
            (r = profile_attr(c, what, "path", true,
                              kind == ABIPIN_BACKEND_VDPA ? is_device_path : is_socket_path,
                              &path)) < 0)
            return r;
        abipin_backend_add_path(b, path);
    }
    if (b->n_paths == 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: <backend> '%3$s' names no <%4$s>"), what,
                                xmlGetLineNo(node), name, child);
    return 0;
}

/* platform.rng's children of <platform>, in their order. */
static const struct {
    const char *element;
    int (*parse)(AbipinProfile *p, const char *what, const xmlNode *node);
    bool repeats;
} profile_children[] = {
    { "description", profile_parse_description, false },
    { "kernel", profile_parse_kernel, false },
    { "emulator", profile_parse_emulator, false },
    { "backend", profile_parse_backend, true },
    { "atom", profile_parse_atom, true },
};

static int profile_parse_child(AbipinProfile *p, const char *what, const xmlNode *c, size_t *next)
{
    for (size_t i = *next; i < ELEMENTSOF(profile_children); i++)
        if (abipin_xml_is(c, profile_children[i].element)) {
            *next = profile_children[i].repeats ? i : i + 1;
            return profile_children[i].parse(p, what, c);
        }
    return abipin_xml_unexpected(c, what);
}

/**
 * abipin_profile_parse:
 * @name: the document's name for messages (a file name)
 *
 * Parse a profile document strictly (everything platform.rng says); every
 * atom must be in the vocabulary. Errors are INPUT errors.
 */
int abipin_profile_parse(const char *name, const char *data, size_t len, AbipinProfile **ret)
{
    static const char *const attrs[] = { "name", NULL };
    _cleanup_xmldoc_ xmlDocPtr doc = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    const char *pname;
    xmlNodePtr root;
    size_t next = 0;
    int r;

    /* Read only, never written back: no blank text nodes, short strings
     * inline (a profile is hundreds of one-line elements). */
    if ((r = abipin_xml_parse_options(name, data, len, XML_PARSE_NOBLANKS | XML_PARSE_COMPACT,
                                      &doc)) < 0 ||
        (r = abipin_xml_expect_root(doc, "platform", name)) < 0)
        return r;
    root = xmlDocGetRootElement(doc);
    if ((r = abipin_xml_check_attrs(root, name, attrs)) < 0 ||
        (r = profile_attr(root, name, "name", true, is_platform_name, &pname)) < 0)
        return r;
    p = abipin_profile_new(pname);
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if ((r = abipin_xml_child_is_element(c, name)) > 0)
            r = profile_parse_child(p, name, c, &next);
        if (r < 0)
            return r;
    }
    *ret = TAKE_PTR(p);
    return 0;
}

static int profile_load(const char *path, bool owned, AbipinProfile **ret)
{
    _cleanup_free_ char *data = NULL;
    size_t len;
    int r;

    r = owned ? abipin_file_read_owned(path, ABIPIN_MAX_INPUT_SIZE, &data, &len)
              : abipin_file_read(path, ABIPIN_MAX_INPUT_SIZE, &data, &len);
    if (r < 0)
        return r;
    /* a cache entry reads as the profile it holds, wherever it is named */
    if (abipin_profile_is_cache(data, len))
        return abipin_profile_parse_cache(path, data, len, ret);
    return abipin_profile_parse(path, data, len, ret);
}

int abipin_profile_load(const char *path, AbipinProfile **ret)
{
    return profile_load(path, false, ret);
}

/* Only a file of this user's that nobody else can write (the probe cache:
 * another user's file in a shared cache directory is not trusted). */
int abipin_profile_load_owned(const char *path, AbipinProfile **ret)
{
    return profile_load(path, true, ret);
}

static xmlNodePtr add_child(xmlNodePtr parent, const char *name, int depth)
{
    static const char indent[] = "\n        ";

    xmlAddChild(parent, xmlNewText((const xmlChar *) indent));
    xmlNodeSetContentLen(parent->last, (const xmlChar *) indent, 1 + 2 * depth);
    return xmlNewChild(parent, NULL, (const xmlChar *) name, NULL);
}

static void set_prop(xmlNodePtr node, const char *name, const char *value)
{
    if (value)
        xmlNewProp(node, (const xmlChar *) name, (const xmlChar *) value);
}

/* One of <defaults>'s lists: the names whose value (or mixed flag) is @want. */
static void profile_format_default_list(xmlNodePtr node, const AbipinMachineDefaults *d,
                                        const char *attr, bool mixed, bool want)
{
    _cleanup_free_ char *list = NULL;
    size_t len = 0;

    for (size_t i = 0; i < d->n_values; i++) {
        const AbipinDefaultValue *v = &d->values[i];
        size_t n = strlen(v->name);

        if ((mixed ? v->mixed : v->value) != want)
            continue;
        abipin_array_resize(list, len + n + 2);
        if (len)
            list[len++] = ' ';
        memcpy(list + len, v->name, n + 1);
        len += n;
    }
    set_prop(node, attr, list);
}

static void profile_format_defaults(xmlNodePtr node, const AbipinMachineDefaults *d)
{
    set_prop(node, "machine", d->machine);
    set_prop(node, "model", d->model);
    profile_format_default_list(node, d, "on", false, true);
    profile_format_default_list(node, d, "off", false, false);
    profile_format_default_list(node, d, "mixed", true, true);
}

/**
 * abipin_profile_format_xml:
 *
 * The profile as a platform.rng document, atoms sorted by name, present
 * ones without a state attribute.
 */
int abipin_profile_format_xml(const AbipinProfile *p, char **ret, size_t *ret_len)
{
    _cleanup_xmldoc_ xmlDocPtr doc = xmlNewDoc((const xmlChar *) "1.0");
    xmlNodePtr root, node;

    root = xmlNewNode(NULL, (const xmlChar *) "platform");
    xmlDocSetRootElement(doc, root);
    set_prop(root, "name", p->name);
    if (p->description)
        xmlNodeSetContent(add_child(root, "description", 1), (const xmlChar *) p->description);
    if (p->kernel_release)
        set_prop(add_child(root, "kernel", 1), "release", p->kernel_release);
    if (p->has_emulator) {
        node = add_child(root, "emulator", 1);
        set_prop(node, "path", p->emulator_path);
        set_prop(node, "version", p->emulator_version);
        for (size_t i = 0; i < p->n_aliases; i++) {
            xmlNodePtr a = add_child(node, "alias", 2);

            set_prop(a, "name", p->aliases[i].name);
            set_prop(a, "machine", p->aliases[i].machine);
        }
        for (size_t i = 0; i < p->defaults.n; i++)
            profile_format_defaults(add_child(node, "defaults", 2), &p->defaults.items[i]);
        if (p->n_aliases || p->defaults.n)
            xmlAddChild(node, xmlNewText((const xmlChar *) "\n  "));
    }
    for (size_t i = 0; i < p->backends.n; i++) {
        const AbipinExternalBackend *b = &p->backends.items[i];

        node = add_child(root, "backend", 1);
        set_prop(node, "name", b->name);
        set_prop(node, "kind", abipin_backend_kind_name(b->kind));
        if (b->has_features) {
            char word[24];

            snprintf(word, sizeof(word), "0x%" PRIx64, b->features);
            set_prop(node, "features", word);
        }
        for (size_t k = 0; k < b->n_paths; k++)
            set_prop(add_child(node, b->kind == ABIPIN_BACKEND_VDPA ? "device" : "socket", 2),
                     "path", b->paths[k]);
        xmlAddChild(node, xmlNewText((const xmlChar *) "\n  "));
    }
    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];

        node = add_child(root, "atom", 1);
        set_prop(node, "name", a->name);
        if (a->state != ABIPIN_ATOM_PRESENT)
            set_prop(node, "state", abipin_atom_state_to_string(a->state));
        set_prop(node, "reason", a->reason);
    }
    xmlAddChild(root, xmlNewText((const xmlChar *) "\n"));
    return abipin_xml_to_string(doc, "<?xml version=\"1.0\"?>", '"', ret, ret_len);
}

static void profile_copy_emulator(AbipinProfile *dst, const AbipinProfile *src)
{
    abipin_profile_clear_emulator(dst);
    dst->has_emulator = src->has_emulator;
    dst->emulator_path = abipin_strdup(src->emulator_path);
    dst->emulator_version = abipin_strdup(src->emulator_version);
    for (size_t i = 0; i < src->n_aliases; i++)
        abipin_profile_add_alias(dst, src->aliases[i].name, src->aliases[i].machine);
    abipin_defaults_copy(&dst->defaults, &src->defaults);
    dst->measurable = src->measurable;
}

/* Keep only the emulator facts every host shares. */
static void profile_intersect_emulator(AbipinProfile *acc, const AbipinProfile *other)
{
    size_t kept = 0;

    if (!streq_ptr(acc->emulator_version, other->emulator_version)) {
        free(acc->emulator_version);
        acc->emulator_version = NULL;
    }
    if (!streq_ptr(acc->emulator_path, other->emulator_path)) {
        free(acc->emulator_path);
        acc->emulator_path = NULL;
    }
    for (size_t i = 0; i < acc->n_aliases; i++) {
        AbipinMachineAlias *a = &acc->aliases[i];

        if (strcmp(abipin_profile_resolve_machine(other, a->name), a->machine) == 0) {
            acc->aliases[kept++] = *a;
        } else {
            free(a->name);
            free(a->machine);
        }
    }
    acc->n_aliases = kept;
    abipin_defaults_intersect(&acc->defaults, &other->defaults);
}

/* "baseline of a, b, c": the description names every member. It is data
 * in the profile, never translated. */
static void profile_name_member(AbipinProfile *acc, const char *member)
{
    static const char lead[] = "baseline of ";
    size_t have = acc->description ? strlen(acc->description) : 0;
    size_t add = strlen(member) + (have ? 2 : strlen(lead));

    abipin_array_resize(acc->description, have + add + 1);
    snprintf(acc->description + have, add + 1, "%s%s", have ? ", " : lead, member);
}

/**
 * abipin_profile_merge_add:
 * @acc: the baseline so far; NULL before the first profile
 * @p: the next profile
 * @name: the baseline's name
 *
 * The cluster baseline, one profile at a time (a fleet need not fit in
 * memory): AND of every profile's atoms. Emulator facts stay only where
 * all profiles agree; kernel releases are dropped.
 */
int abipin_profile_merge_add(AbipinProfile **acc, const AbipinProfile *p, const char *name)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *first = NULL;
    int r;

    if (*acc) {
        profile_name_member(*acc, p->name);
        if ((r = abipin_atom_set_intersect((*acc)->atoms, p->atoms, p->name)) < 0)
            return r;
        if ((*acc)->has_emulator && p->has_emulator)
            profile_intersect_emulator(*acc, p);
        abipin_backend_list_intersect(&(*acc)->backends, &p->backends);
        (*acc)->has_emulator = (*acc)->has_emulator && p->has_emulator;
        return 0;
    }
    first = abipin_profile_new(name);
    profile_name_member(first, p->name);
    for (size_t j = 0; j < p->atoms->n; j++) {
        const AbipinAtom *a = &p->atoms->items[j];

        if ((r = abipin_atom_set_put(first->atoms, a->name, a->state, a->reason)) < 0)
            return r;
    }
    profile_copy_emulator(first, p);
    abipin_backend_list_copy(&first->backends, &p->backends);
    first->measurable = false; /* a baseline's emulator is no single binary */
    *acc = TAKE_PTR(first);
    return 0;
}

int abipin_profile_merge(AbipinProfile *const *profiles, size_t n, const char *name,
                         AbipinProfile **ret)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *acc = NULL;
    int r;

    if (n == 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("a baseline needs at least one profile"));
    for (size_t i = 0; i < n; i++)
        if ((r = abipin_profile_merge_add(&acc, profiles[i], name)) < 0)
            return r;
    *ret = TAKE_PTR(acc);
    return 0;
}

/**
 * abipin_profile_complete:
 * @p: a profile that may describe the kernel only (a named platform)
 * @host: this host's profile
 *
 * Fill in what @p does not speak for from @host: the emulator (facts and
 * qemu.* atoms) and whether vhost-net is usable, both host configuration
 * rather than kernel facts.
 */
int abipin_profile_complete(AbipinProfile *p, const AbipinProfile *host)
{
    bool take_emulator = !p->has_emulator;
    int r;

    /* The emulator's facts come as a whole: its version and aliases and
     * every qemu.* atom of the same probe. @p's own qemu.* atoms say only
     * that its emulator could not be asked ("unknown"); kept beside @host's
     * version they would read as properties QEMU does not have. */
    take_emulator = take_emulator && host->has_emulator;
    if (take_emulator) {
        abipin_atom_set_remove_prefix(p->atoms, ABIPIN_EMULATOR_ATOM_PREFIX);
        profile_copy_emulator(p, host);
    }
    for (size_t i = 0; i < host->atoms->n; i++) {
        const AbipinAtom *a = &host->atoms->items[i];
        bool emulator_atom = abipin_atom_is_emulator(a->name);

        if ((emulator_atom && !take_emulator) ||
            (!emulator_atom && strcmp(a->name, "vhost.net") != 0) ||
            abipin_atom_set_get(p->atoms, a->name))
            continue;
        r = abipin_atom_set_put(p->atoms, a->name, a->state, a->reason);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Levenshtein distance, bounded: machine type names are short */
static size_t name_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[130];

    if (la > 128 || lb > 128)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* "pc-q35-" of "pc-q35-10.0": up to the last dash */
static size_t machine_family_len(const char *machine)
{
    const char *dash = strrchr(machine, '-');

    return dash ? (size_t) (dash - machine) + 1 : 0;
}

/* "pc-q35-10.0, pc-q35-9.2, pc-q35-9.1": the emulator's machine types
 * nearest to @machine by name, at most three */
static void profile_nearest_machines(const AbipinProfile *p, const char *machine, char *buf,
                                     size_t len)
{
    static const char prefix[] = "qemu.machine.";
    const char *best[3] = { NULL };
    size_t dist[3] = { SIZE_MAX, SIZE_MAX, SIZE_MAX };

    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];
        const char *name = a->name + strlen(prefix);
        size_t d;

        if (a->state != ABIPIN_ATOM_PRESENT || strncmp(a->name, prefix, strlen(prefix)) != 0)
            continue;
        /* the same family first ("pc-q35-" for pc-q35-99.0), then by name */
        d = name_distance(machine, name) + (machine_family_len(machine) == machine_family_len(name) &&
                                                    strncmp(machine, name, machine_family_len(name)) == 0
                                                ? 0
                                                : 1000);
        for (size_t k = 0; k < ELEMENTSOF(best); k++)
            if (d < dist[k]) {
                memmove(&best[k + 1], &best[k], (ELEMENTSOF(best) - k - 1) * sizeof(*best));
                memmove(&dist[k + 1], &dist[k], (ELEMENTSOF(dist) - k - 1) * sizeof(*dist));
                best[k] = name;
                dist[k] = d;
                break;
            }
    }
    buf[0] = '\0';
    for (size_t k = 0; k < ELEMENTSOF(best) && best[k]; k++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", k ? ", " : "", best[k]);
}

/**
 * abipin_profile_require_machine:
 * @machine: as the definition or the user wrote it; aliases resolve
 * @what: who asks, for the message (a file, a command)
 *
 * An INPUT error naming the emulator and its nearest machine types when
 * the profile's emulator lacks @machine: libvirt would refuse it, and a
 * default for it would be a guess. A profile without emulator facts
 * cannot tell, and is not the caller's to refuse.
 */
int abipin_profile_require_machine(const AbipinProfile *p, const char *machine, const char *what)
{
    const char *resolved = abipin_profile_resolve_machine(p, machine);
    char atom[256], near[512], m[ABIPIN_QUOTE_MAX];

    snprintf(atom, sizeof(atom), "qemu.machine.%s", resolved);
    if (!p->has_emulator || abipin_atom_set_has(p->atoms, atom))
        return 0;
    profile_nearest_machines(p, resolved, near, sizeof(near));
    return abipin_error_set(ABIPIN_ERR_INPUT, -ENOENT,
                            _("%1$s: the emulator %2$s (QEMU %3$s, platform '%4$s') has no machine "
                              "type %5$s; its nearest: %6$s ('%7$s -machine help' lists them)"),
                            what, p->emulator_path ? p->emulator_path : "?",
                            p->emulator_version ? p->emulator_version : "?", p->name,
                            abipin_error_quote(resolved, m, sizeof(m)), near[0] ? near : "none",
                            p->emulator_path ? p->emulator_path : "qemu-system-x86_64");
}
