/* Domain XML parsing from memory: abipin_domain_parse takes a length, and
 * reads nothing past it (valgrind.sh and the sanitizer build see an
 * over-read; the buffers here end exactly at @len, without a NUL). */
#include <config.h>

#include <string.h>

#include "domain.h"
#include "testutil.h"
#include "util/error.h"

/* @s copied into a buffer of exactly strlen(@s) bytes */
static char *exact(const char *s)
{
    char *p = malloc(strlen(s));

    ck_assert_ptr_nonnull(p);
    memcpy(p, s, strlen(s));
    return p;
}

static int parse(const char *s, AbipinDomain **ret)
{
    _cleanup_free_ char *data = exact(s);

    abipin_error_reset();
    return abipin_domain_parse("test.xml", data, strlen(s), ret);
}

/* No attribute after "<domain", no name: found by fuzz-check, where the
 * quote-style scan ran off the end of the input. */
START_TEST(test_no_attribute_no_name)
{
    AbipinDomain *d = NULL;

    ck_assert_int_lt(parse("<domain>>>>m></domain>", &d), 0);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_declaration_and_quotes)
{
    AbipinDomain *d = NULL;

    ck_assert_int_eq(parse("<?xml version=\"1.0\"?>\n<domain type = \"kvm\"><name>a</name></domain>", &d),
                     0);
    ck_assert_str_eq(d->decl, "<?xml version=\"1.0\"?>");
    ck_assert_int_eq(d->quote, '"');
    ck_assert_str_eq(d->name, "a");
    abipin_domain_free(d);
    d = NULL;
    ck_assert_int_eq(parse("\xef\xbb\xbf<domain type='kvm'><name>b</name></domain>", &d), 0);
    ck_assert_ptr_null(d->decl);
    ck_assert_int_eq(d->quote, '\'');
    abipin_domain_free(d);
}
END_TEST

/* The settings a definition gives are found when it is parsed: libvirt's
 * <driver>/<host>/<guest> and every <qemu:override> frontend property.
 * In one <qemu:override> the first <qemu:device> of an alias counts, as
 * QEMU's command line gets it; pin's writes are read back at once. */
START_TEST(test_settings_parsed_once)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = abipin_test_catalogue();
    const AbipinFeature *uso = abipin_catalogue_find(cat, "guest_uso4");
    const AbipinFeature *ufo = abipin_catalogue_find(cat, "host_ufo");
    AbipinDomain *d = NULL;
    AbipinValue v;

    ck_assert_ptr_nonnull(uso);
    ck_assert_ptr_nonnull(ufo);
    ck_assert_int_eq(uso->place, ABIPIN_LIBVIRT_OVERRIDE);
    ck_assert_int_eq(ufo->place, ABIPIN_LIBVIRT_HOST);
    ck_assert_int_eq(
        parse("<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
              "<name>a</name><devices>"
              "<interface type='network'><model type='virtio'/><alias name='ua-a'/>"
              "<driver name='qemu'><host ufo='off'/></driver></interface>"
              "<interface type='network'><model type='virtio'/><alias name='ua-b'/></interface>"
              "</devices><qemu:override>"
              "<qemu:device alias='ua-a'><qemu:frontend>"
              "<qemu:property name='guest_uso4' type='bool' value='true'/></qemu:frontend></qemu:device>"
              "<qemu:device alias='ua-a'><qemu:frontend>"
              "<qemu:property name='guest_uso6' type='bool' value='true'/></qemu:frontend></qemu:device>"
              "<qemu:device alias='ua-b'><qemu:frontend>"
              "<qemu:property name='guest_uso4' type='bool' value='false'/></qemu:frontend></qemu:device>"
              "</qemu:override></domain>",
              &d),
        0);
    ck_assert_uint_eq(d->n_ifaces, 2);
    ck_assert_uint_eq(d->n_overrides, 2); /* ua-a's second device does not count */
    ck_assert_str_eq(d->overrides[0].alias, "ua-a");
    ck_assert_str_eq(d->overrides[1].value, "false");
    ck_assert_ptr_nonnull(d->ifaces[0].host_element);
    ck_assert_ptr_null(d->ifaces[1].driver_element);

    ck_assert_int_eq(abipin_domain_get_feature(d, &d->ifaces[0], uso, &v), 0);
    ck_assert_int_eq(v, ABIPIN_VALUE_ON);
    ck_assert_int_eq(abipin_domain_get_feature(d, &d->ifaces[1], uso, &v), 0);
    ck_assert_int_eq(v, ABIPIN_VALUE_OFF);
    ck_assert_int_eq(abipin_domain_get_feature(d, &d->ifaces[0], ufo, &v), 0);
    ck_assert_int_eq(v, ABIPIN_VALUE_OFF);
    ck_assert_int_eq(abipin_domain_get_feature(d, &d->ifaces[1], ufo, &v), 0);
    ck_assert_int_eq(v, ABIPIN_VALUE_ABSENT);

    /* what pin writes is what the next read sees: a changed property, a
     * new <driver><host>, a new override */
    ck_assert_int_eq(abipin_domain_set_feature(d, &d->ifaces[0], uso, false, false), 0);
    ck_assert_int_eq(abipin_domain_set_feature(d, &d->ifaces[1], ufo, true, false), 0);
    ck_assert_int_eq(abipin_domain_get_feature(d, &d->ifaces[0], uso, &v), 0);
    ck_assert_int_eq(v, ABIPIN_VALUE_OFF);
    ck_assert_int_eq(abipin_domain_get_feature(d, &d->ifaces[1], ufo, &v), 0);
    ck_assert_int_eq(v, ABIPIN_VALUE_ON);
    ck_assert_ptr_nonnull(d->ifaces[1].host_element);
    ck_assert_uint_eq(d->n_overrides, 2);
    abipin_domain_free(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("domain");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_no_attribute_no_name);
    tcase_add_test(tc, test_declaration_and_quotes);
    tcase_add_test(tc, test_settings_parsed_once);
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
