#!/bin/sh
# pin and check as commands: --in-place is atomic and keeps the mode, -o,
# the JSON summary, check's exit codes and messages, and bad input that
# loses nothing.
. "$abs_top_srcdir/tests/lib.sh"
dir="$abs_top_srcdir/tests/data/pin"
ABIPIN_HOST_PROFILE="$dir/platforms/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE

cp "$dir/bridge.in.xml" "$tmp/dom.xml"
chmod 640 "$tmp/dom.xml"
expect_exit 0 "pin --in-place" -- "$ABIPIN" -q pin --in-place "$tmp/dom.xml"
cmp -s "$tmp/dom.xml" "$dir/bridge.out.xml" || fail "--in-place wrote something else than stdout would"
[ "$(stat -c %a "$tmp/dom.xml")" = 640 ] || fail "--in-place changed the mode"
[ -z "$(ls -A "$tmp" | grep -v '^dom.xml$' | grep -v '^out$' | grep -v '^err$')" ] || fail "temporary files left: $(ls "$tmp")"
ok "--in-place keeps the mode and leaves no temporary file"

expect_exit 0 "pin -o --json" -- "$ABIPIN" pin --platform linux-5.14 -o "$tmp/pinned.xml" --json "$dir/bridge.in.xml"
[ "$(json_get "$tmp/out" 'd["platform"]')" = linux-5.14 ] || fail "JSON summary: platform"
[ "$(json_get "$tmp/out" '[f["why"] for f in d["interfaces"][0]["features"] if f.get("name")=="host_uso"][0]')" = host-lacks ] ||
    fail "JSON summary: host_uso should be off because the host lacks USO"
grep -q "name='host_uso' type='bool' value='false'" "$tmp/pinned.xml" || fail "-o: host_uso not pinned off"

# check: the 6.12 pin on a 5.14 host names USO, the fix, and exits 1
"$ABIPIN" -q pin "$dir/bridge.in.xml" >"$tmp/p612.xml" || fail "pin for the host"
expect_exit 1 "check a 6.12 pin against linux-5.14" -- "$ABIPIN" check --platform linux-5.14 "$tmp/p612.xml"
grep -qE "^   vm1: Checking interface ua-net-525400000001 \(52:54:00:00:00:01\) +: FAIL \(host_uso is pinned on, but the platform 'linux-5.14' lacks tap.uso4 \(no TUN_F_USO4 on tun: Linux < 6.2\); re-pin" "$tmp/out" ||
    { cat "$tmp/out"; fail "check message"; }
# with vhost-net, RING_RESET needs the kernel's vhost too (not before 6.3): the
# IONOS report's pair of missing features, USO and queue_reset
[ "$(grep -c 'is pinned on' "$tmp/out")" = 4 ] || fail "check should name USO (3) and queue_reset"
! grep -q ': PASS' "$tmp/out" || fail "check: an interface with failures also passed"
grep -q "queue_reset is pinned on, but the platform 'linux-5.14' lacks vhost.bit.40" "$tmp/out" ||
    fail "check does not name vhost's RING_RESET"
expect_exit 1 "check --json" -- "$ABIPIN" check --json --platform linux-5.14 "$tmp/p612.xml"
[ "$(json_get "$tmp/out" 'sorted(p["feature"] for p in d["problems"])')" = "['guest_uso4', 'guest_uso6', 'host_uso', 'queue_reset']" ] ||
    fail "check --json problems"
[ "$(json_get "$tmp/out" 'all(p["message"].endswith(": " + p["detail"]) for p in d["problems"])')" = True ] ||
    fail "check --json: a message is not its interface and its detail"
expect_exit 0 "check the same pin against linux-6.12" -- "$ABIPIN" check --platform linux-6.12 "$tmp/p612.xml"
grep -qE "^   vm1: Checking interface ua-net-525400000001 \(52:54:00:00:00:01\) +: PASS$" "$tmp/out" ||
    fail "check: no PASS for the interface"
expect_exit 0 "check an unpinned domain (a warning)" -- "$ABIPIN" check "$dir/bridge.in.xml"
grep -qE ": WARN \(not pinned \(21 host-dependent features left" "$tmp/out" || fail "no warning for an unpinned interface"
expect_exit 0 "check -q an unpinned domain" -- "$ABIPIN" -q check "$dir/bridge.in.xml"
[ ! -s "$tmp/out" ] || fail "check -q printed a warning or the verdict"
expect_exit 1 "check --strict an unpinned domain" -- "$ABIPIN" check --strict "$dir/bridge.in.xml"
expect_exit 0 "re-pin against a baseline" -- "$ABIPIN" -q pin --platform linux-5.14 --in-place "$tmp/p612.xml"
expect_exit 0 "now linux-5.14 honours it" -- "$ABIPIN" check --platform linux-5.14 "$tmp/p612.xml"

# <driver name='default'> is libvirt's own choice: pinned as if absent
sed "s|<model type='virtio'/>|<model type='virtio'/>\n      <driver name='default'/>|" "$dir/bridge.in.xml" >"$tmp/default.xml"
expect_exit 0 "pin <driver name='default'>" -- "$ABIPIN" -q pin "$tmp/default.xml"
grep -q "<driver name='vhost'" "$tmp/out" && ! grep -q "name='default'" "$tmp/out" ||
    { cat "$tmp/out"; fail "<driver name='default'> was not pinned like an absent driver"; }

# a declared encoding other than UTF-8 is kept while the text is ASCII
{ echo "<?xml version='1.0' encoding='ISO-8859-1'?>"; cat "$dir/bridge.in.xml"; } >"$tmp/latin1.xml"
expect_exit 0 "pin an ASCII document declared ISO-8859-1" -- "$ABIPIN" -q pin "$tmp/latin1.xml"
[ "$(head -1 "$tmp/out")" = "<?xml version='1.0' encoding='ISO-8859-1'?>" ] || fail "the declaration changed"

# bad input: exit 2, nothing written, input untouched, even with --in-place
n=0
for bad in "$dir"/bad-*.in.xml; do
    [ -f "${bad%.in.xml}.args" ] && continue # bad options, not bad files
    n=$((n + 1))
    cp "$bad" "$tmp/bad.xml"
    expect_exit 2 "pin --in-place $(basename "$bad")" -- "$ABIPIN" pin --in-place "$tmp/bad.xml"
    cmp -s "$bad" "$tmp/bad.xml" || fail "$(basename "$bad"): --in-place changed the input"
    expect_exit 2 "pin -o $(basename "$bad")" -- "$ABIPIN" pin -o "$tmp/never.xml" "$bad"
    [ ! -e "$tmp/never.xml" ] || fail "an output file was written"
done
require_cases "tests/data/pin/bad-*.in.xml without .args" $n 15
expect_exit 2 "pin of a directory" -- "$ABIPIN" pin "$dir"
expect_exit 2 "pin of /dev/zero" -- "$ABIPIN" pin /dev/zero
head -c $((11 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$tmp/huge.xml"
expect_exit 2 "pin of an 11 MiB file" -- "$ABIPIN" pin "$tmp/huge.xml"
grep -q "larger than" "$tmp/err" || fail "no size message"
expect_exit 2 "-o with --in-place" -- "$ABIPIN" pin -o x --in-place "$dir/bridge.in.xml"
# a refusal (exit 1) writes nothing either
cp "$dir/vhostuser-refused.in.xml" "$tmp/vu.xml"
expect_exit 1 "pin --in-place refused" -- "$ABIPIN" pin --in-place "$tmp/vu.xml"
cmp -s "$dir/vhostuser-refused.in.xml" "$tmp/vu.xml" || fail "a refused --in-place changed the file"
[ -z "$(ls -a "$tmp" | grep abipin-)" ] || fail "temporary files left behind"

echo "$pass_count passed, 0 failed"
