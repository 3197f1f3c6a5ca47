/* Capability atoms: the set algebra and the vocabulary. */
#include <config.h>

#include <string.h>

#include "atoms.h"
#include "testutil.h"
#include "version.h"

static AbipinAtomSet *set_of(const char *spec)
{
    /* "a b -c ?d": a, b present, c absent, d unknown */
    AbipinAtomSet *set = abipin_atom_set_new();
    char *copy = strdup(spec), *save = NULL;

    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        AbipinAtomState s = *t == '-' ? ABIPIN_ATOM_ABSENT
                            : *t == '?' ? ABIPIN_ATOM_UNKNOWN : ABIPIN_ATOM_PRESENT;

        ck_assert_int_eq(abipin_atom_set_put(set, t + (s != ABIPIN_ATOM_PRESENT), s, NULL), 0);
    }
    free(copy);
    return set;
}

START_TEST(test_set_sorted_unique)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *s = set_of("tap.uso6 tap.csum tap.uso4 tap.csum");

    ck_assert_uint_eq(s->n, 3);
    ck_assert_str_eq(s->items[0].name, "tap.csum");
    ck_assert_str_eq(s->items[1].name, "tap.uso4");
    ck_assert_str_eq(s->items[2].name, "tap.uso6");
    ck_assert_int_eq(abipin_atom_set_put(s, "tap.uso4", ABIPIN_ATOM_ABSENT, "EINVAL"), 0);
    ck_assert_uint_eq(s->n, 3);
    ck_assert(!abipin_atom_set_has(s, "tap.uso4"));
    ck_assert_str_eq(abipin_atom_set_get(s, "tap.uso4")->reason, "EINVAL");
}
END_TEST

START_TEST(test_remove_prefix)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *s =
        set_of("qemu.machine.q35 ?qemu.prop.virtio-net-pci.csum tap.csum vhost.net qemu.x");

    abipin_atom_set_remove_prefix(s, "qemu.");
    ck_assert_uint_eq(s->n, 2);
    ck_assert_str_eq(s->items[0].name, "tap.csum");
    ck_assert_str_eq(s->items[1].name, "vhost.net");
    /* still sorted and searchable: a put lands in order */
    ck_assert_int_eq(abipin_atom_set_put(s, "qemu.machine.pc", ABIPIN_ATOM_PRESENT, NULL), 0);
    ck_assert_str_eq(s->items[0].name, "qemu.machine.pc");
    ck_assert(abipin_atom_set_has(s, "vhost.net"));
    abipin_atom_set_remove_prefix(s, "none.");
    ck_assert_uint_eq(s->n, 3);
}
END_TEST

START_TEST(test_unknown_is_not_present)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *s = set_of("?tap.uso4 -tap.ufo tap.csum");

    ck_assert(!abipin_atom_set_has(s, "tap.uso4"));
    ck_assert(!abipin_atom_set_has(s, "tap.ufo"));
    ck_assert(abipin_atom_set_has(s, "tap.csum"));
    ck_assert(!abipin_atom_set_has(s, "tap.tso4"));
    ck_assert_uint_eq(abipin_atom_set_count(s, ABIPIN_ATOM_UNKNOWN), 1);
}
END_TEST

START_TEST(test_intersect_is_and)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *a = set_of("tap.csum tap.uso4 tap.ufo tap.tso4");
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *b =
        set_of("macvtap.csum tap.csum tap.tso6 -tap.uso4 ?tap.ufo vhost.net");

    ck_assert_int_eq(abipin_atom_set_intersect(a, b, "hostB"), 0);
    /* still one sorted entry per name, B's extra atoms (first, middle, last) merged in */
    ck_assert_uint_eq(a->n, 7);
    for (size_t i = 1; i < a->n; i++)
        ck_assert_int_lt(strcmp(a->items[i - 1].name, a->items[i].name), 0);
    ck_assert_int_eq(abipin_atom_set_get(a, "macvtap.csum")->state, ABIPIN_ATOM_ABSENT);
    ck_assert(strstr(abipin_atom_set_get(a, "macvtap.csum")->reason, "only hostB"));
    ck_assert_int_eq(abipin_atom_set_get(a, "tap.tso6")->state, ABIPIN_ATOM_ABSENT);
    ck_assert(abipin_atom_set_has(a, "tap.csum"));
    ck_assert_int_eq(abipin_atom_set_get(a, "tap.uso4")->state, ABIPIN_ATOM_ABSENT);
    ck_assert(strstr(abipin_atom_set_get(a, "tap.uso4")->reason, "hostB"));
    ck_assert_int_eq(abipin_atom_set_get(a, "tap.ufo")->state, ABIPIN_ATOM_UNKNOWN);
    /* not listed on B means absent on B */
    ck_assert_int_eq(abipin_atom_set_get(a, "tap.tso4")->state, ABIPIN_ATOM_ABSENT);
    /* only B has it: not in the baseline */
    ck_assert(!abipin_atom_set_has(a, "vhost.net"));
    ck_assert_uint_eq(abipin_atom_set_count(a, ABIPIN_ATOM_PRESENT), 1);
}
END_TEST

START_TEST(test_intersect_commutes_on_present)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *a = set_of("tap.csum tap.uso4 ?tap.ufo tap.tso6");
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *b = set_of("tap.csum -tap.uso4 tap.ufo tap.tso6");
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *a2 = set_of("tap.csum tap.uso4 ?tap.ufo tap.tso6");
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *b2 = set_of("tap.csum -tap.uso4 tap.ufo tap.tso6");

    ck_assert_int_eq(abipin_atom_set_intersect(a, b, "b"), 0);
    ck_assert_int_eq(abipin_atom_set_intersect(b2, a2, "a"), 0);
    ck_assert_uint_eq(a->n, b2->n);
    for (size_t i = 0; i < a->n; i++) {
        ck_assert_str_eq(a->items[i].name, b2->items[i].name);
        ck_assert_int_eq(a->items[i].state, b2->items[i].state);
    }
}
END_TEST

START_TEST(test_missing_is_subset_test)
{
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *need = set_of("tap.csum tap.uso4 tap.uso6 -tap.ufo");
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *have = set_of("tap.csum ?tap.uso4");
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *missing = NULL;

    ck_assert_int_eq(abipin_atom_set_missing(need, have, &missing), 2);
    ck_assert_str_eq(missing->items[0].name, "tap.uso4");
    ck_assert_int_eq(missing->items[0].state, ABIPIN_ATOM_UNKNOWN);
    ck_assert_str_eq(missing->items[1].name, "tap.uso6");
    ck_assert_int_eq(missing->items[1].state, ABIPIN_ATOM_ABSENT);
    abipin_atom_set_free(missing);
    missing = NULL;
    ck_assert_int_eq(abipin_atom_set_missing(have, need, &missing), 0);
}
END_TEST

START_TEST(test_vocabulary)
{
    static const char *const known[] = {
        "tap.vnet_hdr", "tap.uso4", "macvtap.uso6", "tap.steering_ebpf", "vhost.net",
        "vhost.bit.0", "vhost.bit.40", "vhost.bit.127", "ebpf.rss",
        "qemu.prop.virtio-net-pci.host_uso", "qemu.machine.pc-q35-8.1",
        "vhostuser.ovs.bit.11", "vhostuser.vhu-1_a.bit.0", "vhostuser.x.bit.63",
    };
    static const char *const unknown[] = {
        "tap.bogus", "macvtap.steering_ebpf", "vhost.bit.", "vhost.bit.01", "vhost.bit.128",
        "vhost.bit.4x", "qemu.prop.virtio-net-pci.", "qemu.machine.a b", "", "tap",
        "vhostuser.ovs.bit.64", "vhostuser.a.b.bit.1", "vhostuser..bit.1", "vhostuser.ovs.bit.",
        "vhostuser.ovs.bit.011", "vhostuser.ovs", "vhostuser.ovs.bits.1", "vhostuser.o s.bit.1",
    };

    for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
        ck_assert_msg(abipin_atom_is_known(known[i]), "%s should be known", known[i]);
    for (size_t i = 0; i < sizeof(unknown) / sizeof(*unknown); i++)
        ck_assert_msg(!abipin_atom_is_known(unknown[i]), "'%s' should be unknown", unknown[i]);
}
END_TEST

START_TEST(test_describe)
{
    char buf[256];

    ck_assert_str_eq(abipin_atom_describe_missing("tap.uso4", buf, sizeof(buf)),
                     "no TUN_F_USO4 on tun: Linux < 6.2");
    ck_assert(strstr(abipin_atom_describe_missing("macvtap.ufo", buf, sizeof(buf)), "macvtap"));
    ck_assert(strstr(abipin_atom_describe_missing("vhost.bit.40", buf, sizeof(buf)), "bit 40"));
    ck_assert(strstr(abipin_atom_describe("qemu.prop.virtio-net-pci.host_uso", buf, sizeof(buf)),
                     "host_uso"));
    ck_assert_str_eq(abipin_atom_describe_missing("vhostuser.ovs.bit.11", buf, sizeof(buf)),
                     "vhost-user backend ovs does not offer virtio feature bit 11");
}
END_TEST

START_TEST(test_versions)
{
    AbipinVersion v;

    ck_assert_int_eq(abipin_version_parse("10.0.2", &v), 0);
    ck_assert_uint_eq(v, ABIPIN_VERSION(10, 0, 2));
    ck_assert_uint_eq(abipin_version_minor(v), ABIPIN_VERSION(10, 0, 0));
    ck_assert_int_eq(abipin_version_parse("8.1", &v), 0);
    ck_assert_uint_lt(v, ABIPIN_VERSION(8, 2, 0));
    ck_assert_uint_lt(ABIPIN_VERSION(9, 2, 0), ABIPIN_VERSION(10, 0, 0));
    ck_assert_int_lt(abipin_version_parse("8", &v), 0);
    ck_assert_int_lt(abipin_version_parse("8.x", &v), 0);
    ck_assert_int_lt(abipin_version_parse("1.2.3.4", &v), 0);
    ck_assert_int_lt(abipin_version_parse("", &v), 0);
    ck_assert_int_eq(abipin_version_from_machine("pc-q35-8.1", &v), 0);
    ck_assert_uint_eq(v, ABIPIN_VERSION(8, 1, 0));
    ck_assert_int_eq(abipin_version_from_machine("pc-i440fx-10.0", &v), 0);
    ck_assert_uint_eq(v, ABIPIN_VERSION(10, 0, 0));
    ck_assert_int_lt(abipin_version_from_machine("q35", &v), 0);
    ck_assert_int_lt(abipin_version_from_machine("microvm", &v), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("atoms");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_set_sorted_unique);
    tcase_add_test(tc, test_remove_prefix);
    tcase_add_test(tc, test_unknown_is_not_present);
    tcase_add_test(tc, test_intersect_is_and);
    tcase_add_test(tc, test_intersect_commutes_on_present);
    tcase_add_test(tc, test_missing_is_subset_test);
    tcase_add_test(tc, test_vocabulary);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_versions);
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
