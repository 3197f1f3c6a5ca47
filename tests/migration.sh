#!/bin/sh
# A real live migration of a real Linux guest: the USO failure abipin exists
# for (kubevirt/kubevirt#16386), reproduced, then prevented.
#
# The guest: a Debian kernel (tools/fetch-guest-kernel; Linux >= 6.2, whose
# virtio-net driver negotiates USO) and an initramfs built here from
# busybox-static that loads virtio_net, brings eth0 up and prints its
# negotiated virtio features on the serial console every second. QEMU 10 runs
# it on a tap of a bridge made here (no uplink); its command line is derived
# from tests/data/migration/vm.xml, or from what abipin pinned in it, by
# tests/migration.py. The destination is the same command line with
# -incoming, under the LD_PRELOAD shim that makes TUNSETOFFLOAD reject the
# USO flags as Linux < 6.2 does; QMP drives both, over loopback.
#
#  1. Without abipin: the migration runs to the end and fails in the
#     destination's state load with "Features 0x... unsupported"; the
#     rejected bits are exactly those `abipin diff --platform-a SOURCE
#     --platform-b DESTINATION` predicts (54, 55, 56). Timed.
#  2. With abipin: the domain pinned on the source is refused by `abipin
#     hook NAME migrate begin -` and `abipin check` under the destination's
#     conditions, at once, naming USO. Timed.
#  3. Pinned against the baseline of the two hosts, the domain migrates; the
#     guest still has its NIC up with the same negotiated features.
#
# The figures go to the log as "figure: NAME = VALUE UNIT" lines. Every
# QEMU, tap and bridge made here goes on exit, also on failure. Skips (77)
# only where the machine cannot run it, and says why.
#
# ABIPIN_MIGRATION_CASE=tunnel (tests/migration-tunnel.sh) runs the same
# proof for UDP-tunnel GSO (issue 17): QEMU 11.1 (Debian unstable, in the
# chroot of tools/fetch-qemu-chroot), a Linux 7.x guest (Debian unstable),
# whose virtio-net negotiates bits 65-68, and a destination whose tap
# rejects TUN_F_UDP_TUNNEL_GSO as Linux < 6.17 does. QEMU >= 10.2 prints the
# guest's features masked with the allowed ones, so its line shows none of
# the failing bits: there `abipin explain` must name them from the format.
#
# ABIPIN_GUEST_KERNEL=DIR takes the guest kernel from DIR (default
# /var/cache/abipin-test/guest-kernel, or guest-kernel-unstable for the
# tunnel case, filled by tools/fetch-guest-kernel);
# ABIPIN_MIGRATION_ACCEL=tcg skips the attempt with KVM.
. "$abs_top_srcdir/tests/lib.sh"
PATH="$PATH:/usr/sbin:/sbin"
export PATH
data="$abs_top_srcdir/tests/data/migration"
mig() { python3 "$abs_top_srcdir/tests/migration.py" "$@"; }

# ---- which failure: USO (QEMU 10.0, Linux 6.12 guest) or UDP-tunnel GSO --------
case ${ABIPIN_MIGRATION_CASE:-uso} in
uso)
    label=USO
    emulator=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64 (tools/quickstart installs QEMU 10 from bookworm-backports)"
    kdir=${ABIPIN_GUEST_KERNEL:-/var/cache/abipin-test/guest-kernel}
    reject=uso
    atoms="tap.uso4 tap.uso6"
    props="host_uso guest_uso4 guest_uso6"
    bits="54 55 56"
    lost_hex=0x1c0000000000000
    needs="USO needs QEMU >= 8.2; tools/quickstart installs 10.0"
    kernel_fetch="tools/fetch-guest-kernel $kdir"
    ;;
tunnel)
    label="UDP-tunnel GSO"
    emulator=/opt/abipin-chroot-unstable/abipin/qemu-system-x86_64
    [ -x "$emulator" ] || skip "no $emulator (tools/quickstart runs tools/fetch-qemu-chroot unstable)"
    kdir=${ABIPIN_GUEST_KERNEL:-/var/cache/abipin-test/guest-kernel-unstable}
    # the chroot sees /tmp (the initramfs, sockets, consoles), not the kernel's directory
    ABIPIN_CHROOT_BINDS=$kdir
    export ABIPIN_CHROOT_BINDS
    reject=udp_tunnel_gso
    atoms="tap.udp_tunnel_gso tap.udp_tunnel_gso_csum"
    props="host_tunnel guest_tunnel guest_tunnel_csum host_tunnel_csum"
    bits="65 66 67 68"
    lost_hex=0x000000000000001e0000000000000000
    needs="UDP-tunnel GSO needs QEMU >= 10.2"
    kernel_fetch="tools/fetch-guest-kernel --suite unstable $kdir"
    ;;
*) fail "ABIPIN_MIGRATION_CASE=$ABIPIN_MIGRATION_CASE: neither uso nor tunnel" ;;
esac
prop=${props%% *}
atom=${atoms%% *}
# without BITS: the bits of the space-separated list $1 not in $bits
without_bits() {
    for b in $1; do
        case " $bits " in *" $b "*) ;; *) printf '%s ' "$b" ;; esac
    done | sed 's/ $//'
}
# props_are VALUE: "host_uso=VALUE guest_uso4=VALUE ..."
props_are() {
    for p in $props; do printf '%s=%s ' "$p" "$1"; done | sed 's/ $//'
}

# ---- can this machine run it? ---------------------------------------------
[ "$(id -u)" = 0 ] || skip "not root: the bridge and the taps need CAP_NET_ADMIN"
for c in ip python3; do
    command -v $c >/dev/null 2>&1 || skip "no $c (apt-get install iproute2 python3)"
done
[ -c /dev/net/tun ] || skip "no /dev/net/tun: no tap"
"$emulator" -nodefaults -machine none -device virtio-net-pci,help 2>/dev/null | grep -q "$prop=" ||
    skip "$("$emulator" --version | head -n 1) has no $prop property ($needs)"
guest_require "$kdir" "$kernel_fetch"
shim=${ABIPIN_TUNSHIM:-$abs_top_builddir/tests/shim/.libs/libtunshim.so}
[ -f "$shim" ] || fail "no TUNSETOFFLOAD shim at $shim (make check builds it)"
hook_bin="$abs_top_builddir/abipin-hook"
[ -x "$hook_bin" ] || fail "no $hook_bin (make builds it)"

# abipin's own config and cache, never the machine's
ABIPIN_CACHE_DIR="$tmp/cache"
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_CACHE_DIR ABIPIN_CONF
unset ABIPIN_HOST_PROFILE ABIPIN_EMULATOR ABIPIN_SHIM_REJECT
: >"$ABIPIN_CONF"
started=$(date +%s)

# ---- the two hosts' profiles ------------------------------------------------
# the source: this host; the destination: this host as QEMU sees it under the
# shim ($atoms absent). Renamed only, so that messages say which is which.
"$ABIPIN" probe --no-cache --emulator "$emulator" -o "$tmp/src.probe.xml" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "abipin probe"; }
env LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=$reject "$ABIPIN" probe --no-cache --emulator "$emulator" \
    -o "$tmp/dst.probe.xml" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "abipin probe under the shim"; }
sed 's|<platform name="[^"]*"|<platform name="source"|' "$tmp/src.probe.xml" >"$tmp/src.xml"
sed 's|<platform name="[^"]*"|<platform name="destination"|' "$tmp/dst.probe.xml" >"$tmp/dst.xml"
for a in $atoms; do
    grep -q "<atom name=\"$a\"/>" "$tmp/src.xml" ||
        skip "this kernel ($(uname -r)) has no $a: the source cannot offer $label, nothing to reproduce"
    grep -q "<atom name=\"$a\" state=\"absent\"" "$tmp/dst.xml" ||
        fail "under the shim the probe still finds $a: the destination is not simulated"
done
ok "profiles: source $(uname -r) with $atoms, destination under the shim without"

# ---- links, processes, and the clean-up that runs whatever happens ----------
br="migbr$$" # no "abipin" in link names: probe-real.sh counts those
tap_src="migs$$"
tap_dst="migd$$"
links=
qemu_pids=
cleanup() {
    set +e
    # shellcheck disable=SC2086
    stop_children $qemu_pids
    for l in $links; do ip link del "$l" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

ip link add "$br" type bridge || fail "cannot create bridge $br"
links="$br"
ip link set "$br" up || fail "cannot bring $br up"
for t in "$tap_src" "$tap_dst"; do
    ip tuntap add dev "$t" mode tap || fail "cannot create tap $t"
    links="$t $links"
    ip link set "$t" master "$br" up || fail "cannot put $t on $br"
done
ok "bridge $br (no uplink) with taps $tap_src (source) and $tap_dst (destination)"

# ---- the guest: initramfs ---------------------------------------------------
guest_initramfs "$kdir" "$tmp/initrd.gz"
ok "initramfs: busybox and $(tr '\n' ' ' <"$kdir/modules/order")from $(head -n 1 "$kdir/VERSIONS" 2>/dev/null)"

# ---- the domain and its QEMU -------------------------------------------------
# vm.xml TYPE: the definition of this run (emulator, kernel, initrd, bridge)
instantiate() {
    sed -e "s|<domain type='qemu'>|<domain type='$1'>|" \
        -e "s|<emulator>/usr/bin/qemu-system-x86_64</emulator>|<emulator>$emulator</emulator>|" \
        -e "s|<kernel>vmlinuz</kernel>|<kernel>$kdir/vmlinuz</kernel>|" \
        -e "s|<initrd>initrd.gz</initrd>|<initrd>$tmp/initrd.gz</initrd>|" \
        -e "s|<source bridge='migbr0'/>|<source bridge='$br'/>|" "$data/vm.xml" >"$tmp/vm.xml"
    for s in "type='$1'" "$emulator<" "$kdir/vmlinuz" "$tmp/initrd.gz" "'$br'"; do
        grep -qF "$s" "$tmp/vm.xml" || fail "vm.xml: could not set $s"
    done
}

# start_qemu NAME DOMAIN.xml TAP [ENV...]: QEMU of DOMAIN.xml on TAP, with
# ENV and -incoming defer when ENV is given; console $tmp/NAME.console, QMP
# $tmp/NAME.qmp, stderr $tmp/NAME.err; sets $pid
start_qemu() {
    name=$1 xml=$2 tap=$3
    shift 3
    mig qemu-args "$xml" "$tap" "$tmp/$name.console" "$tmp/$name.qmp" >"$tmp/$name.args" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "the QEMU command line of $xml"; }
    incoming=
    [ $# = 0 ] || incoming=defer
    set -- env "$@"
    while IFS= read -r a; do set -- "$@" "$a"; done <"$tmp/$name.args"
    [ -z "$incoming" ] || set -- "$@" -incoming "$incoming"
    rm -f "$tmp/$name.console" "$tmp/$name.qmp"
    "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    qemu_pids="$qemu_pids $pid"
    eval "pid_$name=$pid"
    echo "  $name: $*" | sed "s|$tmp/|\$tmp/|g"
}

# wait_nic NAME PID SECONDS: 0 once the guest's console shows eth0 up; 2 if
# QEMU died or KVM could not run the guest
wait_nic() {
    end=$(($(date +%s) + $3))
    while [ "$(date +%s)" -le $end ]; do
        grep -q '^tick .* operstate up' "$tmp/$1.console" 2>/dev/null && return 0
        grep -q 'KVM internal error' "$tmp/$1.err" 2>/dev/null && return 2
        kill -0 "$2" 2>/dev/null || return 2
        sleep 0.2
    done
    return 1
}

# forget PID: after wait, the number may go to another process: never kill it
forget() {
    qemu_pids=$(echo " $qemu_pids " | sed "s/ $1 / /")
}

stop_qemu() { # stop_qemu PID
    stop_children "$1"
    forget "$1"
}

# boot NAME DOMAIN.xml: the source, booted until its NIC is up
boot() {
    start_qemu "$1" "$2" "$tap_src"
    t0=$(date +%s)
    wait_nic "$1" "$pid" 180
    case $? in
    0) ;;
    2) return 2 ;;
    *)
        tail -n 20 "$tmp/$1.console" "$tmp/$1.err" >&2
        fail "$1: the guest's NIC was not up within 180 s"
        ;;
    esac
    ok "$1 booted, eth0 up in $(($(date +%s) - t0)) s ($accel)"
}

# KVM if it can run this guest (a nested host may stop it with an emulation
# failure at once), else TCG
accel=tcg
if [ "${ABIPIN_MIGRATION_ACCEL:-}" != tcg ] && kvm_usable; then
    instantiate kvm
    accel=kvm
    if ! boot src1 "$tmp/vm.xml"; then
        echo "  note: KVM could not run the guest ($(grep -m 1 -o 'KVM internal error.*' "$tmp/src1.err" ||
            echo "QEMU exited")); TCG then"
        stop_qemu "$pid_src1"
        accel=tcg
    fi
fi
if [ $accel = tcg ]; then
    instantiate qemu
    boot src1 "$tmp/vm.xml" || { cat "$tmp/src1.err" >&2; fail "src1: QEMU exited under TCG"; }
fi
grep -A 1 -- '^-device$' "$tmp/src1.args" | grep -q '^virtio-net-pci,' || fail "src1: no virtio-net-pci device"
for p in $props; do
    ! grep -A 1 -- '^-device$' "$tmp/src1.args" | grep -q "[,]$p=" ||
        fail "the unpinned definition gave QEMU the property $p"
done

mig console-features "$tmp/src1.console" >"$tmp/src1.features" || fail "src1: no features on the console"
guest_bits=$(json_get "$tmp/src1.features" '" ".join(str(b) for b in d["bits"])')
for b in $bits; do
    case " $guest_bits " in *" $b "*) ;; *) fail "the guest did not negotiate bit $b ($label): $guest_bits" ;; esac
done
ok "the guest negotiated $label (bits $bits) on the source (read in the guest, sysfs): features $guest_bits"

# ---- 1: without abipin: the late failure ------------------------------------
"$ABIPIN" diff --json --platform-a "$tmp/src.xml" --platform-b "$tmp/dst.xml" "$tmp/vm.xml" "$tmp/vm.xml" \
    >"$tmp/diff.json" 2>"$tmp/err"
[ $? = 1 ] || { cat "$tmp/diff.json" "$tmp/err" >&2; fail "abipin diff source -> destination should say: differs"; }
predicted=$(json_get "$tmp/diff.json" '" ".join(str(b) for b in range(128) if int(d["migration"][0]["unsupported"], 16) >> b & 1)')
predicted_error=$(json_get "$tmp/diff.json" 'd["migration"][0]["qemu_error"]')
[ "$predicted" = "$bits" ] || fail "abipin diff predicts bits '$predicted' lost, not $label's $bits"
ok "abipin diff --platform-a source --platform-b destination predicts bits $predicted lost"

start_qemu dst1 "$tmp/vm.xml" "$tap_dst" LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=$reject
mig wait-status "$tmp/dst1.qmp" 30 inmigrate >/dev/null || { cat "$tmp/dst1.err" >&2; fail "dst1 is not waiting for a migration"; }
mig migrate "$tmp/src1.qmp" "$tmp/dst1.qmp" 180 >"$tmp/m1.json" 2>"$tmp/err" ||
    { cat "$tmp/err" "$tmp/dst1.err" >&2; fail "migration 1 could not be driven"; }
[ "$(json_get "$tmp/m1.json" 'd["outcome"]')" = failed ] ||
    { cat "$tmp/m1.json" "$tmp/dst1.err" >&2; fail "the migration to the destination without $label did not fail"; }
# a failed load ends the destination QEMU
timeout 30 sh -c "while kill -0 $pid_dst1 2>/dev/null && ! grep -q '^State:.*zombie' /proc/$pid_dst1/status; do sleep 0.1; done" ||
    fail "the destination QEMU still runs after the failed load"
wait "$pid_dst1"
dst_rc=$?
forget "$pid_dst1"
[ $dst_rc != 0 ] || fail "the destination QEMU exited 0 after a failed load"
echo "  destination QEMU (exit $dst_rc) printed:"
sed 's/^/  | /' "$tmp/dst1.err"
# QEMU 10.0: "Failed to load virtio-net:virtio"; 11.1: one line, "error
# while loading state ... of device '0000:00:01.0/virtio-net': Failed to load
# element of type virtio for virtio"
grep -qE "Failed to load virtio-net:virtio|of device '[^']*/virtio-net': Failed to load" "$tmp/dst1.err" ||
    fail "the destination did not fail in virtio-net's state load"
mig qemu-error "$tmp/dst1.err" >"$tmp/qerr.json" || fail "the destination's error is not QEMU's Features error"
rejected=$(json_get "$tmp/qerr.json" '" ".join(str(b) for b in d["unsupported"])')
qemu_features=$(mig bits "$(json_get "$tmp/qerr.json" 'd["features"]')")
# QEMU >= 10.2 (32 digits) prints the guest's features masked with the
# allowed ones (virtio_set_features_nocheck stores them masked, virtio_load
# prints what it stored): the failing bits are not in the line
if json_get "$tmp/qerr.json" 'd["line"]' | grep -qE 'Features 0x[0-9a-f]{32} '; then
    [ -z "$rejected" ] || fail "QEMU's 128-bit line shows rejected bits $rejected: it is not masked as QEMU 10.2's is"
    [ "$qemu_features" = "$(without_bits "$guest_bits")" ] ||
        fail "QEMU's Features ($qemu_features) are not the guest's ($guest_bits) less $bits"
    ok "QEMU: \"$(json_get "$tmp/qerr.json" 'd["line"]')\": every printed bit allowed; its Features are the guest's less $bits"
    shown_bits=
else
    [ "$rejected" = "$predicted" ] ||
        fail "QEMU rejected bits $rejected, abipin diff predicted $predicted"
    [ "$qemu_features" = "$guest_bits" ] ||
        fail "QEMU's Features ($qemu_features) are not what the guest negotiated ($guest_bits)"
    ok "QEMU: \"$(json_get "$tmp/qerr.json" 'd["line"]')\": rejected bits $rejected = abipin diff's prediction; its Features are the bits the guest negotiated"
    shown_bits=$rejected
fi
qemu_line=$(json_get "$tmp/qerr.json" 'd["line"]')
[ "${qemu_line##*Allowed features: }" = "${predicted_error##*Allowed features: }" ] ||
    fail "QEMU printed \"$qemu_line\", abipin diff predicted: $predicted_error"
ok "its Allowed features are abipin diff's destination vector, digit for digit in QEMU's format (${predicted_error##*: })"

# abipin explain on the destination's log: the bits, from the line alone,
# and with abipin's own vectors
"$ABIPIN" explain --json "$tmp/dst1.err" >"$tmp/explain.json" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "abipin explain on the destination's log: exit $?"; }
explained=$(json_get "$tmp/explain.json" '" ".join(str(b["bit"]) for b in d["failures"][0]["unsupported"] + d["failures"][0].get("candidates", []))')
[ "$explained" = "$bits" ] || { cat "$tmp/explain.json" >&2; fail "abipin explain names bits '$explained', not $label's $bits"; }
"$ABIPIN" explain --json --domain "$tmp/vm.xml" --platform-a "$tmp/src.xml" --platform-b "$tmp/dst.xml" \
    "$tmp/dst1.err" >"$tmp/explain2.json" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin explain --domain"; }
[ "$(json_get "$tmp/explain2.json" 'd["failures"][0]["allowed_matches"]')" = True ] &&
    [ "$(json_get "$tmp/explain2.json" '" ".join(str(b) for b in d["failures"][0]["predicted"])')" = "$bits" ] ||
    { cat "$tmp/explain2.json" >&2; fail "abipin explain --domain: its destination vector should be QEMU's, its prediction $bits"; }
"$ABIPIN" explain "$tmp/dst1.err" | sed 's/^/  | /'
ok "abipin explain names bits $explained (the line shows: ${shown_bits:-none}); with --domain its destination vector is QEMU's"
[ "$(json_get "$tmp/m1.json" 'd["source"]')" = postmigrate ] &&
    [ "$(json_get "$tmp/m1.json" 'd["source_migration"]')" = completed ] ||
    { cat "$tmp/m1.json" >&2; fail "the source should think the migration completed and stay paused"; }
fail_ms=$(json_get "$tmp/m1.json" 'd["ms"]')
fail_ram=$(json_get "$tmp/m1.json" 'd["ram_transferred"]')
ok "migration 1 failed after $fail_ms ms, $fail_ram bytes of RAM sent; the source says completed and stays paused: the guest runs nowhere"
stop_qemu "$pid_src1"

# ---- 2: with abipin: refused at once ------------------------------------------
# pinned on the source (what abipin define stores there): $label pinned on
"$ABIPIN" -q pin --platform "$tmp/src.xml" "$tmp/vm.xml" -o "$tmp/vm.src.xml" || fail "abipin pin --platform source"
mig qemu-args "$tmp/vm.src.xml" "$tap_src" "$tmp/x" "$tmp/x" >"$tmp/src.args" || fail "QEMU args of vm.src.xml"
for p in $(props_are on); do
    grep -A 1 -- '^-device$' "$tmp/src.args" | grep -q "[,]$p\(,\|\$\)" || fail "pinned on the source, QEMU gets no $p"
done
ok "pinned on the source: QEMU's -device gets $(props_are on)"
"$ABIPIN" diff --json --platform-a "$tmp/src.xml" --platform-b "$tmp/dst.xml" "$tmp/vm.src.xml" "$tmp/vm.src.xml" \
    >"$tmp/diff2.json" 2>"$tmp/err"
[ $? = 1 ] && [ "$(json_get "$tmp/diff2.json" 'd["migration"][0]["unsupported"]')" = "$lost_hex" ] ||
    { cat "$tmp/diff2.json" "$tmp/err" >&2; fail "abipin diff of the source pin should predict the same loss"; }
ok "abipin diff predicts the same loss ($lost_hex) for the source pin"

# refused FILE WHAT: FILE holds abipin's refusal, naming every pinned property
refused() {
    grep -q "$prop is pinned on, but the platform 'destination' lacks $atom" "$1" ||
        { cat "$1" >&2; fail "$2: the refusal does not name $label"; }
    for p in $props; do
        grep -q "$p is pinned on" "$1" || { cat "$1" >&2; fail "$2: the refusal does not name $p"; }
    done
}
# timed without a wrapper in between (no env(1)): the variable is exported here
hook_timed() { # hook_timed OUT ERR HOOK-COMMAND...
    o=$1 e=$2
    shift 2
    (ABIPIN_HOST_PROFILE="$tmp/dst.xml" && export ABIPIN_HOST_PROFILE &&
        mig time 11 "$tmp/vm.src.xml" -- "$@" migvm migrate begin - >"$o" 2>"$e")
}
hook_timed "$tmp/t" "$tmp/hook.err" "$ABIPIN" hook || fail "timing abipin hook"
read -r hook_ms rc <"$tmp/t"
[ "$rc" = 1 ] || { cat "$tmp/hook.err" >&2; fail "abipin hook migrate begin: exit $rc, expected 1"; }
refused "$tmp/hook.err" "abipin hook"
grep -q "refusing the incoming migration of 'migvm': this host ('destination')" "$tmp/hook.err" ||
    { cat "$tmp/hook.err" >&2; fail "abipin hook: not refused as an incoming migration"; }
echo "  abipin hook migvm migrate begin - (ABIPIN_HOST_PROFILE = the destination's profile) printed:"
sed 's/^/  | /' "$tmp/hook.err"
ok "abipin hook migrate begin refuses it in $hook_ms ms (median of 11 runs), naming $label"

hook_timed "$tmp/t" "$tmp/err" "$hook_bin" || fail "timing abipin-hook"
read -r hook_bin_ms rc <"$tmp/t"
[ "$rc" = 1 ] || { cat "$tmp/err" >&2; fail "abipin-hook: exit $rc, expected 1"; }
refused "$tmp/err" "abipin-hook"
ok "abipin-hook (what libvirt runs) refuses it in $hook_bin_ms ms"

# the destination's real conditions: no profile given, the hook probes
# (under the shim, cold cache) and finds no $label itself
env LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=$reject ABIPIN_CACHE_DIR="$tmp/cache-dst" \
    "$ABIPIN" hook migvm migrate begin - <"$tmp/vm.src.xml" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || { cat "$tmp/err" >&2; fail "abipin hook under the shim should refuse"; }
grep -q "$prop is pinned on, but the platform '[^']*' lacks $atom" "$tmp/err" ||
    { cat "$tmp/err" >&2; fail "abipin hook under the shim: no $label reason"; }
[ ! -s "$tmp/out" ] || fail "the hook wrote to stdout (libvirt would take it as new XML)"
ok "abipin hook under the shim (its own probe) refuses it too"

mig time 11 /dev/null -- "$ABIPIN" check --platform "$tmp/dst.xml" "$tmp/vm.src.xml" >"$tmp/t" 2>"$tmp/check.err" ||
    fail "timing abipin check"
read -r check_ms rc <"$tmp/t"
[ "$rc" = 1 ] || { cat "$tmp/check.err" >&2; fail "abipin check --platform destination: exit $rc, expected 1"; }
refused "$tmp/check.err" "abipin check"
ok "abipin check --platform destination refuses it in $check_ms ms, naming $label"

env ABIPIN_HOST_PROFILE="$tmp/dst.xml" "$ABIPIN" hook migvm migrate begin - <"$tmp/vm.xml" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "the hook refused an unpinned domain (default: unpinned = warn)"; }
grep -q "has no abipin pins" "$tmp/err" || fail "the hook did not warn about the unpinned domain"
ok "the unpinned definition passes the hook with a warning: without pins it cannot know what the guest negotiated"

# ---- 3: pinned against the baseline: the migration succeeds -------------------
"$ABIPIN" baseline "$tmp/src.xml" "$tmp/dst.xml" --name cluster -o "$tmp/base.xml" || fail "abipin baseline"
grep -q "<atom name=\"$atom\" state=\"absent\"" "$tmp/base.xml" || fail "the baseline has $atom"
"$ABIPIN" -q pin --platform "$tmp/base.xml" "$tmp/vm.src.xml" -o "$tmp/vm.base.xml" || fail "abipin pin --platform baseline"
expect_exit 0 "abipin check --platform destination, the baseline pin" -- \
    "$ABIPIN" check --platform "$tmp/dst.xml" "$tmp/vm.base.xml"
expect_exit 0 "abipin check --platform source, the baseline pin" -- \
    "$ABIPIN" check --platform "$tmp/src.xml" "$tmp/vm.base.xml"
env ABIPIN_HOST_PROFILE="$tmp/dst.xml" "$ABIPIN" hook migvm migrate begin - <"$tmp/vm.base.xml" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "abipin hook refused the baseline pin on the destination"; }
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "abipin hook: not silent"; }
ok "abipin hook migrate begin on the destination lets the baseline pin pass, silently"
expect_exit 0 "abipin diff --platform-a source --platform-b destination, the baseline pin" -- \
    "$ABIPIN" diff --platform-a "$tmp/src.xml" --platform-b "$tmp/dst.xml" "$tmp/vm.base.xml" "$tmp/vm.base.xml"

boot src2 "$tmp/vm.base.xml" || { cat "$tmp/src2.err" >&2; fail "src2: QEMU exited"; }
for p in $(props_are off); do
    grep -A 1 -- '^-device$' "$tmp/src2.args" | grep -q "[,]$p\(,\|\$\)" || fail "pinned on the baseline, QEMU gets no $p"
done
mig console-features "$tmp/src2.console" >"$tmp/src2.features" || fail "src2: no features on the console"
bits2=$(json_get "$tmp/src2.features" '" ".join(str(b) for b in d["bits"])')
[ "$bits2" = "$(without_bits "$guest_bits")" ] ||
    fail "pinned on the baseline the guest should negotiate what it did unpinned less $label: $bits2"
ok "pinned on the baseline: $(props_are off); the guest negotiated the same bits less $bits"
# QMP x-query-virtio-status aborts QEMU 11.1.3: there the guest's own view only
qom=/machine/peripheral/ua-net0/virtio-backend
qmp_status=yes
[ "$label" = USO ] || qmp_status=
[ -z "$qmp_status" ] || mig guest-features "$tmp/src2.qmp" "$qom" >"$tmp/src2.qmp.json" ||
    fail "QMP x-query-virtio-status on the source"

start_qemu dst2 "$tmp/vm.base.xml" "$tap_dst" LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=$reject
mig wait-status "$tmp/dst2.qmp" 30 inmigrate >/dev/null || { cat "$tmp/dst2.err" >&2; fail "dst2 is not waiting for a migration"; }
mig migrate "$tmp/src2.qmp" "$tmp/dst2.qmp" 180 >"$tmp/m2.json" 2>"$tmp/err" ||
    { cat "$tmp/err" "$tmp/dst2.err" >&2; fail "migration 2 could not be driven"; }
[ "$(json_get "$tmp/m2.json" 'd["outcome"]')" = completed ] && [ "$(json_get "$tmp/m2.json" 'd["destination"]')" = running ] ||
    { cat "$tmp/m2.json" "$tmp/dst2.err" >&2; fail "the baseline-pinned guest did not migrate"; }
ok_ms=$(json_get "$tmp/m2.json" 'd["ms"]')
ok "migration 2 (baseline pins) completed in $ok_ms ms; the guest runs on the destination"

# the guest, on the destination: its console goes on there
end=$(($(date +%s) + 60))
until grep -q '^tick ' "$tmp/dst2.console" 2>/dev/null; do
    [ "$(date +%s)" -le $end ] || { cat "$tmp/dst2.err" >&2; fail "the guest printed nothing on the destination within 60 s"; }
    sleep 0.2
done
mig console-features "$tmp/dst2.console" >"$tmp/dst2.features" || fail "dst2: no features on the console"
[ "$(json_get "$tmp/dst2.features" '" ".join(str(b) for b in d["bits"])')" = "$bits2" ] ||
    fail "after migration the guest sees other features: $(cat "$tmp/dst2.features")"
[ "$(json_get "$tmp/dst2.features" 'd["operstate"]')" = up ] || fail "after migration eth0 is not up"
[ "$(json_get "$tmp/dst2.features" 'd["tick"]')" -gt "$(json_get "$tmp/src2.features" 'd["tick"]')" ] ||
    fail "the guest's tick count went back: it was not migrated but rebooted"
if [ -n "$qmp_status" ]; then
    mig guest-features "$tmp/dst2.qmp" "$qom" >"$tmp/dst2.qmp.json" || fail "QMP x-query-virtio-status on the destination"
    cmp -s "$tmp/src2.qmp.json" "$tmp/dst2.qmp.json" ||
        { cat "$tmp/src2.qmp.json" "$tmp/dst2.qmp.json" >&2; fail "QMP guest-features differ between source and destination"; }
fi
ok "after migration the guest's console (tick $(json_get "$tmp/dst2.features" 'd["tick"]')) shows eth0 up with the same features${qmp_status:+; QMP guest-features equal on both sides}"

# ---- figures -------------------------------------------------------------------
echo "figure: accelerator = $accel"
echo "figure: guest memory = $(($(sed -n "s|.*<memory unit='KiB'>\([0-9]*\)<.*|\1|p" "$data/vm.xml") / 1024)) MiB"
echo "figure: failed migration, migrate to failure = $fail_ms ms ($fail_ram bytes of RAM sent first)"
echo "figure: abipin hook migrate begin refusal = $hook_ms ms"
echo "figure: abipin-hook migrate begin refusal = $hook_bin_ms ms"
echo "figure: abipin check --platform refusal = $check_ms ms"
echo "figure: case = $label (bits $bits), QEMU $("$emulator" --version | sed -n '1s/.*version \([^ ]*\).*/\1/p'), guest $(sed -n 's/^kernel //p' "$kdir/VERSIONS")"
echo "figure: QEMU rejected bits = ${rejected:-none shown} (abipin diff predicted $predicted, abipin explain named $explained)"
echo "figure: pinned migration, migrate to running = $ok_ms ms"
echo "figure: whole test = $(($(date +%s) - started)) s"
echo "$pass_count passed, 0 failed"
