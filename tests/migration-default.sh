#!/bin/sh
# kubevirt/kubevirt#16386 with real libvirt daemons, real QEMU and a real
# guest: a QEMU update turns USO off by default on the SAME machine type that
# running guests negotiated it on (RHEL's qemu-kvm 9.1.0-20.el9, "virtio-net:
# disable USO for virt-rhel9.6", on pc-q35-rhel9.6.0), and every live
# migration from a host not yet updated fails in the destination's state load
# with "Features 0x... unsupported".
#
# Source: daemon 1 (tests/lib.sh's private libvirtd), Debian's QEMU 10.0 as it
# is, machine type pc-q35-10.0, on which USO is on by default. Destination:
# daemon 2, "the same machine type in a build whose default for it is off".
# That build is played by a -global stand-in for a rebuilt QEMU: in daemon 2's
# mount namespace /usr/bin/qemu-system-x86_64 is a wrapper that, only when its
# -machine is pc-q35-10.0, adds -global virtio-net-device.host_uso=off (and
# guest_uso4, guest_uso6), which sets the device's defaults exactly as a
# machine type's compat property does: a paused QEMU's qom-get of a
# virtio-net-pci device shows them off, and an explicit -device
# ...,host_uso=on still wins, as over a compat property (checked first). A
# QEMU rebuilt with that change would give the same device state for many
# CI minutes of compiling on two cores. Everything else (libvirt's probes
# with -machine none, -qmp ...) goes to QEMU unchanged.
#
# The guest: the Linux 6.12 kernel of tools/fetch-guest-kernel (its
# virtio-net negotiates USO) with lib.sh's busybox initramfs, booted by
# libvirt (<os><kernel>/<initrd>, no disk), its NIC on a bridge made here, its
# serial console in a file (appended to: source and destination write the
# same one), where it prints the negotiated features every second. TCG
# unless KVM can run it.
#
#  1. Unpinned: the guest negotiates USO on the source; `virsh migrate
#     --live` to daemon 2 fails, and the destination's QEMU log has
#     "Features 0x... unsupported" with bits 54, 55, 56 rejected, after the
#     whole memory copy. Unlike QEMU alone (tests/migration.sh), libvirt
#     resumes the source: the guest runs on there, "running (unpaused)".
#  2. Pinned by `abipin pin` against this host (host_uso, guest_uso4,
#     guest_uso6 on in <qemu:override>): it migrates, the destination's QEMU
#     has the -global and the explicit pins, the guest runs on with eth0 up
#     and USO still negotiated.
#  3. The step-up: the guest of 1, still running unpinned, gets `abipin pin
#     --live --migratable -o carry.xml` (every value its QEMU runs, as
#     <qemu:override> properties) and migrates with `virsh migrate --xml
#     carry.xml` without a restart: it keeps USO and eth0 up, and daemon 2's
#     hook reads it as pinned. Without --migratable, libvirt refuses the
#     XML: "unsupported configuration: Target device virtio options don't
#     match the source", for a <driver> element (even a bare <driver
#     name='qemu'/>) on an interface that ran without one; the new ua- alias
#     and the <qemu:override> pass its ABI check (a second, paused guest).
#  4. The destination's hook run under the LD_PRELOAD shim that rejects USO
#     on tap (a host that cannot honour the pins): it refuses the incoming
#     migration before QEMU starts, naming USO.
#
# Figures go to the log as "figure: NAME = VALUE" lines. Skips (77) only
# where the machine cannot run it, and says why. ABIPIN_GUEST_KERNEL=DIR
# takes the guest kernel from DIR; ABIPIN_MIGRATION_ACCEL=tcg skips KVM.
. "$abs_top_srcdir/tests/lib.sh"
daemon_require
kdir=${ABIPIN_GUEST_KERNEL:-/var/cache/abipin-test/guest-kernel}
guest_require "$kdir" "tools/fetch-guest-kernel $kdir"
machine=pc-q35-10.0
"$emulator" -machine help | grep -q "^$machine " ||
    skip "$("$emulator" --version | head -n 1) has no machine type $machine (tools/quickstart installs QEMU 10.0)"
"$ABIPIN" probe --json >"$tmp/probe.json" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin probe"; }
json_get "$tmp/probe.json" '"tap.uso4" in d["atoms"]["present"]' | grep -q True ||
    skip "this kernel ($(uname -r)) has no USO on tap (Linux >= 6.2): the guest cannot negotiate it"
t_start=$(date +%s)

# ---- the stand-in, checked: the -global sets the defaults, explicit wins ---------
globals="-global virtio-net-device.host_uso=off -global virtio-net-device.guest_uso4=off -global virtio-net-device.guest_uso6=off"
qom_uso() { # qom_uso NAME DEVICE: host_uso guest_uso4 guest_uso6 of DEVICE (id n0) under $globals, paused
    # shellcheck disable=SC2086
    "$emulator" -nodefaults -display none -S -machine "$machine" -accel tcg $globals -device "$2" \
        -qmp "unix:$tmp/$1.qmp,server=on,wait=off" </dev/null >"$tmp/$1.qemu" 2>&1 &
    qpid=$!
    for p in host_uso guest_uso4 guest_uso6; do
        mig qmp "$tmp/$1.qmp" qom-get "{\"path\":\"/machine/peripheral/n0\",\"property\":\"$p\"}" ||
            { cat "$tmp/$1.qemu" >&2; fail "qom-get $p"; }
    done | tr '\n' ' ' | sed 's/ $//'
    stop_children $qpid
}
[ "$(qom_uso dflt virtio-net-pci,id=n0)" = "false false false" ] ||
    fail "-global virtio-net-device.host_uso=off does not set virtio-net-pci's default: $(qom_uso dflt virtio-net-pci,id=n0)"
[ "$(qom_uso expl virtio-net-pci,id=n0,host_uso=on,guest_uso4=on,guest_uso6=on)" = "true true true" ] ||
    fail "an explicit host_uso=on does not win over the -global"
ok "the stand-in: with the -global a paused $machine's virtio-net-pci has host_uso, guest_uso4, guest_uso6 false (qom-get); -device ...,host_uso=on,... still gives true"

# ---- the two daemons ---------------------------------------------------------
dom_prefix="abipin-mdef-$$-" # unique on the machine: we look for their QEMU in /proc
dom_u="${dom_prefix}u"       # unpinned (1), stepped up live (3)
dom_p="${dom_prefix}p"       # pinned by abipin pin (2)
dom_a="${dom_prefix}a"       # unpinned, paused: the XML without --migratable is refused (3)
dom_r="${dom_prefix}r"       # pinned, to a destination without USO (4)
v1() { timeout 120 virsh -c "$(uri 1)" "$@"; }
v2() { timeout 120 virsh -c "$(uri 2)" "$@"; }
daemon_setup "mdbr$$"
start_daemon 1 : :
# daemon 2's emulator: the "rebuilt" QEMU (see the top); it logs each QEMU
# (its pid: exec keeps it) that got the -global
real=$(readlink -f "$emulator")
cat >"$tmp/qemu-default-off" <<EOF
#!/bin/sh
# $machine with USO off by default: a -global stand-in for a rebuilt QEMU
prev=
for a in "\$@"; do
    if [ "\$prev" = -machine ]; then
        case \$a in
        $machine | $machine,* | type=$machine | type=$machine,*)
            echo "\$\$ \$a" >>'$tmp/globals.log'
            set -- "\$@" $globals
            ;;
        esac
    fi
    prev=\$a
done
exec '$tmp/real/qemu-system-x86_64' "\$@"
EOF
chmod 755 "$tmp/qemu-default-off"
mkdir "$tmp/real" && : >"$tmp/real/qemu-system-x86_64" # a mount point; QEMU's messages name it
: >"$tmp/globals.log"
# what daemon 2's hook runs under: nothing until 4
: >"$tmp/hook2.env"
start_daemon 2 "mount --bind '$real' '$tmp/real/qemu-system-x86_64'; mount --bind '$tmp/qemu-default-off' '$real'" \
    ". '$tmp/hook2.env'"
wait_daemon 1
wait_daemon 2
ok "two private libvirtd $daemon_version up in $(($(date +%s) - started)) s; daemon 2's $real adds the -global on $machine"

# ---- the guest -------------------------------------------------------------------
guest_initramfs "$kdir" "$tmp/initrd.gz"
# vm_xml NAME MAC: unpinned, one virtio NIC on $br
vm_xml() { guest_xml "$1" "$2" "type='bridge'>
      <source bridge='$br'/>"; }
has_uso() { has_bits "$1" 54 55 56; }

# boot_uso N NAME: boot, with USO (bits 54, 55, 56) negotiated
boot_uso() {
    boot "$@"
    has_uso "$2" || fail "$2: the guest did not negotiate USO (bits 54, 55, 56): $(bits "$2")"
}

# KVM if it can run this guest (on a nested host it may stop at once with
# an emulation failure: the domain leaves "running"), else TCG
vm_xml "$dom_u" 52:54:00:6d:64:01 >"$tmp/u.xml"
[ "${ABIPIN_MIGRATION_ACCEL:-}" != tcg ] || virt=qemu
if [ "$virt" = kvm ]; then
    v1 create "$tmp/u.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh create $dom_u (KVM)"; }
    end=$(($(date +%s) + 60))
    state=running
    until wait_up "$dom_u" 0 || [ "$state" != running ] || [ "$(date +%s)" -gt $end ] ||
        grep -qs 'KVM internal error' "$tmp/d1/log/qemu/$dom_u.log"; do
        sleep 0.2
        state=$(v1 domstate "$dom_u")
    done
    if ! wait_up "$dom_u" 0; then
        echo "# KVM could not run the guest ($state; $(grep -s -m 1 -o 'KVM internal error.*' "$tmp/d1/log/qemu/$dom_u.log")): TCG then"
        virt=qemu
        vm_xml "$dom_u" 52:54:00:6d:64:01 >"$tmp/u.xml"
    fi
    v1 destroy "$dom_u" >/dev/null 2>&1
    rm -f "$tmp/$dom_u.console"
fi
v1 define "$tmp/u.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define $dom_u"; }

# ---- 1: unpinned: the migration fails in the destination ----------------------
boot_uso 1 "$dom_u"
u_bits=$(bits "$dom_u")
ok "$dom_u (unpinned) booted on daemon 1 ($virt), eth0 up in $boot_ms ms; the guest negotiated USO: features $u_bits"

# abipin predicts it from the two hosts' profiles, each with its emulator's
# measured defaults on the machine type (the destination's: the stand-in
# build, run here outside daemon 2's namespace)
sed -e "/globals.log/d" -e "s|'$tmp/real/qemu-system-x86_64'|'$real'|" "$tmp/qemu-default-off" >"$tmp/qemu-dst"
chmod 755 "$tmp/qemu-dst"
"$ABIPIN" probe --machine "$machine" -o "$tmp/src.xml" || fail "abipin probe --machine $machine (source)"
"$ABIPIN" probe --machine "$machine" --emulator "$tmp/qemu-dst" -o "$tmp/dst.xml" ||
    fail "abipin probe --machine $machine (destination's build)"
"$ABIPIN" diff --platform-a "$tmp/src.xml" --platform-b "$tmp/dst.xml" "$tmp/u.xml" "$tmp/u.xml" >"$tmp/diff.txt"
[ $? = 1 ] || { cat "$tmp/diff.txt" >&2; fail "abipin diff predicts no change between the two builds"; }
grep -q "B lacks 0x1c0000000000000 (bits 54, 55, 56)" "$tmp/diff.txt" &&
    grep -q "bit 56 VIRTIO_NET_F_HOST_USO: offered -> not offered; B's QEMU turns host_uso off by default on $machine, where upstream's default is on" "$tmp/diff.txt" ||
    { cat "$tmp/diff.txt" >&2; fail "abipin diff does not predict bits 54, 55, 56 and their cause"; }
predicted=$(sed -n 's/.*stops in QEMU.s state load with "\(.*\)"$/\1/p' "$tmp/diff.txt")
ok "abipin diff of the two hosts' profiles predicts the failure: B lacks bits 54, 55, 56, \"B's QEMU turns host_uso off by default on $machine\""

t0=$(ms)
v1 migrate --live "$dom_u" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" &&
    fail "$dom_u (unpinned, USO negotiated) migrated to a QEMU whose default has no USO"
fail1_ms=$(($(ms) - t0))
fail1_err=$(head -n 1 "$tmp/err")
echo "# virsh migrate said: $fail1_err"
[ -s "$tmp/globals.log" ] || fail "daemon 2's QEMU did not get the -global: the destination is not simulated"
log2="$tmp/d2/log/qemu/$dom_u.log"
qemu_rejected "$log2" "54 55 56" "$u_bits"
v1 domjobinfo --completed "$dom_u" >"$tmp/job" 2>&1
fail1_ram=$(sed -n 's/^Memory processed: *//p' "$tmp/job")
echo "# the source's job: $(sed -n 's/^Job type: *//p' "$tmp/job"), ${fail1_ram:-no figure} of memory processed"
ok "virsh migrate --live failed after $fail1_ms ms; daemon 2's QEMU log: \"$features_line\": rejected bits 54 55 56 (HOST_USO, GUEST_USO4, GUEST_USO6)"
[ "${features_line#*Allowed features: }" = "${predicted#*Allowed features: }" ] ||
    fail "QEMU's Allowed features (${features_line#*Allowed features: }) are not abipin diff's (${predicted#*Allowed features: })"
grep -q "host_uso is not pinned, and this QEMU build turns it off by default on $machine" "$tmp/d2/hook.err" ||
    { cat "$tmp/d2/hook.err" >&2; fail "daemon 2's hook did not warn that its build's default differs"; }
"$ABIPIN" explain "$log2" --domain "$tmp/u.xml" --platform-a "$tmp/src.xml" --platform-b "$tmp/dst.xml" >"$tmp/explain.txt" ||
    fail "abipin explain of daemon 2's log"
grep -q "likely cause: the destination's QEMU turns host_uso off by default on $machine" "$tmp/explain.txt" ||
    { cat "$tmp/explain.txt" >&2; fail "abipin explain does not name the build's default"; }
ok "its Allowed features are abipin diff's, digit for digit; daemon 2's hook warned (unpinned, this build's default differs); abipin explain names the cause"
echo "# destination's QEMU log, from its command line on:"
sed -n '/^LC_ALL=/,$p' "$log2" | cut -c1-400 | sed 's/^/  | /'

# where is the guest now?
no_qemu 2 "$dom_u" "the failed migration" 1
src_state=$(v1 domstate --reason "$dom_u")
last=$(tick "$dom_u")
wait_up "$dom_u" 30 "$last" ||
    fail "after the failed migration $dom_u ($src_state) does not run on the source: its console stays at tick $last"
ok "after the failure the guest runs on the source ($src_state; its console went on from tick $last to $(tick "$dom_u")), nothing on daemon 2"

# ---- 2: pinned by abipin pin: it migrates -------------------------------------
vm_xml "$dom_p" 52:54:00:6d:64:02 >"$tmp/p.in.xml"
"$ABIPIN" pin "$tmp/p.in.xml" -o "$tmp/p.xml" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin pin"; }
for p in host_uso guest_uso4 guest_uso6; do
    grep -q "<qemu:property name=['\"]${p}['\"] type=['\"]bool['\"] value=['\"]true['\"]" "$tmp/p.xml" ||
        { cat "$tmp/p.xml" >&2; fail "abipin pin did not pin $p on in <qemu:override>"; }
done
ok "abipin pin against this host: $(grep -o 'ua-[^ ]*' "$tmp/err" | head -n 1) host_uso, guest_uso4, guest_uso6 on in <qemu:override>"
v1 define "$tmp/p.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define $dom_p"; }
boot_uso 1 "$dom_p"
p_bits=$(bits "$dom_p")
[ "$p_bits" = "$u_bits" ] || fail "pinned, the guest negotiated $p_bits, unpinned $u_bits"
ok "$dom_p booted on daemon 1, eth0 up in $boot_ms ms, the same features as unpinned"

"$ABIPIN" diff --platform-a "$tmp/src.xml" --platform-b "$tmp/dst.xml" "$tmp/p.xml" "$tmp/p.xml" >"$tmp/diff.txt" ||
    { cat "$tmp/diff.txt" >&2; fail "abipin diff predicts a change for the pinned definition"; }
ok "abipin diff for the pinned definition: $(cat "$tmp/diff.txt")"

: >"$tmp/globals.log"
last=$(tick "$dom_p")
t0=$(ms)
v1 migrate --live "$dom_p" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "virsh migrate --live $dom_p (pinned)"; }
mig2_ms=$(($(ms) - t0))
pid2=$(qemu_pid 2 "$dom_p") || fail "$dom_p has no QEMU on daemon 2"
grep -q "^$pid2 " "$tmp/globals.log" || fail "daemon 2's QEMU of $dom_p did not get the -global"
tr '\0' '\n' <"/proc/$pid2/cmdline" >"$tmp/p.cmdline"
for p in host_uso guest_uso4 guest_uso6; do
    grep -qx "virtio-net-device.$p=off" "$tmp/p.cmdline" || fail "daemon 2's QEMU has no -global ...$p=off"
    grep -q "\"$p\":true" "$tmp/p.cmdline" || fail "daemon 2's QEMU has no explicit $p on its -device"
done
wait_up "$dom_p" 60 "$last" || fail "$dom_p: the guest's console went quiet after the migration (tick $last)"
has_uso "$dom_p" || fail "$dom_p on daemon 2: USO no longer negotiated: $(bits "$dom_p")"
[ "$(bits "$dom_p")" = "$p_bits" ] || fail "$dom_p on daemon 2: features $(bits "$dom_p"), were $p_bits"
no_qemu 1 "$dom_p" "the pinned migration" 1
ok "pinned, virsh migrate --live completed in $mig2_ms ms: daemon 2's QEMU has the -global and the explicit pins; the guest runs on it (tick $last -> $(tick "$dom_p")), eth0 up, USO negotiated"

# ---- 3: the step-up: the unpinned guest of 1, still running, migrates ------------
# pin --live reads the running QEMU's device (QOM): what the guest has now;
# --migratable writes every value as a <qemu:override> property and leaves
# <driver> alone, as libvirt's migration wants (below)
t0=$(ms)
timeout 120 "$ABIPIN" pin --live --migratable -c "$(uri 1)" "$dom_u" -o "$tmp/carry.xml" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "abipin pin --live --migratable $dom_u"; }
live_ms=$(($(ms) - t0))
for p in host_uso guest_uso4 guest_uso6 csum host_tso4; do
    grep -q "<qemu:property name=['\"]${p}['\"] type=['\"]bool['\"] value=['\"]true['\"]" "$tmp/carry.xml" ||
        { cat "$tmp/carry.xml" >&2; fail "abipin pin --live --migratable did not carry $p on in <qemu:override>"; }
done
sed -n '/<interface/,/<\/interface>/p' "$tmp/carry.xml" | grep -q '<driver' &&
    { cat "$tmp/carry.xml" >&2; fail "--migratable added a <driver> to the interface"; }
carry_alias=$(sed -n "s/.*<qemu:device alias=['\"]\([^'\"]*\)['\"].*/\1/p" "$tmp/carry.xml")
ok "abipin pin --live --migratable -o carry.xml in $live_ms ms: every value the running QEMU has (host_uso, guest_uso4, guest_uso6 on) in <qemu:override> of $carry_alias, no <driver>"

# step_up XML WHAT: virsh migrate --live --xml XML; 0 if the guest runs on
# daemon 2 (its console goes on there, eth0 up, USO negotiated), 1 with
# libvirt's refusal in $tmp/err and the guest still on daemon 1
step_up() {
    : >"$tmp/d2/hook.log"
    : >"$tmp/d2/hook.err"
    : >"$tmp/globals.log"
    last=$(tick "$dom_u")
    t0=$(ms)
    if ! v1 migrate --live --xml "$1" "$dom_u" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err"; then
        no_qemu 2 "$dom_u" "the refused step-up ($2)" 1
        wait_up "$dom_u" 30 "$last" || fail "after the refused step-up ($2) the guest does not run on the source"
        return 1
    fi
    step_ms=$(($(ms) - t0))
    grep -q "^$dom_u migrate begin" "$tmp/d2/hook.log" || fail "step-up ($2): daemon 2's hook was not called"
    pid2=$(qemu_pid 2 "$dom_u") || fail "step-up ($2): $dom_u has no QEMU on daemon 2"
    grep -q "^$pid2 " "$tmp/globals.log" || fail "step-up ($2): daemon 2's QEMU did not get the -global"
    tr '\0' '\n' <"/proc/$pid2/cmdline" >"$tmp/u.cmdline"
    for p in host_uso guest_uso4 guest_uso6; do
        grep -q "\"$p\":true" "$tmp/u.cmdline" || fail "step-up ($2): daemon 2's QEMU has no explicit $p"
    done
    wait_up "$dom_u" 60 "$last" || fail "step-up ($2): the guest's console went quiet after the migration (tick $last)"
    [ "$(bits "$dom_u")" = "$u_bits" ] || fail "step-up ($2): features $(bits "$dom_u") on daemon 2, were $u_bits"
    no_qemu 1 "$dom_u" "the step-up ($2)" 1
}

step_up "$tmp/carry.xml" "--migratable" || { cat "$tmp/err" >&2; fail "libvirt refused the step-up XML"; }
ok "step-up: virsh migrate --live --xml carry.xml completed in $step_ms ms without a restart; the guest runs on daemon 2 (tick $last -> $(tick "$dom_u")), eth0 up, USO negotiated"
! grep -q "no abipin pins\|is not pinned, and this QEMU build" "$tmp/d2/hook.err" ||
    fail "daemon 2's hook took the step-up XML for unpinned: $(cat "$tmp/d2/hook.err")"
echo "# daemon 2's hook was called: $(tr '\n' ';' <"$tmp/d2/hook.log") and said: $(cat "$tmp/d2/hook.err")"
echo "figure: step-up = $step_ms ms"

# why --migratable: the definition pin --live writes for the next boot puts
# libvirt's attributes in a <driver> the running interface does not have,
# and libvirt refuses that for a migration (a second guest, paused: the
# refusal comes before any memory is sent)
vm_xml "$dom_a" 52:54:00:6d:64:03 >"$tmp/a.xml"
v1 define "$tmp/a.xml" >/dev/null 2>"$tmp/err" && v1 start --paused "$dom_a" >/dev/null 2>>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "virsh define + start --paused $dom_a"; }
timeout 120 "$ABIPIN" -q pin --live -c "$(uri 1)" "$dom_a" -o "$tmp/a.def.xml" || fail "abipin pin --live $dom_a"
v1 migrate --live --xml "$tmp/a.def.xml" "$dom_a" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" &&
    fail "libvirt $daemon_version took a <driver> the running interface lacks: --migratable is not needed"
grep -q "virtio options don't match the source" "$tmp/err" || { cat "$tmp/err" >&2; fail "$dom_a: another refusal"; }
no_qemu 2 "$dom_a" "the refused definition XML" 1
ok "without --migratable libvirt $daemon_version refuses the XML: \"$(grep -v '^$' "$tmp/err" | head -n 1)\""
v1 destroy "$dom_a" >/dev/null 2>&1

# ---- 4: a destination that cannot honour the pins: its hook refuses ---------------
# daemon 2's hook (only the hook: QEMU never starts) sees a tap without USO,
# as on Linux < 6.2, probing afresh
printf '%s\n' "LD_PRELOAD='$shim' ABIPIN_SHIM_REJECT=uso" "export LD_PRELOAD ABIPIN_SHIM_REJECT" >"$tmp/hook2.env"
rm -rf "$tmp/d2/hook-cache"
sed "s|<name>$dom_p</name>|<name>$dom_r</name>|; /<uuid>/d; s|$dom_p.console|$dom_r.console|" "$tmp/p.xml" >"$tmp/r.xml"
v1 create --paused "$tmp/r.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh create $dom_r"; }
: >"$tmp/d2/hook.log"
: >"$tmp/globals.log"
t0=$(ms)
v1 migrate --live "$dom_r" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" &&
    fail "$dom_r (USO pinned on) migrated to a destination whose tap has no USO"
refuse_ms=$(($(ms) - t0))
refused_by_hook 2 "$dom_r" migrate "virsh migrate (destination without USO)"
no_qemu 2 "$dom_r" "the refused migration" 1
# (the wrapper's log may show the hook's own paused QEMU, which measured the
# machine type's defaults: no_qemu looks for the guest's)
qemu_pid 1 "$dom_r" >/dev/null || fail "the refused migration stopped $dom_r on the source"
ok "to a destination without USO (its hook under the shim) the pinned domain is refused in $refuse_ms ms, before QEMU starts: $(grep -o 'host_uso is pinned on[^;]*' "$tmp/err" | head -n 1)"
echo "  what virsh migrate printed:"
sed 's/^/  | /' "$tmp/err"

echo "figure: accelerator = $virt"
echo "figure: failed migration (unpinned) = $fail1_ms ms (${fail1_ram:-?} processed): $features_line"
echo "figure: where the guest was after it = source, $src_state"
echo "figure: pinned migration = $mig2_ms ms"
echo "figure: refusal by the destination's hook = $refuse_ms ms"
echo "figure: whole test = $(($(date +%s) - t_start)) s"
echo "$pass_count passed, 0 failed"
