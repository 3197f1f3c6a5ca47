#!/bin/sh
# abipin pin --live against a real libvirt daemon and real QEMU, started here
# (tests/lib.sh's private daemon, a bridge without uplink):
#
#  1. Refusals, each leaving the definition as it was: a domain that does
#     not run (exit 1), an unknown one (2), the test driver, which has no
#     QEMU monitor (3), an unreachable URI (3), a URI naming another host
#     (2: this host's profile masks the properties; qemu+ext, whose command
#     connects to the test's daemon), libvirt-qemu.so.0 missing
#     (3, the library hidden in a private mount namespace).
#  2. Two unpinned domains with a virtio NIC: A runs QEMU as it is, B runs
#     QEMU under the LD_PRELOAD shim whose TUNSETOFFLOAD rejects USO as
#     Linux < 6.2 does (and B's definition even sets host_uso on); pin
#     --live of B runs under the shim too (its probe: a host without USO). pin --live
#     makes every catalogue property QEMU has explicit in the persistent
#     definition, equal to what QMP x-query-virtio-status reports (asked
#     here, independently, with virsh qemu-monitor-command: QEMU 10.0
#     answers it; pin --live itself only reads QOM properties, see
#     tests/live-qemu.sh): USO on for A, off for B; the domains keep
#     running. The record says source live, method qom, QEMU's version; libvirt's
#     schema and metadata.rng accept the result. A's values are the ones
#     `abipin pin` computes for this host, B's those it computes under the
#     shim. -o FILE writes the same without defining; --json reports.
#  3. The next boot: restarted from the pinned definitions, A's and B's QEMU
#     offer the same host features, entry for entry. pin --live as the
#     first monitor user of A's new QEMU: libvirt logs "tainted:
#     custom-monitor" for it (the manual says so), A keeps running. B's definition started
#     without the shim (a host with USO) offers the same too, USO off. pin
#     --live again changes nothing; a transient domain can only be written.
. "$abs_top_srcdir/tests/lib.sh"
daemon_require
command -v xmllint >/dev/null 2>&1 || skip "no xmllint (apt-get install libxml2-utils)"
[ -f "$daemon_schemas/domain.rng" ] || skip "no $daemon_schemas/domain.rng (apt-get install libvirt0)"

dom_prefix="abipin-live-$$-" # unique on the machine: we look for their QEMU in /proc
dom_a="${dom_prefix}a"
dom_b="${dom_prefix}b"
dom_c="${dom_prefix}c"
dom_t="${dom_prefix}t"
v() { timeout 60 virsh -c "$(uri 1)" "$@"; }
live() { timeout 120 "$ABIPIN" pin --live -c "$(uri 1)" "$@"; }
# B's host lacks USO for abipin too: pin --live masks the device's
# properties with the host's probed profile, and a real host's QEMU and
# abipin see the same kernel
live_nouso() {
    env LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso ABIPIN_CACHE_DIR="$tmp/cache-nouso" \
        timeout 120 "$ABIPIN" pin --live -c "$(uri 1)" "$@"
}
daemon_setup "livebr$$"

start_daemon 1 : :
# B's emulator: QEMU under the shim, as on a host with Linux < 6.2
cat >"$tmp/qemu-nouso" <<EOF
#!/bin/sh
LD_PRELOAD='$shim'
ABIPIN_SHIM_REJECT=uso
export LD_PRELOAD ABIPIN_SHIM_REJECT
exec '$emulator' "\$@"
EOF
chmod 755 "$tmp/qemu-nouso"
wait_daemon 1
ok "private libvirtd $daemon_version up in $(($(date +%s) - started)) s: $(grep 'Running hypervisor' "$tmp/out" | sed 's/.*: //'), $virt"
# A's USO is this kernel's (tap USO is Linux >= 6.2), as the probe finds it:
# on where it has it, off where it has not (B's host lacks it either way)
"$ABIPIN" probe >"$tmp/host.xml" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin probe"; }
uso_a=$(tap_uso "$tmp/host.xml")

# ---- helpers ---------------------------------------------------------------------
cat >"$tmp/live.py" <<'PY'
# live.py values DOMXML MAC                 -> "FEATURE on|off|-" per catalogue feature
# live.py alias DOMXML MAC                  -> the interface's alias
# live.py check DOMXML MAC STATUS QOM VER   -> every property QOM lists is explicit
#     and equal to QMP host-features; prints "N explicit; host_uso=.. ..."
# live.py same STATUS1 STATUS2              -> the host-features are the same
import json, os, sys, xml.etree.ElementTree as ET
sys.path.insert(0, os.environ["abs_top_srcdir"] + "/tests")
import live_qemu  # noqa: E402 (the definition's values, shared with live-qemu.sh)

PIN = "{http://abipin.org/schemas/pin/1.0}"
CAT = ET.parse(os.environ["ABIPIN_DATADIR"] + "/features.xml").getroot()
FEATURES = []  # (property, QMP entry prefix, libvirt element or None, attribute)
for f in CAT.findall("feature"):
    lv = f.find("libvirt")
    # QEMU 10.0 names bit 55 "VIRTIO_NET_F_GUEST_USO4: Driver can receive
    # USOv6": the USO entries are told apart by their descriptions
    qmp = {"guest_uso4": "Driver can receive USOv4",
           "guest_uso6": "Driver can receive USOv6"}.get(f.get("name"), f.get("macro") + ":")
    FEATURES.append((f.get("name"), qmp, lv.get("element") if lv is not None else None,
                     lv.get("attribute") if lv is not None else None))


def interface(root, mac):
    for itf in root.iter("interface"):
        m = itf.find("mac")
        if m is not None and m.get("address") == mac:
            return itf
    sys.exit("no interface with MAC %s" % mac)


def values(path, mac):
    root = ET.parse(path).getroot()
    itf = interface(root, mac)
    drv = itf.find("driver")
    out = {k: v or "-" for k, v in live_qemu.interface_values(root, itf, live_qemu.catalogue()).items()}
    out["driver"] = drv.get("name") if drv is not None and drv.get("name") else "-"
    return out


def offered(status):
    hf = json.load(open(status))["return"]["host-features"]
    return hf.get("transports", []) + hf.get("dev-features", [])


def check(path, mac, status, qom, version):
    vals = values(path, mac)
    props = {p["name"] for p in json.load(open(qom))["return"]}
    entries = offered(status)
    problems, n = [], 0
    for name, qmp, _, _ in FEATURES:
        if name not in props:
            if vals[name] != "-":
                problems.append("%s is set, but QEMU has no such property" % name)
            continue
        want = "on" if any(qmp in e for e in entries) else "off"
        n += 1
        if vals[name] != want:
            problems.append("%s: definition %s, QEMU %s" % (name, vals[name], want))
    rec = ET.parse(path).getroot().find(".//" + PIN + "pin")
    if rec is None or rec.get("source") != "live" or rec.get("method") != "qom" or \
            rec.get("emulator") != version:
        problems.append("record: %s" % (rec.attrib if rec is not None else "none"))
    for p in problems:
        print(p, file=sys.stderr)
    print("%d explicit; %s" % (n, " ".join("%s=%s" % (u, vals[u]) for u in
                                            ("host_uso", "guest_uso4", "guest_uso6"))))
    return 1 if problems or n < 17 else 0


if sys.argv[1] == "values":
    for k, val in sorted(values(sys.argv[2], sys.argv[3]).items()):
        print(k, val)
elif sys.argv[1] == "alias":
    print(interface(ET.parse(sys.argv[2]).getroot(), sys.argv[3]).find("alias").get("name"))
elif sys.argv[1] == "same":
    sys.exit(0 if sorted(offered(sys.argv[2])) == sorted(offered(sys.argv[3])) else 1)
else:
    sys.exit(check(*sys.argv[2:7]))
PY

# qmp NAME MAC OUT: QEMU's host features and properties of that NIC, its version
qmp() {
    v dumpxml "$1" >"$tmp/$3.live.xml" || fail "dumpxml $1"
    path="/machine/peripheral/$(python3 "$tmp/live.py" alias "$tmp/$3.live.xml" "$2")/virtio-backend"
    v qemu-monitor-command "$1" "{\"execute\":\"x-query-virtio-status\",\"arguments\":{\"path\":\"$path\"}}" \
        >"$tmp/$3.status.json" || fail "$1: x-query-virtio-status"
    v qemu-monitor-command "$1" "{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"$path\"}}" \
        >"$tmp/$3.qom.json" || fail "$1: qom-list"
    v qemu-monitor-command "$1" '{"execute":"query-version"}' >"$tmp/$3.version.json" || fail "$1: query-version"
    qemu_version=$(json_get "$tmp/$3.version.json" '"%(major)d.%(minor)d.%(micro)d" % d["return"]["qemu"]')
}

# backend_of NAME: vhost or qemu, as QEMU's -netdev on its command line says
backend_of() {
    pid=$(cat "$tmp/d1/run/qemu/$1.pid" 2>/dev/null) && [ -r "/proc/$pid/cmdline" ] || fail "$1: no QEMU"
    if tr '\0' '\n' <"/proc/$pid/cmdline" | grep -A1 -x -- -netdev | grep -q -e '"vhost":true' -e 'vhost=on'; then
        echo vhost
    else
        echo qemu
    fi
}

# verify NAME MAC USO: the definition has QEMU's bits, USO on/off, a valid record
verify() {
    v dumpxml --inactive "$1" >"$tmp/$1.def.xml" || fail "dumpxml --inactive $1"
    python3 "$tmp/live.py" check "$tmp/$1.def.xml" "$2" "$tmp/$1.status.json" "$tmp/$1.qom.json" \
        "$qemu_version" >"$tmp/result" 2>"$tmp/err" || { cat "$tmp/result" "$tmp/err" >&2; fail "$1: the definition is not what QEMU offers"; }
    grep -q "host_uso=$3 guest_uso4=$3 guest_uso6=$3" "$tmp/result" ||
        fail "$1: USO should be pinned $3: $(cat "$tmp/result")"
    # the schema of the libvirt that wrote it: 11.3 adds q35's implicit
    # <watchdog model='itco'/>, a model 9.0's schema does not know
    xmllint --noout --relaxng "$daemon_schemas/domain.rng" "$tmp/$1.def.xml" >"$tmp/err" 2>&1 ||
        { cat "$tmp/err" >&2; fail "$1: libvirt $daemon_version's schema"; }
    xmllint --xpath "//*[local-name()='pin' and namespace-uri()='http://abipin.org/schemas/pin/1.0']" \
        "$tmp/$1.def.xml" >"$tmp/record.xml" 2>/dev/null || fail "$1: no abipin record"
    xmllint --noout --relaxng "$abs_top_srcdir/xml/metadata.rng" "$tmp/record.xml" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "$1: the record does not match metadata.rng"; }
    want=$(backend_of "$1")
    [ "$(python3 "$tmp/live.py" values "$tmp/$1.def.xml" "$2" | awk '$1 == "driver" { print $2 }')" = "$want" ] ||
        fail "$1: the backend should be pinned <driver name='$want'>, as QEMU's -netdev is"
    ok "$1: all $(cut -d' ' -f1 "$tmp/result") properties QEMU $qemu_version has are explicit and what QMP reports ($(cut -d' ' -f3- "$tmp/result")), driver $want, record source='live'; valid for libvirt $daemon_version and metadata.rng"
}

# ---- 1: refusals ---------------------------------------------------------------------
mac_a=52:54:00:11:7e:01
mac_b=52:54:00:11:7e:02
domain_xml "$dom_a" "$mac_a" >"$tmp/a.xml"
override="
  <qemu:override>
    <qemu:device alias='ua-b'>
      <qemu:frontend>
        <qemu:property name='host_uso' type='bool' value='true'/>
      </qemu:frontend>
    </qemu:device>
  </qemu:override>"
domain_xml "$dom_b" "$mac_b" "$tmp/qemu-nouso" "
      <alias name='ua-b'/>" "$override" >"$tmp/b.xml"
v define "$tmp/a.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "define $dom_a"; }
v define "$tmp/b.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "define $dom_b"; }
v dumpxml --inactive "$dom_a" >"$tmp/a.before.xml" || fail "dumpxml $dom_a"

expect_exit 1 "pin --live of a domain that does not run" -- live "$dom_a"
grep -q "'$dom_a' is not running: --live reads what its running QEMU offers" "$tmp/err" ||
    { cat "$tmp/err" >&2; fail "no reason given"; }
expect_exit 2 "pin --live of an unknown domain" -- live "${dom_prefix}nosuch"
grep -q "no domain '${dom_prefix}nosuch'" "$tmp/err" || { cat "$tmp/err" >&2; fail "no reason given"; }
expect_exit 3 "pin --live on libvirt's test driver" -- "$ABIPIN" pin --live -c test:///default test
grep -q "the libvirt driver 'TEST' at 'test:///default' has no QEMU monitor" "$tmp/err" ||
    { cat "$tmp/err" >&2; fail "no reason given"; }
expect_exit 3 "pin --live with an unreachable URI" -- \
    "$ABIPIN" pin --live -c "qemu+unix:///system?socket=$tmp/none" "$dom_a"
grep -q "cannot connect to libvirt" "$tmp/err" || { cat "$tmp/err" >&2; fail "no reason given"; }
expect_exit 2 "pin --live with --platform" -- live --platform linux-5.14 "$dom_a"
# the ext transport reaches this daemon whatever the host part says: its
# command carries the connection (here to the daemon's own socket)
cat >"$tmp/to-daemon" <<EOF
#!/usr/bin/env python3
import os, select, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect("$tmp/d1/run/libvirt-sock")
while True:
    r, _, _ = select.select([0, s], [], [])
    data = os.read(0, 65536) if 0 in r else s.recv(65536)
    if not data:
        sys.exit(0)
    s.sendall(data) if 0 in r else os.write(1, data)
EOF
chmod 755 "$tmp/to-daemon"
expect_exit 2 "pin --live through a URI naming another host" -- \
    "$ABIPIN" pin --live -c "qemu+ext://elsewhere/system?command=$tmp/to-daemon" "$dom_a"
grep -q "is another host: --live masks its QEMU's properties with this host's kernel facts" "$tmp/err" ||
    { cat "$tmp/err" >&2; fail "no reason given"; }

v start "$dom_a" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh start $dom_a"; }
v start "$dom_b" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh start $dom_b"; }
libqemu=$(ldconfig -p | awk '$1 == "libvirt-qemu.so.0" { print $NF; exit }')
[ -f "$libqemu" ] || fail "ldconfig knows no libvirt-qemu.so.0"
expect_exit 3 "pin --live without libvirt-qemu.so.0" -- unshare -m --propagation private \
    sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$libqemu" \
    timeout 120 "$ABIPIN" pin --live -c "$(uri 1)" "$dom_a"
grep -q "cannot load libvirt's QEMU library" "$tmp/err" || { cat "$tmp/err" >&2; fail "no reason given"; }
v dumpxml --inactive "$dom_a" | cmp -s - "$tmp/a.before.xml" || fail "a refusal changed $dom_a's definition"
ok "after every refusal the definition is as it was"

# ---- 2: pin --live -----------------------------------------------------------------
qmp "$dom_a" "$mac_a" "$dom_a"
qmp "$dom_b" "$mac_b" "$dom_b"
expect_exit 0 "pin --live -o FILE $dom_a" -- live -o "$tmp/a.out.xml" "$dom_a"
v dumpxml --inactive "$dom_a" | cmp -s - "$tmp/a.before.xml" || fail "-o FILE changed $dom_a's definition"
grep -q "source='live'" "$tmp/a.out.xml" || fail "-o FILE: no live record in $tmp/a.out.xml"
ok "-o FILE wrote the pinned definition and defined nothing"

expect_exit 0 "pin --live $dom_a" -- live "$dom_a"
[ "$(v domstate "$dom_a")" = running ] || fail "$dom_a does not run after pin --live"
grep -q "^Domain '$dom_a' defined, pinned to what its running QEMU offers" "$tmp/out" ||
    { cat "$tmp/out" >&2; fail "pin --live did not say it defined $dom_a"; }
grep -q "abipin: pinned $dom_a to what its running QEMU $qemu_version offers (pc-q35-" "$tmp/err" ||
    { cat "$tmp/err" >&2; fail "pin --live gave no summary"; }
echo "  what pin --live printed:"
sed 's/^/  | /' "$tmp/err" "$tmp/out"
verify "$dom_a" "$mac_a" $uso_a
python3 "$tmp/live.py" values "$tmp/a.out.xml" "$mac_a" >"$tmp/want"
python3 "$tmp/live.py" values "$tmp/$dom_a.def.xml" "$mac_a" >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got" || { diff "$tmp/want" "$tmp/got" >&2; fail "-o FILE and the defined pins differ"; }
"$ABIPIN" -q pin "$tmp/a.xml" >"$tmp/a.host.xml" || fail "abipin pin $tmp/a.xml"
python3 "$tmp/live.py" values "$tmp/a.host.xml" "$mac_a" >"$tmp/want"
cmp -s "$tmp/want" "$tmp/got" ||
    { diff "$tmp/want" "$tmp/got" >&2; fail "pin --live and abipin pin (this host) disagree"; }
ok "$dom_a: the same $(grep -c ' o[nf]' "$tmp/got") values as 'abipin pin' for this host, and as -o FILE"

expect_exit 0 "pin --live -o - $dom_b" -- live_nouso -o - "$dom_b"
grep -q "host_uso off (was on)" "$tmp/err" || { cat "$tmp/err" >&2; fail "the summary does not say host_uso was on"; }
grep -q "source='live'" "$tmp/out" || fail "-o -: no pinned XML on standard output"
echo "  what pin --live -o - printed on standard error:"
sed 's/^/  | /' "$tmp/err"
expect_exit 0 "pin --live --json $dom_b" -- live_nouso --json "$dom_b"
[ "$(json_get "$tmp/out" 'd["source"], d["emulator"], d["domain"]')" = "('live', '$qemu_version', '$dom_b')" ] ||
    { cat "$tmp/out" >&2; fail "--json: source, emulator, domain"; }
[ "$(json_get "$tmp/out" '[(f["value"], f.get("was")) for f in d["interfaces"][0]["features"] if f.get("name") == "host_uso"]')" = "[('off', 'on')]" ] ||
    { cat "$tmp/out" >&2; fail "--json: host_uso should be off, was on"; }
verify "$dom_b" "$mac_b" off
# what abipin pin computes for a host without USO (its probe under the same shim)
domain_xml "$dom_b" "$mac_b" "$tmp/qemu-nouso" "
      <alias name='ua-b'/>" >"$tmp/b.plain.xml"
env LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso ABIPIN_CACHE_DIR="$tmp/cache-nouso" \
    "$ABIPIN" -q pin "$tmp/b.plain.xml" >"$tmp/b.host.xml" || fail "abipin pin $tmp/b.plain.xml under the shim"
python3 "$tmp/live.py" values "$tmp/b.host.xml" "$mac_b" >"$tmp/want"
python3 "$tmp/live.py" values "$tmp/$dom_b.def.xml" "$mac_b" >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got" ||
    { diff "$tmp/want" "$tmp/got" >&2; fail "pin --live and abipin pin (no USO) disagree"; }
ok "$dom_b: its explicit host_uso on became off, as QEMU offers: the values 'abipin pin' computes for a host without USO"

# ---- 3: the next boot -------------------------------------------------------------------
for d in "$dom_a" "$dom_b"; do
    cp "$tmp/$d.status.json" "$tmp/$d.before.json"
    v destroy "$d" >/dev/null 2>&1 || fail "destroy $d"
    v start "$d" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "start $d, pinned"; }
done
# pin --live is the first to use the new QEMU's monitor: libvirt taints the
# domain for it (virDomainQemuMonitorCommand), in the domain's log
grep -c 'tainted: custom-monitor' "$tmp/d1/log/qemu/$dom_a.log" >"$tmp/taints.before" || :
expect_exit 0 "pin --live -o FILE $dom_a, first on its new QEMU" -- live -o "$tmp/a.restart.xml" "$dom_a"
[ "$(v domstate "$dom_a")" = running ] || fail "$dom_a does not run after pin --live"
[ "$(grep -c 'tainted: custom-monitor' "$tmp/d1/log/qemu/$dom_a.log")" -gt "$(cat "$tmp/taints.before")" ] ||
    fail "libvirt logged no custom-monitor taint for pin --live: docs/abipin.1.rst says it does"
ok "libvirt logs '$(grep -o 'Domain id=[0-9]* is tainted: custom-monitor' "$tmp/d1/log/qemu/$dom_a.log" | tail -1)' for pin --live; $dom_a still runs"
qmp "$dom_a" "$mac_a" "$dom_a"
qmp "$dom_b" "$mac_b" "$dom_b"
python3 "$tmp/live.py" same "$tmp/$dom_a.before.json" "$tmp/$dom_a.status.json" ||
    fail "$dom_a offers other features after the restart"
python3 "$tmp/live.py" same "$tmp/$dom_b.before.json" "$tmp/$dom_b.status.json" ||
    fail "$dom_b offers other features after the restart"
ok "restarted from the pinned definitions, both QEMU offer the same $(json_get "$tmp/$dom_a.status.json" 'len(d["return"]["host-features"]["dev-features"] + d["return"]["host-features"]["transports"])') / $(json_get "$tmp/$dom_b.status.json" 'len(d["return"]["host-features"]["dev-features"] + d["return"]["host-features"]["transports"])') host features as before"

v dumpxml --inactive "$dom_a" >"$tmp/a.pinned.xml"
expect_exit 0 "pin --live $dom_a again" -- live "$dom_a"
v dumpxml --inactive "$dom_a" | cmp -s - "$tmp/a.pinned.xml" ||
    { v dumpxml --inactive "$dom_a" | diff "$tmp/a.pinned.xml" - >&2; fail "pin --live again changed $dom_a"; }
ok "pin --live of a live-pinned domain changes nothing"

# B's definition on a host with USO: QEMU without the shim, as A has
v destroy "$dom_b" >/dev/null 2>&1
sed -e "s|<name>$dom_b</name>|<name>$dom_c</name>|" -e '/<uuid>/d' -e "s|<emulator>.*</emulator>|<emulator>$emulator</emulator>|" \
    "$tmp/$dom_b.def.xml" >"$tmp/c.xml"
v define "$tmp/c.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "define $dom_c"; }
v start "$dom_c" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "start $dom_c"; }
qmp "$dom_c" "$mac_b" "$dom_c"
python3 "$tmp/live.py" same "$tmp/$dom_b.status.json" "$tmp/$dom_c.status.json" ||
    fail "$dom_b's pins on a host with USO give other features"
if [ $uso_a = on ]; then
    ! python3 "$tmp/live.py" same "$tmp/$dom_a.status.json" "$tmp/$dom_c.status.json" ||
        fail "$dom_c offers what $dom_a offers: the host's USO was not kept out"
    ok "$dom_b's live pins started where QEMU has USO ($dom_c): the same features, USO stays off"
else
    python3 "$tmp/live.py" same "$tmp/$dom_a.status.json" "$tmp/$dom_c.status.json" ||
        fail "$dom_c offers other features than $dom_a, on a kernel where both have USO off"
    ok "$dom_b's live pins started with the real QEMU ($dom_c): the same features as $dom_b, and as $dom_a on this kernel without USO"
fi

domain_xml "$dom_t" 52:54:00:11:7e:04 >"$tmp/t.xml"
v create "$tmp/t.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "create $dom_t"; }
expect_exit 1 "pin --live of a transient domain" -- live "$dom_t"
grep -q "'$dom_t' is transient" "$tmp/err" || { cat "$tmp/err" >&2; fail "no reason given"; }
expect_exit 0 "pin --live -o FILE of a transient domain" -- live -o "$tmp/t.out.xml" "$dom_t"
grep -q "source='live'" "$tmp/t.out.xml" || fail "no live record in $tmp/t.out.xml"
! v dominfo "$dom_t" | grep -q '^Persistent: *yes' || fail "$dom_t became persistent"
ok "the whole run took $(($(date +%s) - started)) s"

echo "$pass_count passed, 0 failed"
