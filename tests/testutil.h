/* Shared by the Check suites: run a suite, find test data. */
#pragma once

#include <check.h>

#include "catalogue.h"

#define EXIT_AM_SKIP 77

int abipin_test_run(Suite *s);
char *abipin_test_path(const char *rel);
char *abipin_test_read(const char *path, size_t *ret_len);
AbipinCatalogue *abipin_test_catalogue(void);
/* data/features.xml as a fixture's abipin_test_cat:
 * tcase_add_checked_fixture(tc, abipin_test_catalogue_setup, abipin_test_catalogue_teardown) */
extern AbipinCatalogue *abipin_test_cat;
void abipin_test_catalogue_setup(void);
void abipin_test_catalogue_teardown(void);

/* Data-driven cases: the sorted names of DIR's files ending in SUFFIX;
 * fewer than MIN (a missing or emptied directory) fails the test. */
size_t abipin_test_list(const char *dir, const char *suffix, size_t min, char ***ret_names);
void abipin_test_require_cases(const char *what, size_t n, size_t min);
/* Compare a failed operation with CASE.err: "exit N" then the whole
 * message, paths relative to the case's directory. */
void abipin_test_expect_error(const char *case_base, int r);
