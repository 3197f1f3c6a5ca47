#!/bin/sh
# abipin's model against real QEMU, bit for bit, for every QEMU Debian ships
# that this machine has: 5.2 (Debian 11, chroot), 7.2 (Debian 12, unpacked
# prefix), 10.0 (bookworm-backports, in PATH), 11.1 (unstable, chroot). Every
# machine type each QEMU lists, with a tap and -netdev user, then taps whose
# TUNSETOFFLOAD rejects USO, UFO or UDP-tunnel GSO, explicit pins, models,
# multiqueue and rss on a few machine types. Each QEMU's offered vector is read
# from the device's PCI registers through qtest (tests/qtest_virtio.py) and,
# where QMP x-query-virtio-status works, QMP too. The cells, the matrix and
# the reasons are in tests/abi-fidelity.py.
#
# Skips (77) only without any QEMU; without /dev/net/tun (or the privilege to
# make a tap) it runs the -netdev user cells, then skips with the reason.
# qemu-system-aarch64 (virt-*) where installed, the same way.
# ABIPIN_QEMU_PREFIXES: private prefixes (default /opt/abipin-qemu-*);
# ABIPIN_QEMU_CHROOTS: chroot wrappers (default
# /opt/abipin-chroot-*/abipin/qemu-system-x86_64); ABIPIN_FIDELITY_ACCEL: tcg
# (default) or kvm. ABIPIN_FIDELITY_ARCHES: x86_64 and/or aarch64 (default
# both). ABIPIN_FIDELITY_KEEP=DIR: keep every batch's domain, abipin
# answer, QEMU command line and log.
. "$abs_top_srcdir/tests/lib.sh"

tapbase="abf$$x"
cleanup() {
    for t in $(ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: \(${tapbase}[0-9]*\)[:@].*/\1/p"); do
        ip link del "$t" 2>/dev/null
    done
    if [ -n "${ABIPIN_FIDELITY_KEEP:-}" ]; then
        rm -rf "$ABIPIN_FIDELITY_KEEP"
        cp -r "$tmp" "$ABIPIN_FIDELITY_KEEP" && echo "note: the cells' files are in $ABIPIN_FIDELITY_KEEP"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# TCG unless asked for KVM; never open /dev/kvm when it is not the KVM device
if [ "${ABIPIN_FIDELITY_ACCEL:-tcg}" = kvm ] && ! kvm_usable; then
    skip "ABIPIN_FIDELITY_ACCEL=kvm, but /dev/kvm is not a KVM device this user may open"
fi
kvm_before=$([ -e /dev/kvm ] && echo present || echo absent)

[ -f "${ABIPIN_TUNSHIM:-}" ] || fail "the TUNSETOFFLOAD shim ${ABIPIN_TUNSHIM:-(ABIPIN_TUNSHIM unset)} is not built (make tests/shim/libtunshim.la)"

# Can this machine make taps?
tap_reason=
if [ ! -e /dev/net/tun ]; then
    tap_reason="no /dev/net/tun on this machine"
elif ! ip tuntap add "${tapbase}0" mode tap 2>"$tmp/err"; then
    tap_reason="cannot create a tap: $(cat "$tmp/err")"
else
    ip link del "${tapbase}0"
fi

python3 "$abs_top_srcdir/tests/abi-fidelity.py" "$tmp" "$tapbase" "$tap_reason"
rc=$?
# QEMU, the chroots' wrappers and abipin write nothing under /dev
[ "$kvm_before" = absent ] && [ -e /dev/kvm ] && fail "/dev/kvm appeared during the test"
exit $rc
