#!/bin/sh
# define and start through the real libvirt API, on libvirt's embedded test
# driver (no daemon). tests/data/virt/node.xml is the driver's state: vm1,
# pinned for a 6.12/QEMU 10.0 host and shut off. With ABIPIN_LIBVIRT_PREFIX
# (tools/fetch-libvirt) abipin loads that libvirt.so.0 instead of the system's.
. "$abs_top_srcdir/tests/lib.sh"
libvirt_loads_under_asan
if [ -n "${ABIPIN_LIBVIRT_PREFIX:-}" ]; then
    client_from "$ABIPIN_LIBVIRT_PREFIX"
    ok "abipin loads $(ls "$lib"/libvirt.so.0.*) through the libvirt API"
fi
pin="$abs_top_srcdir/tests/data/pin"
node="test://$abs_top_srcdir/tests/data/virt/node.xml"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE

expect_exit 0 "define pins and defines" -- "$ABIPIN" define -c test:///default "$pin/bridge.in.xml"
grep -q "Domain 'vm1' defined from" "$tmp/out" || fail "define did not say what it defined"
grep -q "pinned vm1 against 'testhost'" "$tmp/err" || fail "define did not say what it pinned"
expect_exit 0 "define --json" -- "$ABIPIN" define --json -c test:///default "$pin/bridge.in.xml"
[ "$(json_get "$tmp/out" 'd["domain"]')" = vm1 ] || fail "define --json: domain"
expect_exit 1 "define refuses what it cannot pin" -- "$ABIPIN" define -c test:///default "$pin/vhostuser-refused.in.xml"
expect_exit 2 "define of bad XML" -- "$ABIPIN" define -c test:///default "$pin/bad-doctype.in.xml"
expect_exit 3 "define with an unreachable URI" -- "$ABIPIN" define -c "qemu+unix:///system?socket=$tmp/none" "$pin/bridge.in.xml"
grep -q "cannot connect to libvirt" "$tmp/err" || fail "no connection message"

expect_exit 0 "start on a host that honours the pins" -- "$ABIPIN" start -c "$node" vm1
grep -q "Domain 'vm1' started" "$tmp/out" || fail "start did not start"
expect_exit 1 "start refused on a host without UFO (linux-4.14.0)" -- "$ABIPIN" start -c "$node" --platform linux-4.14.0 vm1
grep -q "host_ufo is pinned on, but the platform 'linux-4.14.0' lacks tap.ufo" "$tmp/err" || fail "refusal does not name UFO"
grep -q "not starting 'vm1'" "$tmp/err" || fail "refusal does not say the domain stays off"
grep -q "started" "$tmp/out" && fail "refused, yet it says started"
expect_exit 2 "start of an unknown domain" -- "$ABIPIN" start -c "$node" nosuch
expect_exit 2 "start without a name" -- "$ABIPIN" start -c "$node"
echo "$pass_count passed, 0 failed"
