#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/xml.h"

/* Run @s, print Check's summary (automake keeps it in the .log), and
 * return the exit status for automake's test driver. */
int abipin_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* A file under tests/ of the source tree. */
char *abipin_test_path(const char *rel)
{
    char *p;

    if (asprintf(&p, "%s/%s", ABS_SRCDIR, rel) < 0)
        abort();
    return p;
}

char *abipin_test_read(const char *path, size_t *ret_len)
{
    char *data = NULL;
    size_t len = 0;

    if (abipin_file_read(path, ABIPIN_MAX_INPUT_SIZE, &data, &len) < 0) {
        fprintf(stderr, "%s\n", abipin_error_message());
        abort();
    }
    if (ret_len)
        *ret_len = len;
    return data;
}

/* The shipped catalogue, validated against features.rng (the installed one
 * is loaded without validation at run time). */
AbipinCatalogue *abipin_test_catalogue(void)
{
    char *path = abipin_data_path("features.xml");
    AbipinCatalogue *cat = NULL;
    int r = abipin_catalogue_load(path, &cat);

    free(path);
    ck_assert_msg(r == 0, "loading data/features.xml: %s", abipin_error_message());
    return cat;
}

AbipinCatalogue *abipin_test_cat;

void abipin_test_catalogue_setup(void)
{
    abipin_test_cat = abipin_test_catalogue();
}

void abipin_test_catalogue_teardown(void)
{
    abipin_catalogue_free(abipin_test_cat);
    abipin_test_cat = NULL;
}

#include <dirent.h>

#include "util/macro.h"

static const char *list_suffix;

static int list_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name), m = strlen(list_suffix);

    return d->d_name[0] != '.' && n > m && strcmp(d->d_name + n - m, list_suffix) == 0;
}

/**
 * abipin_test_require_cases:
 *
 * A data-driven test that finds fewer cases than it had when it was
 * written has lost some (an empty or missing directory, a bad glob): that
 * is a failure, not a pass. Prints how many ran (automake keeps it in the
 * .log). Exits rather than asserts: it runs before Check does.
 */
void abipin_test_require_cases(const char *what, size_t n, size_t min)
{
    if (n < min) {
        fprintf(stderr, "%s: %zu cases, at least %zu expected\n", what, n, min);
        exit(EXIT_FAILURE);
    }
    printf("%s: %zu cases\n", what, n);
}

size_t abipin_test_list(const char *dir, const char *suffix, size_t min, char ***ret_names)
{
    struct dirent **ents = NULL;
    char **names, what[4096];
    int n;

    list_suffix = suffix;
    n = scandir(dir, &ents, list_filter, alphasort);
    if (n < 0) { /* a missing directory: its cases are lost too */
        perror(dir);
        exit(EXIT_FAILURE);
    }
    names = calloc(n + 1, sizeof(*names));
    for (int i = 0; i < n; i++) {
        names[i] = strdup(ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
    *ret_names = names;
    snprintf(what, sizeof(what), "%s/*%s", dir, suffix);
    abipin_test_require_cases(what, (size_t) n, min);
    return (size_t) n;
}

/* @msg without each "DIR/" of @case_base's directory: the expected text is
 * the same wherever the source tree is. */
static char *message_relative(const char *msg, const char *case_base)
{
    const char *slash = strrchr(case_base, '/');
    size_t dirlen = slash ? (size_t) (slash - case_base) + 1 : 0;
    char *out = calloc(strlen(msg) + 1, 1), *o = out;

    if (!out)
        abort();
    while (*msg) {
        if (dirlen && strncmp(msg, case_base, dirlen) == 0) {
            msg += dirlen;
            continue;
        }
        *o++ = *msg++;
    }
    return out;
}

/**
 * abipin_test_expect_error:
 *
 * The failure @r of the case @case_base must be what CASE.err says: "exit
 * N" (the error's category), then the message, whole, with the case's
 * directory left out of paths. ABIPIN_TEST_REGENERATE=1 rewrites CASE.err
 * from the failure instead: review the diff.
 */
void abipin_test_expect_error(const char *case_base, int r)
{
    _cleanup_free_ char *err_path = NULL, *expected = NULL, *got = NULL;
    const char *msg = abipin_error_message();
    const char *regenerate = getenv("ABIPIN_TEST_REGENERATE");
    size_t first, second;
    char *nl;
    int code = 0;

    ck_assert_msg(r < 0, "%s: expected a failure, got %d", case_base, r);
    ck_assert_msg(msg, "%s: a failure without a message", case_base);
    got = message_relative(msg, case_base);
    if (asprintf(&err_path, "%s.err", case_base) < 0)
        abort();
    if (regenerate && *regenerate) {
        FILE *f = fopen(err_path, "w");

        ck_assert_msg(f && fprintf(f, "exit %d\n%s\n", (int) abipin_error_category(), got) > 0 &&
                          fclose(f) == 0,
                      "%s: cannot write", err_path);
    }
    expected = abipin_test_read(err_path, NULL);
    ck_assert_msg(sscanf(expected, "exit %d", &code) == 1, "%s: first line must be 'exit N'",
                  err_path);
    first = strcspn(expected, "\n");
    ck_assert_msg(expected[first] && expected[first + 1],
                  "%s: second line must be the expected message", err_path);
    nl = expected + first + 1;
    second = strcspn(nl, "\n");
    ck_assert_msg(!nl[second] || !nl[second + 1], "%s: more than two lines", err_path);
    nl[second] = '\0';
    ck_assert_msg((int) abipin_error_category() == code, "%s: expected exit %d, got %d (%s)",
                  case_base, code, (int) abipin_error_category(), got);
    ck_assert_msg(strcmp(got, nl) == 0, "%s: message\n  '%s', expected\n  '%s'", case_base, got,
                  nl);
}
