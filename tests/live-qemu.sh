#!/bin/sh
# pin --live never endangers the running VM (issue 18), against real QEMU
# without libvirt: libvirt 9.0 cannot drive QEMU 11.1, so tests/live-qmp runs
# the command's library path (abipin_live_read, abipin_pin_live_domain) over
# a plain QMP socket. Per QEMU (tests/live_qemu.py does one):
#  - QEMU runs (not paused) with a virtio NIC on a tap and one on -netdev user;
#  - pin --live sends only commands that read (query-version, qom-list,
#    qom-get): never x-query-virtio-status, which aborts QEMU 11.1.3;
#  - QEMU still runs afterwards;
#  - the pins equal what the device offers: its PCI registers, read through
#    qtest from a twin QEMU with the same -device lines (tests/qtest_virtio.py),
#    and on 10.0 and 7.2 also QMP x-query-virtio-status; the model's whole
#    vector (128 bits on 11.1) equals the registers.
# QEMU 10.0 (system) and 11.1.3 (Debian unstable's, in its chroot) must run;
# both also under tests/shim with USO rejected, as on Linux < 6.2 (pins off,
# from the profile probed under the same shim). QEMU 7.2 and 5.2 run too where
# tools/quickstart made them. And QEMU 11.1.3 really aborts on
# x-query-virtio-status, so the test would notice if it stopped doing so.
. "$abs_top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip "QEMU makes its tap itself: needs root"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
q100=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64 (tools/quickstart installs QEMU 10 from bookworm-backports)"
q111=/opt/abipin-chroot-unstable/abipin/qemu-system-x86_64
[ -x "$q111" ] || skip "no QEMU 11.1 at $q111 (tools/fetch-qemu-chroot unstable /opt/abipin-chroot-unstable)"
shim=${ABIPIN_TUNSHIM:-$abs_top_builddir/tests/shim/.libs/libtunshim.so}
[ -f "$shim" ] || fail "the TUNSETOFFLOAD shim $shim is not built"
LIVE_QMP="$abs_top_builddir/tests/live-qmp"
[ -x "$LIVE_QMP" ] || fail "$LIVE_QMP is not built (make check builds it)"
export LIVE_QMP
started=$(date +%s)

# this host's profile, and the same under the shim (the probe's own taps)
ABIPIN_CACHE_DIR="$tmp/cache" "$ABIPIN" probe >"$tmp/host.xml" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin probe"; }
env LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso ABIPIN_CACHE_DIR="$tmp/cache-nouso" \
    "$ABIPIN" probe >"$tmp/host-nouso.xml" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin probe under the shim"; }
# USO on tap is this kernel's (Linux >= 6.2), not assumed: where it lacks
# it, the shim changes nothing and USO is pinned off in every run
host_uso=$(tap_uso "$tmp/host.xml")
grep -q 'name="tap.uso4" state="absent"' "$tmp/host-nouso.xml" || fail "the probe under the shim still finds USO"

# run NAME MACHINE PROFILE [ENV=...] -- QEMU...: one QEMU, tests/live_qemu.py
run() {
    name=$1 machine=$2 profile=$3 vars=
    shift 3
    while [ "$1" != -- ]; do vars="$vars $1" && shift; done
    # shellcheck disable=SC2086 # VAR=VALUE words without spaces
    env $vars python3 "$abs_top_srcdir/tests/live_qemu.py" "$name" "$machine" "$profile" "$tmp" "$@" \
        >"$tmp/$name.out" 2>&1 || { cat "$tmp/$name.out" >&2; fail "$name"; }
    sed 's/^ok: //' "$tmp/$name.out" | while IFS= read -r line; do ok "$line"; done
    pass_count=$((pass_count + $(grep -c '^ok: ' "$tmp/$name.out")))
}
nouso="LD_PRELOAD=$shim ABIPIN_SHIM_REJECT=uso"

run qemu-10.0 pc-q35-10.0 "$tmp/host.xml" -- "$q100"
run qemu-10.0-nouso pc-q35-10.0 "$tmp/host-nouso.xml" $nouso -- "$q100"
run qemu-11.1 pc-q35-11.1 "$tmp/host.xml" -- "$q111"
run qemu-11.1-nouso pc-q35-11.1 "$tmp/host-nouso.xml" $nouso -- "$q111"
grep -q "ua-net0: .*host_uso=$host_uso" "$tmp/qemu-11.1.out" && grep -q 'ua-net0: .*host_uso=off' "$tmp/qemu-11.1-nouso.out" ||
    fail "USO should be pinned $host_uso for the tap of QEMU 11.1 (as this kernel's tap has it), off under the shim"
if [ -x /opt/abipin-qemu-7.2/usr/bin/qemu-system-x86_64 ]; then
    p=/opt/abipin-qemu-7.2
    run qemu-7.2 pc-q35-7.2 "$tmp/host.xml" QEMU_MODULE_DIR=$p/usr/lib/x86_64-linux-gnu/qemu -- \
        $p/usr/bin/qemu-system-x86_64 -L $p/usr/share/qemu -L /usr/share/seabios -L /usr/lib/ipxe/qemu
else
    echo "note: no QEMU 7.2 under /opt/abipin-qemu-7.2 (tools/fetch-qemu72)"
fi
if [ -x /opt/abipin-chroot-bullseye/abipin/qemu-system-x86_64 ]; then
    run qemu-5.2 pc-q35-5.2 "$tmp/host.xml" -- /opt/abipin-chroot-bullseye/abipin/qemu-system-x86_64
else
    echo "note: no QEMU 5.2 under /opt/abipin-chroot-bullseye (tools/fetch-qemu-chroot bullseye)"
fi

# what pin --live avoids: QEMU 11.1.3 dies on x-query-virtio-status
python3 - "$q111" "$tmp" <<'PY' || fail "QEMU 11.1.3 no longer aborts on x-query-virtio-status: update docs/abipin.1.rst"
import os, subprocess, sys, time
sys.path.insert(0, os.path.join(os.environ["abs_top_srcdir"], "tests"))
import live_qemu as lq
sock = os.path.join(sys.argv[2], "abort.qmp")
log = os.path.join(sys.argv[2], "abort.log")
p = subprocess.Popen([sys.argv[1], "-nodefaults", "-display", "none", "-accel", "tcg", "-m", "64",
                      "-netdev", "user,id=n1", "-device", "virtio-net-pci,netdev=n1,id=net1",
                      "-qmp", "unix:%s,server=on,wait=off" % sock], stderr=open(log, "w"))
q = lq.Qmp(sock)
q.f.write('{"execute": "x-query-virtio-status", "arguments": {"path": "/machine/peripheral/net1/virtio-backend"}}\n')
q.f.flush()
try:
    p.wait(20)
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit(1)
text = open(log).read()
print(text.strip())
sys.exit(0 if p.returncode != 0 and "Assertion" in text else 1)
PY
ok "QEMU 11.1.3 aborts on x-query-virtio-status, as issue 18 says: pin --live never sends it"
ok "the whole run took $(($(date +%s) - started)) s"
echo "$pass_count passed, 0 failed"
