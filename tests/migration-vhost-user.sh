#!/bin/sh
# A live migration between two hosts whose vhost-user backends differ
# (issue 27), with real libvirt daemons, real QEMU, a real guest and real
# backends: the source's dpdk-testpmd offers TSO (tso=1), the destination's
# does not (tso=0), so a guest that negotiated HOST_TSO4/6 on the source
# cannot be loaded on the destination.
#
# The two hosts: tests/lib.sh's private libvirtd 1 (source) and 2
# (destination), each in its own mount namespace, in which the same path
# $tmp/vu holds that host's backend socket ($tmp/vu1 or $tmp/vu2 bound
# there): one domain definition, two backends, as on two real hosts. What
# runs "on host N" outside the daemons (abipin pin, abipin probe) runs in a
# namespace of the same kind. The guest: the Linux 6.12 kernel of
# tools/fetch-guest-kernel with lib.sh's busybox initramfs, booted by libvirt
# under TCG, its NIC <interface type='vhostuser'> (client of the backend's
# socket), its memory a shared memfd (<memoryBacking>), as vhost-user needs;
# it prints its negotiated features every second on its console.
#
#  a. Unpinned: the guest negotiates HOST_TSO4/6 (bits 11, 12) on the
#     source; `virsh migrate --live` fails, the destination's QEMU log has
#     "Features 0x... unsupported" rejecting bits 11 and 12, its "Allowed
#     features" are the destination device's registers (read through qtest
#     before), and the guest runs on on the source.
#  b. Pinned by `abipin pin` on the source host (host tso4/tso6 on: its
#     backend offers them): daemon 2's abipin hook refuses the incoming
#     migration before QEMU starts, naming the backend and host_tso4.
#  c. Pinned against `abipin baseline A.xml B.xml` of the two hosts'
#     profiles (`abipin probe --vhost-user vu=SOCKET` on each): tso4/tso6
#     off; it migrates, and the guest's eth0 is up on the destination.
#
# The facts (the registers, a's failure, the guest) are asserted as they
# come; abipin's disagreements are collected, printed, and fail the test at
# the end, each with its command, what was expected and what abipin did.
# Where abipin gave no pinned definition for c, a hand-pinned one (tso4/tso6
# off) shows that this harness migrates such a guest. Figures go to the log
# as "figure: NAME = VALUE". Skips (77) only where the machine cannot run it.
. "$abs_top_srcdir/tests/lib.sh"
daemon_require
testpmd_require
kdir=${ABIPIN_GUEST_KERNEL:-/var/cache/abipin-test/guest-kernel}
guest_require "$kdir" "tools/fetch-guest-kernel $kdir"
machine=pc-q35-10.0
"$emulator" -machine help | grep -q "^$machine " ||
    skip "$("$emulator" --version | head -n 1) has no machine type $machine (tools/quickstart installs QEMU 10.0)"
virt=qemu # TCG: it runs this guest everywhere (KVM need not be there)
t_start=$(date +%s)
: >"$tmp/wrong"
has_probe=
"$ABIPIN" probe --help 2>/dev/null | grep -q -- '--vhost-user' && has_probe=1

# ---- the two hosts: a backend each, at the same path ---------------------------------
dom_prefix="abipin-mvu-$$-" # unique on the machine: we look for their QEMU in /proc
dom_u="${dom_prefix}u"      # unpinned (a)
dom_p="${dom_prefix}p"      # pinned by abipin pin on the source (b)
dom_c="${dom_prefix}c"      # pinned against the baseline (c)
v1() { timeout 120 virsh -c "$(uri 1)" "$@"; }
v2() { timeout 120 virsh -c "$(uri 2)" "$@"; }
daemon_setup ""
trap 'testpmd_stop; daemon_cleanup' EXIT
mkdir "$tmp/vu" "$tmp/vu1" "$tmp/vu2" && chmod 700 "$tmp/vu1" "$tmp/vu2" || fail "mkdir $tmp/vu*"
sock="$tmp/vu/net.sock"
testpmd_start src "$tmp/vu1/net.sock" tso=1
testpmd_start dst "$tmp/vu2/net.sock"
start_daemon 1 "mount --bind '$tmp/vu1' '$tmp/vu'" :
start_daemon 2 "mount --bind '$tmp/vu2' '$tmp/vu'" :
wait_daemon 1
wait_daemon 2
[ ! -e "$sock" ] || fail "$sock exists outside the hosts' namespaces"
src_regs=$(vhost_user_registers "$emulator" "$machine" "$tmp/vu1/net.sock")
dst_regs=$(vhost_user_registers "$emulator" "$machine" "$tmp/vu2/net.sock")
[ "$src_regs" = 0x178bfffe7 ] && [ "$dst_regs" = 0x178bfe7e7 ] ||
    fail "the registers on $machine: source's backend $src_regs (not 0x178bfffe7), destination's $dst_regs (not 0x178bfe7e7)"
ok "two private libvirtd $daemon_version up in $(($(date +%s) - started)) s; at $sock the source has a testpmd with tso=1 (registers $src_regs), the destination one without (registers $dst_regs)"

# ---- the guest -------------------------------------------------------------------
guest_initramfs "$kdir" "$tmp/initrd.gz"
# vm_xml NAME MAC: unpinned, one vhost-user NIC on $sock, memory a shared memfd
vm_xml() { guest_xml "$1" "$2" "type='vhostuser'>
      <source type='unix' path='$sock' mode='client'/>" "<memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>"; }
has_tso() { has_bits "$1" 11 12; }
# host_attrs XML: the <driver><host> tso4 and tso6 of the interface, "tso4 tso6"
host_attrs() {
    python3 -c 'import sys, xml.etree.ElementTree as ET
i = ET.parse(sys.argv[1]).getroot().find("devices/interface")
h = i.find("driver/host") if i is not None else None
print(*((h.get(a) or "-") if h is not None else "-" for a in ("tso4", "tso6")))' "$1"
}

# the two hosts' profiles (c, and a's prediction)
if [ -n "$has_probe" ]; then
    on_host 1 "$ABIPIN" probe --no-cache --machine "$machine" --vhost-user "vu=$sock" -o "$tmp/A.xml" 2>"$tmp/err" ||
        wrong "on the source: abipin probe --machine $machine --vhost-user vu=$sock: exit $?: $(head -n 3 "$tmp/err")"
    on_host 2 "$ABIPIN" probe --no-cache --machine "$machine" --vhost-user "vu=$sock" -o "$tmp/B.xml" 2>"$tmp/err" ||
        wrong "on the destination: abipin probe --machine $machine --vhost-user vu=$sock: exit $?: $(head -n 3 "$tmp/err")"
else
    wrong "abipin probe --vhost-user: abipin has no such option ($("$ABIPIN" probe --vhost-user "vu=$sock" 2>&1 | head -n 1)): no profiles of the two hosts, so no prediction (a) and no baseline (c)"
fi

# ---- a: unpinned: the migration fails in the destination ------------------------------
vm_xml "$dom_u" 52:54:00:76:75:01 >"$tmp/u.xml"
v1 define "$tmp/u.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define $dom_u"; }
boot 1 "$dom_u"
u_bits=$(bits "$dom_u")
has_tso "$dom_u" || fail "$dom_u: the guest did not negotiate HOST_TSO4/6 (bits 11, 12) on the source's tso=1 backend: $u_bits"
ok "$dom_u (unpinned) booted on daemon 1 ($virt), eth0 up in $boot_ms ms; the guest negotiated HOST_TSO4/6: features $u_bits"

if [ -s "$tmp/A.xml" ] && [ -s "$tmp/B.xml" ]; then
    "$ABIPIN" diff --platform-a "$tmp/A.xml" --platform-b "$tmp/B.xml" "$tmp/u.xml" "$tmp/u.xml" >"$tmp/diff.txt" 2>&1
    rc=$?
    if [ $rc = 1 ] && grep -q "B lacks 0x1800 (bits 11, 12)" "$tmp/diff.txt"; then
        ok "abipin diff of the two hosts' profiles predicts it: $(grep -o "B lacks 0x1800 (bits 11, 12)" "$tmp/diff.txt")"
        predicted=$(sed -n 's/.*stops in QEMU.s state load with "\(.*\)"$/\1/p' "$tmp/diff.txt")
    else
        wrong "abipin diff --platform-a A.xml --platform-b B.xml u.xml u.xml: expected exit 1 and \"B lacks 0x1800 (bits 11, 12)\", got exit $rc: $(head -n 5 "$tmp/diff.txt" | tr '\n' ' ')"
    fi
fi

t0=$(ms)
v1 migrate --live "$dom_u" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" &&
    fail "$dom_u (unpinned, TSO negotiated) migrated to a backend without TSO"
fail_ms=$(($(ms) - t0))
echo "# virsh migrate said: $(head -n 1 "$tmp/err")"
log2="$tmp/d2/log/qemu/$dom_u.log"
qemu_rejected "$log2" "11 12" "$u_bits"
allowed=${features_line#*Allowed features: }
[ "$((allowed))" = "$((dst_regs))" ] ||
    fail "the destination's Allowed features $allowed are not its device's registers $dst_regs"
if [ -s "$tmp/A.xml" ] && [ -s "$tmp/B.xml" ]; then
    predicted=${predicted:-}
    [ "${predicted#*Allowed features: }" = "$allowed" ] ||
        wrong "abipin diff --platform-a A.xml --platform-b B.xml u.xml u.xml: predicted \"${predicted:-no Features line}\", QEMU said \"$features_line\" (the Allowed features differ)"
fi
ok "virsh migrate --live failed after $fail_ms ms; daemon 2's QEMU log: \"$features_line\": bits 11, 12 rejected; Allowed = the destination's registers"
no_qemu 2 "$dom_u" "the failed migration" 1
src_state=$(v1 domstate --reason "$dom_u")
last=$(tick "$dom_u")
wait_up "$dom_u" 30 "$last" ||
    fail "after the failed migration $dom_u ($src_state) does not run on the source: its console stays at tick $last"
ok "after the failure the guest runs on the source ($src_state; console tick $last -> $(tick "$dom_u")), nothing on daemon 2"
v1 destroy "$dom_u" >/dev/null 2>&1 # one guest on a backend at a time

# ---- b: pinned on the source; the destination's hook refuses -------------------------------
vm_xml "$dom_p" 52:54:00:76:75:02 >"$tmp/p.in.xml"
if on_host 1 "$ABIPIN" pin "$tmp/p.in.xml" -o "$tmp/p.xml" 2>"$tmp/pin.err"; then
    attrs=$(host_attrs "$tmp/p.xml")
    if [ "$attrs" = "on on" ]; then
        ok "abipin pin on the source host: host tso4, tso6 on (its backend offers them)"
    else
        wrong "on the source: abipin pin p.in.xml: expected <host tso4='on' tso6='on'> (the backend at $sock offers bits 11, 12), got tso4 tso6 = $attrs"
    fi
else
    wrong "on the source: abipin pin p.in.xml: exit $?: $(head -n 3 "$tmp/pin.err")"
    attrs=none
fi
if [ "$attrs" = "on on" ]; then
    v1 create --paused "$tmp/p.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh create $dom_p"; }
    : >"$tmp/d2/hook.log"
    t0=$(ms)
    if v1 migrate --live "$dom_p" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err"; then
        wrong "virsh migrate --live $dom_p (pinned host_tso4/6 on) to the backend without TSO: expected the destination's hook to refuse, it migrated"
    else
        refuse_ms=$(($(ms) - t0))
        echo "  what virsh migrate printed:"
        sed 's/^/  | /' "$tmp/err"
        if ! grep -q "Hook script execution failed" "$tmp/err"; then
            wrong "virsh migrate --live $dom_p (pinned on): expected daemon 2's hook to refuse, it failed elsewhere: $(head -n 2 "$tmp/err" | tr '\n' ' ')"
        elif ! grep "host_tso4" "$tmp/err" | grep -qF "$sock"; then
            wrong "daemon 2's hook refused $dom_p, but no line of its message names both host_tso4 and the backend ($sock): $(grep -v '^$' "$tmp/err" | head -n 2 | tr '\n' ' ')"
        else
            ok "pinned on the source, $dom_p is refused by the destination's hook in $refuse_ms ms, naming host_tso4 and the backend"
        fi
        grep -q "^$dom_p migrate begin" "$tmp/d2/hook.log" || fail "daemon 2's hook was not called on migrate begin"
        no_qemu 2 "$dom_p" "the refused migration" 1
    fi
    qemu_pid 1 "$dom_p" >/dev/null || fail "the migration of $dom_p took it from the source"
    v1 destroy "$dom_p" >/dev/null 2>&1
    v2 destroy "$dom_p" >/dev/null 2>&1
fi

# ---- c: pinned against the baseline: it migrates ---------------------------------------
vm_xml "$dom_c" 52:54:00:76:75:03 >"$tmp/c.in.xml"
c_xml=
if [ -s "$tmp/A.xml" ] && [ -s "$tmp/B.xml" ]; then
    if "$ABIPIN" baseline "$tmp/A.xml" "$tmp/B.xml" --name vu-cluster -o "$tmp/base.xml" 2>"$tmp/err"; then
        if "$ABIPIN" pin "$tmp/c.in.xml" --platform "$tmp/base.xml" -o "$tmp/c.xml" 2>"$tmp/err"; then
            attrs=$(host_attrs "$tmp/c.xml")
            if [ "$attrs" = "off off" ]; then
                c_xml="$tmp/c.xml"
                ok "abipin pin against baseline A B: host tso4, tso6 off"
            else
                wrong "abipin pin c.in.xml --platform baseline(A, B): expected <host tso4='off' tso6='off'> (B's backend lacks bits 11, 12), got tso4 tso6 = $attrs"
            fi
        else
            wrong "abipin pin c.in.xml --platform baseline(A, B): exit $?: $(head -n 3 "$tmp/err")"
        fi
    else
        wrong "abipin baseline A.xml B.xml: exit $?: $(head -n 3 "$tmp/err")"
    fi
fi
c_what="pinned against the baseline"
if [ -z "$c_xml" ]; then
    # the harness, shown anyway: the same guest pinned off by hand migrates
    sed "s|<model type='virtio'/>|<model type='virtio'/>\n      <driver><host tso4='off' tso6='off'/></driver>|" \
        "$tmp/c.in.xml" >"$tmp/c.hand.xml"
    [ "$(host_attrs "$tmp/c.hand.xml")" = "off off" ] || fail "the hand-pinned definition"
    c_xml="$tmp/c.hand.xml"
    c_what="pinned by hand (abipin gave none)"
fi
v1 define "$c_xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define $dom_c ($c_what)"; }
boot 1 "$dom_c"
c_bits=$(bits "$dom_c")
! has_tso "$dom_c" || fail "$dom_c ($c_what, tso4/6 off) negotiated bits 11, 12: $c_bits"
ok "$dom_c ($c_what) booted on daemon 1, eth0 up in $boot_ms ms, no HOST_TSO4/6: $c_bits"
: >"$tmp/d2/hook.log"
last=$(tick "$dom_c")
t0=$(ms)
v1 migrate --live "$dom_c" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" || {
    cat "$tmp/err" >&2
    sed -n '/^LC_ALL=/,$p' "$tmp/d2/log/qemu/$dom_c.log" | tail -n 5 >&2
    fail "virsh migrate --live $dom_c ($c_what)"
}
mig_ms=$(($(ms) - t0))
grep -q "^$dom_c migrate begin" "$tmp/d2/hook.log" || fail "$dom_c: daemon 2's hook was not called"
qemu_pid 2 "$dom_c" >/dev/null || fail "$dom_c has no QEMU on daemon 2"
wait_up "$dom_c" 60 "$last" || fail "$dom_c: the guest's console went quiet after the migration (tick $last)"
[ "$(bits "$dom_c")" = "$c_bits" ] || fail "$dom_c on daemon 2: features $(bits "$dom_c"), were $c_bits"
no_qemu 1 "$dom_c" "the migration of $dom_c" 1
ok "$c_what, virsh migrate --live completed in $mig_ms ms; the guest runs on daemon 2 (tick $last -> $(tick "$dom_c")), eth0 up, the same features"

echo "figure: accelerator = $virt"
echo "figure: failed migration (unpinned) = $fail_ms ms: $features_line"
echo "figure: where the guest was after it = source, $src_state"
echo "figure: refusal by the destination's hook = ${refuse_ms:-none} ms"
echo "figure: migration ($c_what) = $mig_ms ms"
echo "figure: whole test = $(($(date +%s) - t_start)) s"
if [ -s "$tmp/wrong" ]; then
    echo "abipin disagrees with the scenario ($(wc -l <"$tmp/wrong") findings):" >&2
    sed 's/^/  - /' "$tmp/wrong" >&2
    fail "abipin's side of the vhost-user migration is wrong or missing (see above)"
fi
echo "$pass_count passed, 0 failed"
