/* The pin record as a typed value (src/record.c): read once with the
 * domain, written back and read again without loss, tolerant of what
 * another abipin wrote; pin decides it without touching the document. */
#include <config.h>

#include <string.h>

#include "pin.h"
#include "record-json.h"
#include "testutil.h"
#include "util/error.h"
#include "util/json.h"


static AbipinDomain *parse(const char *xml)
{
    AbipinDomain *d = NULL;
    int r = abipin_domain_parse("test.xml", xml, strlen(xml), &d);

    ck_assert_msg(r == 0, "%s", abipin_error_message());
    return d;
}

static AbipinDomain *load(const char *rel)
{
    _cleanup_free_ char *path = abipin_test_path(rel);
    AbipinDomain *d = NULL;
    int r = abipin_domain_load(path, &d);

    ck_assert_msg(r == 0, "%s: %s", rel, abipin_error_message());
    return d;
}

static AbipinProfile *platform(const char *name)
{
    _cleanup_free_ char *rel = NULL, *path = NULL;
    AbipinProfile *p = NULL;

    ck_assert_int_ge(asprintf(&rel, "data/pin/platforms/%s.xml", name), 0);
    path = abipin_test_path(rel);
    ck_assert_msg(abipin_profile_load(path, &p) == 0, "%s", abipin_error_message());
    return p;
}

static char *format(const AbipinDomain *d, size_t *ret_len)
{
    char *xml = NULL;

    ck_assert_int_eq(abipin_domain_format(d, &xml, ret_len), 0);
    return xml;
}

static char *record_json(const AbipinDomain *d)
{
    _cleanup_(json_object_putp) json_object *o = abipin_record_to_json(d->record, d->name);

    return strdup(json_object_to_json_string(o));
}

START_TEST(test_why_strings)
{
    size_t n = 0;

    for (int w = 0; w < _ABIPIN_WHY_MAX; w++, n++)
        ck_assert_int_eq(abipin_pin_why_from_string(abipin_pin_why_to_string(w)), w);
    ck_assert_uint_eq(n, 8); /* explicit ... live: the strings metadata.rng lists */
    ck_assert_int_eq(abipin_pin_why_from_string("guessed"), ABIPIN_WHY_UNKNOWN);
    ck_assert_int_eq(abipin_pin_why_from_string(NULL), ABIPIN_WHY_UNKNOWN);
    ck_assert_ptr_null(abipin_pin_why_to_string(ABIPIN_WHY_UNKNOWN));
}
END_TEST

#define DOMAIN_WITH(record)                                                                      \
    "<domain type='kvm'><name>r</name><metadata>" record "</metadata><devices>"                  \
    "<interface type='bridge'><mac address='52:54:00:00:00:01'/><model type='virtio'/>"          \
    "</interface></devices></domain>"

/* A record an older or newer abipin wrote: an unknown why or none is
 * read, and never taken for the user's own value. */
START_TEST(test_parse_tolerant)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = parse(DOMAIN_WITH(
        "<abipin:pin xmlns:abipin='http://abipin.org/schemas/pin/1.0' version='0.0.9' "
        "platform='p' future='x'><abipin:interface mac='52:54:00:00:00:01' backend='warp'>"
        "<abipin:driver value='vhost' why='explicit'/>"
        "<abipin:feature name='csum' value='on' why='guessed'/>"
        "<abipin:feature name='host_uso' value='off'/>"
        "<abipin:feature value='off' why='default'/><abipin:other/>"
        "</abipin:interface></abipin:pin>"));
    const AbipinPinRecordInterface *ri;

    ck_assert_ptr_nonnull(d->record);
    ck_assert_str_eq(d->record->version, "0.0.9");
    ck_assert_str_eq(d->record->platform, "p");
    ck_assert_ptr_null(d->record->digest);
    ck_assert_uint_eq(d->record->n_ifaces, 1);
    ri = abipin_record_find_interface(d->record, NULL, "52:54:00:00:00:01");
    ck_assert_ptr_eq(ri, &d->record->ifaces[0]);
    ck_assert_int_eq(ri->backend, -1);
    ck_assert_uint_eq(ri->n_entries, 4);
    ck_assert_int_eq(ri->entries[1].why, ABIPIN_WHY_UNKNOWN);
    ck_assert_int_eq(ri->entries[2].why, ABIPIN_WHY_UNKNOWN);
    ck_assert(abipin_record_chose(ri, ABIPIN_PIN_ENTRY_FEATURE, "csum", "on"));
    ck_assert(!abipin_record_chose(ri, ABIPIN_PIN_ENTRY_FEATURE, "csum", "off"));
    ck_assert(abipin_record_chose(ri, ABIPIN_PIN_ENTRY_FEATURE, "host_uso", "off"));
    ck_assert(!abipin_record_chose(ri, ABIPIN_PIN_ENTRY_DRIVER, NULL, "vhost")); /* explicit */
    ck_assert(!abipin_record_chose(ri, ABIPIN_PIN_ENTRY_FEATURE, "guest_tso4", "on"));
}
END_TEST

START_TEST(test_no_record)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = parse(DOMAIN_WITH(""));

    ck_assert_ptr_null(d->record);
    ck_assert_ptr_null(abipin_record_find_interface(d->record, "a", "52:54:00:00:00:01"));
}
END_TEST

/* Two interfaces may share a MAC, never an alias: the alias decides. */
START_TEST(test_find_by_alias_first)
{
    _cleanup_(abipin_record_freep) AbipinPinRecord *rec = abipin_record_new();
    AbipinPinRecordInterface *a, *b;

    a = abipin_record_add_interface(rec, "ua-a", "52:54:00:00:00:01", ABIPIN_BACKEND_TAP);
    ck_assert_ptr_nonnull(a);
    b = abipin_record_add_interface(rec, "ua-b", "52:54:00:00:00:01", ABIPIN_BACKEND_TAP);
    ck_assert_ptr_eq(abipin_record_find_interface(rec, "ua-b", "52:54:00:00:00:01"), b);
    ck_assert_ptr_eq(abipin_record_find_interface(rec, "ua-x", "52:54:00:00:00:01"),
                     &rec->ifaces[0]);
    ck_assert_ptr_null(abipin_record_find_interface(rec, "ua-x", NULL));
    ck_assert_str_eq(rec->version, PACKAGE_VERSION);
}
END_TEST

/* Pin a golden case: deciding touches no byte of the document; what is
 * written reads back as the same record; a refusal leaves the domain as
 * it was. */
static const struct {
    const char *input, *platform;
    AbipinPolicy policy;
    bool refused;
} cases[] = {
    { "data/pin/multi-nic.in.xml", "qemu-10.0", ABIPIN_POLICY_HOST, false },
    { "data/pin/no-mac-alias-by-index.in.xml", "qemu-10.0", ABIPIN_POLICY_HOST, false },
    { "data/pin/duplicate-mac-no-alias.in.xml", "qemu-10.0", ABIPIN_POLICY_HOST, false },
    { "data/pin/novhost-driver-qemu.in.xml", "novhost", ABIPIN_POLICY_HOST, false },
    { "data/pin/policy-compat.in.xml", "qemu-10.0", ABIPIN_POLICY_COMPAT, false },
    { "data/pin/unprivileged-refused.in.xml", "unprivileged", ABIPIN_POLICY_HOST, true },
    { "data/pin/vhost-explicit-refused.in.xml", "novhost", ABIPIN_POLICY_HOST, true },
};

START_TEST(test_decide_then_apply)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = load(cases[_i].input), *again = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *p = platform(cases[_i].platform);
    _cleanup_(abipin_record_freep) AbipinPinRecord *record = NULL;
    _cleanup_free_ char *before = NULL, *after = NULL, *pinned = NULL;
    _cleanup_free_ char *json = NULL, *json_again = NULL;
    size_t len_before, len_after, len;
    AbipinPinContext ctx;
    int r;

    ck_assert_int_eq(abipin_pin_context_init(&ctx, abipin_test_cat, p, cases[_i].policy), 0);
    before = format(d, &len_before);
    r = abipin_pin_decide(&ctx, d, &record);
    after = format(d, &len_after);
    ck_assert_msg(len_before == len_after && memcmp(before, after, len_before) == 0,
                  "%s: deciding changed the document", cases[_i].input);
    if (cases[_i].refused) {
        ck_assert_int_lt(r, 0);
        ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_REFUSED);
        ck_assert_ptr_null(record);
        abipin_error_reset();
        return;
    }
    ck_assert_msg(r == 0, "%s: %s", cases[_i].input, abipin_error_message());
    ck_assert_uint_gt(record->n_ifaces, 0);
    ck_assert_int_eq(abipin_pin_apply(abipin_test_cat, d, TAKE_PTR(record), 0), 0);
    pinned = format(d, &len);
    ck_assert_int_eq(abipin_domain_parse("again", pinned, len, &again), 0);
    json = record_json(d);
    json_again = record_json(again);
    ck_assert_str_eq(json, json_again);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("record");

    tcase_add_checked_fixture(tc, abipin_test_catalogue_setup, abipin_test_catalogue_teardown);
    tcase_add_test(tc, test_why_strings);
    tcase_add_test(tc, test_parse_tolerant);
    tcase_add_test(tc, test_no_record);
    tcase_add_test(tc, test_find_by_alias_first);
    tcase_add_loop_test(tc, test_decide_then_apply, 0, ELEMENTSOF(cases));
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
