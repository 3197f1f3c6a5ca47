#!/bin/sh
# Measure QEMU, don't model it (issue 26): abipin reads each machine type's
# defaults from the emulator binary itself (a paused QEMU, qom-get), and
# the catalogue's compat tables stay the explanation.
#
#  1. Measured equals modelled on every QEMU this machine has of the
#     fidelity matrix (Debian's 5.2, 7.2, 10.0 and 11.1; x86_64 and
#     aarch64): every pc, q35 and virt machine type, each virtio-net-pci
#     model. Compared through the product: `abipin abi` with the measured
#     profile and with the same profile stripped of its measurement (the
#     model) give the same vector, and no default differs from upstream's.
#  2. A downstream build (Debian's QEMU 10.0 with -global
#     virtio-net-device.host_uso=off and guest_uso4/6 on pc-q35-10.0, as
#     RHEL's qemu-kvm 9.1.0-20.el9 did on pc-q35-rhel9.6.0): the
#     measurement wins, and pin's record, abi and explain say that this
#     build's default differs from upstream's.
#  3. No guessing: a machine type the emulator lacks is exit 2 from pin,
#     check, abi, diff, define and start, naming the emulator and its
#     nearest machine types, and an audit finding.
#  4. The cache: a second command does not run the emulator again; a
#     changed binary is measured anew.
#  5. Bad emulators: one that hangs, dies, prints garbage or has no QMP
#     gets exit 3 naming it and what it did, within the timeout, no paused
#     QEMU is left behind, and no cache entry carries a measurement from it.
. "$abs_top_srcdir/tests/lib.sh"
qemu=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64 (tools/quickstart installs it)"
"$qemu" -nodefaults -machine none -device virtio-net-pci,help 2>/dev/null | grep -q 'host_uso=' ||
    skip "$("$qemu" --version | head -n 1) has no host_uso (tools/quickstart installs QEMU 10.0)"
pin="$abs_top_srcdir/tests/data/pin"
ABIPIN_CACHE_DIR="$tmp/cache"
export ABIPIN_CACHE_DIR
unset ABIPIN_HOST_PROFILE

# ---- 1. measured = modelled, every QEMU of the matrix ----------------------------
# emulators: NAME=PATH lines (tests/lib.sh's list_emulators: the system's,
# the prefixes' through wrappers that give them their data, the chroots')
emulators="$tmp/emulators"
list_emulators "$emulators"
[ "$(wc -l <"$emulators")" -ge 2 ] || fail "fewer than two QEMUs here: $(cat "$emulators")"

cat >"$tmp/compare.py" <<'EOF'
# compare.py PROFILE EMULATOR DIR: for every machine type PROFILE measured,
# a domain with one interface per virtio-net-pci model; prints the domains' paths
import sys, os, xml.etree.ElementTree as ET
prof, emulator, d = sys.argv[1:4]
root = ET.parse(prof).getroot()
machines = sorted({x.get("machine") for x in root.iter("defaults")})
arch = "aarch64" if emulator.endswith("aarch64") else "x86_64"
for i, m in enumerate(machines):
    path = "%s/dom-%03d.xml" % (d, i)
    nics = "".join("""
    <interface type='bridge'>
      <mac address='52:54:00:00:00:%02x'/>
      <source bridge='br0'/>
      <model type='%s'/>
    </interface>""" % (k + 1, model) for k, model in
        enumerate(("virtio", "virtio-transitional", "virtio-non-transitional")))
    open(path, "w").write("""<domain type='qemu'>
  <name>m%03d</name>
  <memory>131072</memory>
  <os><type arch='%s' machine='%s'>hvm</type></os>
  <devices>
    <emulator>%s</emulator>%s
  </devices>
</domain>
""" % (i, arch, m, emulator, nics))
    print(path)
EOF
cat >"$tmp/same.py" <<'EOF'
# same.py MEASURED.json MODELLED.json: the same vectors, no build default
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["defaults"] == "measured" and b["defaults"] == "modelled", (a["defaults"], b["defaults"])
for x, y in zip(a["interfaces"], b["interfaces"]):
    assert x["offered"] == y["offered"], "%s: measured %s, modelled %s" % (a["machine"], x["offered"], y["offered"])
    assert not x["build_defaults"], "%s: %s" % (a["machine"], x["build_defaults"])
assert len(a["interfaces"]) == len(b["interfaces"]) == 3
EOF
total=0 qemus=0
while IFS='=' read -r name emu; do
    mkdir -p "$tmp/$name"
    t0=$(date +%s%N)
    "$ABIPIN" probe --no-cache --all-machines --emulator "$emu" -o "$tmp/$name/measured.xml" </dev/null 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "$name: probe --all-machines"; }
    ms=$((($(date +%s%N) - t0) / 1000000))
    grep -v '<defaults ' "$tmp/$name/measured.xml" >"$tmp/$name/modelled.xml"
    n=0
    for dom in $(python3 "$tmp/compare.py" "$tmp/$name/measured.xml" "$emu" "$tmp/$name"); do
        "$ABIPIN" abi --json --platform "$tmp/$name/measured.xml" "$dom" >"$tmp/a.json" </dev/null 2>"$tmp/err" ||
            { cat "$tmp/err"; fail "$name: abi $dom, measured"; }
        "$ABIPIN" abi --json --platform "$tmp/$name/modelled.xml" "$dom" >"$tmp/b.json" </dev/null 2>"$tmp/err" ||
            { cat "$tmp/err"; fail "$name: abi $dom, modelled"; }
        python3 "$tmp/same.py" "$tmp/a.json" "$tmp/b.json" || fail "$name: measured and modelled part"
        n=$((n + 1))
    done
    [ $n -ge 5 ] || fail "$name: only $n machine types measured"
    echo "figure: $name: $n machine types measured in $ms ms"
    total=$((total + n)) qemus=$((qemus + 1))
done <"$emulators"
ok "measured = modelled on $total machine types of $qemus QEMUs, 3 models each: $(cut -d= -f1 "$emulators" | tr '\n' ' ')"

# ---- 2. a downstream build: the measurement wins, and says so ---------------------
cat >"$tmp/qemu-downstream" <<EOF
#!/bin/sh
# Debian's QEMU with USO off by default on pc-q35-10.0 alone, through QEMU's own
# -global (how a compat property applies), as RHEL's build did on its machine type
for a in "\$@"; do
    case \$a in pc-q35-10.0 | pc-q35-10.0,*)
        exec '$qemu' "\$@" -global virtio-net-device.host_uso=off \\
            -global virtio-net-device.guest_uso4=off -global virtio-net-device.guest_uso6=off ;;
    esac
done
exec '$qemu' "\$@"
EOF
chmod 755 "$tmp/qemu-downstream"
sed "s|<emulator>.*</emulator>|<emulator>$tmp/qemu-downstream</emulator>|" "$pin/bridge.in.xml" >"$tmp/dom.xml"
grep -q "machine='pc-q35-10.0'" "$tmp/dom.xml" || fail "the domain is not on pc-q35-10.0"
"$ABIPIN" pin --no-cache "$tmp/dom.xml" >"$tmp/pinned.xml" 2>"$tmp/err" || { cat "$tmp/err"; fail "pin on the downstream build"; }
grep -q "defaults='measured'" "$tmp/pinned.xml" || fail "the record does not say the defaults were measured"
for p in host_uso guest_uso4 guest_uso6; do
    grep -q "name='$p' value='off' why='machine-type' upstream='on'" "$tmp/pinned.xml" ||
        fail "the record does not pin $p off as this build's default, upstream's on"
done
"$ABIPIN" abi --no-cache "$tmp/dom.xml" >"$tmp/abi.txt" || fail "abi on the downstream build"
[ "$(grep -c "in this build of QEMU (measured; upstream's is on)" "$tmp/abi.txt")" = 3 ] ||
    { cat "$tmp/abi.txt"; fail "abi does not say the build's default differs"; }
# the same domain on another machine type of that build: upstream's defaults
sed "s/machine='pc-q35-10.0'/machine='pc-q35-9.2'/" "$tmp/dom.xml" >"$tmp/dom92.xml"
"$ABIPIN" -q pin --no-cache "$tmp/dom92.xml" | grep -q "name='host_uso' value='on' why='default'/>" ||
    fail "pc-q35-9.2 of the same build lost USO"
ok "downstream build: pin records host_uso, guest_uso4, guest_uso6 off as its pc-q35-10.0 default (upstream: on); abi says so; pc-q35-9.2 keeps upstream's"
"$ABIPIN" probe --no-cache -m q35 -o "$tmp/hostA.xml" || fail "probe of Debian's build"
"$ABIPIN" probe --no-cache -m q35 --emulator "$tmp/qemu-downstream" -o "$tmp/hostB.xml" || fail "probe of the downstream build"
sed "s|<emulator>.*</emulator>|<emulator>$qemu</emulator>|" "$tmp/dom.xml" >"$tmp/domA.xml"
"$ABIPIN" diff --platform-a "$tmp/hostA.xml" --platform-b "$tmp/hostB.xml" "$tmp/domA.xml" "$tmp/domA.xml" >"$tmp/diff.txt"
[ $? = 1 ] || fail "diff between the two builds found nothing"
grep -q "bit 56 VIRTIO_NET_F_HOST_USO: offered -> not offered; B's QEMU turns host_uso off by default on pc-q35-10.0, where upstream's default is on" "$tmp/diff.txt" &&
    grep -q "B lacks 0x1c0000000000000 (bits 54, 55, 56)" "$tmp/diff.txt" ||
    { cat "$tmp/diff.txt"; fail "diff does not predict the failure and its cause"; }
printf 'qemu-system-x86_64: Features 0x1c0010179bfffe7 unsupported. Allowed features: 0x10179bfffe7\n' >"$tmp/mig.log"
"$ABIPIN" explain "$tmp/mig.log" --domain "$tmp/domA.xml" --platform-a "$tmp/hostA.xml" --platform-b "$tmp/hostB.xml" >"$tmp/explain.txt" ||
    fail "explain"
grep -q "likely cause: the destination's QEMU turns host_uso off by default on pc-q35-10.0, where upstream's default is on" "$tmp/explain.txt" ||
    { cat "$tmp/explain.txt"; fail "explain does not name the build's default"; }
ok "two hosts' profiles: diff predicts bits 54, 55, 56 lost and names the build's default; explain names it in QEMU's line"

# ---- 3. no guessing: a machine type the emulator lacks -----------------------------
sed "s/machine='pc-q35-10.0'/machine='pc-q35-99.0'/" "$pin/bridge.in.xml" >"$tmp/bad.xml"
cp "$tmp/bad.xml" "$tmp/bad.before"
for cmd in pin check abi "diff $tmp/bad.xml" "define -c test:///default" ; do
    # shellcheck disable=SC2086
    "$ABIPIN" $cmd "$tmp/bad.xml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] || { cat "$tmp/err"; fail "$cmd: exit $rc, not 2, for a machine type the emulator lacks"; }
    grep -q "has no machine type pc-q35-99.0; its nearest: pc-q35-9.0, pc-q35-10.0" "$tmp/err" ||
        { cat "$tmp/err"; fail "$cmd: the error does not name the emulator's nearest machine types"; }
    cmp -s "$tmp/bad.xml" "$tmp/bad.before" && [ ! -s "$tmp/out" ] || fail "$cmd: output, or the input changed"
done
"$ABIPIN" audit "$tmp/bad.xml" >"$tmp/out" 2>&1
[ $? = 1 ] && grep -q "unknown-machine: .*has no machine type pc-q35-99.0" "$tmp/out" || { cat "$tmp/out"; fail "audit"; }
ok "pc-q35-99.0: pin, check, abi, diff, define exit 2 naming the nearest (pc-q35-9.0, pc-q35-10.0); audit reports unknown-machine"

# ---- 4. the cache: measured once per binary ----------------------------------------
cat >"$tmp/qemu-count" <<EOF
#!/bin/sh
case " \$* " in *" -qmp "*) echo x >>'$tmp/measured' ;; esac
exec '$qemu' "\$@"
EOF
chmod 755 "$tmp/qemu-count"
sed "s|<emulator>.*</emulator>|<emulator>$tmp/qemu-count</emulator>|" "$pin/bridge.in.xml" >"$tmp/count.xml"
rm -rf "$ABIPIN_CACHE_DIR" "$tmp/measured"
"$ABIPIN" -q abi "$tmp/count.xml" >/dev/null && "$ABIPIN" -q check "$tmp/count.xml" >/dev/null 2>&1
[ "$(wc -l <"$tmp/measured")" = 1 ] || fail "abi then check measured $(wc -l <"$tmp/measured") times, not once"
"$ABIPIN" probe --platform "$(ls "$ABIPIN_CACHE_DIR"/host-*.profile)" |
    grep -q '<defaults machine="pc-q35-10.0" model="virtio-net-pci"' || fail "the cache entry has no measured defaults"
sleep 1.1 && touch "$tmp/qemu-count" # a rebuilt binary: another identity
"$ABIPIN" -q abi "$tmp/count.xml" >/dev/null
[ "$(wc -l <"$tmp/measured")" = 2 ] || fail "a changed binary was not measured again"
ok "measured once per binary: abi then check ran one paused QEMU; a changed binary is measured again"

# ---- 5. bad emulators: exit 3, named, in time, nothing left, nothing cached ---------
bad() { # bad NAME SHELL-FOR-THE-QMP-RUN: an emulator that answers everything else
    cat >"$tmp/qemu-$1" <<EOF
#!/bin/sh
case " \$* " in *" -qmp "*) $2 ;; esac
exec '$qemu' "\$@"
EOF
    chmod 755 "$tmp/qemu-$1"
}
bad hangs "echo \$\$ >'$tmp/hang.pid'; exec sleep 600"
bad dies "echo 'qemu-system-x86_64: -machine pc-q35-10.0: broken on purpose' >&2; exit 1"
bad garbage "echo 'hello, this is not QMP'; exec sleep 5"
bad noqmp "exit 0"
bad quits "echo '{\"QMP\": {\"version\": {}, \"capabilities\": []}}'; read line; exit 0"
for case in "hangs:did not answer within 2 s" \
    "dies:exited (status 1) without answering QMP: qemu-system-x86_64: -machine pc-q35-10.0: broken on purpose" \
    "garbage:printed something that is not QMP: 'hello, this is not QMP'" \
    "noqmp:exited (status 0) without answering QMP" "quits:exited (status 0) without answering QMP"; do
    name=${case%%:*} want=${case#*:}
    sed "s|<emulator>.*</emulator>|<emulator>$tmp/qemu-$name</emulator>|" "$pin/bridge.in.xml" >"$tmp/$name.xml"
    rm -rf "$ABIPIN_CACHE_DIR"
    t0=$(date +%s)
    ABIPIN_EMULATOR_TIMEOUT=2 "$ABIPIN" abi "$tmp/$name.xml" >"$tmp/out" 2>"$tmp/err"
    rc=$? took=$(($(date +%s) - t0))
    [ $rc = 3 ] || { cat "$tmp/err"; fail "$name: exit $rc, not 3"; }
    grep -qF "$tmp/qemu-$name (machine type pc-q35-10.0) $want" "$tmp/err" ||
        { cat "$tmp/err"; fail "$name: the error does not say '$want'"; }
    [ $took -le 4 ] || fail "$name: took $took s with a 2 s timeout"
    for f in "$ABIPIN_CACHE_DIR"/host-*.profile; do
        [ -e "$f" ] || continue
        ! "$ABIPIN" probe --platform "$f" | grep -q '<defaults ' || fail "$name: a measurement was cached"
    done
done
[ -s "$tmp/hang.pid" ] || fail "the hanging emulator never ran"
kill -0 "$(cat "$tmp/hang.pid")" 2>/dev/null && fail "the hanging emulator was left running"
ok "emulators that hang, die, print garbage, lack QMP or quit: exit 3 naming them and what they did, within the timeout, nothing cached or left running"
echo "$pass_count passed, 0 failed"
