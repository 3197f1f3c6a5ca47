#!/bin/bash
# Every command's --help and the manual agree: the commands 'abipin --help'
# lists are the manual's, and for each command the options of its --help
# (usage line and option list), of its synopsis in the manual's SYNOPSIS
# and of its own section under COMMANDS are one set, every one of them is
# described under OPTIONS, accepted by the command, and its getopt table
# has no option the help leaves out. -h/--help (every command) and the
# global -q are not compared. A short option and a long one on one line of
# the help's option list or one term of the manual's OPTIONS ("-o, --output
# FILE") are one option, named by its long form.
. "$abs_top_srcdir/tests/lib.sh"
rst="$abs_top_srcdir/docs/abipin.1.rst"
src="$abs_top_srcdir/src/cli"
[ -r "$rst" ] || fail "no $rst"

# options FILE: every -x/--long token, one per line (metavariables, values
# such as 'host|compat', '-' for standard input and '--' are not options)
options() {
    grep -oE '(^|[^A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' "$1" | sed -E 's/^[^-]*//' | sort -u
}

# help_usage CMD / help_list CMD: the usage block and the option lines of
# 'abipin CMD --help' (see cli_print_help)
help_usage() {
    "$ABIPIN" "$1" --help | awk 'NR == 1 { print; next } /^ / && !done { print; next } { done = 1 }'
}
help_list() {
    "$ABIPIN" "$1" --help | grep -E '^  -' | sed -E 's/^  (-[^ ,]*( [^ -][^ ]*)?(, -[^ ,]*( [^ -][^ ]*)?)*).*/\1/'
}

# rst_synopsis CMD: the command's lines of SYNOPSIS ("| ``abipin`` ...
# ``CMD`` ..." and its "|     " continuation lines)
rst_synopsis() {
    awk -v cmd="\`\`$1\`\`" '
        /^SYNOPSIS$/ { in_syn = 1; next }
        /^DESCRIPTION$/ { in_syn = 0 }
        !in_syn { next }
        /^\| ``abipin``/ { on = (index($0, cmd) > 0) }
        /^\| / && on { print; next }
        { on = 0 }' "$rst" | sed -E 's/^\| ``abipin`` \[``-q``\]//'
}

# rst_section CMD: the first paragraph of the command's section under
# COMMANDS (its synopsis)
rst_section() {
    awk -v cmd="$1" '
        /^COMMANDS$/ { in_cmds = 1; next }
        /^OPTIONS$/ { in_cmds = 0 }
        !in_cmds { next }
        prev == cmd && /^-+$/ { para = 1; started = 0; prev = $0; next }
        para && /^$/ { if (started) para = 0; prev = $0; next }
        para { print; started = 1 }
        { prev = $0 }' "$rst"
}

# rst_terms: the option terms of OPTIONS (unindented lines starting with ``-)
rst_terms() {
    awk '/^OPTIONS$/ { on = 1; next } /^[A-Z][A-Z ]+$/ { on = 0 } on && /^``-/' "$rst"
}

# The alias table: "-o --output" for each line with one short and one long option.
: >"$tmp/aliases"
add_aliases() { # lines on stdin
    while IFS= read -r line; do
        printf '%s\n' "$line" >"$tmp/line"
        s=$(options "$tmp/line" | grep -E '^-[^-]' || true)
        l=$(options "$tmp/line" | grep -E '^--' || true)
        [ "$(echo "$s" | grep -c .)" = 1 ] && [ "$(echo "$l" | grep -c .)" = 1 ] &&
            echo "$s $l" >>"$tmp/aliases"
    done
    return 0
}
# canon: options on stdin -> long names, without -h/--help/-q, sorted
canon() {
    while read -r o; do
        long=$(awk -v o="$o" '$1 == o { print $2; exit }' "$tmp/aliases")
        echo "${long:-$o}"
    done | grep -vxE -- '-h|--help|-q|--quiet' | sort -u
}
same() { # WHAT FILE-A FILE-B
    cmp -s "$2" "$3" || { diff -u "$2" "$3" >&2; fail "$1"; }
}

# commands: abipin --help against the manual's COMMANDS section
"$ABIPIN" --help >"$tmp/top" || fail "abipin --help failed"
awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' "$tmp/top" |
    sort >"$tmp/cmds-help"
awk '/^COMMANDS$/ { on = 1; next } /^OPTIONS$/ { on = 0 }
     on && /^[a-z][a-z-]*$/ { name = $0; next }
     on && name && /^-+$/ { print name } { name = "" }' "$rst" | sort >"$tmp/cmds-rst"
[ "$(grep -c . "$tmp/cmds-help")" -ge 10 ] || fail "abipin --help lists only $(grep -c . "$tmp/cmds-help") commands"
same "abipin --help and the manual's COMMANDS list different commands" "$tmp/cmds-help" "$tmp/cmds-rst"
ok "abipin --help and COMMANDS list the same $(grep -c . "$tmp/cmds-help") commands"
awk '/^SYNOPSIS$/ { on = 1; next } /^DESCRIPTION$/ { on = 0 }
     on && /^\| ``abipin``/ && sub(/^\| ``abipin`` (\[``-q``\] )?``/, "") { sub(/``.*/, ""); print }' "$rst" |
    grep -vxE -- '--help' | sort -u >"$tmp/cmds-syn"
same "SYNOPSIS and COMMANDS list different commands" "$tmp/cmds-help" "$tmp/cmds-syn"
ok "SYNOPSIS has a line for every command"

rst_terms | add_aliases
while read -r cmd; do
    help_list "$cmd" | add_aliases
done <"$tmp/cmds-help"
rst_terms >"$tmp/terms"
options "$tmp/terms" | canon >"$tmp/documented"
[ -s "$tmp/documented" ] || fail "no options found under OPTIONS"

while read -r cmd; do
    "$ABIPIN" "$cmd" --help >"$tmp/help" || fail "$cmd --help: exit $?"
    grep -q "^Usage: abipin $cmd" "$tmp/help" || fail "$cmd --help has no usage line"
    help_usage "$cmd" >"$tmp/usage"
    help_list "$cmd" >"$tmp/list"
    grep -qxE -- '-h, --help' "$tmp/list" || fail "$cmd --help does not list -h, --help"
    options "$tmp/usage" | canon >"$tmp/u"
    options "$tmp/list" | canon >"$tmp/l"
    rst_synopsis "$cmd" >"$tmp/syn"
    [ -s "$tmp/syn" ] || fail "$cmd: no line in SYNOPSIS"
    options "$tmp/syn" | canon >"$tmp/s"
    rst_section "$cmd" >"$tmp/sec"
    [ -s "$tmp/sec" ] || fail "$cmd: no section under COMMANDS"
    options "$tmp/sec" | canon >"$tmp/c"
    same "$cmd: the usage line and the option list of --help differ" "$tmp/u" "$tmp/l"
    same "$cmd: --help and the manual's SYNOPSIS differ" "$tmp/l" "$tmp/s"
    same "$cmd: --help and the manual's section under COMMANDS differ" "$tmp/l" "$tmp/c"
    missing=$(comm -23 "$tmp/l" "$tmp/documented")
    [ -z "$missing" ] || fail "$cmd: not described under OPTIONS: $missing"

    # the getopt table (with the CLI_*_OPTIONS macros of cli.h) against --help
    file="$src/cmd-$cmd.c"
    [ -r "$file" ] || fail "$cmd: no $file"
    awk '/static const struct option options\[\]/ { on = 1 } on { print } on && /};/ { exit }' "$file" >"$tmp/table"
    for _ in 1 2 3; do # expand CLI_*_OPTIONS, also when one names another
        for m in $(grep -oE 'CLI_[A-Z_]*OPTIONS' "$tmp/table" | sort -u); do
            awk -v m="$m" '$0 ~ "^#define " m "( |$)" { on = 1 } on { print } on && !/\\$/ { exit }' \
                "$src/cli.h" "$file" >>"$tmp/table"
            sed -i "s/\<$m\>//g; s/^#define //" "$tmp/table"
        done
    done
    grep -oE '\{ *"[a-z][a-z0-9-]*"' "$tmp/table" | sed -E 's/.*"(.*)"/--\1/' | canon >"$tmp/g"
    same "$cmd: the getopt table and --help differ" "$tmp/l" "$tmp/g"

    # and the binary accepts each one (an unknown option would exit 2)
    while IFS= read -r line; do
        # the last form on the line: "--output FILE" of "-o, --output FILE"
        # shellcheck disable=SC2046
        set -- $(echo "$line" | sed 's/.*, //')
        case $1 in -h | --help) continue ;; esac
        # an optional argument ("--require-labels[=FORMAT]"): the bare form
        set -- "${1%%\[=*}" "${@:2}"
        case ${2:-} in
        '') ;;
        [A-Z]*) set -- "$1" x ;;
        *) set -- "$1" "${2%%|*}" ;;
        esac
        "$ABIPIN" "$cmd" "$@" --help >/dev/null 2>"$tmp/err" ||
            { cat "$tmp/err" >&2; fail "$cmd does not accept $*"; }
    done <"$tmp/list"
    ok "$cmd: --help, SYNOPSIS, COMMANDS, OPTIONS and getopt agree on $(grep -c . "$tmp/l") options"
done <"$tmp/cmds-help"

# the top-level help and the manual's global options
for o in -q --quiet -V --version -h --help; do
    grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$tmp/terms" || fail "global option $o not under OPTIONS"
done
grep -qE -- '\[-q\]' "$tmp/top" || fail "abipin --help does not show -q"
ok "global options -q, -V, -h are described"

echo "$pass_count passed, 0 failed"
