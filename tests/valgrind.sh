#!/bin/sh
# valgrind memcheck over the unit suites and the main commands: no invalid
# access, no definite leak. Skips (77) where valgrind is not installed.
. "$abs_top_srcdir/tests/lib.sh"
command -v valgrind >/dev/null || skip "valgrind is not installed"
# valgrind cannot run an ASan binary: it dies at once, and the checks below
# would pass without valgrind having looked at anything.
[ -z "${ABIPIN_SANITIZERS:-}" ] ||
    skip "built with --enable-sanitizers ($ABIPIN_SANITIZERS): ASan replaces valgrind there"
pin="$abs_top_srcdir/tests/data/pin"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE
vg() {
    [ -x "$1" ] || fail "no $1"
    valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 -q "$@" \
        >/dev/null 2>"$tmp/vg"
    [ $? = 99 ] && { cat "$tmp/vg"; fail "valgrind: $*"; }
    ok "memcheck clean: $(basename "$1") ${2:-} ${3:-}"
}
for t in test-atoms test-catalogue test-profile test-domain; do
    [ -x "$abs_top_builddir/tests/$t" ] || fail "no tests/$t"
    CK_FORK=no vg "$abs_top_builddir/tests/$t"
done
vg "$ABIPIN" pin "$pin/multi-nic.in.xml"
vg "$ABIPIN" pin --platform linux-5.14 "$pin/linux-5.14.in.xml"
vg "$ABIPIN" pin "$pin/vhostuser-refused.in.xml"
vg "$ABIPIN" pin "$pin/bad-doctype.in.xml"
vg "$ABIPIN" check --platform linux-5.14 "$pin/bridge.out.xml"
vg "$ABIPIN" abi --json "$pin/multi-nic.out.xml"
vg "$ABIPIN" diff --platform-b linux-5.14 "$pin/bridge.in.xml" "$pin/multi-nic.in.xml"
vg "$ABIPIN" audit "$abs_top_srcdir/tests/data/cmd/audit/fleet"
vg "$ABIPIN" baseline linux-6.12 linux-5.14 linux-4.14.0
vg "$ABIPIN" compare linux-6.12 --against linux-5.14
vg "$abs_top_builddir/abipin-hook" vm1 prepare begin - <"$pin/bridge.out.xml"
# abipin-hook leaves the domain to its exit (cmd_hook_exiting): "abipin
# hook" runs the same code and frees it, so its leaks are still seen
vg "$ABIPIN" hook vm1 prepare begin - <"$pin/bridge.out.xml"
vg "$ABIPIN" probe --format nfd
vg "$ABIPIN" probe --format nova
vg "$ABIPIN" pin --require-labels --platform linux-6.2 "$pin/multi-nic.in.xml"
vg "$ABIPIN" pin --require-labels=nova "$pin/linux-5.14.out.xml"
vg "$ABIPIN" pin --require-labels "$pin/bridge.in.xml"
# the measured defaults: a paused QEMU asked over QMP (this host's emulator,
# not the fixture's), profiles that carry them, merged and compared
measured="$pin/platforms/qemu-10.0-measured.xml" downstream="$pin/platforms/qemu-10.0-downstream.xml"
ABIPIN_HOST_PROFILE= ABIPIN_CACHE_DIR="$tmp/cache" vg "$ABIPIN" probe --no-cache --machine q35 --machine pc
vg "$ABIPIN" baseline "$measured" "$downstream"
vg "$ABIPIN" compare "$measured" --against "$downstream"
vg "$ABIPIN" diff --platform-a "$measured" --platform-b "$downstream" "$pin/bridge.in.xml" "$pin/bridge.in.xml"
vg "$ABIPIN" pin --platform "$pin/platforms/qemu-10.0-rhel.xml" "$pin/rhel-machine-measured.in.xml"
# the libvirt client path (libvirt's embedded test driver, no daemon): under
# ASan its leaks go unchecked (tests/lib.sh: libvirt_loads_under_asan)
vg "$ABIPIN" define -c test:///default "$pin/bridge.in.xml"
echo "$pass_count passed, 0 failed"
