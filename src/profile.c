#include <config.h>

#include <string.h>

#include "profile.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"
#include "util/xml.h"

AbipinProfile *abipin_profile_new(const char *name)
{
    AbipinProfile *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->name = strdup(name);
    p->atoms = abipin_atom_set_new();
    if (!p->name || !p->atoms) {
        abipin_profile_free(p);
        return NULL;
    }
    return p;
}

void abipin_profile_free(AbipinProfile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->description);
    free(p->kernel_release);
    free(p->emulator_path);
    free(p->emulator_version);
    for (size_t i = 0; i < p->n_aliases; i++) {
        free(p->aliases[i].name);
        free(p->aliases[i].machine);
    }
    free(p->aliases);
    abipin_atom_set_free(p->atoms);
    free(p);
}

int abipin_profile_add_alias(AbipinProfile *p, const char *name, const char *machine)
{
    AbipinMachineAlias *a = realloc(p->aliases, (p->n_aliases + 1) * sizeof(*a));

    if (!a)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    p->aliases = a;
    a[p->n_aliases].name = strdup(name);
    a[p->n_aliases].machine = strdup(machine);
    p->n_aliases++;
    if (!a[p->n_aliases - 1].name || !a[p->n_aliases - 1].machine)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    return 0;
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

static int set_string(char **dst, const xmlNode *node, const char *attr)
{
    free(*dst);
    *dst = attr ? abipin_xml_prop(node, attr) : (char *) xmlNodeGetContent(node);
    return *dst ? 0 : abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
}

static int profile_parse_emulator(AbipinProfile *p, const xmlNode *node)
{
    int r;

    p->has_emulator = true;
    if (xmlHasProp(node, (const xmlChar *) "path") && (r = set_string(&p->emulator_path, node, "path")) < 0)
        return r;
    if (xmlHasProp(node, (const xmlChar *) "version") &&
        (r = set_string(&p->emulator_version, node, "version")) < 0)
        return r;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!abipin_xml_is(c, "alias"))
            continue;
        if (!abipin_xml_prop_static(c, "name") || !abipin_xml_prop_static(c, "machine"))
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("bad <alias>"));
        r = abipin_profile_add_alias(p, abipin_xml_prop_static(c, "name"),
                                     abipin_xml_prop_static(c, "machine"));
        if (r < 0)
            return r;
    }
    return 0;
}

static int profile_parse_atom(AbipinProfile *p, const char *what, const xmlNode *node)
{
    const char *name = abipin_xml_prop_static(node, "name");
    const char *state = abipin_xml_prop_static(node, "state");
    int s = state ? abipin_atom_state_from_string(state) : ABIPIN_ATOM_PRESENT;

    if (!name || !abipin_atom_is_known(name))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("%1$s:%2$ld: unknown capability atom '%3$s'"), what,
                                xmlGetLineNo(node), name ? name : "");
    if (s < 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: bad atom state '%3$s'"),
                                what, xmlGetLineNo(node), state);
    if (abipin_atom_set_get(p->atoms, name))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$ld: atom '%3$s' is listed twice"),
                                what, xmlGetLineNo(node), name);
    return abipin_atom_set_put(p->atoms, name, s, abipin_xml_prop_static(node, "reason"));
}

/**
 * abipin_profile_parse:
 * @name: the document's name for messages (a file name)
 *
 * Parse and validate a profile document (platform.rng); every atom must be
 * in the vocabulary. Errors are INPUT errors.
 */
int abipin_profile_parse_flags(const char *name, const char *data, size_t len, unsigned flags,
                               AbipinProfile **ret)
{
    _cleanup_xmldoc_ xmlDocPtr doc = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    const char *pname;
    xmlNodePtr root;
    int r;

    if ((r = abipin_xml_parse(name, data, len, &doc)) < 0 ||
        (r = abipin_xml_expect_root(doc, "platform", name)) < 0)
        return r;
    if (!(flags & ABIPIN_PROFILE_TRUSTED) && (r = abipin_xml_validate(doc, "platform.rng", name)) < 0)
        return r;
    root = xmlDocGetRootElement(doc);
    pname = abipin_xml_prop_static(root, "name");
    if (!pname)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s: the platform has no name"), name);
    p = abipin_profile_new(pname);
    if (!p)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (abipin_xml_is(c, "description"))
            r = set_string(&p->description, c, NULL);
        else if (abipin_xml_is(c, "kernel"))
            r = set_string(&p->kernel_release, c, "release");
        else if (abipin_xml_is(c, "emulator"))
            r = profile_parse_emulator(p, c);
        else if (abipin_xml_is(c, "atom"))
            r = profile_parse_atom(p, name, c);
        if (r < 0)
            return r;
    }
    *ret = TAKE_PTR(p);
    return 0;
}

int abipin_profile_parse(const char *name, const char *data, size_t len, AbipinProfile **ret)
{
    return abipin_profile_parse_flags(name, data, len, 0, ret);
}

/**
 * abipin_profile_load_flags:
 * @flags: ABIPIN_PROFILE_TRUSTED skips the schema validation, for files
 *         abipin wrote itself (the cache): it is most of a hook's time.
 *         Every atom is still checked against the vocabulary, and the file
 *         must be the user's own (abipin_file_read_owned).
 */
int abipin_profile_load_flags(const char *path, unsigned flags, AbipinProfile **ret)
{
    _cleanup_free_ char *data = NULL;
    size_t len;
    int r;

    if (flags & ABIPIN_PROFILE_TRUSTED)
        r = abipin_file_read_owned(path, ABIPIN_MAX_INPUT_SIZE, &data, &len);
    else
        r = abipin_file_read(path, ABIPIN_MAX_INPUT_SIZE, &data, &len);
    if (r < 0)
        return r;
    return abipin_profile_parse_flags(path, data, len, flags, ret);
}

int abipin_profile_load(const char *path, AbipinProfile **ret)
{
    return abipin_profile_load_flags(path, 0, ret);
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

    if (!doc || !(root = xmlNewNode(NULL, (const xmlChar *) "platform")))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
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
        if (p->n_aliases)
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

static json_object *json_string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/**
 * abipin_profile_to_json:
 *
 * {"name", "description", "kernel", "emulator": {"path", "version",
 * "aliases": {NAME: MACHINE}}, "atoms": {"present": [...], "absent":
 * [{"name", "reason"}], "unknown": [{"name", "reason"}]}}
 */
json_object *abipin_profile_to_json(const AbipinProfile *p)
{
    json_object *o = json_object_new_object();
    json_object *atoms = json_object_new_object();
    json_object *lists[_ABIPIN_ATOM_STATE_MAX];

    json_object_object_add(o, "name", json_object_new_string(p->name));
    json_object_object_add(o, "description", json_string_or_null(p->description));
    json_object_object_add(o, "kernel", json_string_or_null(p->kernel_release));
    if (p->has_emulator) {
        json_object *e = json_object_new_object(), *aliases = json_object_new_object();

        json_object_object_add(e, "path", json_string_or_null(p->emulator_path));
        json_object_object_add(e, "version", json_string_or_null(p->emulator_version));
        for (size_t i = 0; i < p->n_aliases; i++)
            json_object_object_add(aliases, p->aliases[i].name,
                                   json_object_new_string(p->aliases[i].machine));
        json_object_object_add(e, "aliases", aliases);
        json_object_object_add(o, "emulator", e);
    } else {
        json_object_object_add(o, "emulator", NULL);
    }
    for (int s = 0; s < _ABIPIN_ATOM_STATE_MAX; s++) {
        lists[s] = json_object_new_array();
        json_object_object_add(atoms, abipin_atom_state_to_string(s), lists[s]);
    }
    for (size_t i = 0; i < p->atoms->n; i++) {
        const AbipinAtom *a = &p->atoms->items[i];
        json_object *item;

        if (a->state == ABIPIN_ATOM_PRESENT) {
            item = json_object_new_string(a->name);
        } else {
            item = json_object_new_object();
            json_object_object_add(item, "name", json_object_new_string(a->name));
            json_object_object_add(item, "reason", json_string_or_null(a->reason));
        }
        json_object_array_add(lists[a->state], item);
    }
    json_object_object_add(o, "atoms", atoms);
    return o;
}

static int profile_copy_emulator(AbipinProfile *dst, const AbipinProfile *src)
{
    dst->has_emulator = src->has_emulator;
    if ((src->emulator_path && !(dst->emulator_path = strdup(src->emulator_path))) ||
        (src->emulator_version && !(dst->emulator_version = strdup(src->emulator_version))))
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    for (size_t i = 0; i < src->n_aliases; i++) {
        int r = abipin_profile_add_alias(dst, src->aliases[i].name, src->aliases[i].machine);

        if (r < 0)
            return r;
    }
    return 0;
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
}

/**
 * abipin_profile_merge:
 * @profiles: at least one profile
 * @name: the baseline's name
 *
 * The cluster baseline: AND of every profile's atoms. Emulator facts stay
 * only where all profiles agree; kernel releases are dropped.
 */
int abipin_profile_merge(AbipinProfile *const *profiles, size_t n, const char *name,
                         AbipinProfile **ret)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *acc = abipin_profile_new(name);
    size_t desc_len = 0;
    int r;

    if (!acc)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    if (n == 0)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("a baseline needs at least one profile"));
    for (size_t i = 0; i < n; i++)
        desc_len += strlen(profiles[i]->name) + 2;
    acc->description = calloc(1, desc_len + 64);
    if (!acc->description)
        return abipin_error_set(ABIPIN_ERR_ENV, -ENOMEM, _("out of memory"));
    strcpy(acc->description, "baseline of ");
    for (size_t i = 0; i < n; i++) {
        const AbipinProfile *p = profiles[i];

        strcat(acc->description, p->name);
        if (i + 1 < n)
            strcat(acc->description, ", ");
        if (i == 0) {
            for (size_t j = 0; j < p->atoms->n; j++) {
                r = abipin_atom_set_put(acc->atoms, p->atoms->items[j].name,
                                        p->atoms->items[j].state, p->atoms->items[j].reason);
                if (r < 0)
                    return r;
            }
            if ((r = profile_copy_emulator(acc, p)) < 0)
                return r;
            continue;
        }
        r = abipin_atom_set_intersect(acc->atoms, p->atoms, p->name);
        if (r < 0)
            return r;
        if (acc->has_emulator && p->has_emulator)
            profile_intersect_emulator(acc, p);
        acc->has_emulator = acc->has_emulator && p->has_emulator;
    }
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

    if (take_emulator && host->has_emulator && (r = profile_copy_emulator(p, host)) < 0)
        return r;
    for (size_t i = 0; i < host->atoms->n; i++) {
        const AbipinAtom *a = &host->atoms->items[i];
        bool emulator_atom = strncmp(a->name, "qemu.", 5) == 0;

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
