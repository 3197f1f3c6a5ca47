/* Lists of checks, printed as virt-host-validate prints them
 * (tools/virt-validate-common.c): "%6s: %-69s: PASS", or WARN/FAIL with the
 * reason in parentheses; green, yellow, red on a terminal; -q keeps only
 * the failures. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/macro.h"

typedef enum {
    CLI_CHECK_PASS,
    CLI_CHECK_NOTE,
    CLI_CHECK_WARN,
    CLI_CHECK_FAIL,
} CliCheckLevel;

void cli_check_line(const char *prefix, CliCheckLevel level, const char *detail, const char *fmt, ...)
    _printf_(4, 5);
void cli_progress(bool force, const char *fmt, ...) _printf_(2, 3);
void cli_progress_end(void);
void cli_progress_machines(size_t done, size_t total, const char *machine);
