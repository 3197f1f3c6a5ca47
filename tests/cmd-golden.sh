#!/bin/sh
# Data-driven tests of abi, diff, explain, audit, compare and baseline, and the fleet labels (probe --format
# nfd|nova, pin --require-labels): tests/data/cmd/GROUP/NAME.args
# holds the command line (paths relative to that directory), NAME.out the
# expected standard output byte for byte, NAME.exit the expected exit code
# (0 when absent), NAME.err the expected standard error byte for byte (LC_ALL=C):
# required when the exit is 2, compared whenever present. An exit-2 case has
# no NAME.out unless its command reports on, as audit does for each
# definition it cannot read or evaluate. "host" is tests/data/pin/platforms/qemu-10.0.xml.
# ABIPIN_TEST_REGENERATE=1 rewrites the .out and .err files: review the diff.
. "$abs_top_srcdir/tests/lib.sh"
ABIPIN_HOST_PROFILE="$abs_top_srcdir/tests/data/pin/platforms/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE
LC_ALL=C LANGUAGE=
export LC_ALL LANGUAGE

n=0
# the cases each group had when its minimum was set
for group in abi:21 diff:14 explain:17 audit:8 labels:11 compare:3; do
    min=${group#*:} group=${group%:*} n_group=0
    cd "$abs_top_srcdir/tests/data/cmd/$group" || fail "no $group cases"
    for argsfile in *.args; do
        n_group=$((n_group + 1))
        name=${argsfile%.args}
        want=$(cat "$name.exit" 2>/dev/null || echo 0)
        n=$((n + 1))
        # shellcheck disable=SC2046
        "$ABIPIN" $(cat "$argsfile") >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ "$rc" = "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "$group/$name: exit $rc, expected $want"; }
        [ "$want" != 2 ] || [ -s "$tmp/err" ] || fail "$group/$name: no error message"
        { [ "$want" = 2 ] || [ -f "$name.err" ]; } && [ -n "${ABIPIN_TEST_REGENERATE:-}" ] && cp "$tmp/err" "$name.err"
        if [ "$want" = 2 ] || [ -f "$name.err" ]; then
            [ -f "$name.err" ] || fail "$group/$name: exit 2 but no $name.err to say which error"
            cmp -s "$tmp/err" "$name.err" ||
                { diff -u "$name.err" "$tmp/err"; fail "$group/$name: error output differs"; }
        fi
        if [ "$want" != 2 ] || [ -f "$name.out" ]; then
            [ -n "${ABIPIN_TEST_REGENERATE:-}" ] && cp "$tmp/out" "$name.out"
            cmp -s "$tmp/out" "$name.out" || { diff -u "$name.out" "$tmp/out"; fail "$group/$name: output differs"; }
        fi
        ok "$group/$name (exit $want)"
    done
    require_cases "tests/data/cmd/$group/*.args" $n_group "$min"
done
echo "$pass_count passed, 0 failed"
