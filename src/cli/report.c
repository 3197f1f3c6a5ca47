#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "util/alloc.h"
#include "util/i18n.h"

/* virt-host-validate's column for the verdict */
#define CHECK_WIDTH 69

static const char *const level_names[] = {
    [CLI_CHECK_PASS] = N_("PASS"),
    [CLI_CHECK_NOTE] = N_("NOTE"),
    [CLI_CHECK_WARN] = N_("WARN"),
    [CLI_CHECK_FAIL] = N_("FAIL"),
};

static const char *const level_colours[] = {
    [CLI_CHECK_PASS] = "\033[32m",
    [CLI_CHECK_NOTE] = "\033[34m",
    [CLI_CHECK_WARN] = "\033[33m",
    [CLI_CHECK_FAIL] = "\033[31m",
};

/* Colour only for a person at a terminal that can show it
 * (https://no-color.org: NO_COLOR set and not empty turns it off). */
static bool report_want_colour(void)
{
    static int want = -1;

    if (want < 0) {
        const char *no_colour = getenv("NO_COLOR"), *term = getenv("TERM");

        want = isatty(STDOUT_FILENO) && !(no_colour && *no_colour) &&
               !(term && strcmp(term, "dumb") == 0);
    }
    return want;
}

/* Columns @s takes on a terminal: printf's width counts bytes, and a
 * translated check has multibyte characters. */
static size_t report_columns(const char *s)
{
    size_t n = mbstowcs(NULL, s, 0);
    wchar_t *w;
    int cols;

    if (n == (size_t) -1)
        return strlen(s);
    w = abipin_new0(wchar_t, n + 1);
    mbstowcs(w, s, n + 1);
    cols = wcswidth(w, n);
    free(w);
    return cols < 0 ? n : (size_t) cols;
}

/**
 * cli_check_line:
 * @prefix: what is checked, e.g. the host's or the domain's name
 * @detail: why a check did not pass, or NULL
 *
 * One line "PREFIX: Checking ...          : LEVEL (detail)". With -q only
 * FAIL lines are printed.
 */
void cli_check_line(const char *prefix, CliCheckLevel level, const char *detail, const char *fmt, ...)
{
    _cleanup_free_ char *what = NULL;
    const char *name = _(level_names[level]);
    va_list ap;
    size_t cols;

    if (arg_quiet && level != CLI_CHECK_FAIL)
        return;
    va_start(ap, fmt);
    what = abipin_vasprintf(fmt, ap);
    va_end(ap);
    cols = report_columns(what);
    printf("%6s: %s%*s: ", prefix, what, cols < CHECK_WIDTH ? (int) (CHECK_WIDTH - cols) : 0, "");
    if (report_want_colour())
        printf("%s%s\033[0m", level_colours[level], name);
    else
        fputs(name, stdout);
    if (detail && *detail)
        printf(" (%s)", detail);
    putchar('\n');
}

static bool progress_shown;

/**
 * cli_progress:
 * @force: show it even if the last update is recent (the first, the last)
 *
 * One line of progress on standard error, rewritten in place, for a
 * person at a terminal: measuring every machine type, auditing a
 * directory take seconds. At most ten updates a second; pipes and -q get
 * nothing.
 */
void cli_progress(bool force, const char *fmt, ...)
{
    static struct timespec last;
    struct timespec now;
    va_list ap;

    if (arg_quiet || !isatty(STDERR_FILENO))
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!force && (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 < 100)
        return;
    last = now;
    fputs("\r\033[K", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
    progress_shown = true;
}

/* Clear the progress line, before other output or at the end. */
void cli_progress_end(void)
{
    if (!progress_shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    progress_shown = false;
}

/**
 * cli_progress_machines:
 * @machine: the machine type measured next; NULL when all are done
 *
 * An AbipinProbeOptions progress callback: "measuring the defaults of
 * pc-q35-8.1 (12/63)".
 */
void cli_progress_machines(size_t done, size_t total, const char *machine)
{
    if (!machine) {
        cli_progress_end();
        return;
    }
    cli_progress(true, _("measuring the defaults of %1$s (%2$zu/%3$zu)"), machine, done + 1, total);
}
