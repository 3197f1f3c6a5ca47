/* The abipin command line: one function per subcommand, shared output
 * helpers. A command returns an exit code (0 ok, 1 refused/differs), or a
 * negative errno with the error recorded (main maps it to 2 or 3). */
#pragma once

#include "util/json.h"

#include "domain.h"
#include "abi.h"
#include "check-pins.h"
#include "pin.h"
#include "probe/probe.h"

#define EXIT_REFUSED 1

extern bool arg_quiet;

void cli_i18n_init(void);
void cli_untranslated(void);

int cmd_probe(int argc, char **argv);
int cmd_platforms(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_pin(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_define(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_hook_exiting(int argc, char **argv);
int cmd_abi(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_audit(int argc, char **argv);

/* One row of a command's --help: the option as typed (not translated) and
 * what it does (N_(), translated when printed). One gettext entry per option,
 * as util-linux does, so that a new option is one new message. */
typedef struct {
    const char *names; /* "-o, --output FILE" */
    const char *text;
} CliHelpOption;

/* --emulator and --no-cache, for commands that probe this host only */
#define CLI_HELP_PROBE_OPTIONS                                                                   \
    { "--emulator PATH", N_("the QEMU binary to probe (default: qemu-system-x86_64 in PATH)") }, \
    { "--no-cache", N_("probe now; neither read nor write the cache") }
/* ... and for commands that read a domain: its <emulator> comes first */
#define CLI_HELP_DOMAIN_PROBE_OPTIONS                                                            \
    { "--emulator PATH", N_("the QEMU binary to probe (default: the domain's <emulator>)") },    \
    { "--no-cache", N_("probe now; neither read nor write the cache") }
#define CLI_HELP_PLATFORM_OPTION                                                                 \
    { "--platform PROFILE", N_("host (default), latest, a shipped platform name or a file") }

void cli_print_help(const char *synopsis, const char *description, const CliHelpOption *options,
                    size_t n_options);
#define CLI_PRINT_HELP(synopsis, description, options)                                            \
    cli_print_help(synopsis, description, options, ELEMENTSOF(options))

int cli_usage_error(const char *command, const char *fmt, ...) _printf_(2, 3);
int cli_exit_code(int r);
int cli_write_output(const char *path, const char *data, size_t len) _warn_unused_result_;
/* How every command prints JSON: indented, readable, no escaped slashes. */
#define CLI_JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)
int cli_write_json(const char *path, json_object *o) _warn_unused_result_;
int cli_print_json(FILE *f, json_object *o) _warn_unused_result_;
int cli_write_profile(const char *path, const AbipinProfile *p, bool json) _warn_unused_result_;

/* Options every command that reads profiles shares: --emulator, --no-cache. */
#define CLI_PROBE_OPTIONS                                                                        \
    { "emulator", required_argument, NULL, 'E' }, { "no-cache", no_argument, NULL, 'N' }
bool cli_parse_probe_option(int opt, AbipinProbeOptions *opts);

/* Options of the commands that pin or check: --platform, --policy and the
 * probe options. */
typedef struct {
    const char *platform; /* NULL: host */
    AbipinPolicy policy;
    bool policy_given;
    AbipinProbeOptions probe;
} CliPinOptions;

#define CLI_PIN_OPTIONS                                                                          \
    { "platform", required_argument, NULL, 'p' }, { "policy", required_argument, NULL, 'P' },   \
        CLI_PROBE_OPTIONS

int cli_parse_pin_option(const char *command, int opt, CliPinOptions *o);
int cli_platform_setup(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                       AbipinCatalogue **ret_cat, AbipinProfile **ret_platform) _warn_unused_result_;
int cli_platform_setup_shared(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                              AbipinCatalogue **ret_cat, AbipinProfile **ret_platform)
    _warn_unused_result_;
int cli_platform_ask_backends(const AbipinDomain *d, const char *platform,
                              const AbipinCatalogue *cat, AbipinProfile *p) _warn_unused_result_;
int cli_pin_document(AbipinDomain *d, CliPinOptions *o, char **ret_xml, size_t *ret_len,
                     json_object **ret_report) _warn_unused_result_;
void cli_pin_print_summary(const AbipinDomain *d);
int cmd_pin_live_args(int argc, char **argv, const char *uri, const char *output, bool json,
                      bool other_options, unsigned flags);
int cli_check_document(const AbipinDomain *d, const char *platform, AbipinProbeOptions *opts,
                       bool strict, AbipinProblemList *problems, char **ret_platform_name)
    _warn_unused_result_;
void cli_print_problems(const AbipinProblemList *problems, FILE *errors, FILE *warnings);
