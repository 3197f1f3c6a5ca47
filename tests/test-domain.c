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

int main(void)
{
    Suite *s = suite_create("domain");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_no_attribute_no_name);
    tcase_add_test(tc, test_declaration_and_quotes);
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
