/* The abipin command line: one function per subcommand, shared output
 * helpers. A command returns an exit code (0 ok, 1 refused/differs), or a
 * negative errno with the error recorded (main maps it to 2 or 3). */
#pragma once

#include <json-c/json.h>

#include "probe.h"

#define EXIT_REFUSED 1

extern bool arg_quiet;

int cmd_probe(int argc, char **argv);
int cmd_platforms(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_compare(int argc, char **argv);

int cli_usage_error(const char *command, const char *fmt, ...) _printf_(2, 3);
int cli_write_output(const char *path, const char *data, size_t len) _warn_unused_result_;
int cli_write_json(const char *path, json_object *o) _warn_unused_result_;
int cli_write_profile(const char *path, const AbipinProfile *p, bool json) _warn_unused_result_;

/* Options every command that reads profiles shares: --emulator, --no-cache. */
#define CLI_PROBE_OPTIONS                                                                        \
    { "emulator", required_argument, NULL, 'E' }, { "no-cache", no_argument, NULL, 'N' }
bool cli_parse_probe_option(int opt, AbipinProbeOptions *opts);
