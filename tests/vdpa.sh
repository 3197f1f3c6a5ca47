#!/bin/sh
# vDPA on a real vDPA device (issue 27): what a virtio-net device on a
# vhost-vdpa netdev offers depends on the vDPA device, and abipin must know
# it exactly, and say which `vdpa dev add ... device_features` pins it.
#
# The device: vdpa_sim_net (the kernel's vDPA network simulator), which
# Debian does not ship: tools/fetch-vdpa-sim builds it out of tree for
# Debian's 6.12 kernel, and tests/lib.sh guest_run boots that kernel under
# QEMU (TCG) with this host's files shared read-only, so that the guest runs
# this host's QEMU 10.0, python3 and the built abipin. Nothing here touches
# this host's /dev or modules. Inside the guest:
#
#  1. vdpa, vhost_vdpa, vringh, vdpa_sim, vdpa_sim_net loaded; two devices
#     of management device vdpasim_net: vdpaA with every feature it
#     supports, vdpaB provisioned (`device_features`) without
#     VIRTIO_NET_F_CTRL_MAC_ADDR (bit 23: QEMU's ctrl_mac_addr property, in
#     QEMU's vdpa_feature_bits, so the device decides it); `vdpa mgmtdev
#     show`, `vdpa dev config show` and the kernel's netlink answer
#     (tests/vdpa_netlink.py, as numbers) recorded for each.
#  2. The truth: for each device and two machine types (the current q35,
#     pc-i440fx-5.2) a paused QEMU's virtio-net-pci on -netdev vhost-vdpa,
#     read through its PCI registers (tests/lib.sh vdpa_registers); the
#     same on the current q35 of each other QEMU list_emulators finds
#     unpacked here (Debian 12's 7.2: its vdpa_feature_bits differ).
#  3. abipin, while a paused QEMU holds vdpaA's /dev/vhost-vdpa-N (a vDPA
#     char device opens once: abipin must ask the kernel's vdpa netlink):
#     `probe --vdpa vdpaA=vdpaA --vdpa vdpaB=/dev/vhost-vdpa-N`, `abi --json`
#     of a domain with <interface type='vdpa'> on each device and machine
#     type, on this host and with --platform of that profile; `pin` on vdpaA,
#     `check` of that pin on vdpaA and on vdpaB; the pin's `device_features`
#     (abi --json) given to a new device vdpaP, whose registers are read;
#     and the `device_features` abi --json gives for the pin where its device
#     is vdpaB given to a device vdpaQ, which must honour the pin.
#
# Then, on this host, the facts are asserted first: the kernel's features of
# vdpaA are the management device's, vdpaB's exactly those without bit 23,
# and the registers of vdpaA and vdpaB differ by bit 23 and nothing else on
# every machine type. Then abipin is held against them: abi's `offered` is
# the registers' vector with no bit "external"; the profile names both
# devices (<backend kind='vdpa'><device path/>) with atoms vdpa.NAME.bit.N
# that agree with the kernel; check refuses the pin on vdpaB naming the
# device, the bit and device_features; vdpaP's registers are abi's offered
# vector of the pinned domain, and check passes there; vdpaQ's registers
# are vdpaA's (the pin's), and check passes there too. abipin's
# disagreements are collected, printed with the table and fail the test at
# the end. Skips (77) only where the machine lacks the guest kernel, QEMU,
# busybox-static or root. The times go to the log as "figure:" lines.
. "$abs_top_srcdir/tests/lib.sh"
kdir=${ABIPIN_VDPA_KERNEL:-/var/cache/abipin-test/vdpa-sim}
[ "$(id -u)" = 0 ] || skip "not root: the guest's modules and vDPA devices need a root QEMU and 9p share"
guest_run_require "$kdir" "tools/fetch-vdpa-sim $kdir"
[ -x "$kdir/bin/vdpa" ] && [ -s "$kdir/modules/order" ] ||
    skip "$kdir has no vdpa tool or modules: run tools/fetch-vdpa-sim $kdir (tools/quickstart does)"
[ -x "$ABIPIN" ] || fail "no $ABIPIN (make builds it)"
emu=$(command -v qemu-system-x86_64)
# the guest's QEMU (guest_run's gr_pid: timeout, which passes TERM on) goes too
trap 'stop_children ${gr_pid:-}; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
t_start=$(date +%s)
removed=23 # VIRTIO_NET_F_CTRL_MAC_ADDR

# the machine types: the current q35 and pc-i440fx-5.2
"$emu" -machine help </dev/null >"$tmp/machines" 2>/dev/null || fail "$emu -machine help"
cur=$(sed -n 's/^q35 .*(alias of \(pc-q35-[0-9.]*\))$/\1/p' "$tmp/machines")
[ -n "$cur" ] || fail "$emu: no q35 alias in -machine help"
grep -q '^pc-i440fx-5.2 ' "$tmp/machines" || fail "$emu has no machine type pc-i440fx-5.2"
machines="$cur pc-i440fx-5.2"
qver=$("$emu" --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
echo "# QEMU $qver ($emu), machine types: $machines; guest kernel: $(sed -n '$p' "$kdir/VERSIONS")"
# the other QEMUs unpacked beside it (tests/lib.sh list_emulators: Debian
# 12's 7.2, whose vdpa_feature_bits differ), each on its current q35: only
# abipin against their registers. Not the chroot ones (5.2, 11.1): each of
# their QEMUs takes 10 s and more in the guest
list_emulators "$tmp/emulators" qemu-system-x86_64
others=
while IFS='=' read -r qname qemu; do
    case $qemu in "$emu" | /opt/abipin-chroot-*) continue ;; esac
    om=$("$qemu" -machine help </dev/null 2>/dev/null | sed -n 's/^q35 .*(alias of \(pc-q35-[0-9.]*\))$/\1/p')
    [ -n "$om" ] || fail "$qname ($qemu): no q35 alias in -machine help"
    others="$others $qname=$qemu=$om"
    echo "# and $qname ($("$qemu" --version | head -n 1)) on $om"
done <"$tmp/emulators"

mkdir "$tmp/out" || fail "mkdir $tmp/out"
# the guest's side: what it reads from these, and where its results go
VDPA_KDIR=$kdir VDPA_OUT=$tmp/out VDPA_MACHINES=$machines VDPA_REMOVED=$removed VDPA_EMU=$emu
VDPA_OTHERS=$others
export VDPA_KDIR VDPA_OUT VDPA_MACHINES VDPA_REMOVED VDPA_EMU VDPA_OTHERS
unset ABIPIN_HOST_PROFILE ABIPIN_EMULATOR

cat >"$tmp/guest.sh" <<'GUEST'
# runs inside the guest (tests/lib.sh guest_run): / is the host's, read-only
. "$abs_top_srcdir/tests/lib.sh"
out=$VDPA_OUT
# abipin's configuration and cache: the guest's own (its /tmp)
ABIPIN_CACHE_DIR="$tmp/abipin-cache"
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_CACHE_DIR ABIPIN_CONF
echo "cache_dir = $ABIPIN_CACHE_DIR" >"$ABIPIN_CONF"
vdpa=$VDPA_KDIR/bin/vdpa
ms() { date +%s%3N; }
figure() { echo "$1=$2" >>"$out/figures"; }
nl() { python3 "$abs_top_srcdir/tests/vdpa_netlink.py" "$@"; }
# run NAME COMMAND...: COMMAND's output, errors and exit code in $out/NAME.*
run() {
    r_name=$1
    shift
    r0=$(ms)
    "$@" </dev/null >"$out/$r_name.out" 2>"$out/$r_name.err"
    echo $? >"$out/$r_name.exit"
    figure "$r_name" $(($(ms) - r0))
    echo "# $r_name: exit $(cat "$out/$r_name.exit") ($(($(ms) - r0)) ms)"
}

t0=$(ms)
while read -r m; do
    [ -d "/sys/module/$m" ] || insmod "$VDPA_KDIR/modules/$m.ko" || fail "insmod $m"
done <"$VDPA_KDIR/modules/order"
figure modules $(($(ms) - t0))
uname -r >"$out/release"
ok "modules loaded: $(tr '\n' ' ' <"$VDPA_KDIR/modules/order")"
"$vdpa" mgmtdev show -jp >"$out/mgmtdev.json" || fail "vdpa mgmtdev show"
nl mgmtdev >"$out/mgmtdev.nl" || fail "vdpa_netlink.py mgmtdev"
supported=$(awk '$1 == "vdpasim_net" { print $2 }' "$out/mgmtdev.nl")
[ -n "$supported" ] || fail "no management device vdpasim_net: $(cat "$out/mgmtdev.nl")"

# adddev NAME MAC [FEATURES]: a vdpasim_net device; its config, the kernel's
# answer and its char device in $out
adddev() {
    "$vdpa" dev add name "$1" mgmtdev vdpasim_net mac "$2" ${3:+device_features "$3"} ||
        fail "vdpa dev add name $1 mgmtdev vdpasim_net mac $2 ${3:+device_features $3}"
    "$vdpa" dev config show "$1" -jp >"$out/$1.config.json" || fail "vdpa dev config show $1"
    nl config "$1" >"$out/$1.nl.json" || fail "vdpa_netlink.py config $1"
    # vhost_vdpa's device under the vDPA device: its char device's name
    for ad_cdev in "/sys/bus/vdpa/devices/$1"/vhost-vdpa-*; do :; done
    ad_cdev=/dev/${ad_cdev##*/}
    [ -c "$ad_cdev" ] || fail "$1 has no vhost-vdpa char device ($ad_cdev)"
    echo "$ad_cdev" >"$out/$1.chardev"
    ok "vdpa dev add $1${3:+ device_features $3}: $ad_cdev, $(cat "$out/$1.nl.json")"
}
adddev vdpaA 52:54:00:76:64:0a
adddev vdpaB 52:54:00:76:64:0b "$(printf '0x%x' $((supported & ~(1 << VDPA_REMOVED))))"
cdev_a=$(cat "$out/vdpaA.chardev") cdev_b=$(cat "$out/vdpaB.chardev")

# ---- 2. the registers ------------------------------------------------------------
for d in vdpaA vdpaB; do
    for m in $VDPA_MACHINES; do
        t0=$(ms)
        vdpa_registers "$VDPA_EMU" "$m" "$(cat "$out/$d.chardev")" >"$out/regs.$d.$m" || exit 1
        figure "regs.$d.$m" $(($(ms) - t0))
        ok "registers of $d on $m: $(cat "$out/regs.$d.$m") ($(($(ms) - t0)) ms)"
    done
done
for o in $VDPA_OTHERS; do
    qn=${o%%=*} qe=${o#*=}
    qm=${qe##*=} qe=${qe%=*}
    for d in vdpaA vdpaB; do
        t0=$(ms)
        vdpa_registers "$qe" "$qm" "$(cat "$out/$d.chardev")" >"$out/regs.$d.$qn" || exit 1
        figure "regs.$d.$qn" $(($(ms) - t0))
        ok "registers of $d on $qn $qm: $(cat "$out/regs.$d.$qn") ($(($(ms) - t0)) ms)"
    done
done
"$vdpa" dev config show -jp >"$out/config-after.json"

# ---- 3. abipin --------------------------------------------------------------------
# dom NAME CHARDEV MACHINE [EMULATOR]: a domain with one vDPA interface
dom() {
    cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='KiB'>262144</memory>
  <os>
    <type arch='x86_64' machine='$3'>hvm</type>
  </os>
  <devices>
    <emulator>${4:-$VDPA_EMU}</emulator>
    <interface type='vdpa'>
      <mac address='52:54:00:76:64:01'/>
      <source dev='$2'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
EOF
}
# a paused QEMU holds vdpaA's char device meanwhile: a second open of it
# fails (EBUSY), so abipin must ask the kernel's netlink
"$VDPA_EMU" -S -machine q35 -netdev "vhost-vdpa,vhostdev=$cdev_a,id=n0" -device virtio-net-pci,netdev=n0 \
    -accel tcg -nodefaults -display none </dev/null >"$out/holder.log" 2>&1 &
holder=$!
# holds CHARDEV: the holder has CHARDEV open
holds() {
    for fd in "/proc/$holder/fd"/*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "$1" ] && return 0
    done
    return 1
}
i=0
until holds "$cdev_a"; do
    if ! kill -0 $holder 2>/dev/null || [ $i -ge 600 ]; then
        fail "the QEMU holding $cdev_a did not open it: $(cat "$out/holder.log")"
    fi
    sleep 0.1
    i=$((i + 1))
done
echo "# a paused QEMU (pid $holder) holds $cdev_a"
m_args=
for m in $VDPA_MACHINES; do m_args="$m_args -m $m"; done
# shellcheck disable=SC2086
run probe "$ABIPIN" probe --no-cache --emulator "$VDPA_EMU" $m_args --vdpa vdpaA=vdpaA --vdpa "vdpaB=$cdev_b" \
    -o "$out/profile.xml"
for d in vdpaA vdpaB; do
    for m in $VDPA_MACHINES; do
        dom "vdpa-$d-$m" "$(cat "$out/$d.chardev")" "$m" >"$out/dom.$d.$m.xml"
        run "abi.$d.$m" "$ABIPIN" abi --json "$out/dom.$d.$m.xml"
        run "abip.$d.$m" "$ABIPIN" abi --json --platform "$out/profile.xml" "$out/dom.$d.$m.xml"
    done
done
for o in $VDPA_OTHERS; do
    qn=${o%%=*} qe=${o#*=}
    qm=${qe##*=} qe=${qe%=*}
    for d in vdpaA vdpaB; do
        dom "vdpa-$d-$qn" "$(cat "$out/$d.chardev")" "$qm" "$qe" >"$out/dom.$d.$qn.xml"
        run "abi.$d.$qn" "$ABIPIN" abi --json "$out/dom.$d.$qn.xml"
    done
done
kill -0 $holder 2>/dev/null || fail "the QEMU holding $cdev_a exited while abipin ran: $(cat "$out/holder.log")"
holds "$cdev_a" || fail "the QEMU holding $cdev_a closed it while abipin ran"
stop_children $holder

# shellcheck disable=SC2086
set -- $VDPA_MACHINES
m1=$1
run pin "$ABIPIN" pin "$out/dom.vdpaA.$m1.xml" -o "$out/pinned.xml"
if [ -s "$out/pinned.xml" ]; then
    run check.vdpaA "$ABIPIN" check "$out/pinned.xml"
    sed "s|dev='$cdev_a'|dev='$cdev_b'|" "$out/pinned.xml" >"$out/pinned-on-B.xml"
    run check.vdpaB "$ABIPIN" check "$out/pinned-on-B.xml"
    # provision ABI-RUN DEVICE MAC: a device DEVICE created with the
    # device_features abi --json gave in the run ABI-RUN, its registers
    # read, the pin checked where the device is DEVICE
    provision() {
        pv_features=$(python3 -c 'import json, sys
i = json.load(open(sys.argv[1]))["interfaces"][0]
print(i.get("device_features", ""))' "$out/$1.out" 2>/dev/null)
        [ -n "$pv_features" ] || return 0
        echo "$pv_features" >"$out/$2.features"
        adddev "$2" "$3" "$pv_features"
        vdpa_registers "$VDPA_EMU" "$m1" "$(cat "$out/$2.chardev")" >"$out/regs.$2.$m1" || exit 1
        ok "registers of $2 (device_features $pv_features) on $m1: $(cat "$out/regs.$2.$m1")"
        sed "s|dev='$cdev_a'|dev='$(cat "$out/$2.chardev")'|" "$out/pinned.xml" >"$out/pinned-on-$2.xml"
        run "check.$2" "$ABIPIN" check "$out/pinned-on-$2.xml"
    }
    run abi.pinned "$ABIPIN" abi --json "$out/pinned.xml"
    provision abi.pinned vdpaP 52:54:00:76:64:0c
    # the same pin where its device is vdpaB: the device_features that
    # would honour it there
    run abi.pinnedB "$ABIPIN" abi --json "$out/pinned-on-B.xml"
    provision abi.pinnedB vdpaQ 52:54:00:76:64:0d
    # a cluster of a host with vdpaA and one with vdpaB, the device named
    # nic on both: the domain pinned against their baseline turns
    # ctrl_mac_addr off, and is one device on either
    # (this host's profile without its devices vdpaA, vdpaB: each host has nic only)
    python3 - "$out/profile.xml" "$out/host.xml" <<'EOF' || exit 1
import sys, xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
root = tree.getroot()
for e in list(root):
    if e.tag == "backend" or (e.tag == "atom" and e.get("name", "").startswith("vdpa.")):
        root.remove(e)
tree.write(sys.argv[2])
EOF
    run probe.hostA "$ABIPIN" probe --platform "$out/host.xml" --vdpa nic=vdpaA -o "$out/host-A.xml"
    run probe.hostB "$ABIPIN" probe --platform "$out/host.xml" --vdpa "nic=$cdev_b" -o "$out/host-B.xml"
    run baseline "$ABIPIN" baseline "$out/host-A.xml" "$out/host-B.xml" -o "$out/baseline.xml"
    run pin.base "$ABIPIN" pin --platform "$out/baseline.xml" "$out/dom.vdpaA.$m1.xml" -o "$out/base-pinned.xml"
    if [ -s "$out/base-pinned.xml" ]; then
        props=$(python3 "$abs_top_srcdir/tests/pinned_props.py" "$out/base-pinned.xml") || exit 1
        echo "$props" >"$out/base.props"
        for d in vdpaA vdpaB; do
            vdpa_registers "$VDPA_EMU" "$m1" "$(cat "$out/$d.chardev")" "" "$props" >"$out/regs.base.$d" || exit 1
            ok "registers of $d with the baseline pin's properties on $m1: $(cat "$out/regs.base.$d")"
            sed "s|dev='$cdev_a'|dev='$(cat "$out/$d.chardev")'|" "$out/base-pinned.xml" >"$out/base-pinned.$d.xml"
            run "check.base.$d" "$ABIPIN" check "$out/base-pinned.$d.xml"
        done
        run abi.base "$ABIPIN" abi --json --platform "$out/baseline.xml" "$out/base-pinned.xml"
    fi
fi
echo finished >"$out/done"
GUEST

echo "# booting $(sed -n '$p' "$kdir/VERSIONS") under TCG; the guest's own lines follow"
guest_run "$kdir" "$tmp/guest.sh" 600
rc=$?
[ -f "$tmp/out/figures" ] && sed 's/^\([^=]*\)=\(.*\)$/figure: \1 = \2 ms/' "$tmp/out/figures"
echo "figure: guest boot (its uptime when the script started) = $guest_boot_ms ms; the whole guest = $guest_ms ms"
[ "$rc" = 0 ] && [ -f "$tmp/out/done" ] || fail "the guest's script failed (status $rc; its lines above)"
out=$tmp/out

# ---- the facts --------------------------------------------------------------------
bit=$((1 << removed))
release=$(cat "$out/release")
[ "$release" = "$(sed -n 's/^kernel //p' "$kdir/VERSIONS")" ] || fail "the guest ran $release, not $kdir's kernel"
supported=$(awk '$1 == "vdpasim_net" { print $2 }' "$out/mgmtdev.nl")
feat() { json_get "$out/$1.nl.json" 'd["dev_features"]'; }
fa=$(feat vdpaA) fb=$(feat vdpaB)
[ $((fa)) = $((supported)) ] || fail "vdpaA's features $fa are not the management device's $supported"
[ $((fa & ~fb)) = $bit ] && [ $((fb & ~fa)) = 0 ] || fail "vdpaB's features $fb are not vdpaA's $fa without bit $removed"
python3 - "$out/mgmtdev.json" "$supported" <<'EOF' || fail "vdpa mgmtdev show -jp and the kernel's netlink answer differ"
# the names iproute2's vdpa prints: the virtio spec's (net and transport)
import json, sys
names = {"CSUM": 0, "GUEST_CSUM": 1, "CTRL_GUEST_OFFLOADS": 2, "MTU": 3, "MAC": 5,
         "GUEST_TSO4": 7, "GUEST_TSO6": 8, "GUEST_ECN": 9, "GUEST_UFO": 10, "HOST_TSO4": 11,
         "HOST_TSO6": 12, "HOST_ECN": 13, "HOST_UFO": 14, "MRG_RXBUF": 15, "STATUS": 16,
         "CTRL_VQ": 17, "CTRL_RX": 18, "CTRL_VLAN": 19, "CTRL_RX_EXTRA": 20, "GUEST_ANNOUNCE": 21,
         "MQ": 22, "CTRL_MAC_ADDR": 23, "NOTIFY_ON_EMPTY": 24, "ANY_LAYOUT": 27,
         "RING_INDIRECT_DESC": 28, "RING_EVENT_IDX": 29, "VERSION_1": 32, "ACCESS_PLATFORM": 33,
         "RING_PACKED": 34, "IN_ORDER": 35, "ORDER_PLATFORM": 36, "SR_IOV": 37,
         "NOTIFICATION_DATA": 38, "RING_RESET": 40, "HASH_REPORT": 57, "RSS": 60, "RSC_EXT": 61,
         "STANDBY": 62, "SPEED_DUPLEX": 63}
m = json.load(open(sys.argv[1]))["mgmtdev"]["vdpasim_net"]["dev_features"]
unknown = [n for n in m if n not in names]
v = sum(1 << names[n] for n in m if n in names)
if unknown or v != int(sys.argv[2], 16):
    sys.exit("vdpa mgmtdev show names %s (%#x; unknown: %s), netlink says %s" % (m, v, unknown, sys.argv[2]))
EOF
ok "kernel $release: vdpasim_net supports $supported; vdpaA has $fa, vdpaB $fb (bit $removed, CTRL_MAC_ADDR, apart), as vdpa mgmtdev show names them"
for m in $machines; do
    ra=$(cat "$out/regs.vdpaA.$m") rb=$(cat "$out/regs.vdpaB.$m")
    [ $((ra & ~rb)) = $bit ] && [ $((rb & ~ra)) = 0 ] ||
        fail "$m: vdpaB's registers $rb are not vdpaA's $ra without bit $removed"
    eval "ra_$(echo "$m" | tr -c 'a-zA-Z0-9\n' _)=$ra"
done
ok "the registers on $machines: vdpaA $(cat "$out/regs.vdpaA.$cur"), vdpaB $(cat "$out/regs.vdpaB.$cur") (bit $removed apart and nothing else)"

# ---- abipin against them ------------------------------------------------------------
: >"$tmp/wrong"
# said NAME: "exit N: first lines of stderr" of a run in the guest
said() {
    if [ -s "$out/$1.err" ]; then
        echo "exit $(cat "$out/$1.exit"): $(head -n 3 "$out/$1.err" | tr '\n' ' ')"
    else
        echo "exit $(cat "$out/$1.exit"): $(head -n 3 "$out/$1.out" | tr '\n' ' ')"
    fi
}
# offered NAME: abi --json's vector and external bits of the one interface
offered() { abi_offered "$out/$1.out" 2>/dev/null; }
cdev_a=$(cat "$out/vdpaA.chardev") cdev_b=$(cat "$out/vdpaB.chardev")

if [ "$(cat "$out/probe.exit")" = 0 ]; then
    python3 - "$out/profile.xml" "$removed" vdpaA "$cdev_a" "$fa" vdpaB "$cdev_b" "$fb" >"$tmp/perr" <<'EOF' || fail "the profile check"
# each NAME CHARDEV FEATURES: one <backend name kind='vdpa'><device path/>
# and atoms vdpa.NAME.bit.N as the kernel has the bits
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
removed = int(sys.argv[2])
args = sys.argv[3:]
for name, cdev, feats in zip(args[0::3], args[1::3], args[2::3]):
    feats = int(feats, 16)
    bs = [b for b in root.iter("backend") if b.get("name") == name]
    if len(bs) != 1 or bs[0].get("kind") != "vdpa":
        print("no one <backend name='%s' kind='vdpa'>: %s" % (name, [b.attrib for b in root.iter("backend")]))
    else:
        paths = [d.get("path") for d in bs[0].iter("device")]
        if paths != [cdev]:
            print("<backend name='%s'> has devices %s, not %s" % (name, paths, cdev))
    prefix = "vdpa.%s.bit." % name
    seen = {}
    for a in root.iter("atom"):
        n = a.get("name", "")
        if n.startswith(prefix):
            seen[int(n[len(prefix):])] = a.get("state", "present")
    # an atom for each bit the profile states (the device's bits QEMU's vDPA
    # list has); the one these devices differ by must be among them
    for bit in sorted(seen):
        want = "present" if feats >> bit & 1 else "absent"
        if seen[bit] != want:
            print("vdpa.%s.bit.%d is %s, the kernel has bit %d %s (device features %#x)" %
                  (name, bit, seen[bit], bit, "set" if want == "present" else "clear", feats))
    if removed not in seen:
        print("no atom vdpa.%s.bit.%d" % (name, removed))
    if len(bs) == 1 and bs[0].get("features") is not None and int(bs[0].get("features"), 16) != feats:
        print("<backend name='%s' features='%s'>, the kernel says %#x" % (name, bs[0].get("features"), feats))
    print("# %s: atoms for bits %s" % (name, ", ".join(str(b) for b in sorted(seen))))
EOF
    grep '^#' "$tmp/perr"
    grep -v '^#' "$tmp/perr" | while read -r line; do wrong "abipin probe --vdpa vdpaA=vdpaA --vdpa vdpaB=$cdev_b: $line"; done
else
    wrong "abipin probe --vdpa vdpaA=vdpaA --vdpa vdpaB=$cdev_b (a QEMU holding $cdev_a): $(said probe)"
fi

printf '%-6s %-30s %-13s %-14s %-14s %-14s %s\n' device 'QEMU machine' kernel registers abipin abipin-prof verdict >"$tmp/table"
cells=0
# held RUN WHAT REGS: abi --json's vector in the guest's run RUN against the
# registers REGS, no bit external; $got is its vector (or exit-N), and
# $verdict becomes WRONG, with the finding in $tmp/wrong, where it is not
# the registers'
held() {
    if [ "$(cat "$out/$1.exit")" = 0 ] && ov=$(offered "$1"); then
        # shellcheck disable=SC2086
        set -- "$1" "$2" "$3" $ov
        got=$4
        if ! same "$4" "$3" || [ "$5" != - ]; then
            verdict=WRONG
            wrong "abipin abi --json $2: offered $4, registers $3 (abipin lacks $(bitlist $(($3 & ~$4))), adds $(bitlist $(($4 & ~$3))); external bits: $5)"
        fi
    else
        verdict=WRONG got=exit-$(cat "$out/$1.exit")
        wrong "abipin abi --json $2: $(said "$1")"
    fi
}
for d in vdpaA vdpaB; do
    for m in $machines; do
        regs=$(cat "$out/regs.$d.$m")
        verdict=ok got=- pgot=-
        held "abi.$d.$m" "DOM ($d $(cat "$out/$d.chardev"), $m)" "$regs"
        if [ "$(cat "$out/abip.$d.$m.exit")" = 0 ] && o=$(offered "abip.$d.$m"); then
            # shellcheck disable=SC2086
            set -- $o
            pgot=$1
            same "$1" "$regs" || {
                verdict=WRONG
                wrong "abipin abi --json --platform PROFILE DOM ($d, $m; profile of probe --vdpa): offered $1, registers $regs"
            }
        else
            verdict=WRONG pgot=exit-$(cat "$out/abip.$d.$m.exit")
            wrong "abipin abi --json --platform PROFILE DOM ($d, $m): $(said "abip.$d.$m")"
        fi
        printf '%-6s %-30s %-13s %-14s %-14s %-14s %s\n' $d "$qver $m" "$(feat $d)" "$regs" "$got" "$pgot" "$verdict" >>"$tmp/table"
        cells=$((cells + 1))
    done
done
require_cases "(device, machine type) cells" $cells 4
for o in $others; do
    qn=${o%%=*} om=${o##*=}
    for d in vdpaA vdpaB; do
        regs=$(cat "$out/regs.$d.$qn")
        verdict=ok got=-
        held "abi.$d.$qn" "DOM ($d $(cat "$out/$d.chardev"), $qn, $om)" "$regs"
        printf '%-6s %-30s %-13s %-14s %-14s %-14s %s\n' $d "${qn#abipin-} $om" "$(feat $d)" "$regs" "$got" - "$verdict" >>"$tmp/table"
        cells=$((cells + 1))
    done
done

# the pin on vdpaA, checked on vdpaA and on vdpaB
if [ ! -f "$out/pin.exit" ] || [ "$(cat "$out/pin.exit")" != 0 ] || [ ! -s "$out/pinned.xml" ]; then
    wrong "abipin pin DOM (vdpaA $cdev_a, $cur): $(said pin)"
else
    [ "$(cat "$out/check.vdpaA.exit")" = 0 ] ||
        wrong "abipin check PINNED (pinned on vdpaA, checked on vdpaA $cdev_a): $(said check.vdpaA)"
    msg=$(cat "$out/check.vdpaB.out" "$out/check.vdpaB.err")
    if [ "$(cat "$out/check.vdpaB.exit")" != 1 ]; then
        wrong "abipin check PINNED-ON-B (pinned on vdpaA, the interface on vdpaB $cdev_b, which lacks bit $removed): $(said check.vdpaB), expected exit 1"
    else
        for w in "vdpaB\\|$cdev_b" "$removed\\|ctrl_mac_addr\\|CTRL_MAC_ADDR" device_features; do
            echo "$msg" | grep -q "$w" ||
                wrong "abipin check PINNED-ON-B: refused, but the message does not name '$w': $(echo "$msg" | head -n 5 | tr '\n' ' ')"
        done
    fi
    if [ ! -s "$out/vdpaP.features" ]; then
        wrong "abipin abi --json PINNED: no \"device_features\" for the vdpa interface ($(said abi.pinned))"
    else
        pf=$(cat "$out/vdpaP.features")
        rp=$(cat "$out/regs.vdpaP.$cur")
        o=$(offered abi.pinned) || o="none -"
        # shellcheck disable=SC2086
        set -- $o
        same "$1" "$rp" ||
            wrong "abipin abi --json PINNED: device_features $pf, offered $1; a device provisioned with $pf gives registers $rp (abipin lacks $(bitlist $((rp & ~$1))), adds $(bitlist $(($1 & ~rp))))"
        [ "$(cat "$out/check.vdpaP.exit")" = 0 ] ||
            wrong "abipin check PINNED on vdpaP (device_features $pf, abipin's own value): $(said check.vdpaP)"
        printf '%-6s %-30s %-13s %-14s %-14s %-14s %s\n' vdpaP "$qver $cur" "$(feat vdpaP)" "$rp" "$1" - "device_features $pf (abi --json of the pin)" >>"$tmp/table"
    fi
    # the pin where its device is vdpaB: abi's device_features there must be
    # the fix, a device whose registers are the pinned host's (vdpaA's)
    ra=$(cat "$out/regs.vdpaA.$cur")
    fix=$(echo "$msg" | sed -n 's/.*device_features \(0x[0-9a-fA-F]*\).*/\1/p' | head -n 1)
    if [ ! -s "$out/vdpaQ.features" ]; then
        wrong "abipin abi --json PINNED-ON-B: no \"device_features\" for the vdpa interface ($(said abi.pinnedB))"
    else
        qf=$(cat "$out/vdpaQ.features")
        rq=$(cat "$out/regs.vdpaQ.$cur")
        # abi's offered vector there is vdpaB's (the cells hold it); its
        # device_features is the pin's: check refuses this pin on vdpaB and
        # tells to provision the device, so the value must honour the pin
        same "$rq" "$ra" ||
            wrong "abipin abi --json PINNED-ON-B: device_features $qf; a device provisioned with it gives registers $rq, the pinned host's (vdpaA) are $ra (lacks $(bitlist $((ra & ~rq))), adds $(bitlist $((rq & ~ra)))): not the fix check asks for"
        [ "$(cat "$out/check.vdpaQ.exit")" = 0 ] ||
            wrong "abipin check PINNED on vdpaQ (device_features $qf, abi's value where the device is vdpaB): $(said check.vdpaQ)"
        [ -z "$fix" ] || same "$fix" "$qf" ||
            wrong "abipin check PINNED-ON-B proposes device_features $fix, abi --json there says $qf"
        printf '%-6s %-30s %-13s %-14s %-14s %-14s %s\n' vdpaQ "$qver $cur" "$(feat vdpaQ)" "$rq" - - "device_features $qf (abi --json of the pin, its device vdpaB)" >>"$tmp/table"
    fi
    echo "# abipin check of the pin where its device is vdpaB (exit $(cat "$out/check.vdpaB.exit")):"
    echo "$msg" | sed 's/^/#   /'
fi

# the baseline of a vdpaA host and a vdpaB host: one device on both
if [ ! -s "$out/base.props" ]; then
    wrong "abipin pin --platform BASELINE(vdpaA host, vdpaB host): $(said pin.base)"
else
    rba=$(cat "$out/regs.base.vdpaA") rbb=$(cat "$out/regs.base.vdpaB")
    o=$(offered abi.base) || o="none -"
    # shellcheck disable=SC2086
    set -- $o
    grep -q "name='ctrl_mac_addr' type='bool' value='false'" "$out/base-pinned.xml" ||
        wrong "abipin pin --platform BASELINE: CTRL_MAC_ADDR, which vdpaB lacks, is not turned off (<qemu:override> ctrl_mac_addr)"
    same "$rba" "$rbb" ||
        wrong "the baseline pin (-device ...,$(cat "$out/base.props")): registers $rba on vdpaA, $rbb on vdpaB: not one device"
    same "$1" "$rba" ||
        wrong "abipin abi --json --platform BASELINE of the baseline pin: offered $1, the registers $rba"
    for d in vdpaA vdpaB; do
        [ "$(cat "$out/check.base.$d.exit")" = 0 ] ||
            wrong "abipin check of the baseline pin where its device is $d: $(said "check.base.$d")"
    done
    printf '%-6s %-30s %-13s %-14s %-14s %-14s %s\n' "A+B" "$qver $cur" - "$rba=$rbb" "$1" - "baseline pin: ctrl_mac_addr off, checks clean on both" >>"$tmp/table"
fi
echo "# the cells: kernel (the device's features, netlink), registers (the device's PCI registers through qtest), abipin (abi --json in the guest), abipin-prof (abi --json --platform of probe --vdpa's profile)"
sed 's/^/  | /' "$tmp/table"
echo "figure: whole test = $(($(date +%s) - t_start)) s"
if [ -s "$tmp/wrong" ]; then
    echo "abipin disagrees with the vDPA devices ($(wc -l <"$tmp/wrong") findings):" >&2
    sed 's/^/  - /' "$tmp/wrong" >&2
    fail "abipin is wrong in $(wc -l <"$tmp/wrong") findings (above); in $(grep -c WRONG "$tmp/table") of the $cells cells"
fi
[ ! -s "$out/base.props" ] || ok "pinned against baseline(vdpaA host, vdpaB host): ctrl_mac_addr off, registers $(cat "$out/regs.base.vdpaA") on both devices, abi says $(offered abi.base | cut -d' ' -f1), check accepts both"
ok "abipin's vector equals the registers in all $cells cells, from this host and from probe --vdpa's profile; its device_features pins a device"
echo "$pass_count passed, 0 failed"
