#include <config.h>

#include <ctype.h>
#include <string.h>

#include "labels.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

/* Kubernetes: the name part of a label key is at most 63 characters
 * (apimachinery validation.IsQualifiedName). Placement takes a trait name
 * of 255 (placement/schemas/trait.py), and so does nova's provider config
 * (nova/compute/provider_config.py, ^[A-Z0-9_]{1,255}$), but a flavor
 * requires it through the extra spec key "trait:NAME", which nova-api
 * takes only up to 255 characters (nova/api/validation/parameter_types.py,
 * metadata: ^[a-zA-Z0-9-_:. ]{1,255}$; the database column is as long):
 * a trait longer than 249 can be given to a host but never required.
 * tests/placement.sh holds this against nova and Placement themselves. */
#define LABEL_NAME_MAX 63
#define EXTRA_SPEC_KEY_MAX 255
#define TRAIT_MAX (EXTRA_SPEC_KEY_MAX - (sizeof("trait:") - 1))

static const char *const kind_table[_ABIPIN_LABELS_MAX] = {
    [ABIPIN_LABELS_NFD] = "nfd",
    [ABIPIN_LABELS_NOVA] = "nova",
};

const char *abipin_label_kind_to_string(AbipinLabelKind k)
{
    return k < _ABIPIN_LABELS_MAX ? kind_table[k] : NULL;
}

int abipin_label_kind_from_string(const char *s)
{
    for (int k = 0; k < _ABIPIN_LABELS_MAX; k++)
        if (streq_ptr(s, kind_table[k]))
            return k;
    return -EINVAL;
}

/**
 * abipin_label_nfd:
 * @buf: receives "abipin.org/ATOM"
 *
 * The Kubernetes node label of @atom. Atom names already use only the
 * characters a label name may have, so the atom is kept as it is, readable
 * in 'kubectl get nodes -L'; the prefix keeps them out of NFD's own
 * feature.node.kubernetes.io namespace. Fails (INPUT) for a name Kubernetes
 * would reject: longer than 63 characters, or not beginning and ending with
 * a letter or digit.
 */
int abipin_label_nfd(const char *atom, char *buf, size_t len)
{
    size_t n = strlen(atom);
    bool ok = n > 0 && n <= LABEL_NAME_MAX && isalnum((unsigned char) atom[0]) &&
              isalnum((unsigned char) atom[n - 1]);

    for (const char *p = atom; ok && *p; p++)
        ok = isalnum((unsigned char) *p) || strchr("._-", *p);
    if (!ok)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("the atom '%1$s' cannot be a Kubernetes label name (at most 63 "
                                  "letters, digits, '.', '_' and '-', first and last a letter or "
                                  "digit)"),
                                atom);
    if ((size_t) snprintf(buf, len, ABIPIN_LABEL_PREFIX "%s", atom) >= len)
        return abipin_error_set(ABIPIN_ERR_INPUT, -ENAMETOOLONG, _("the label for '%1$s' is too long"),
                                atom);
    return 0;
}

/**
 * abipin_label_nova:
 * @buf: receives "CUSTOM_ABIPIN_..."
 *
 * The Placement trait of @atom: Nova's provider config takes only custom
 * traits, ^CUSTOM_[A-Z0-9_]+$, so the atom is upper-cased and each '.' and
 * '-' becomes '_' (tap.uso4 -> CUSTOM_ABIPIN_TAP_USO4). Fails (INPUT) for
 * any other character or a trait longer than 249 characters, which no
 * flavor could require (see TRAIT_MAX).
 */
int abipin_label_nova(const char *atom, char *buf, size_t len)
{
    size_t pre = strlen(ABIPIN_TRAIT_PREFIX), n = strlen(atom);
    bool ok = n > 0 && pre + n <= TRAIT_MAX && pre + n < len;

    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char) atom[i];

        ok = isascii(c) && (isalnum(c) || strchr("._-", c));
        buf[pre + i] = isalnum(c) ? (char) toupper(c) : '_';
    }
    if (!ok)
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                _("the atom '%1$s' cannot be a Placement trait that a flavor can "
                                  "require (at most %2$zu letters, digits, '.', '_' and '-': "
                                  "'trait:%3$s' plus the atom is at most %4$d characters)"),
                                atom, TRAIT_MAX - pre, ABIPIN_TRAIT_PREFIX, EXTRA_SPEC_KEY_MAX);
    memcpy(buf, ABIPIN_TRAIT_PREFIX, pre);
    buf[pre + n] = '\0';
    return 0;
}

int abipin_label_name(AbipinLabelKind kind, const char *atom, char *buf, size_t len)
{
    return kind == ABIPIN_LABELS_NOVA ? abipin_label_nova(atom, buf, len)
                                      : abipin_label_nfd(atom, buf, len);
}

/* ---- a list of names, sorted, without two atoms sharing one name ---------------- */

typedef struct {
    char name[TRAIT_MAX + 1];
    const AbipinAtom *atom;
} Entry;

static int entry_compare(const void *a, const void *b)
{
    return strcmp(((const Entry *) a)->name, ((const Entry *) b)->name);
}

/* Every atom of @set that has a name (all, or only those that map with
 * @skip_bad), sorted by name. Two atoms with one name are an error: the
 * name would claim the absent one on a host that has the other. */
static int entries_build(const AbipinAtomSet *set, AbipinLabelKind kind, bool skip_bad,
                         Entry **ret, size_t *ret_n)
{
    _cleanup_free_ Entry *e = abipin_new0(Entry, set->n + 1);
    size_t n = 0;
    int r;

    for (size_t i = 0; i < set->n; i++) {
        r = abipin_label_name(kind, set->items[i].name, e[n].name, sizeof(e[n].name));
        if (r < 0 && skip_bad) {
            abipin_error_reset();
            continue;
        }
        if (r < 0)
            return r;
        e[n++].atom = &set->items[i];
    }
    qsort(e, n, sizeof(*e), entry_compare);
    for (size_t i = 1; i < n; i++)
        if (strcmp(e[i - 1].name, e[i].name) == 0)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EEXIST,
                                    _("the atoms '%1$s' and '%2$s' would both be %3$s"),
                                    e[i - 1].atom->name, e[i].atom->name, e[i].name);
    *ret = TAKE_PTR(e);
    *ret_n = n;
    return 0;
}

/* The text @write makes of @set's entries, as one allocated string. */
typedef void (*WriteFn)(FILE *f, const AbipinProfile *p, const Entry *e, size_t n);

static int format_entries(const AbipinAtomSet *set, AbipinLabelKind kind, bool skip_bad,
                          WriteFn write, const AbipinProfile *p, char **ret, size_t *ret_len)
{
    _cleanup_free_ Entry *e = NULL;
    char *buf = NULL;
    size_t len = 0, n = 0;
    bool failed;
    FILE *f;
    int r;

    if ((r = entries_build(set, kind, skip_bad, &e, &n)) < 0)
        return r;
    /* a memory stream fails only for lack of memory */
    if (!(f = open_memstream(&buf, &len)))
        abipin_oom();
    write(f, p, e, n);
    failed = ferror(f);
    if (fclose(f) != 0 || failed || !buf)
        abipin_oom();
    *ret = buf;
    *ret_len = len;
    return 0;
}

/* The feature file: one "label=value" line per atom, present true, absent
 * false; unknown atoms are left out, so neither value can match them. */
static void format_host_nfd(FILE *f, const AbipinProfile *p, const Entry *e, size_t n)
{
    char label[TRAIT_MAX + 1];

    fprintf(f,
            "# abipin %s: the virtio-net host capabilities of '%s' for Node Feature Discovery\n"
            "# (/etc/kubernetes/node-feature-discovery/features.d/abipin): present atoms are\n"
            "# true, absent ones false, unknown ones left out.\n",
            PACKAGE_VERSION, p->name);
    for (size_t i = 0; i < n; i++)
        if (e[i].atom->state != ABIPIN_ATOM_UNKNOWN)
            fprintf(f, "%s=%s\n", e[i].name,
                    e[i].atom->state == ABIPIN_ATOM_PRESENT ? "true" : "false");
    for (size_t i = 0; i < p->atoms->n; i++)
        if (p->atoms->items[i].state != ABIPIN_ATOM_UNKNOWN &&
            abipin_label_nfd(p->atoms->items[i].name, label, sizeof(label)) < 0) {
            abipin_error_reset();
            fprintf(f, "# no label for %s: not a valid label name\n", p->atoms->items[i].name);
        }
}

/* The provider config: the compute node's own resource provider
 * ($COMPUTE_NODE) gets one custom trait per present atom. */
static void format_host_nova(FILE *f, const AbipinProfile *p, const Entry *e, size_t n)
{
    size_t present = 0;

    for (size_t i = 0; i < n; i++)
        present += e[i].atom->state == ABIPIN_ATOM_PRESENT;
    fprintf(f,
            "# abipin %s: the virtio-net host capabilities of '%s' as Placement traits for\n"
            "# nova-compute (/etc/nova/provider_config/abipin.yaml): one per present atom.\n"
            "meta:\n"
            "  schema_version: '1.0'\n"
            "providers:\n"
            "  - identification:\n"
            "      uuid: '$COMPUTE_NODE'\n"
            "    traits:\n"
            "      additional:%s\n",
            PACKAGE_VERSION, p->name, present ? "" : " []");
    for (size_t i = 0; i < n; i++)
        if (e[i].atom->state == ABIPIN_ATOM_PRESENT)
            fprintf(f, "        - '%s'\n", e[i].name);
}

/* A Kubernetes nodeSelector: each label "true". */
static void format_selector(FILE *f, _unused_ const AbipinProfile *p, const Entry *e, size_t n)
{
    fprintf(f, "nodeSelector:%s\n", n ? "" : " {}");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %s: \"true\"\n", e[i].name);
}

/* Nova flavor (or image) extra specs, for 'openstack flavor set --property'. */
static void format_extra_specs(FILE *f, _unused_ const AbipinProfile *p, const Entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "trait:%s=required\n", e[i].name);
}

/**
 * abipin_labels_format_host:
 *
 * @p as a Node Feature Discovery local feature file (NFD) or a Nova
 * provider config (NOVA). An atom without a valid label name is left out
 * of the feature file with a comment; with Nova it is an error, as is a
 * trait two atoms would share.
 */
int abipin_labels_format_host(const AbipinProfile *p, AbipinLabelKind kind, char **ret,
                              size_t *ret_len)
{
    bool nfd = kind == ABIPIN_LABELS_NFD;

    return format_entries(p->atoms, kind, nfd, nfd ? format_host_nfd : format_host_nova, p, ret,
                          ret_len);
}

/**
 * abipin_labels_format_requirements:
 * @need: the atoms a host must have (abipin_check_requirements)
 *
 * What a node must offer, for the scheduler: a Kubernetes nodeSelector
 * (YAML, each label "true"; "nodeSelector: {}" when nothing is needed) or
 * Nova flavor extra specs, one "trait:NAME=required" line each. An atom
 * without a name is an error: a requirement cannot be left out.
 */
int abipin_labels_format_requirements(const AbipinAtomSet *need, AbipinLabelKind kind, char **ret,
                                      size_t *ret_len)
{
    return format_entries(need, kind, false,
                          kind == ABIPIN_LABELS_NFD ? format_selector : format_extra_specs, NULL,
                          ret, ret_len);
}
