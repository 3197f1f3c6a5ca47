/* Fleet labels: the atom -> label and atom -> trait mappings against the
 * schedulers' own rules, and the round trip: for every fixture and shipped
 * platform P and every platform Q, a domain pinned for P passes 'check' on Q
 * exactly when Q's NFD labels (and, separately, Q's Nova traits) satisfy
 * the requirements printed for it. */
#include <config.h>

#include <regex.h>
#include <string.h>

#include "check-pins.h"
#include "labels.h"
#include "pin.h"
#include "platforms.h"
#include "testutil.h"
#include "util/error.h"

/* Kubernetes label key: DNS subdomain prefix, name of at most 63
 * characters; NFD takes label=value lines; value "true" or "false". */
#define NFD_LINE_RE "^abipin\\.org/[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?=(true|false)$"
/* os-traits / nova provider config: custom traits only, and short enough
 * for a flavor's extra spec key "trait:NAME" (nova-api: 255 characters) */
#define TRAIT_RE "^CUSTOM_[A-Z0-9_]{1,242}$"

static bool matches(const char *re, const char *s)
{
    regex_t rx;
    bool ok;

    ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

START_TEST(test_nfd_names)
{
    static const char *const good[] = {
        "tap.uso4", "vhost.bit.40", "ebpf.rss", "qemu.prop.virtio-net-pci.host_uso",
        "qemu.machine.pc-q35-10.0", "macvtap.udp_tunnel_gso_csum",
    };
    char buf[300], line[320];

    ck_assert_int_eq(abipin_label_nfd("tap.uso4", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "abipin.org/tap.uso4");
    for (size_t i = 0; i < ELEMENTSOF(good); i++) {
        ck_assert_int_eq(abipin_label_nfd(good[i], buf, sizeof(buf)), 0);
        snprintf(line, sizeof(line), "%s=true", buf);
        ck_assert_msg(matches(NFD_LINE_RE, line), "%s", line);
        ck_assert_str_eq(buf + strlen(ABIPIN_LABEL_PREFIX), good[i]);
    }
    /* 63 characters are allowed, 64 are not; the name must end in a letter or digit */
    ck_assert_int_eq(abipin_label_nfd("qemu.machine.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                      buf, sizeof(buf)), 0);
    ck_assert_int_eq(abipin_label_nfd("qemu.machine.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                      buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
    ck_assert_int_eq(abipin_label_nfd("qemu.machine.pc-", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(abipin_label_nfd("qemu.machine.a b", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(abipin_label_nfd("", buf, sizeof(buf)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(abipin_error_message(), "Kubernetes label"));
}
END_TEST

START_TEST(test_nova_names)
{
    char buf[300], atom[240];

    ck_assert_int_eq(abipin_label_nova("tap.uso4", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "CUSTOM_ABIPIN_TAP_USO4");
    ck_assert_int_eq(abipin_label_nova("qemu.machine.pc-q35-10.0", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "CUSTOM_ABIPIN_QEMU_MACHINE_PC_Q35_10_0");
    ck_assert(matches(TRAIT_RE, buf));
    ck_assert_int_eq(abipin_label_nova("qemu.prop.virtio-net-pci.guest_uso4", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "CUSTOM_ABIPIN_QEMU_PROP_VIRTIO_NET_PCI_GUEST_USO4");
    /* the longest: "trait:" + CUSTOM_ABIPIN_ + 235 is nova-api's 255 */
    memset(atom, 'a', sizeof(atom));
    memcpy(atom, "qemu.machine.", 13);
    atom[235] = '\0';
    ck_assert_int_eq(abipin_label_nova(atom, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(strlen("trait:") + strlen(buf), 255);
    ck_assert(matches(TRAIT_RE, buf));
    atom[235] = 'a';
    atom[236] = '\0';
    ck_assert_int_eq(abipin_label_nova(atom, buf, sizeof(buf)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(abipin_error_message(), "at most 235 letters"));
    ck_assert_int_eq(abipin_label_nova("tap.a b", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(abipin_label_nova("tap.\xc3\xa4", buf, sizeof(buf)), -EINVAL);
    ck_assert_int_eq(abipin_label_nova("tap.uso4", buf, 10), -EINVAL);
    ck_assert_int_eq(abipin_label_kind_from_string("nova"), ABIPIN_LABELS_NOVA);
    ck_assert_int_eq(abipin_label_kind_from_string("nfd"), ABIPIN_LABELS_NFD);
    ck_assert_int_eq(abipin_label_kind_from_string("yaml"), -EINVAL);
}
END_TEST

/* Two atoms that become one trait must not let the present one claim the
 * other: the Nova form refuses; NFD labels keep both apart. */
START_TEST(test_trait_collision)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *p = abipin_profile_new("x");
    _cleanup_free_ char *nfd = NULL;
    char *nova = NULL;
    size_t len;

    ck_assert_int_eq(abipin_atom_set_put(p->atoms, "qemu.machine.a-b", ABIPIN_ATOM_PRESENT, NULL), 0);
    ck_assert_int_eq(abipin_atom_set_put(p->atoms, "qemu.machine.a_b", ABIPIN_ATOM_ABSENT, NULL), 0);
    ck_assert_int_eq(abipin_labels_format_host(p, ABIPIN_LABELS_NOVA, &nova, &len), -EEXIST);
    ck_assert_ptr_null(nova);
    ck_assert_ptr_nonnull(strstr(abipin_error_message(), "CUSTOM_ABIPIN_QEMU_MACHINE_A_B"));
    ck_assert_int_eq(abipin_labels_format_host(p, ABIPIN_LABELS_NFD, &nfd, &len), 0);
    ck_assert_ptr_nonnull(strstr(nfd, "\nabipin.org/qemu.machine.a-b=true\n"));
    ck_assert_ptr_nonnull(strstr(nfd, "\nabipin.org/qemu.machine.a_b=false\n"));
}
END_TEST

/* An atom Kubernetes cannot take is left out of the feature file with a
 * comment (never claimed), and unknown atoms have no line at all. */
START_TEST(test_nfd_left_out)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *p = abipin_profile_new("x");
    _cleanup_free_ char *nfd = NULL;
    size_t len;

    ck_assert_int_eq(abipin_atom_set_put(p->atoms, "qemu.machine.odd-", ABIPIN_ATOM_PRESENT, NULL), 0);
    ck_assert_int_eq(abipin_atom_set_put(p->atoms, "tap.uso4", ABIPIN_ATOM_UNKNOWN, "no privilege"), 0);
    ck_assert_int_eq(abipin_atom_set_put(p->atoms, "tap.ufo", ABIPIN_ATOM_ABSENT, NULL), 0);
    ck_assert_int_eq(abipin_labels_format_host(p, ABIPIN_LABELS_NFD, &nfd, &len), 0);
    ck_assert_uint_eq(strlen(nfd), len);
    ck_assert_ptr_null(strstr(nfd, "uso4"));
    ck_assert_ptr_null(strstr(nfd, "odd-="));
    ck_assert_ptr_nonnull(strstr(nfd, "\n# no label for qemu.machine.odd-: not a valid label name\n"));
    ck_assert_ptr_nonnull(strstr(nfd, "\nabipin.org/tap.ufo=false\n"));
}
END_TEST

/* ---- the round trip --------------------------------------------------------- */

typedef struct {
    char *name;
    AbipinProfile *p;
    AbipinAtomSet *labels; /* NFD labels set to "true", as parsed from the file */
    AbipinAtomSet *traits; /* traits of the provider config */
} Platform;

static Platform platforms[32];
static size_t n_platforms;
static AbipinCatalogue *cat;

static const char *const domains[] = {
    "bridge.in.xml", "multi-nic.in.xml", "direct-macvtap.in.xml", "vhost-explicit.in.xml",
    "novhost-driver-qemu.in.xml", "explicit-on-kept.in.xml", "user.in.xml",
    "vhostuser-compat.in.xml", "q81-on-qemu91.in.xml", "virtio-transitional.in.xml",
};

/* The names in @text that a line holds between @before and @after. */
static AbipinAtomSet *parse_lines(const char *text, const char *before, const char *after)
{
    AbipinAtomSet *set = abipin_atom_set_new();
    size_t lb = strlen(before);

    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *end = strchr(l, '\n'), *stop;
        char name[300];

        if (strncmp(l, before, lb) != 0 || !(stop = strstr(l + lb, after)) || (end && stop > end))
            continue;
        ck_assert_ptr_eq(stop + strlen(after), end ? end : l + strlen(l));
        snprintf(name, sizeof(name), "%.*s", (int) (stop - l - lb), l + lb);
        ck_assert_int_eq(abipin_atom_set_put(set, name, ABIPIN_ATOM_PRESENT, NULL), 0);
    }
    return set;
}

static void platform_add(const char *name, const char *path, const AbipinProfile *host)
{
    Platform *pl = &platforms[n_platforms++];
    _cleanup_free_ char *nfd = NULL, *nova = NULL;
    size_t len;

    ck_assert_uint_lt(n_platforms, ELEMENTSOF(platforms));
    pl->name = strdup(name);
    ck_assert_msg(abipin_profile_load(path, &pl->p) == 0, "%s: %s", path, abipin_error_message());
    ck_assert_int_eq(abipin_profile_complete(pl->p, host), 0);
    ck_assert_int_eq(abipin_labels_format_host(pl->p, ABIPIN_LABELS_NFD, &nfd, &len), 0);
    ck_assert_int_eq(abipin_labels_format_host(pl->p, ABIPIN_LABELS_NOVA, &nova, &len), 0);
    pl->labels = parse_lines(nfd, "", "=true");
    pl->traits = parse_lines(nova, "        - '", "'");
    for (const char *l = nfd; *l; l = strchr(l, '\n') + 1) {
        char line[400];

        snprintf(line, sizeof(line), "%.*s", (int) (strchr(l, '\n') - l), l);
        ck_assert_msg(line[0] == '#' || matches(NFD_LINE_RE, line), "%s: %s", name, line);
    }
    for (size_t i = 0; i < pl->traits->n; i++)
        ck_assert_msg(matches(TRAIT_RE, pl->traits->items[i].name), "%s", pl->traits->items[i].name);
    /* one label per known atom, one trait per present atom */
    ck_assert_uint_eq(pl->labels->n, abipin_atom_set_count(pl->p->atoms, ABIPIN_ATOM_PRESENT));
    ck_assert_uint_eq(pl->traits->n, abipin_atom_set_count(pl->p->atoms, ABIPIN_ATOM_PRESENT));
}

static void platforms_load(void)
{
    _cleanup_free_ char *fixtures = abipin_test_path("data/pin/platforms");
    _cleanup_free_ char *host_path = abipin_test_path("data/pin/platforms/qemu-10.0.xml");
    _cleanup_free_ char *shipped = abipin_test_path("../data/platforms");
    _cleanup_(abipin_profile_freep) AbipinProfile *host = NULL;
    char **names = NULL;
    size_t n;

    if (n_platforms)
        return;
    ck_assert_int_eq(abipin_profile_load(host_path, &host), 0);
    if (!cat)
        ck_assert_int_eq(abipin_catalogue_load_default(&cat), 0);
    for (int dir = 0; dir < 2; dir++) {
        n = abipin_test_list(dir ? shipped : fixtures, ".xml", 5, &names);
        for (size_t i = 0; i < n; i++) {
            _cleanup_free_ char *path = NULL;

            ck_assert_int_ge(asprintf(&path, "%s/%s", dir ? shipped : fixtures, names[i]), 0);
            platform_add(names[i], path, host);
            free(names[i]);
        }
        free(names);
    }
}

static AbipinDomain *pin_for(const char *file, const Platform *pl)
{
    _cleanup_free_ char *path = NULL;
    AbipinPinContext ctx;
    AbipinDomain *d = NULL;
    int r;

    ck_assert_int_ge(asprintf(&path, "%s/data/pin/%s", ABS_SRCDIR, file), 0);
    ck_assert_int_eq(abipin_domain_load(path, &d), 0);
    ck_assert_int_eq(abipin_pin_context_init(&ctx, cat, pl->p, ABIPIN_POLICY_HOST), 0);
    r = abipin_pin_domain(&ctx, d);
    if (r < 0) {
        /* refused, or an input error because the platform's emulator has
         * no such machine type (an aarch64 host for an x86 domain) */
        if (abipin_error_category() != ABIPIN_ERR_REFUSED) {
            ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
            abipin_error_reset();
            ck_assert_int_lt(abipin_profile_require_machine(pl->p, d->machine, file), 0);
        }
        abipin_error_reset();
        abipin_domain_free(d);
        return NULL;
    }
    return d;
}

static size_t check_errors(const AbipinDomain *d, const Platform *q)
{
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    AbipinCheckOptions opts = { 0 };
    AbipinPinContext ctx;
    int r;

    ck_assert_int_eq(abipin_pin_context_init(&ctx, cat, q->p, ABIPIN_POLICY_HOST), 0);
    r = abipin_check_domain(&ctx, d, &opts, &problems);
    ck_assert_int_ge(r, 0);
    return (size_t) r;
}

static bool subset(const AbipinAtomSet *need, const AbipinAtomSet *have)
{
    for (size_t i = 0; i < need->n; i++)
        if (!abipin_atom_set_has(have, need->items[i].name))
            return false;
    return true;
}

typedef struct {
    size_t pairs, refused, richer_poorer;
} Counts;

static void round_trip(const char *domain, Counts *c)
{
    for (size_t p = 0; p < n_platforms; p++) {
        _cleanup_(abipin_domain_freep) AbipinDomain *d = pin_for(domain, &platforms[p]);
        _cleanup_(abipin_atom_set_freep) AbipinAtomSet *need = NULL, *sel = NULL, *specs = NULL;
        _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
        _cleanup_free_ char *nfd = NULL, *nova = NULL;
        size_t len;

        if (!d)
            continue; /* pin refused for this platform: nothing to place */
        ck_assert_msg(abipin_check_requirements(cat, d, &problems, &need) == 0, "%s on %s: %s",
                      domain, platforms[p].name, abipin_error_message());
        ck_assert_int_eq(abipin_labels_format_requirements(need, ABIPIN_LABELS_NFD, &nfd, &len), 0);
        ck_assert_int_eq(abipin_labels_format_requirements(need, ABIPIN_LABELS_NOVA, &nova, &len), 0);
        sel = parse_lines(nfd, "  ", ": \"true\"");
        specs = parse_lines(nova, "trait:", "=required");
        ck_assert_uint_eq(sel->n, need->n);
        ck_assert_uint_eq(specs->n, need->n);
        for (size_t q = 0; q < n_platforms; q++) {
            const Platform *qq = &platforms[q];
            bool honoured = check_errors(d, qq) == 0;

            /* The requirements are read for the QEMU the domain was pinned
             * with, check for Q's. The catalogue's few version-dependent
             * requirements (vhost-net and rss, in_order, guest_rsc_ext) do
             * not tell 7.2, 8.2, 9.1 and 10.0 apart for what these pins set
             * on, so every pair must agree. */
            ck_assert_msg(honoured == subset(sel, qq->labels),
                          "%s pinned for %s, on %s: check says %s, the NFD labels say %s", domain,
                          platforms[p].name, qq->name, honoured ? "yes" : "no",
                          honoured ? "no" : "yes");
            ck_assert_msg(honoured == subset(specs, qq->traits),
                          "%s pinned for %s, on %s: check says %s, the Nova traits disagree",
                          domain, platforms[p].name, qq->name, honoured ? "yes" : "no");
            if (p == q)
                ck_assert_msg(honoured, "%s pinned for %s fails there", domain, platforms[p].name);
            c->pairs++;
            c->refused += !honoured;
            c->richer_poorer += !honoured && strcmp(platforms[p].name, "linux-6.2.xml") == 0 &&
                                strcmp(qq->name, "linux-5.14.xml") == 0;
        }
    }
}

/* Every domain against every pair; the comparison must not be empty
 * either way. */
START_TEST(test_round_trip)
{
    Counts c = { 0 };

    platforms_load();
    for (size_t i = 0; i < ELEMENTSOF(domains); i++)
        round_trip(domains[i], &c);
    fprintf(stderr, "round trip: %zu (domain, platform, node) cases, %zu refused\n", c.pairs,
            c.refused);
    ck_assert_uint_gt(c.pairs, 100);
    ck_assert_uint_gt(c.refused, 10);
    ck_assert_uint_gt(c.pairs - c.refused, 10);
    ck_assert_uint_ge(c.richer_poorer, 1);
}
END_TEST

/* A domain pinned for the richer linux-6.2 needs tap.uso4, which the
 * poorer linux-5.14 host's feature file sets to false. */
START_TEST(test_richer_needs_what_poorer_lacks)
{
    const Platform *rich = NULL, *poor = NULL;
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *need = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_free_ char *nfd = NULL;
    size_t len;

    platforms_load();
    for (size_t i = 0; i < n_platforms; i++) {
        if (strcmp(platforms[i].name, "linux-6.2.xml") == 0)
            rich = &platforms[i];
        if (strcmp(platforms[i].name, "linux-5.14.xml") == 0)
            poor = &platforms[i];
    }
    ck_assert_ptr_nonnull(rich);
    ck_assert_ptr_nonnull(poor);
    d = pin_for("bridge.in.xml", rich);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(abipin_check_requirements(cat, d, &problems, &need), 0);
    ck_assert_int_eq(abipin_labels_format_host(poor->p, ABIPIN_LABELS_NFD, &nfd, &len), 0);
    ck_assert(abipin_atom_set_has(need, "tap.uso4"));
    ck_assert(abipin_atom_set_has(rich->labels, "abipin.org/tap.uso4"));
    ck_assert(!abipin_atom_set_has(poor->labels, "abipin.org/tap.uso4"));
    ck_assert_ptr_nonnull(strstr(nfd, "\nabipin.org/tap.uso4=false\n"));
    ck_assert_uint_gt(check_errors(d, poor), 0);
}
END_TEST

/* Requirements need the record: an unpinned definition is an input error. */
START_TEST(test_requirements_need_record)
{
    _cleanup_free_ char *path = abipin_test_path("data/pin/bridge.in.xml");
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    AbipinAtomSet *need = NULL;

    /* the catalogue only: loading every platform with its labels takes
     * longer than the 4 s this test case has on a busy machine */
    if (!cat)
        ck_assert_int_eq(abipin_catalogue_load_default(&cat), 0);
    ck_assert_int_eq(abipin_domain_load(path, &d), 0);
    ck_assert_int_eq(abipin_check_requirements(cat, d, &problems, &need), -EINVAL);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
    ck_assert_ptr_null(need);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("labels");
    TCase *tc = tcase_create("names"), *rt = tcase_create("round-trip");

    tcase_add_test(tc, test_nfd_names);
    tcase_add_test(tc, test_nova_names);
    tcase_add_test(tc, test_trait_collision);
    tcase_add_test(tc, test_nfd_left_out);
    tcase_add_test(tc, test_requirements_need_record);
    tcase_set_timeout(rt, 300);
    tcase_add_test(rt, test_round_trip);
    tcase_add_test(rt, test_richer_needs_what_poorer_lacks);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, rt);
    return abipin_test_run(s);
}
