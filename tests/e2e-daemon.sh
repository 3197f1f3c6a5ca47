#!/bin/sh
# End to end with real libvirt daemons and real QEMU, all started here.
#
#  1. `abipin define` + `abipin start` of a domain with a virtio NIC on a
#     bridge made here: QEMU's command line and QMP x-query-virtio-status
#     carry exactly the pins; USO is on pinned against this host, off pinned
#     against linux-5.14.
#  2. A second daemon plays an older host: its QEMU and its abipin hook run
#     under the LD_PRELOAD shim that makes TUNSETOFFLOAD reject USO as
#     Linux < 6.2 does. The hook refuses an incoming live migration, a
#     restore and a start of the USO domain, before QEMU starts, with
#     abipin's reason; `abipin start` refuses too. The linux-5.14 domain
#     migrates there. With mode = warn the start goes through and QEMU
#     silently drops USO: the ABI change the hook prevents.
#  3. On the first daemon, the hook's abipin.conf has a host_profile without
#     USO ("treat this host as one without USO"): `virsh start` is refused;
#     `abipin start` refuses with ABIPIN_HOST_PROFILE or --platform, and with
#     the config alone the domain stays off too.
#  4. Re-pinned against linux-5.14 (`abipin pin --in-place`, redefined) the
#     same domain starts there, and migrates to the older host.
#
# The daemons are tests/lib.sh's (daemon_setup): private, and gone on exit.
# Skips (77) only where the machine cannot run it, and says why.
. "$abs_top_srcdir/tests/lib.sh"
daemon_require

"$ABIPIN" probe --json >"$tmp/probe.json" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin probe"; }
uso=$(json_get "$tmp/probe.json" '"present" if "tap.uso4" in d["atoms"]["present"] else "not present"')
[ "$uso" = present ] ||
    skip "this kernel ($(uname -r)) has no USO on tap (Linux >= 6.2): nothing to pin on, nothing to refuse"
"$ABIPIN" probe >"$tmp/host.xml" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "abipin probe (XML)"; }
# this host's profile with tap USO marked absent, as on Linux < 6.2
sed -e 's|<platform name="[^"]*"|<platform name="e2e-nouso"|' \
    -e 's|<atom name="\(tap\.uso[46]\)"/>|<atom name="\1" state="absent" reason="simulated: Linux before 6.2 rejects TUN_F_USO4/6"/>|' \
    "$tmp/host.xml" >"$tmp/nouso.xml"
[ "$(grep -c 'name="tap.uso[46]" state="absent"' "$tmp/nouso.xml")" = 2 ] || fail "could not make the no-USO profile"

# ---- names, and the clean-up that runs whatever happens ---------------------
dom_prefix="abipin-e2e-$$-" # unique on the machine: we look for their QEMU in /proc
dom_a="${dom_prefix}a"
dom_b="${dom_prefix}b"
v1() { timeout 60 virsh -c "$(uri 1)" "$@"; }
v2() { timeout 60 virsh -c "$(uri 2)" "$@"; }
daemon_setup "e2ebr$$"

started=$(date +%s)
# daemon 1: this host as it is
start_daemon 1 : :
# daemon 2: an older host, for QEMU (its emulator path is a wrapper that
# preloads the shim) and for the hook's probe alike
real=$(readlink -f "$emulator")
cat >"$tmp/qemu-nouso" <<EOF
#!/bin/sh
LD_PRELOAD='$shim'
ABIPIN_SHIM_REJECT=uso
export LD_PRELOAD ABIPIN_SHIM_REJECT
exec '$tmp/qemu-real' "\$@"
EOF
chmod 755 "$tmp/qemu-nouso"
: >"$tmp/qemu-real"
start_daemon 2 "mount --bind '$real' '$tmp/qemu-real'; mount --bind '$tmp/qemu-nouso' '$real'" \
    "LD_PRELOAD='$shim' ABIPIN_SHIM_REJECT=uso; export LD_PRELOAD ABIPIN_SHIM_REJECT"
wait_daemon 1
wait_daemon 2
ok "two private libvirtd $daemon_version up in $(($(date +%s) - started)) s: $(grep 'Running hypervisor' "$tmp/out" | sed 's/.*: //'), $virt; clients on $(grep 'Using library' "$tmp/out" | sed 's/.*: //')"

# ---- helpers: what the pins say, what QEMU got --------------------------------
cat >"$tmp/verify.py" <<'PY'
# verify.py pins DOMXML               -> "ALIAS FEATURE on|off" lines
# verify.py check DOMXML PID QMPJSON  -> compare the pins with QEMU's -device
#     and with QMP host-features; print "host_uso=on guest_uso4=on ..."
# verify.py abi ABIJSON QMPJSON ALIAS -> abipin abi's vector = QMP's?
import json, sys, xml.etree.ElementTree as ET

PIN = "{http://abipin.org/schemas/pin/1.0}"
QNS = "{http://libvirt.org/schemas/domain/qemu/1.0}"
# pinned feature (= virtio-net-pci property) -> its entry in QMP's lists.
# USO4/USO6 by description: QEMU 10.0 names bit 55 "VIRTIO_NET_F_GUEST_USO4".
QMP = {
    "csum": "VIRTIO_NET_F_CSUM:", "guest_csum": "VIRTIO_NET_F_GUEST_CSUM:",
    "guest_tso4": "VIRTIO_NET_F_GUEST_TSO4:", "guest_tso6": "VIRTIO_NET_F_GUEST_TSO6:",
    "guest_ecn": "VIRTIO_NET_F_GUEST_ECN:", "guest_ufo": "VIRTIO_NET_F_GUEST_UFO:",
    "host_tso4": "VIRTIO_NET_F_HOST_TSO4:", "host_tso6": "VIRTIO_NET_F_HOST_TSO6:",
    "host_ecn": "VIRTIO_NET_F_HOST_ECN:", "host_ufo": "VIRTIO_NET_F_HOST_UFO:",
    "mrg_rxbuf": "VIRTIO_NET_F_MRG_RXBUF:", "event_idx": "VIRTIO_RING_F_EVENT_IDX:",
    "packed": "VIRTIO_F_RING_PACKED:", "in_order": "VIRTIO_F_IN_ORDER:",
    "queue_reset": "VIRTIO_F_RING_RESET:", "host_uso": "VIRTIO_NET_F_HOST_USO:",
    "guest_uso4": "Driver can receive USOv4", "guest_uso6": "Driver can receive USOv6",
    "hash": "VIRTIO_NET_F_HASH_REPORT:", "rss": "VIRTIO_NET_F_RSS:",
    "guest_rsc_ext": "VIRTIO_NET_F_RSC_EXT:",
}
USO = ("host_uso", "guest_uso4", "guest_uso6")
# QMP's names -> virtio bit numbers, to compare with abipin abi's vector
BITS = {
    "VIRTIO_NET_F_CSUM": 0, "VIRTIO_NET_F_GUEST_CSUM": 1, "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS": 2,
    "VIRTIO_NET_F_MTU": 3, "VIRTIO_NET_F_MAC": 5, "VIRTIO_NET_F_GSO": 6,
    "VIRTIO_NET_F_GUEST_TSO4": 7, "VIRTIO_NET_F_GUEST_TSO6": 8, "VIRTIO_NET_F_GUEST_ECN": 9,
    "VIRTIO_NET_F_GUEST_UFO": 10, "VIRTIO_NET_F_HOST_TSO4": 11, "VIRTIO_NET_F_HOST_TSO6": 12,
    "VIRTIO_NET_F_HOST_ECN": 13, "VIRTIO_NET_F_HOST_UFO": 14, "VIRTIO_NET_F_MRG_RXBUF": 15,
    "VIRTIO_NET_F_STATUS": 16, "VIRTIO_NET_F_CTRL_VQ": 17, "VIRTIO_NET_F_CTRL_RX": 18,
    "VIRTIO_NET_F_CTRL_VLAN": 19, "VIRTIO_NET_F_CTRL_RX_EXTRA": 20,
    "VIRTIO_NET_F_GUEST_ANNOUNCE": 21, "VIRTIO_NET_F_MQ": 22, "VIRTIO_NET_F_CTRL_MAC_ADDR": 23,
    "VIRTIO_F_NOTIFY_ON_EMPTY": 24, "VHOST_F_LOG_ALL": 26, "VIRTIO_F_ANY_LAYOUT": 27,
    "VIRTIO_RING_F_INDIRECT_DESC": 28, "VIRTIO_RING_F_EVENT_IDX": 29,
    "VHOST_USER_F_PROTOCOL_FEATURES": 30, "VIRTIO_F_BAD_FEATURE": 30,
    "VIRTIO_F_VERSION_1": 32, "VIRTIO_F_IOMMU_PLATFORM": 33, "VIRTIO_F_ACCESS_PLATFORM": 33,
    "VIRTIO_F_RING_PACKED": 34, "VIRTIO_F_IN_ORDER": 35, "VIRTIO_F_ORDER_PLATFORM": 36,
    "VIRTIO_F_SR_IOV": 37, "VIRTIO_F_NOTIFICATION_DATA": 38, "VIRTIO_F_RING_RESET": 40,
    "VIRTIO_NET_F_NOTF_COAL": 53, "VIRTIO_NET_F_GUEST_USO4": 54, "VIRTIO_NET_F_GUEST_USO6": 55,
    "VIRTIO_NET_F_HOST_USO": 56, "VIRTIO_NET_F_HASH_REPORT": 57, "VIRTIO_NET_F_RSS": 60,
    "VIRTIO_NET_F_RSC_EXT": 61, "VIRTIO_NET_F_STANDBY": 62, "VIRTIO_NET_F_SPEED_DUPLEX": 63,
    "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO": 65, "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM": 66,
    "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO": 67, "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM": 68,
}


def qmp_bits(qmpfile):
    hf = json.load(open(qmpfile))["return"]["host-features"]
    bits = set()
    for x in hf.get("dev-features", []) + hf.get("transports", []):
        name = x.split(":")[0].strip()
        if "USOv6" in x:
            name = "VIRTIO_NET_F_GUEST_USO6"
        if name not in BITS:
            raise SystemExit("QMP: unknown feature name %r" % x)
        bits.add(BITS[name])
    unknown = int(hf.get("unknown-dev-features", 0) or 0)
    bits |= {b for b in range(64) if unknown >> b & 1}
    return bits


def abi(abifile, qmpfile, alias):
    itf = [i for i in json.load(open(abifile))["interfaces"] if i["alias"] == alias]
    if not itf:
        raise SystemExit("abipin abi: no interface %s" % alias)
    want = {b["bit"] for b in itf[0]["bits"]}
    if int(itf[0]["offered"], 16) != sum(1 << b for b in want):
        print("abipin abi: 'offered' %s is not its bit list" % itf[0]["offered"], file=sys.stderr)
        return 1
    got = qmp_bits(qmpfile)
    names = {v: k for k, v in BITS.items()}
    for b in sorted(want - got):
        print("abipin abi predicts bit %d (%s), QEMU does not offer it" % (b, names.get(b)), file=sys.stderr)
    for b in sorted(got - want):
        print("QEMU offers bit %d (%s), abipin abi does not predict it" % (b, names.get(b)), file=sys.stderr)
    print(itf[0]["offered"])
    return 0 if want == got else 1


def pins(path):
    root = ET.parse(path).getroot()
    out = []
    for itf in root.iter(PIN + "interface"):
        for f in itf.findall(PIN + "feature"):
            out.append((itf.get("alias"), f.get("name"), f.get("value")))
    overrides = {}
    for dev in root.iter(QNS + "device"):
        for p in dev.iter(QNS + "property"):
            overrides[(dev.get("alias"), p.get("name"))] = p.get("value")
    return out, overrides


def device_args(pid, alias):
    args = open("/proc/%s/cmdline" % pid, "rb").read().decode().split("\0")
    for i, a in enumerate(args[:-1]):
        if a != "-device":
            continue
        d = args[i + 1]
        if d.startswith("{"):
            d = json.loads(d)
        else:
            kv = d.split(",")
            d = {"driver": kv[0]}
            for x in kv[1:]:
                k, _, val = x.partition("=")
                d[k] = {"on": True, "off": False, "true": True, "false": False}.get(val, val)
        if d.get("id") == alias:
            return d
    return None


def check(path, pid, qmpfile):
    problems = []
    pinned, overrides = pins(path)
    if not pinned:
        problems.append("%s: no abipin pins" % path)
    qmp = json.load(open(qmpfile))["return"]["host-features"]
    offered = qmp.get("dev-features", []) + qmp.get("transports", [])
    if qmp.get("unknown-dev-features"):
        problems.append("QMP: bits QEMU cannot name: %s" % qmp["unknown-dev-features"])
    summary = {}
    for alias, name, value in pinned:
        want = value == "on"
        dev = device_args(pid, alias)
        if dev is None:
            problems.append("cmdline: no -device with id %s" % alias)
            continue
        if name not in dev:
            problems.append("cmdline: %s pinned %s, not on QEMU's -device" % (name, value))
        elif dev[name] is not want:
            problems.append("cmdline: %s pinned %s, -device has %s" % (name, value, dev[name]))
        if name in USO and (alias, name) not in overrides:
            problems.append("XML: %s pinned %s but not in <qemu:override> of %s" % (name, value, alias))
        if name not in QMP:
            problems.append("no QMP name for pinned feature %s" % name)
            continue
        got = any(QMP[name] in x for x in offered)
        if got != want:
            problems.append("QMP: %s pinned %s, QEMU %s it" % (name, value, "offers" if got else "does not offer"))
        if name in USO:
            summary[name] = "on" if got else "off"
    for p in problems:
        print(p, file=sys.stderr)
    print(" ".join("%s=%s" % (k, summary.get(k, "?")) for k in USO))
    return 1 if problems else 0


if sys.argv[1] == "pins":
    for a, n, val in sorted(pins(sys.argv[2])[0]):
        print(a, n, val)
elif sys.argv[1] == "abi":
    sys.exit(abi(*sys.argv[2:5]))
else:
    sys.exit(check(*sys.argv[2:5]))
PY

# qmp_check N NAME: QEMU's -device and QMP host-features against the pins of
# the running domain; the USO summary goes to $tmp/uso, problems to $tmp/err
qmp_check() {
    timeout 60 virsh -c "$(uri $1)" dumpxml "$2" >"$tmp/$2.live.xml" || fail "dumpxml $2 ($1)"
    alias=$(python3 "$tmp/verify.py" pins "$tmp/$2.live.xml" | awk 'NR == 1 { print $1 }')
    [ -n "$alias" ] || fail "$2: the definition has no abipin pins"
    pid=$(qemu_pid "$1" "$2") || fail "$2: no QEMU process on daemon $1"
    timeout 60 virsh -c "$(uri $1)" qemu-monitor-command "$2" \
        "{\"execute\":\"x-query-virtio-status\",\"arguments\":{\"path\":\"/machine/peripheral/$alias/virtio-backend\"}}" \
        >"$tmp/$2.qmp.json" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "$2: QMP x-query-virtio-status"; }
    python3 "$tmp/verify.py" check "$tmp/$2.live.xml" "$pid" "$tmp/$2.qmp.json" >"$tmp/uso" 2>"$tmp/err"
}

# abi_check N NAME: abipin abi's prediction for daemon N's host (2: under the
# shim) is the vector QEMU offers, bit for bit (after qmp_check N NAME)
abi_check() {
    if [ "$1" = 2 ]; then
        set -- "$@" env LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso ABIPIN_CACHE_DIR="$tmp/cache-nouso"
    else
        set -- "$@" env
    fi
    abi_n=$1 abi_dom=$2
    shift 2
    "$@" "$ABIPIN" abi --json "$tmp/$abi_dom.live.xml" >"$tmp/$abi_dom.abi.json" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "abipin abi $abi_dom"; }
    python3 "$tmp/verify.py" abi "$tmp/$abi_dom.abi.json" "$tmp/$abi_dom.qmp.json" "$alias" >"$tmp/vector" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "$abi_dom on daemon $abi_n: abipin abi differs from QEMU's host-features"; }
}

# verify_running N NAME USO: the pins reach QEMU, USO (on/off) is offered or
# not, abipin abi predicted it
verify_running() {
    qmp_check "$1" "$2" || { cat "$tmp/err" >&2; fail "$2: QEMU does not carry the pins"; }
    n=$(python3 "$tmp/verify.py" pins "$tmp/$2.live.xml" | wc -l)
    [ "$(cat "$tmp/uso")" = "host_uso=$3 guest_uso4=$3 guest_uso6=$3" ] ||
        fail "$2: QEMU should offer USO $3: $(cat "$tmp/uso")"
    abi_check "$1" "$2"
    ok "$2 on daemon $1: QEMU's -device and QMP host-features match all $n pins of $alias ($(cat "$tmp/uso")), and abipin abi's $(cat "$tmp/vector")"
}

# ---- 1: define + start, pinned against this host and against linux-5.14 ------
domain_xml "$dom_a" 52:54:00:e2:e0:01 >"$tmp/a.xml"
domain_xml "$dom_b" 52:54:00:e2:e0:02 >"$tmp/b.xml"

expect_exit 0 "abipin define $dom_a (this host)" -- timeout 120 "$ABIPIN" define -c "$(uri 1)" "$tmp/a.xml"
grep -q "ua-net-525400e2e001" "$tmp/out" "$tmp/err" || fail "abipin define did not say what it pinned"
v1 dumpxml --inactive "$dom_a" >"$tmp/a.def.xml" || fail "$dom_a is not defined"
"$ABIPIN" -q pin "$tmp/a.xml" >"$tmp/a.pin.xml" || fail "abipin pin $tmp/a.xml"
python3 "$tmp/verify.py" pins "$tmp/a.pin.xml" >"$tmp/want"
python3 "$tmp/verify.py" pins "$tmp/a.def.xml" >"$tmp/got"
[ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got" ||
    { diff "$tmp/want" "$tmp/got" >&2; fail "the defined domain's pins differ from abipin pin's"; }
ok "libvirt stored the pins abipin pin makes ($(wc -l <"$tmp/got") features)"
[ "$(grep -c '^ua-net-525400e2e001 \(host_uso\|guest_uso4\|guest_uso6\) on$' "$tmp/got")" = 3 ] ||
    { cat "$tmp/got" >&2; fail "against this host USO should be pinned on"; }
ok "against this host (Linux $(uname -r)) USO is pinned on"

expect_exit 0 "abipin start $dom_a" -- timeout 120 "$ABIPIN" start -c "$(uri 1)" "$dom_a"
case "$(v1 domstate "$dom_a")" in running | paused) ;; *) fail "$dom_a is $(v1 domstate "$dom_a")" ;; esac
grep -q "^$dom_a prepare begin" "$tmp/d1/hook.log" || fail "the hook was not called on prepare begin"
verify_running 1 "$dom_a" on
grep -q '"host_uso":true,' "$tmp/d1/log/qemu/$dom_a.log" ||
    fail "libvirt's log of $dom_a does not show host_uso on QEMU's command line"
ok "/var/log/libvirt/qemu/$dom_a.log shows the same command line"

expect_exit 0 "abipin define $dom_b --platform linux-5.14" -- timeout 120 "$ABIPIN" define -c "$(uri 1)" --platform linux-5.14 "$tmp/b.xml"
expect_exit 0 "abipin start $dom_b" -- timeout 120 "$ABIPIN" start -c "$(uri 1)" "$dom_b"
verify_running 1 "$dom_b" off

# ---- 2: an older host (daemon 2): migration, restore, start --------------------
: >"$tmp/d2/hook.log"
v1 migrate --live "$dom_a" "$(uri 2)" tcp://127.0.0.1 >"$tmp/out" 2>"$tmp/err" &&
    fail "$dom_a (USO on) migrated to a host without USO"
refused_by_hook 2 "$dom_a" migrate "virsh migrate"
no_qemu 2 "$dom_a" "refused migration" 1
qemu_pid 1 "$dom_a" >/dev/null || fail "the refused migration stopped $dom_a on the source"
ok "live migration of $dom_a refused by the destination's hook, before its QEMU started; the source runs on"

: >"$tmp/d2/hook.log"
expect_exit 0 "virsh migrate --live $dom_b (linux-5.14 pins) to the older host" -- \
    v1 migrate --live "$dom_b" "$(uri 2)" tcp://127.0.0.1
grep -q "^$dom_b migrate begin" "$tmp/d2/hook.log" || fail "the hook was not called on migrate begin"
verify_running 2 "$dom_b" off
[ -z "$(qemu_pid 1 "$dom_b")" ] || fail "$dom_b still has a QEMU on the source"

v1 save "$dom_a" "$tmp/a.save" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh save $dom_a"; }
: >"$tmp/d2/hook.log"
v2 restore "$tmp/a.save" >"$tmp/out" 2>"$tmp/err" && fail "$dom_a (USO on) restored on a host without USO"
refused_by_hook 2 "$dom_a" restore "virsh restore"
no_qemu 2 "$dom_a" "refused restore"
ok "restore of $dom_a's image refused by the hook, no QEMU started"

v2 define "$tmp/a.def.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "define $dom_a on daemon 2"; }
: >"$tmp/d2/hook.log"
v2 start "$dom_a" >"$tmp/out" 2>"$tmp/err" && fail "$dom_a (USO on) started on a host without USO"
refused_by_hook 2 "$dom_a" prepare "virsh start"
no_qemu 2 "$dom_a" "refused start"
ok "virsh start refused by the hook: $(grep -o 'host_uso is pinned on[^;]*' "$tmp/err" | head -n 1)"
echo "  what virsh start printed:"
sed 's/^/  | /' "$tmp/err"

expect_exit 1 "abipin start $dom_a, on the older host" -- env LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso \
    ABIPIN_CACHE_DIR="$tmp/cache-nouso" timeout 120 "$ABIPIN" start -c "$(uri 2)" "$dom_a"
grep -q "host_uso is pinned on" "$tmp/err" && grep -q "tap.uso4" "$tmp/err" ||
    { cat "$tmp/out" "$tmp/err" >&2; fail "abipin start gives no reason"; }
! grep -q "Hook script" "$tmp/err" || fail "abipin start left the refusal to the hook: it should check first"
echo "  what abipin start printed:"
sed 's/^/  | /' "$tmp/err"
no_qemu 2 "$dom_a" "abipin start"
ok "abipin start refused it itself (its probe found no USO), the domain stays off"

# without enforcement: QEMU takes host_uso=true and silently offers no USO
conf 2 "mode = warn"
: >"$tmp/d2/hook.err"
expect_exit 0 "virsh start $dom_a with mode = warn" -- v2 start "$dom_a"
grep -q "host_uso is pinned on" "$tmp/d2/hook.err" && grep -q "mode = warn" "$tmp/d2/hook.err" ||
    { cat "$tmp/d2/hook.err" >&2; fail "mode = warn: the hook did not warn"; }
qmp_check 2 "$dom_a" && fail "QEMU under the shim still offers USO: the older host is not simulated"
[ "$(cat "$tmp/uso")" = "host_uso=off guest_uso4=off guest_uso6=off" ] &&
    [ "$(grep -c '^QMP: .*pinned on, QEMU does not offer it' "$tmp/err")" = 3 ] &&
    [ "$(wc -l <"$tmp/err")" = 3 ] || { cat "$tmp/uso" "$tmp/err" >&2; fail "mode = warn: QEMU should only drop USO"; }
abi_check 2 "$dom_a"
ok "mode = warn lets it start, and QEMU silently drops the three pinned USO bits (as abipin abi predicts: $(cat "$tmp/vector")): what the hook prevents"
v2 destroy "$dom_a" >/dev/null 2>&1
conf 2 "mode = enforce"

# ---- 3: daemon 1 told that this host lacks USO (host_profile) -------------------
conf 1 "mode = enforce" "host_profile = $tmp/nouso.xml"
: >"$tmp/d1/hook.log"
v1 start "$dom_a" >"$tmp/out" 2>"$tmp/err" && fail "virsh start of $dom_a succeeded; host_profile lacks USO"
refused_by_hook 1 "$dom_a" prepare "virsh start (host_profile)"
grep -q "e2e-nouso" "$tmp/err" || { cat "$tmp/err" >&2; fail "the reason does not name the host_profile's platform"; }
no_qemu 1 "$dom_a" "virsh start (host_profile)"
ok "host_profile without USO: virsh start refused by the hook, no QEMU started"

# abipin start's "this host" is the probe or ABIPIN_HOST_PROFILE; the
# config's host_profile is the hook's (abipin.conf(5))
expect_exit 1 "abipin start $dom_a, ABIPIN_HOST_PROFILE lacking USO" -- \
    env ABIPIN_HOST_PROFILE="$tmp/nouso.xml" timeout 120 "$ABIPIN" start -c "$(uri 1)" "$dom_a"
grep -q "host_uso is pinned on" "$tmp/err" && grep -q "e2e-nouso" "$tmp/err" ||
    { cat "$tmp/out" "$tmp/err" >&2; fail "abipin start (ABIPIN_HOST_PROFILE): reason"; }
! grep -q "Hook script" "$tmp/err" || fail "abipin start ignored ABIPIN_HOST_PROFILE and left the refusal to the hook"
no_qemu 1 "$dom_a" "abipin start (ABIPIN_HOST_PROFILE)"
# with only the hook's host_profile, start's check passes and libvirt's hook
# refuses: the domain must stay off either way, with abipin's reason
env ABIPIN_CONF="$tmp/d1/abipin.conf" timeout 120 "$ABIPIN" start -c "$(uri 1)" "$dom_a" >"$tmp/out" 2>"$tmp/err" &&
    fail "abipin start of $dom_a succeeded; the hook's host_profile lacks USO"
grep -q "host_uso is pinned on" "$tmp/err" && grep -q "e2e-nouso" "$tmp/err" ||
    { cat "$tmp/out" "$tmp/err" >&2; fail "abipin start (host_profile): reason"; }
no_qemu 1 "$dom_a" "abipin start (host_profile)"
ok "abipin start refused, the domain stays off"
expect_exit 1 "abipin start $dom_a --platform linux-5.14" -- timeout 120 "$ABIPIN" start -c "$(uri 1)" --platform linux-5.14 "$dom_a"
grep -q "host_uso is pinned on, but the platform 'linux-5.14' lacks tap.uso4" "$tmp/err" ||
    { cat "$tmp/out" "$tmp/err" >&2; fail "abipin start --platform: reason"; }
no_qemu 1 "$dom_a" "abipin start --platform linux-5.14"

# ---- 4: re-pinned against linux-5.14, the same domain starts and migrates -------
v1 dumpxml --inactive "$dom_a" >"$tmp/a.xml" || fail "dumpxml $dom_a"
expect_exit 0 "abipin pin --platform linux-5.14 --in-place (the stored definition)" -- \
    "$ABIPIN" -q pin --platform linux-5.14 --in-place "$tmp/a.xml"
v1 define "$tmp/a.xml" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "virsh define of the re-pinned $dom_a"; }
: >"$tmp/d1/hook.log"
expect_exit 0 "abipin start $dom_a re-pinned, on a host without USO" -- \
    env ABIPIN_HOST_PROFILE="$tmp/nouso.xml" timeout 120 "$ABIPIN" start -c "$(uri 1)" "$dom_a"
grep -q "^$dom_a prepare begin" "$tmp/d1/hook.log" || fail "the hook was not called"
verify_running 1 "$dom_a" off
v2 undefine "$dom_a" >/dev/null 2>&1
expect_exit 0 "virsh migrate --live $dom_a (re-pinned) to the older host" -- \
    v1 migrate --live "$dom_a" "$(uri 2)" tcp://127.0.0.1
verify_running 2 "$dom_a" off
ok "the whole run took $(($(date +%s) - started)) s from the daemons' start"

echo "$pass_count passed, 0 failed"
