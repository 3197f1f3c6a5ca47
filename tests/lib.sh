# Shared by the shell tests: run with automake's environment (ABIPIN,
# ABIPIN_DATADIR, abs_top_srcdir...). Exit 77 means skipped, and says why.
set -u

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    exit 77
}

pass_count=0
ok() {
    pass_count=$((pass_count + 1))
    echo "ok $pass_count - $*"
}

# expect_exit CODE DESCRIPTION -- COMMAND...: run COMMAND, compare its exit code
expect_exit() {
    want=$1
    what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" = "$want" ] || {
        cat "$tmp/out" "$tmp/err" >&2
        fail "$what: exit $got, expected $want"
    }
    ok "$what (exit $want)"
}

# stop_children PID...: end the test's own background processes: TERM, up to
# 5 s to go, then KILL; reaped, so none is left behind
stop_children() {
    for p in "$@"; do kill "$p" 2>/dev/null; done
    for p in "$@"; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}

# json_get FILE PYTHON-EXPRESSION-ON-d: print a value from a JSON document
json_get() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
