/* The abipin command line: one function per subcommand, shared output
 * helpers. A command returns an exit code (0 ok, 1 refused/differs), or a
 * negative errno with the error recorded (main maps it to 2 or 3). */
#pragma once

#include <json-c/json.h>

#include "domain.h"
#include "probe.h"

#define EXIT_REFUSED 1

extern bool arg_quiet;

int cmd_probe(int argc, char **argv);
int cmd_platforms(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_pin(int argc, char **argv);
int cmd_check(int argc, char **argv);

int cli_usage_error(const char *command, const char *fmt, ...) _printf_(2, 3);
int cli_write_output(const char *path, const char *data, size_t len) _warn_unused_result_;
int cli_write_json(const char *path, json_object *o) _warn_unused_result_;
int cli_print_json(FILE *f, json_object *o) _warn_unused_result_;
int cli_write_profile(const char *path, const AbipinProfile *p, bool json) _warn_unused_result_;

/* Options every command that reads profiles shares: --emulator, --no-cache. */
#define CLI_PROBE_OPTIONS                                                                        \
    { "emulator", required_argument, NULL, 'E' }, { "no-cache", no_argument, NULL, 'N' }
bool cli_parse_probe_option(int opt, AbipinProbeOptions *opts);

int cli_pin_setup(const char *command, const char *domain_path, const char *platform,
                  AbipinProbeOptions *opts, AbipinDomain **ret_domain, AbipinCatalogue **ret_cat,
                  AbipinProfile **ret_platform) _warn_unused_result_;
