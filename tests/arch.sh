#!/bin/sh
# Architectures, with the real qemu-system-aarch64 (Debian's qemu-system-arm,
# tools/quickstart installs it): an aarch64 'virt' domain is probed, listed
# against the shipped platforms, pinned, checked and let through or refused
# by the hook like an x86 one, and its pinned vector is the one a paused
# QEMU offers (QMP x-query-virtio-status, TCG) on the oldest and the newest
# virt machine type. Guests abipin does not model (s390x, ppc64, riscv64,
# virtio-mmio) make pin, check and abi exit 2, with or without their
# emulator. audit of a mixed directory reports per definition and goes on:
# a definition whose emulator this host lacks is a finding, not the end.
# The aarch64 cells of the bit-for-bit matrix are tests/abi-fidelity.sh's.
. "$abs_top_srcdir/tests/lib.sh"
arm=$(command -v qemu-system-aarch64) ||
    skip "no qemu-system-aarch64 (apt-get install -t bookworm-backports qemu-system-arm; tools/quickstart does)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun: the tap cell needs one"
[ "$(id -u)" = 0 ] || skip "QEMU makes the tap of the tap cell itself: that needs root"
shim="$abs_top_builddir/tests/shim/.libs/libtunshim.so"
[ -f "$shim" ] || fail "no $shim (make check builds it)"
ABIPIN_CACHE_DIR="$tmp/cache"
export ABIPIN_CACHE_DIR
start_time=$(date +%s)
trap 'exit 1' INT TERM HUP

# domain NAME ARCH MACHINE EMULATOR TYPE [ADDRESS]: the golden aarch64 case
# with another guest, emulator, interface type (no <source> but for bridge)
# and an <address type=ADDRESS>
domain() {
    sed -e "s|<name>aarch64-virt</name>|<name>$1</name>|" \
        -e "s|arch='aarch64' machine='virt'|arch='$2' machine='$3'|" \
        -e "s|<emulator>[^<]*</emulator>|<emulator>$4</emulator>|" \
        -e "s|<interface type='bridge'>|<interface type='$5'>|" \
        -e "${6:+s|<model type='virtio'/>|<model type='virtio'/><address type='$6'/>|}" \
        "$abs_top_srcdir/tests/data/pin/aarch64-virt.in.xml" |
        if [ "$5" = bridge ]; then cat; else grep -v '<source '; fi
}

# ---- probe and platforms with the aarch64 emulator ---------------------------
"$ABIPIN" probe --no-cache --emulator "$arm" -o "$tmp/host.xml" || fail "probe --emulator $arm"
version=$("$arm" --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
newest=$("$arm" -machine help | sed -n 's/^virt .*(alias of \(virt-[0-9.]*\)).*/\1/p')
oldest=$("$arm" -machine help | grep -o '^virt-[0-9.]*' | sort -V | head -n 1)
[ -n "$newest" ] && [ -n "$oldest" ] || fail "$arm -machine help lists no virt machine types"
grep -q "<emulator path=\"$arm\" version=\"$version\">" "$tmp/host.xml" || fail "probe: not QEMU $version at $arm"
grep -q "<alias name=\"virt\" machine=\"$newest\"/>" "$tmp/host.xml" || fail "probe: no alias virt -> $newest"
grep -q "<atom name=\"qemu.machine.$oldest\"/>" "$tmp/host.xml" || fail "probe: no $oldest"
grep -q '<atom name="qemu.prop.virtio-net-pci.csum"/>' "$tmp/host.xml" || fail "probe: no virtio-net-pci properties"
ok "probe --emulator $arm: QEMU $version, virt = $newest, $oldest the oldest, virtio-net-pci's properties"
"$ABIPIN" platforms --emulator "$arm" --json >"$tmp/platforms.json" || fail "platforms --emulator $arm"
[ "$(json_get "$tmp/platforms.json" 'len(d["platforms"]) if isinstance(d, dict) else len(d)')" -ge 9 ] ||
    fail "platforms --emulator $arm: fewer than the 9 shipped platforms"
ok "platforms --emulator $arm lists the shipped platforms (they describe the kernel, any guest)"

# ---- pin, check, hook -------------------------------------------------------------
domain arm1 aarch64 virt "$arm" bridge >"$tmp/arm1.xml"
"$ABIPIN" -q pin --no-cache "$tmp/arm1.xml" -o "$tmp/arm1.pinned.xml" || fail "pin an aarch64 virt domain"
grep -q "machine='$newest'" "$tmp/arm1.pinned.xml" || fail "pin: the record does not name $newest"
grep -q "emulator='$version'" "$tmp/arm1.pinned.xml" || fail "pin: the record does not name QEMU $version"
# USO on tap is this kernel's (Linux >= 6.2), as the probe above found it,
# not assumed: pinned on where the kernel has it, off where it has not
if [ "$(tap_uso "$tmp/host.xml")" = on ]; then
    uso=true uso_word=on
else
    uso=false uso_word="off (this kernel, $(uname -r), has no USO on tap)"
fi
grep -q "<qemu:property name='host_uso' type='bool' value='$uso'/>" "$tmp/arm1.pinned.xml" ||
    fail "pin: host_uso is not pinned $uso for $newest on this kernel ($(uname -r))"
virt-xml-validate "$tmp/arm1.pinned.xml" domain >"$tmp/validate" 2>&1 ||
    { cat "$tmp/validate"; fail "pin: the aarch64 result does not validate with libvirt's schema"; }
"$ABIPIN" -q pin "$tmp/arm1.pinned.xml" >"$tmp/again.xml" && cmp -s "$tmp/arm1.pinned.xml" "$tmp/again.xml" ||
    fail "pin: re-pinning the aarch64 domain changed it"
"$ABIPIN" -q check --strict "$tmp/arm1.pinned.xml" || fail "check refuses what pin wrote for aarch64"
ok "pin (record: $newest, QEMU $version, USO $uso_word), schema-valid, idempotent; check --strict passes"
"$ABIPIN" hook arm1 prepare begin - <"$tmp/arm1.pinned.xml" >"$tmp/out" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "hook: refuses the aarch64 domain on the host it was pinned for"; }
ABIPIN_CACHE_DIR="$tmp/cache-nouso" ABIPIN_SHIM_REJECT=uso LD_PRELOAD="$shim" \
    "$ABIPIN" hook arm1 migrate begin - <"$tmp/arm1.pinned.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ ! -s "$tmp/out" ] || fail "hook migrate: wrote to standard output"
if [ $uso = true ]; then
    [ $rc = 1 ] || { cat "$tmp/err"; fail "hook on a host without USO: exit $rc, expected 1"; }
    grep -q "host_uso is pinned on, but the platform '[^']*' lacks tap.uso4" "$tmp/err" ||
        { cat "$tmp/err"; fail "hook: the refusal does not name host_uso and tap.uso4"; }
    ok "hook: passes the pinned aarch64 domain here, refuses its incoming migration where tap lacks USO"
else
    # pinned off here: a host without USO honours it as this one does
    [ $rc = 0 ] || { cat "$tmp/err"; fail "hook on a host without USO, USO pinned off: exit $rc, expected 0"; }
    ok "hook: passes the pinned aarch64 domain here, and its incoming migration where tap lacks USO (USO is pinned off on this kernel)"
fi

# ---- the vector, against the real QEMU -------------------------------------------
cat >"$tmp/qmp.py" <<'PY'
import json, os, socket, subprocess, sys, time
import xml.etree.ElementTree as ET
# qmp.py FEATURES.XML ABI.JSON EMULATOR MACHINE NETDEV: QEMU's offered vector
# (QMP x-query-virtio-status of a paused TCG QEMU) equals abipin abi's
features, abifile, emu, machine, netdev = sys.argv[1:6]
names = {e.get("macro"): int(e.get("bit")) for e in ET.parse(features).getroot().iter()
         if e.get("macro") and e.get("bit")}
names.update({"VIRTIO_F_NOTIFY_ON_EMPTY": 24, "VIRTIO_F_ANY_LAYOUT": 27,
              "VIRTIO_RING_F_INDIRECT_DESC": 28, "VIRTIO_RING_F_EVENT_IDX": 29,
              "VIRTIO_F_VERSION_1": 32, "VIRTIO_F_RING_PACKED": 34, "VIRTIO_F_IN_ORDER": 35,
              "VIRTIO_F_RING_RESET": 40, "VIRTIO_F_IOMMU_PLATFORM": 33})
sock = os.path.join(os.path.dirname(abifile), "qmp.sock")
if os.path.exists(sock):
    os.unlink(sock)
p = subprocess.Popen([emu, "-M", machine, "-S", "-nodefaults", "-display", "none", "-accel", "tcg",
                      "-netdev", netdev + ",id=n0", "-device", "virtio-net-pci,netdev=n0,id=nic0",
                      "-qmp", "unix:%s,server=on,wait=off" % sock], stderr=subprocess.PIPE)
try:
    for _ in range(400):
        if os.path.exists(sock) or p.poll() is not None:
            break
        time.sleep(0.05)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    f = s.makefile("rw")
    def cmd(c, a=None):
        f.write(json.dumps(dict(execute=c, **({"arguments": a} if a else {}))) + "\n")
        f.flush()
        while True:
            m = json.loads(f.readline())
            if "return" in m or "error" in m:
                return m
    f.readline()
    cmd("qmp_capabilities")
    hf = cmd("x-query-virtio-status", {"path": "/machine/peripheral/nic0/virtio-backend"})["return"]["host-features"]
finally:
    p.kill()
    p.wait()
got = 0
for x in hf.get("dev-features", []) + hf.get("transports", []):
    n = x.split(":")[0].strip()
    # QEMU 10.0 names bit 55 GUEST_USO4 too; its description says USOv6
    got |= 1 << names["VIRTIO_NET_F_GUEST_USO6" if "USOv6" in x else n]
got |= int(hf.get("unknown-dev-features", 0) or 0)
want = int(json.load(open(abifile))["interfaces"][0]["offered"], 16)
print("abipin 0x%x, QEMU 0x%x" % (want, got))
sys.exit(0 if want == got else 1)
PY
# cell MACHINE TYPE NETDEV; QEMU's -netdev has no vhost, and so has the
# definition (<driver name='qemu'>): else abipin decides for vhost-net
# (libvirt's default) wherever this host has /dev/vhost-net
cell() {
    domain cell aarch64 "$1" "$arm" "$2" |
        sed "s|<model type='virtio'/>|<model type='virtio'/><driver name='qemu'/>|" >"$tmp/cell.xml"
    grep -q "<driver name='qemu'/>" "$tmp/cell.xml" || fail "cell: could not set <driver name='qemu'/>"
    "$ABIPIN" abi --json --platform "$tmp/host.xml" "$tmp/cell.xml" >"$tmp/abi.json" || fail "abi, $1 $2"
    python3 "$tmp/qmp.py" "$abs_top_srcdir/data/features.xml" "$tmp/abi.json" "$arm" "$1" "$3" >"$tmp/cell.out" 2>&1
    rc=$?
    [ $rc = 0 ] || { cat "$tmp/cell.out"; fail "$1, $2: abipin abi and QEMU differ"; }
    ok "$1, $2: $(tail -n 1 "$tmp/cell.out")"
}
cell "$oldest" user user
cell "$newest" ethernet "tap,ifname=abarch$$,script=no,downscript=no"

# ---- guests abipin does not model ---------------------------------------------------
domain s390 s390x s390-ccw-virtio /usr/bin/qemu-system-s390x bridge >"$tmp/s390x.xml"
domain ppc ppc64 pseries /usr/bin/qemu-system-ppc64 bridge >"$tmp/ppc64.xml"
domain rv riscv64 virt /usr/bin/qemu-system-riscv64 bridge >"$tmp/riscv64.xml"
domain mmio aarch64 virt "$arm" bridge virtio-mmio >"$tmp/mmio.xml"
for g in s390x ppc64 riscv64 mmio; do
    sum=$(md5sum <"$tmp/$g.xml")
    for c in pin check abi; do
        "$ABIPIN" $c --no-cache "$tmp/$g.xml" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        [ $rc = 2 ] || { cat "$tmp/err"; fail "$c $g: exit $rc, expected 2"; }
        [ ! -s "$tmp/out" ] || fail "$c $g: wrote output"
        grep -q "not modelled yet" "$tmp/err" || { cat "$tmp/err"; fail "$c $g: no 'not modelled yet'"; }
    done
    [ "$(md5sum <"$tmp/$g.xml")" = "$sum" ] || fail "$g: the input changed"
done
ok "s390x, ppc64, riscv64, virtio-mmio: pin, check and abi exit 2, 'not modelled yet', input untouched"
echo "unpinned = refuse" >"$tmp/refuse.conf"
ABIPIN_CONF="$tmp/refuse.conf" "$ABIPIN" hook s390 prepare begin - <"$tmp/s390x.xml" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "hook: refuses an s390x domain it can never pin (unpinned = refuse)"; }
grep -q "warning: .*not modelled yet" "$tmp/err" || { cat "$tmp/err"; fail "hook: no warning for s390x"; }
ok "hook: an unpinned s390x domain passes with a warning, even with unpinned = refuse"

# ---- audit of a mixed directory ---------------------------------------------------
mkdir "$tmp/qemu"
cp "$tmp/arm1.pinned.xml" "$tmp/qemu/a-arm.xml"
domain nowhere aarch64 virt /opt/abipin-nowhere/qemu-system-aarch64 user >"$tmp/qemu/b-nowhere.xml"
domain x86 x86_64 q35 "$(command -v qemu-system-x86_64)" user >"$tmp/qemu/c-x86.xml"
"$ABIPIN" audit --no-cache --json "$tmp/qemu" >"$tmp/audit.json" 2>"$tmp/err"
rc=$?
[ $rc = 3 ] || { cat "$tmp/audit.json" "$tmp/err"; fail "audit, a missing emulator: exit $rc, expected 3"; }
kinds=$(json_get "$tmp/audit.json" '" ".join(sorted(set(f["kind"] for x in d["domains"] for f in x["findings"])))')
[ "$(json_get "$tmp/audit.json" 'len(d["domains"])')" = 3 ] || fail "audit: not every definition reported"
[ "$(json_get "$tmp/audit.json" '[f["kind"] for f in d["domains"][1]["findings"]]')" = "['not-evaluated']" ] ||
    fail "audit: the definition with a missing emulator is not one not-evaluated finding"
json_get "$tmp/audit.json" 'd["domains"][1]["findings"][0]["message"]' | grep -q "/opt/abipin-nowhere/qemu-system-aarch64" ||
    fail "audit: the not-evaluated finding does not name the emulator"
[ "$(json_get "$tmp/audit.json" 'd["domains"][0]["findings"]')" = "[]" ] ||
    fail "audit: the aarch64 domain pinned here has findings (evaluated with another emulator?)"
json_get "$tmp/audit.json" '[f["kind"] for f in d["domains"][2]["findings"]]' | grep -q unpinned ||
    fail "audit: the x86 definition after the failing one was not audited"
grep -q "1 definition could not be evaluated on this host" "$tmp/err" || { cat "$tmp/err"; fail "audit: no summary error"; }
ok "audit, a missing emulator among three: exit 3, one not-evaluated finding naming it, the others audited ($kinds)"
cp "$tmp/s390x.xml" "$tmp/qemu/d-s390x.xml"
"$ABIPIN" audit --no-cache "$tmp/qemu" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] || { cat "$tmp/out" "$tmp/err"; fail "audit, also an s390x definition: exit $rc, expected 2"; }
grep -q "d-s390x.xml: not-modelled: " "$tmp/out" || fail "audit: no not-modelled finding for s390x"
grep -q "^audited 4 definitions: .* 0 unreadable, 1 not modelled, 1 not evaluated$" "$tmp/out" ||
    { cat "$tmp/out"; fail "audit: the summary does not count them"; }
ok "audit, also an s390x definition: exit 2, its not-modelled finding, the summary counts both"

echo "figure: arch.sh took $(($(date +%s) - start_time)) s"
echo "$pass_count passed, 0 failed"
