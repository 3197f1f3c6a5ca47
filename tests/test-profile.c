/* Platform profiles: load/save round trip, shipped platforms, merge,
 * compare, and bad input. */
#include <config.h>

#include <string.h>

#include "platforms.h"
#include "profile-json.h"
#include "testutil.h"
#include "util/error.h"
#include "util/xml.h"

static char **bad_cases;
static size_t n_bad_cases;

static AbipinProfile *load(const char *path)
{
    AbipinProfile *p = NULL;
    int r = abipin_profile_load(path, &p);

    ck_assert_msg(r == 0, "%s: %s", path, abipin_error_message());
    return p;
}

static AbipinProfile *load_named(const char *name)
{
    AbipinProbeOptions opts = { .no_cache = true, .skip_emulator = true };
    AbipinProfile *p = NULL;
    int r = abipin_profile_resolve(name, &opts, &p);

    ck_assert_msg(r == 0, "%s: %s", name, abipin_error_message());
    return p;
}

/* platform.rng's verdict on a document: 1 valid, 0 invalid, -1 when it is
 * not even XML abipin reads. The parser enforces the schema itself; this
 * is the oracle that keeps the two in step. */
static int schema_verdict(const char *name, const char *data, size_t len)
{
    _cleanup_xmldoc_ xmlDocPtr doc = NULL;
    int r;

    if (abipin_xml_parse(name, data, len, &doc) < 0) {
        abipin_error_reset();
        return -1;
    }
    r = abipin_xml_validate(doc, "platform.rng", name);
    abipin_error_reset();
    return r == 0;
}

static char *format(const AbipinProfile *p)
{
    char *xml = NULL;
    size_t len;

    ck_assert_int_eq(abipin_profile_format_xml(p, &xml, &len), 0);
    ck_assert_uint_eq(strlen(xml), len);
    return xml;
}

START_TEST(test_round_trip_is_byte_exact)
{
    _cleanup_free_ char *path = abipin_test_path("data/profile/good-full.xml");
    _cleanup_free_ char *orig = abipin_test_read(path, NULL);
    _cleanup_(abipin_profile_freep) AbipinProfile *p = load(path), *q = NULL;
    _cleanup_free_ char *out = format(p), *out2 = NULL;

    ck_assert_str_eq(out, orig);
    ck_assert_int_eq(schema_verdict(path, orig, strlen(orig)), 1);
    ck_assert_int_eq(abipin_profile_parse("again", out, strlen(out), &q), 0);
    out2 = format(q);
    ck_assert_str_eq(out, out2);
    ck_assert_str_eq(abipin_profile_resolve_machine(p, "q35"), "pc-q35-10.0");
    ck_assert_str_eq(abipin_profile_resolve_machine(p, "pc-q35-8.1"), "pc-q35-8.1");
    ck_assert_int_eq(abipin_atom_set_get(p->atoms, "vhost.net")->state, ABIPIN_ATOM_UNKNOWN);
    ck_assert(!abipin_atom_set_has(p->atoms, "vhost.net"));
}
END_TEST

START_TEST(test_shipped_platforms)
{
    AbipinPlatformList list;
    const char *expect[] = { "linux-4.14.0", "linux-4.18", "linux-5.10", "linux-5.14",
                             "linux-5.15",   "linux-6.1",  "linux-6.2",  "linux-6.8",
                             "linux-6.12",   "linux-6.17", "linux-7.2" };

    ck_assert_msg(abipin_platforms_list(&list) == 0, "%s", abipin_error_message());
    ck_assert_uint_eq(list.n, sizeof(expect) / sizeof(*expect));
    for (size_t i = 0; i < list.n; i++) {
        _cleanup_free_ char *xml = format(list.items[i]);
        _cleanup_(abipin_profile_freep) AbipinProfile *again = NULL;
        _cleanup_free_ char *xml2 = NULL;

        /* sorted by kernel, oldest first */
        ck_assert_str_eq(list.items[i]->name, expect[i]);
        ck_assert_msg(!list.items[i]->has_emulator, "%s: a named platform covers the kernel only",
                      expect[i]);
        ck_assert_int_eq(schema_verdict(expect[i], xml, strlen(xml)), 1);
        ck_assert_int_eq(abipin_profile_parse(expect[i], xml, strlen(xml), &again), 0);
        xml2 = format(again);
        ck_assert_str_eq(xml, xml2);
        /* USO arrived in 6.2; UDP tunnel GSO on tun (never macvtap), vhost IN_ORDER
         * and vhost bits 65 and 67 in 6.17 */
        ck_assert_int_eq(abipin_atom_set_has(list.items[i]->atoms, "tap.uso4"), i >= 6);
        ck_assert_int_eq(abipin_atom_set_has(list.items[i]->atoms, "tap.udp_tunnel_gso"), i >= 9);
        ck_assert(!abipin_atom_set_has(list.items[i]->atoms, "macvtap.udp_tunnel_gso"));
        ck_assert_int_eq(abipin_atom_set_has(list.items[i]->atoms, "vhost.bit.35"), i >= 9);
        ck_assert_int_eq(abipin_atom_set_has(list.items[i]->atoms, "vhost.bit.65"), i >= 9);
        ck_assert_int_eq(abipin_atom_set_has(list.items[i]->atoms, "vhost.bit.67"), i >= 9);
        ck_assert_int_eq(abipin_atom_set_has(list.items[i]->atoms, "tap.ufo"), i != 0);
        /* newer kernels satisfy older platforms, from 4.18 on */
        if (i > 1)
            ck_assert_msg(abipin_platform_satisfied_by(list.items[i - 1], list.items[i]),
                          "%s should satisfy %s", expect[i], expect[i - 1]);
    }
    /* 4.14.0 rejected UFO: it cannot honour 4.18, while 4.18 honours 4.14.0 */
    ck_assert(abipin_platform_satisfied_by(list.items[0], list.items[1]));
    ck_assert(!abipin_platform_satisfied_by(list.items[1], list.items[0]));
    /* 5.14, 5.15 and 6.1 have the same atoms: the newest of them is latest */
    ck_assert_int_eq(abipin_platforms_latest(&list, list.items[3]), 5);
    ck_assert_int_eq(abipin_platforms_latest(&list, list.items[6]), 6);
    ck_assert_int_eq(abipin_platforms_latest(&list, list.items[8]), 8);
    /* 6.17 and the measured 7.2 have the same atoms */
    ck_assert_int_eq(abipin_platforms_latest(&list, list.items[9]), 10);
    ck_assert_int_eq(abipin_platforms_latest(&list, list.items[10]), 10);
    abipin_platform_list_clear(&list);
}
END_TEST

START_TEST(test_merge_and_compare)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *old = load_named("linux-5.14");
    _cleanup_(abipin_profile_freep) AbipinProfile *new = load_named("linux-6.12");
    _cleanup_(abipin_profile_freep) AbipinProfile *base = NULL;
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *missing = NULL, *none = NULL;
    AbipinProfile *both[] = { new, old };
    const char *expect_missing[] = { "macvtap.uso4", "macvtap.uso6", "tap.uso4", "tap.uso6",
                                     "vhost.bit.40" };

    ck_assert_int_eq(abipin_atom_set_missing(new->atoms, old->atoms, &missing), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(missing->items[i].name, expect_missing[i]);

    ck_assert_int_eq(abipin_profile_merge(both, 2, "cluster", &base), 0);
    ck_assert_str_eq(base->name, "cluster");
    ck_assert(strstr(base->description, "linux-6.12") && strstr(base->description, "linux-5.14"));
    /* 5.14 is a subset of 6.12, so the baseline is exactly 5.14's present atoms */
    ck_assert_uint_eq(abipin_atom_set_count(base->atoms, ABIPIN_ATOM_PRESENT),
                      abipin_atom_set_count(old->atoms, ABIPIN_ATOM_PRESENT));
    ck_assert_int_eq(abipin_atom_set_missing(base->atoms, old->atoms, &none), 0);
    ck_assert(!abipin_atom_set_has(base->atoms, "tap.uso4"));
    ck_assert(abipin_atom_set_has(base->atoms, "tap.ufo"));
    ck_assert_ptr_null(base->kernel_release);
}
END_TEST

START_TEST(test_merge_emulators)
{
    _cleanup_free_ char *path = abipin_test_path("data/profile/good-full.xml");
    _cleanup_(abipin_profile_freep) AbipinProfile *a = load(path), *b = load(path), *m = NULL;
    AbipinProfile *both[] = { a, b };

    free(b->emulator_version);
    b->emulator_version = strdup("9.2.0");
    free(b->aliases[0].machine);
    b->aliases[0].machine = strdup("pc-i440fx-9.2");
    ck_assert_int_eq(abipin_profile_merge(both, 2, "m", &m), 0);
    ck_assert(m->has_emulator);
    ck_assert_ptr_null(m->emulator_version);
    ck_assert_uint_eq(m->n_aliases, 1);
    ck_assert_str_eq(m->aliases[0].name, "q35");
}
END_TEST

/* A baseline's defaults: what every member measured, AND-ed, mixed where
 * they disagree; a machine type one member did not measure is dropped.
 * compare's differences name each disagreement once. */
START_TEST(test_merge_defaults)
{
    _cleanup_free_ char *path = abipin_test_path("data/profile/good-full.xml");
    _cleanup_(abipin_profile_freep) AbipinProfile *a = load(path), *b = load(path), *m = NULL;
    _cleanup_free_ AbipinDefaultDifference *diffs = NULL;
    AbipinProfile *both[] = { a, b };
    const AbipinMachineDefaults *d;
    AbipinMachineDefaults *bd;

    bd = (AbipinMachineDefaults *) abipin_defaults_find(&b->defaults, "pc-q35-10.0", "virtio-net-pci");
    ck_assert_ptr_nonnull(bd);
    abipin_defaults_set(bd, "csum", false, false);     /* b turns csum off */
    abipin_defaults_set(bd, "disable-modern", true, false); /* and this on */
    abipin_defaults_add(&b->defaults, "pc-q35-9.2", "virtio-net-pci"); /* only b measured it */
    ck_assert_uint_eq(abipin_defaults_differences(&a->defaults, &b->defaults, &diffs), 2);
    ck_assert_str_eq(diffs[0].property, "csum");
    ck_assert(diffs[0].a && !diffs[0].b);
    ck_assert_str_eq(diffs[1].property, "disable-modern");
    ck_assert(!diffs[1].a && diffs[1].b);
    ck_assert_int_eq(abipin_profile_merge(both, 2, "m", &m), 0);
    ck_assert_uint_eq(m->defaults.n, 2);
    ck_assert(!abipin_defaults_has_machine(&m->defaults, "pc-q35-9.2"));
    d = abipin_defaults_find(&m->defaults, "pc-q35-10.0", "virtio-net-pci");
    ck_assert(!abipin_defaults_get(d, "csum")->value && abipin_defaults_get(d, "csum")->mixed);
    ck_assert(!abipin_defaults_get(d, "disable-modern")->value);
    ck_assert(abipin_defaults_get(d, "disable-modern")->mixed);
    ck_assert(abipin_defaults_get(d, "host_tso4")->value && !abipin_defaults_get(d, "host_tso4")->mixed);
    ck_assert(abipin_defaults_get(d, "host_uso")->mixed); /* mixed in both members already */
    ck_assert_ptr_null(abipin_defaults_get(d, "rss"));
    ck_assert(!m->measurable);
}
END_TEST

/* The probe cache's form (profile-cache.c) holds the whole profile, and
 * refuses every entry that is not whole: each prefix of a good one, and
 * one byte more. */
START_TEST(test_cache_form)
{
    _cleanup_free_ char *path = abipin_test_path("data/profile/good-full.xml");
    _cleanup_(abipin_profile_freep) AbipinProfile *p = load(path), *back = NULL;
    _cleanup_free_ char *cache = NULL, *a = NULL, *b = NULL, *longer = NULL;
    size_t len, la, lb;

    abipin_profile_format_cache(p, &cache, &len);
    ck_assert(abipin_profile_is_cache(cache, len));
    ck_assert_int_eq(abipin_profile_parse_cache("c", cache, len, &back), 0);
    ck_assert_int_eq(abipin_profile_format_xml(p, &a, &la), 0);
    ck_assert_int_eq(abipin_profile_format_xml(back, &b, &lb), 0);
    ck_assert(la == lb && memcmp(a, b, la) == 0);
    ck_assert_uint_eq(back->defaults.n, p->defaults.n);
    ck_assert_uint_eq(back->backends.n, 1);
    ck_assert_uint_eq(back->backends.items[0].n_paths, 2);
    for (size_t n = 0; n < len; n++) {
        AbipinProfile *x = NULL;

        ck_assert_msg(abipin_profile_parse_cache("c", cache, n, &x) < 0, "%zu of %zu bytes read", n, len);
        ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
        ck_assert_ptr_null(x);
    }
    longer = malloc(len + 1);
    memcpy(longer, cache, len);
    longer[len] = 0;
    ck_assert_int_lt(abipin_profile_parse_cache("c", longer, len + 1, &back), 0);
    /* an atom outside the vocabulary is refused: it would read as a fact */
    abipin_atom_set_free(back->atoms);
    back->atoms = abipin_atom_set_new();
    ck_assert_int_eq(abipin_atom_set_put(back->atoms, "tap.uso4", ABIPIN_ATOM_PRESENT, NULL), 0);
    free(cache);
    abipin_profile_format_cache(back, &cache, &len);
    memcpy(memmem(cache, len, "tap.uso4", 8), "tap.uso9", 8);
    abipin_profile_free(TAKE_PTR(back));
    ck_assert_int_lt(abipin_profile_parse_cache("c", cache, len, &back), 0);
}
END_TEST

/* A baseline keeps the backends every host has by name, serving any of
 * their sockets; a backend one host lacks is gone, its atoms absent. */
START_TEST(test_merge_backends)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *a = abipin_profile_new("a");
    _cleanup_(abipin_profile_freep) AbipinProfile *b = abipin_profile_new("b"), *ab = NULL;
    AbipinProfile *both[] = { a, b };
    const AbipinExternalBackend *m;

    AbipinExternalBackend *va, *vb;

    abipin_backend_add_path(abipin_backend_list_add(&a->backends, "ovs", ABIPIN_BACKEND_VHOST_USER),
                            "/run/a/vhu*");
    abipin_backend_add_path(abipin_backend_list_add(&a->backends, "passt", ABIPIN_BACKEND_VHOST_USER),
                            "/run/passt.sock");
    abipin_backend_add_path(abipin_backend_list_add(&b->backends, "ovs", ABIPIN_BACKEND_VHOST_USER),
                            "/run/b/vhu*");
    /* vDPA devices: ANDed by name too, their feature words as well; one
     * name of two kinds is no backend both hosts have */
    va = abipin_backend_list_add(&a->backends, "nic", ABIPIN_BACKEND_VDPA);
    vb = abipin_backend_list_add(&b->backends, "nic", ABIPIN_BACKEND_VDPA);
    abipin_backend_add_path(va, "/dev/vhost-vdpa-0");
    abipin_backend_add_path(vb, "/dev/vhost-vdpa-1");
    *va = (AbipinExternalBackend) { .name = va->name, .kind = va->kind, .paths = va->paths,
                                    .n_paths = 1, .has_features = true, .features = 0x308830028 };
    vb->has_features = true;
    vb->features = 0x308030028;
    abipin_backend_add_path(abipin_backend_list_add(&a->backends, "mixed", ABIPIN_BACKEND_VDPA),
                            "/dev/vhost-vdpa-9");
    abipin_backend_add_path(abipin_backend_list_add(&b->backends, "mixed", ABIPIN_BACKEND_VHOST_USER),
                            "/run/mixed.sock");
    ck_assert_int_eq(abipin_atom_set_put(a->atoms, "vhostuser.ovs.bit.11", ABIPIN_ATOM_PRESENT, NULL), 0);
    ck_assert_int_eq(abipin_atom_set_put(b->atoms, "vhostuser.ovs.bit.11", ABIPIN_ATOM_ABSENT, "x"), 0);
    ck_assert_int_eq(abipin_atom_set_put(a->atoms, "vhostuser.passt.bit.15", ABIPIN_ATOM_PRESENT, NULL), 0);
    ck_assert_int_eq(abipin_profile_merge(both, 2, "ab", &ab), 0);
    ck_assert_uint_eq(ab->backends.n, 2);
    ck_assert_ptr_nonnull(
        m = abipin_backend_list_match(&ab->backends, ABIPIN_BACKEND_VHOST_USER, "/run/b/vhu1234"));
    ck_assert_str_eq(m->name, "ovs");
    ck_assert_ptr_eq(abipin_backend_list_match(&ab->backends, ABIPIN_BACKEND_VHOST_USER, "/run/a/vhu1"),
                     m);
    /* fnmatch with FNM_PATHNAME: a pattern's * never crosses a '/' */
    ck_assert_ptr_null(
        abipin_backend_list_match(&ab->backends, ABIPIN_BACKEND_VHOST_USER, "/run/a/vhu1/x"));
    ck_assert_ptr_null(
        abipin_backend_list_match(&ab->backends, ABIPIN_BACKEND_VHOST_USER, "/run/passt.sock"));
    /* a vDPA device's node matches vdpa interfaces only */
    ck_assert_ptr_null(
        abipin_backend_list_match(&ab->backends, ABIPIN_BACKEND_VHOST_USER, "/dev/vhost-vdpa-1"));
    ck_assert_ptr_nonnull(
        m = abipin_backend_list_match(&ab->backends, ABIPIN_BACKEND_VDPA, "/dev/vhost-vdpa-1"));
    ck_assert_str_eq(m->name, "nic");
    ck_assert(m->has_features);
    ck_assert_uint_eq(m->features, 0x308030028);
    ck_assert_ptr_null(abipin_backend_list_find(&ab->backends, "mixed"));
    ck_assert_int_eq(abipin_atom_set_get(ab->atoms, "vhostuser.ovs.bit.11")->state, ABIPIN_ATOM_ABSENT);
    ck_assert_int_eq(abipin_atom_set_get(ab->atoms, "vhostuser.passt.bit.15")->state, ABIPIN_ATOM_ABSENT);
}
END_TEST

START_TEST(test_json)
{
    _cleanup_free_ char *path = abipin_test_path("data/profile/good-full.xml");
    _cleanup_(abipin_profile_freep) AbipinProfile *p = load(path);
    _cleanup_(json_object_putp) json_object *o = abipin_profile_to_json(p);
    json_object *atoms, *present, *unknown, *emu;

    ck_assert(json_object_object_get_ex(o, "atoms", &atoms));
    ck_assert(json_object_object_get_ex(atoms, "present", &present));
    ck_assert(json_object_object_get_ex(atoms, "unknown", &unknown));
    ck_assert_uint_eq(json_object_array_length(present), 8);
    ck_assert_uint_eq(json_object_array_length(unknown), 1);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         json_object_array_get_idx(unknown, 0), "name")), "vhost.net");
    ck_assert(json_object_object_get_ex(o, "emulator", &emu));
    ck_assert_str_eq(json_object_get_string(json_object_object_get(emu, "version")), "10.0.2");
}
END_TEST

START_TEST(test_resolve_errors)
{
    AbipinProbeOptions opts = { .no_cache = true, .skip_emulator = true };
    AbipinProfile *p = NULL;

    abipin_error_reset();
    ck_assert_int_lt(abipin_profile_resolve("linux-99.0", &opts, &p), 0);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
    ck_assert(strstr(abipin_error_message(), "unknown platform 'linux-99.0'"));
    ck_assert_int_lt(abipin_profile_resolve("/nonexistent/x.xml", &opts, &p), 0);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
    ck_assert_int_lt(abipin_profile_resolve("/dev/zero", &opts, &p), 0);
    ck_assert(strstr(abipin_error_message(), "not a regular file"));
    ck_assert_int_lt(abipin_profile_parse("nul", "<platform name='x'/>\0", 21, &p), 0);
    ck_assert(strstr(abipin_error_message(), "NUL byte"));
    ck_assert_ptr_null(p);
}
END_TEST

/* tests/data/profile/bad-NAME.xml fails as bad-NAME.err says; the input
 * stays byte-identical. Where the document is XML at all, platform.rng
 * refuses it as well, except the vocabulary cases (bad-vocab-*): the
 * schema does not know the atoms. */
START_TEST(test_bad_profile)
{
    _cleanup_free_ char *dir = abipin_test_path("data/profile"), *path = NULL, *base = NULL;
    _cleanup_free_ char *before = NULL, *after = NULL;
    AbipinProfile *p = NULL;
    size_t len_before, len_after;
    int r, verdict;

    ck_assert(asprintf(&path, "%s/%s", dir, bad_cases[_i]) > 0);
    base = strndup(path, strlen(path) - 4);
    before = abipin_test_read(path, &len_before);
    abipin_error_reset();
    r = abipin_profile_load(path, &p);
    abipin_test_expect_error(base, r);
    ck_assert_ptr_null(p);
    verdict = schema_verdict(path, before, len_before);
    if (verdict >= 0)
        ck_assert_msg(verdict == (strncmp(bad_cases[_i], "bad-vocab-", 10) == 0),
                      "%s: the parser and platform.rng disagree", bad_cases[_i]);
    after = abipin_test_read(path, &len_after);
    ck_assert(len_before == len_after && memcmp(before, after, len_before) == 0);
}
END_TEST

int main(void)
{
    _cleanup_free_ char *dir = abipin_test_path("data/profile");
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("core"), *bad = tcase_create("bad");
    char **all;
    size_t n = abipin_test_list(dir, ".xml", 25, &all);
    int r;

    bad_cases = calloc(n + 1, sizeof(*bad_cases));
    for (size_t i = 0; i < n; i++)
        if (strncmp(all[i], "bad-", 4) == 0)
            bad_cases[n_bad_cases++] = all[i];
    /* 24 bad profiles when this was written: fewer means lost cases */
    abipin_test_require_cases("tests/data/profile/bad-*.xml", n_bad_cases, 24);
    tcase_add_test(tc, test_round_trip_is_byte_exact);
    tcase_add_test(tc, test_shipped_platforms);
    tcase_add_test(tc, test_merge_and_compare);
    tcase_add_test(tc, test_merge_emulators);
    tcase_add_test(tc, test_merge_defaults);
    tcase_add_test(tc, test_cache_form);
    tcase_add_test(tc, test_merge_backends);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_resolve_errors);
    tcase_add_loop_test(bad, test_bad_profile, 0, (int) n_bad_cases);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, bad);
    r = abipin_test_run(s);
    for (size_t i = 0; i < n; i++)
        free(all[i]);
    free(all);
    free(bad_cases);
    return r;
}
