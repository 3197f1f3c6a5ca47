#!/bin/sh
# A live migration from a DPDK host to a passt host (issue 27), as
# tests/migration-vhost-user.sh does it between two dpdk-testpmd hosts: two
# private libvirt daemons, each with its own backend at the same path $sock
# (a bind mount in its namespace), a real guest under TCG.
#   source: dpdk-testpmd 22.11 (tso=0), offers the offloads, INDIRECT_DESC,
#           ANY_LAYOUT, GSO, GUEST_ANNOUNCE, EVENT_IDX...
#   destination: passt --vhost-user (tools/fetch-passt), VERSION_1 and
#           MRG_RXBUF only.
#  a. Unpinned, the guest negotiates what testpmd offers; the migration
#     fails in the destination's QEMU ("Features ... unsupported"), whose
#     Allowed features are passt's registers.
#  b. That pin without its base-bit overrides (what pin wrote before
#     base-off): the guest negotiates GUEST_ANNOUNCE and INDIRECT_DESC, and
#     the migration fails on exactly bits 21, 28.
#  c. Pinned against `abipin baseline` of the two hosts' profiles (probe
#     --vhost-user on each): the offloads and GSO off in <driver>, and
#     GUEST_ANNOUNCE, NOTIFY_ON_EMPTY, ANY_LAYOUT, INDIRECT_DESC off in
#     <qemu:override> (base-off): the destination's hook accepts it, the
#     migration completes and the guest keeps its features on passt.
# Skips (77) where the machine lacks the daemons, testpmd, passt or the guest.
. "$abs_top_srcdir/tests/lib.sh"
daemon_require
testpmd_require
passt=${ABIPIN_PASST:-/opt/abipin-passt/passt}
[ -x "$passt" ] && "$passt" --help 2>&1 | grep -q -- '--vhost-user' ||
    skip "no passt with --vhost-user at $passt (tools/fetch-passt /opt/abipin-passt; tools/quickstart does)"
kdir=${ABIPIN_GUEST_KERNEL:-/var/cache/abipin-test/guest-kernel}
guest_require "$kdir" "tools/fetch-guest-kernel $kdir"
machine=pc-q35-10.0
"$emulator" -machine help | grep -q "^$machine " ||
    skip "$("$emulator" --version | head -n 1) has no machine type $machine (tools/quickstart installs QEMU 10.0)"
virt=qemu
t_start=$(date +%s)

dom_prefix="abipin-mvp-$$-"
dom_u="${dom_prefix}u"
dom_b="${dom_prefix}b"
dom_c="${dom_prefix}c"
v1() { timeout 120 virsh -c "$(uri 1)" "$@"; }
v2() { timeout 120 virsh -c "$(uri 2)" "$@"; }
daemon_setup ""
passt_pid=
trap 'stop_children $passt_pid; testpmd_stop; daemon_cleanup' EXIT
mkdir "$tmp/vu" "$tmp/vu1" "$tmp/vu2" && chmod 700 "$tmp/vu1" "$tmp/vu2" || fail "mkdir $tmp/vu*"
sock="$tmp/vu/net.sock"
testpmd_start src "$tmp/vu1/net.sock"
"$passt" --vhost-user -f -s "$tmp/vu2/net.sock" </dev/null >"$tmp/passt.log" 2>&1 &
passt_pid=$!
end=$(($(date +%s) + 10))
until [ -S "$tmp/vu2/net.sock" ] && grep -q "bound at $tmp/vu2/net.sock\$" "$tmp/passt.log"; do
    kill -0 $passt_pid 2>/dev/null && [ "$(date +%s)" -le $end ] ||
        { cat "$tmp/passt.log" >&2; fail "passt did not listen on $tmp/vu2/net.sock"; }
    sleep 0.05
done
start_daemon 1 "mount --bind '$tmp/vu1' '$tmp/vu'" :
start_daemon 2 "mount --bind '$tmp/vu2' '$tmp/vu'" :
wait_daemon 1
wait_daemon 2
src_regs=$(vhost_user_registers "$emulator" "$machine" "$tmp/vu1/net.sock")
dst_regs=$(vhost_user_registers "$emulator" "$machine" "$tmp/vu2/net.sock")
[ "$src_regs" = 0x178bfe7e7 ] && [ "$dst_regs" = 0x1409f8024 ] ||
    fail "the registers on $machine: testpmd's $src_regs (not 0x178bfe7e7), passt's $dst_regs (not 0x1409f8024)"
ok "two private libvirtd $daemon_version; at $sock the source has dpdk-testpmd (registers $src_regs), the destination passt $(cat "$(dirname "$passt")/VERSION" 2>/dev/null) (registers $dst_regs)"

guest_initramfs "$kdir" "$tmp/initrd.gz"
vm_xml() { guest_xml "$1" "$2" "type='vhostuser'>
      <source type='unix' path='$sock' mode='client'/>" "<memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>"; }
on_host 1 "$ABIPIN" probe --no-cache --machine "$machine" --vhost-user "vu=$sock" -o "$tmp/A.xml" 2>"$tmp/err" ||
    fail "on the source: abipin probe --vhost-user vu=$sock: $(cat "$tmp/err")"
on_host 2 "$ABIPIN" probe --no-cache --machine "$machine" --vhost-user "vu=$sock" -o "$tmp/B.xml" 2>"$tmp/err" ||
    fail "on the destination: abipin probe --vhost-user vu=$sock: $(cat "$tmp/err")"

# ---- a: unpinned -----------------------------------------------------------------------
vm_xml "$dom_u" 52:54:00:76:70:01 >"$tmp/u.xml"
v1 define "$tmp/u.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define $dom_u"; }
boot 1 "$dom_u"
u_bits=$(bits "$dom_u")
has_bits "$dom_u" 28 || fail "$dom_u: the guest did not negotiate INDIRECT_DESC (28) on testpmd: $u_bits"
ok "$dom_u (unpinned) booted on daemon 1, eth0 up in $boot_ms ms: features $u_bits"
"$ABIPIN" diff --platform-a "$tmp/A.xml" --platform-b "$tmp/B.xml" "$tmp/u.xml" "$tmp/u.xml" >"$tmp/diff.txt" 2>&1
[ $? = 1 ] || { cat "$tmp/diff.txt" >&2; fail "abipin diff A B u.xml: expected exit 1 (a failing migration)"; }
predicted=$(sed -n 's/.*stops in QEMU.s state load with "\(.*\)"$/\1/p' "$tmp/diff.txt")
t0=$(ms)
v1 migrate --live "$dom_u" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" &&
    fail "$dom_u (unpinned) migrated from testpmd to passt"
fail_ms=$(($(ms) - t0))
features_line=$(grep -o 'Features 0x[0-9a-f]* unsupported. Allowed features: 0x[0-9a-f]*' "$tmp/d2/log/qemu/$dom_u.log" | tail -n 1)
[ -n "$features_line" ] || { tail -n 5 "$tmp/d2/log/qemu/$dom_u.log" "$tmp/err" >&2; fail "no Features line in the destination's QEMU log"; }
allowed=${features_line#*Allowed features: }
[ "$((allowed))" = "$((dst_regs))" ] || fail "Allowed features $allowed are not passt's registers $dst_regs"
[ "${predicted#*Allowed features: }" = "$allowed" ] ||
    fail "abipin diff predicted \"$predicted\", QEMU said \"$features_line\""
ok "unpinned, virsh migrate --live failed after $fail_ms ms: \"$features_line\", as abipin diff predicted"
v1 destroy "$dom_u" >/dev/null 2>&1

# ---- c: pinned against the baseline ---------------------------------------------------
vm_xml "$dom_c" 52:54:00:76:70:03 >"$tmp/c.in.xml"
"$ABIPIN" baseline "$tmp/A.xml" "$tmp/B.xml" --name dpdk-passt -o "$tmp/base.xml" 2>"$tmp/err" ||
    fail "abipin baseline A B: $(cat "$tmp/err")"
"$ABIPIN" pin "$tmp/c.in.xml" --platform "$tmp/base.xml" -o "$tmp/c.xml" 2>"$tmp/err" ||
    fail "abipin pin --platform baseline: $(cat "$tmp/err")"
grep -q "base-off='6 21 24 27 28'" "$tmp/c.xml" || fail "the baseline pin has no base-off 6 21 24 27 28: $(grep 'abipin:interface ' "$tmp/c.xml")"
# b: the same pin without the base bits' overrides (what pin wrote before
# base-off): the guest negotiates GUEST_ANNOUNCE and INDIRECT_DESC on
# testpmd, which passt lacks
sed "s/ gso='off'//; /<qemu:property name='\(guest_announce\|notify_on_empty\|any_layout\|indirect_desc\)'/d; s/ base-off='[0-9 ]*'//; s/$dom_c/$dom_b/g" \
    "$tmp/c.xml" >"$tmp/b-rec.xml"
# with its record, abipin check on the source refuses it (the guest would
# negotiate what the pinned-for backend lacked); the record gone, nothing
# stops it but QEMU
on_host 1 "$ABIPIN" check "$tmp/b-rec.xml" >"$tmp/check" 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'offers VIRTIO_RING_F_INDIRECT_DESC (bit 28), which the backend the definition was pinned against did not' "$tmp/check" ||
    { cat "$tmp/check" >&2; fail "abipin check on the source of the baseline pin without its base-bit overrides: exit $rc, expected 1 naming INDIRECT_DESC"; }
sed '/<metadata>/,/<\/metadata>/d' "$tmp/b-rec.xml" >"$tmp/b.xml"
v1 define "$tmp/b.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define $dom_b"; }
boot 1 "$dom_b"
b_bits=$(bits "$dom_b")
has_bits "$dom_b" 21 && has_bits "$dom_b" 28 ||
    fail "$dom_b (baseline pin without base-bit overrides): no GUEST_ANNOUNCE and INDIRECT_DESC negotiated: $b_bits"
v1 migrate --live "$dom_b" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" &&
    fail "$dom_b (GUEST_ANNOUNCE, INDIRECT_DESC negotiated) migrated to passt"
b_line=$(grep -o 'Features 0x[0-9a-f]* unsupported. Allowed features: 0x[0-9a-f]*' "$tmp/d2/log/qemu/$dom_b.log" | tail -n 1)
b_feat=${b_line#Features }
b_feat=${b_feat%% *}
[ -n "$b_line" ] && [ $((b_feat & ~dst_regs)) = $(((1 << 21) | (1 << 28))) ] ||
    { tail -n 5 "$tmp/d2/log/qemu/$dom_b.log" "$tmp/err" >&2; fail "$dom_b: expected passt's QEMU to reject bits 21, 28 exactly: '$b_line'"; }
ok "the baseline pin without its base-bit overrides: abipin check on the source refuses it (INDIRECT_DESC...); without its record the guest negotiates $b_bits; the migration fails: \"$b_line\" (bits 21, 28)"
v1 destroy "$dom_b" >/dev/null 2>&1

v1 define "$tmp/c.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define $dom_c"; }
boot 1 "$dom_c"
c_bits=$(bits "$dom_c")
! has_bits "$dom_c" 28 || fail "$dom_c (pinned against the baseline) negotiated INDIRECT_DESC: $c_bits"
ok "$dom_c (pinned against baseline A B, base-off 6 21 24 27 28) booted on testpmd, eth0 up in $boot_ms ms: features $c_bits"
: >"$tmp/d2/hook.log"
last=$(tick "$dom_c")
t0=$(ms)
v1 migrate --live "$dom_c" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" || {
    cat "$tmp/err" >&2
    sed -n '/^LC_ALL=/,$p' "$tmp/d2/log/qemu/$dom_c.log" | tail -n 5 >&2
    tail -n 5 "$tmp/passt.log" >&2
    fail "virsh migrate --live $dom_c (pinned against the baseline) from testpmd to passt"
}
mig_ms=$(($(ms) - t0))
grep -q "^$dom_c migrate begin" "$tmp/d2/hook.log" || fail "$dom_c: daemon 2's hook was not called"
qemu_pid 2 "$dom_c" >/dev/null || fail "$dom_c has no QEMU on daemon 2"
wait_up "$dom_c" 60 "$last" || fail "$dom_c: the guest's console went quiet after the migration (tick $last)"
[ "$(bits "$dom_c")" = "$c_bits" ] || fail "$dom_c on passt: features $(bits "$dom_c"), were $c_bits"
ok "pinned against the baseline, virsh migrate --live testpmd -> passt completed in $mig_ms ms; the guest runs on daemon 2 (tick $last -> $(tick "$dom_c")), eth0 up, the same features"
v2 destroy "$dom_c" >/dev/null 2>&1
echo "figure: failed migration (unpinned) = $fail_ms ms: $features_line"
echo "figure: migration (pinned against the baseline) = $mig_ms ms"
echo "figure: whole test = $(($(date +%s) - t_start)) s"
echo "$pass_count passed, 0 failed"
