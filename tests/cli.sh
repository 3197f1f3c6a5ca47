#!/bin/sh
# The command line: exit codes, outputs, and that bad input loses nothing.
. "$abs_top_srcdir/tests/lib.sh"
data="$abs_top_srcdir/tests/data/profile"
rng="$abs_top_srcdir/xml/platform.rng"

expect_exit 0 "--version" -- "$ABIPIN" --version
grep -q "^abipin [0-9]" "$tmp/out" || fail "--version prints no version"
expect_exit 0 "--help" -- "$ABIPIN" --help
for cmd in probe platforms baseline compare; do
    expect_exit 0 "$cmd --help" -- "$ABIPIN" $cmd --help
    grep -q "Usage: abipin $cmd" "$tmp/out" || fail "$cmd --help has no usage line"
done
expect_exit 2 "no command" -- "$ABIPIN"
expect_exit 2 "unknown command" -- "$ABIPIN" frobnicate
grep -q "unknown command 'frobnicate'" "$tmp/err" || fail "unknown command not named"
expect_exit 2 "unknown option" -- "$ABIPIN" compare --frob linux-6.1
expect_exit 2 "compare needs one profile" -- "$ABIPIN" compare
expect_exit 2 "baseline needs a profile" -- "$ABIPIN" baseline

# compare: named platforms, both directions
expect_exit 0 "linux-6.12 honours linux-5.14" -- "$ABIPIN" compare linux-5.14 --against linux-6.12
expect_exit 1 "linux-5.14 cannot honour linux-6.12" -- "$ABIPIN" compare linux-6.12 --against linux-5.14
# one check per atom of linux-6.12, as virt-host-validate prints them
for atom in tap.uso4 tap.uso6 macvtap.uso4 macvtap.uso6 vhost.bit.40; do
    grep -qE "^linux-5.14: Checking for $atom \(.*\) *: FAIL \(" "$tmp/out" || fail "compare does not fail $atom"
done
grep -qE "^linux-5.14: Checking for tap.ufo \(.*\) *: PASS$" "$tmp/out" || fail "compare does not pass tap.ufo"
[ "$(grep -c ': PASS$' "$tmp/out")" = $(($(grep -c '<atom name=' "$abs_top_srcdir/data/platforms/linux-6.12.xml") - $(grep -c 'state=' "$abs_top_srcdir/data/platforms/linux-6.12.xml") - 5)) ] ||
    fail "compare: not one PASS per atom of linux-6.12 that linux-5.14 has"
grep -q "Linux < 6.2" "$tmp/out" || fail "compare does not explain USO"
grep -qx "linux-5.14 cannot honour linux-6.12: 5 atoms missing" "$tmp/out" || fail "compare: no verdict"
expect_exit 1 "compare -q" -- "$ABIPIN" -q compare linux-6.12 --against linux-5.14
[ "$(grep -c ': FAIL (' "$tmp/out")" = 5 ] && ! grep -q ': PASS' "$tmp/out" || fail "compare -q: not the failures only"
NO_COLOR= TERM=xterm script -qec "$ABIPIN compare linux-6.12 --against linux-5.14" /dev/null >"$tmp/tty" </dev/null
grep -q "$(printf '\033\[31mFAIL\033\[0m')" "$tmp/tty" && grep -q "$(printf '\033\[32mPASS')" "$tmp/tty" ||
    fail "compare on a terminal: no red FAIL, green PASS"
NO_COLOR=1 script -qec "$ABIPIN compare linux-6.12 --against linux-5.14" /dev/null >"$tmp/tty" </dev/null
! grep -q "$(printf '\033')" "$tmp/tty" || fail "NO_COLOR: still coloured"
TERM=dumb script -qec "$ABIPIN compare linux-6.12 --against linux-5.14" /dev/null >"$tmp/tty" </dev/null
! grep -q "$(printf '\033')" "$tmp/tty" || fail "TERM=dumb: still coloured"
ok "colour only on a terminal, not with NO_COLOR or TERM=dumb"
expect_exit 1 "compare --json" -- "$ABIPIN" compare linux-6.12 --against linux-5.14 --json
[ "$(json_get "$tmp/out" 'd["ok"]')" = False ] || fail "compare --json: ok should be false"
[ "$(json_get "$tmp/out" 'len(d["missing"])')" = 5 ] || fail "compare --json: 5 atoms missing"
expect_exit 1 "linux-4.14.0 cannot honour linux-4.18 (UFO)" -- \
    "$ABIPIN" compare linux-4.18 --against linux-4.14.0
grep -qE "^linux-4.14.0: Checking for tap.ufo .*: FAIL" "$tmp/out" || fail "4.14.0 should lack tap.ufo"

# baseline: AND of 6.12 and 5.14 is 5.14's kernel atoms; written atomically with -o
expect_exit 0 "baseline -o" -- "$ABIPIN" baseline linux-6.12 linux-5.14 --name cluster -o "$tmp/cluster.xml"
[ -s "$tmp/cluster.xml" ] || fail "baseline wrote nothing"
[ ! -s "$tmp/out" ] || fail "baseline -o also wrote to stdout"
xmllint --noout --relaxng "$rng" "$tmp/cluster.xml" 2>/dev/null || fail "baseline output does not validate"
ok "baseline output validates against platform.rng"
grep -q '<platform name="cluster">' "$tmp/cluster.xml" || fail "baseline name not set"
grep -q 'name="tap.uso4" state="absent"' "$tmp/cluster.xml" || fail "baseline keeps USO"
expect_exit 0 "5.14 honours the baseline" -- "$ABIPIN" compare "$tmp/cluster.xml" --against linux-5.14
expect_exit 0 "6.12 honours the baseline" -- "$ABIPIN" compare "$tmp/cluster.xml" --against linux-6.12
expect_exit 1 "4.14.0 cannot join the cluster" -- "$ABIPIN" compare "$tmp/cluster.xml" --against linux-4.14.0
expect_exit 0 "baseline --json" -- "$ABIPIN" baseline linux-6.12 linux-5.14 --json
[ "$(json_get "$tmp/out" '"tap.uso4" in d["atoms"]["present"]')" = False ] || fail "json baseline has USO"
[ "$(json_get "$tmp/out" '"tap.ufo" in d["atoms"]["present"]')" = True ] || fail "json baseline lacks UFO"

# bad input: exit 2, the message names the file, no output written, input untouched
n=0
for f in "$data"/bad-*.xml; do
    n=$((n + 1))
    name=$(basename "$f")
    sum=$(md5sum <"$f")
    expect_exit 2 "baseline of $name" -- "$ABIPIN" baseline linux-6.1 "$f" -o "$tmp/never.xml"
    [ ! -e "$tmp/never.xml" ] || fail "$name: an output file was written"
    [ "$(md5sum <"$f")" = "$sum" ] || fail "$name: the input changed"
    grep -q "$name" "$tmp/err" || fail "$name: the message does not name the file"
done
require_cases "baseline of tests/data/profile/bad-*.xml" $n 24
ls "$tmp" | grep -q abipin- && fail "a temporary file was left behind"
# libxml2's own messages can span lines ("...indicate encoding !\nBytes: 0xFF")
n=0
for f in "$data"/bad-*.xml; do
    n=$((n + 1))
    "$ABIPIN" compare "$f" >/dev/null 2>"$tmp/err"
    [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "$(basename "$f"): the error is not one line"; }
done
require_cases "compare of tests/data/profile/bad-*.xml" $n 24
ok "every bad profile: an error of one line"
expect_exit 2 "a directory is not a profile" -- "$ABIPIN" compare "$data"
expect_exit 2 "/dev/zero is not a profile" -- "$ABIPIN" compare /dev/zero
mkfifo "$tmp/fifo"
expect_exit 2 "a FIFO is not a profile" -- "$ABIPIN" compare "$tmp/fifo"
expect_exit 2 "unknown platform name" -- "$ABIPIN" compare linux-99.9 --against linux-6.1
grep -q "unknown platform 'linux-99.9'" "$tmp/err" || fail "unknown platform not named"

# a bad --platform is the command's error, said once: not each domain's
pin="$abs_top_srcdir/tests/data/pin"
expect_exit 2 "audit --platform with a bad profile" -- \
    "$ABIPIN" audit --platform "$data/bad-truncated.xml" "$pin/bridge.in.xml" "$pin/bridge.out.xml"
[ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "bad-truncated.xml:3: malformed XML" "$tmp/err" ||
    { cat "$tmp/out" "$tmp/err"; fail "audit blamed the domains for a bad --platform"; }

# -o into a directory that does not exist: environment error, nothing left
expect_exit 3 "unwritable output" -- "$ABIPIN" baseline linux-6.1 -o "$tmp/no/such/dir/x.xml"

# progress on a terminal only: an audit of a directory shows it on standard
# error (script(1) gives it a terminal), a pipe gets none, nor does -q
if command -v script >/dev/null; then
    mkdir "$tmp/fleet"
    for i in 1 2 3; do cp "$abs_top_srcdir/tests/data/pin/bridge.in.xml" "$tmp/fleet/d$i.xml"; done
    ABIPIN_HOST_PROFILE="$abs_top_srcdir/tests/data/pin/platforms/qemu-10.0.xml" \
        script -qec "'$ABIPIN' audit '$tmp/fleet' >'$tmp/report'" /dev/null >"$tmp/tty" </dev/null
    grep -q "auditing $tmp/fleet: 1 of 3" "$tmp/tty" || { cat "$tmp/tty"; fail "no progress on a terminal"; }
    grep -q "audited 3 definitions" "$tmp/report" && ! grep -q "$(printf '\r')" "$tmp/report" ||
        fail "the progress got into the report"
    ABIPIN_HOST_PROFILE="$abs_top_srcdir/tests/data/pin/platforms/qemu-10.0.xml" \
        "$ABIPIN" audit "$tmp/fleet" >/dev/null 2>"$tmp/err"
    ! grep -q "auditing" "$tmp/err" || fail "progress on a pipe"
    ok "audit of a directory: progress on a terminal's standard error, none on a pipe, none in the report"
else
    echo "note: no script(1) (util-linux): the progress on a terminal is not checked"
fi

echo "$pass_count passed, 0 failed"
