#!/bin/sh
# abipin's model against real QEMU, bit for bit. For every installed QEMU
# (the one in PATH, plus private prefixes such as /opt/abipin-qemu-7.2 that
# tools/fetch-qemu72 unpacks), a matrix of machine types (oldest i440fx and
# q35, pc-q35-7.1, pc-q35-8.1 where present, the latest q35) by backends (tap
# with a vnet header, tap whose USO or UFO the LD_PRELOAD shim rejects like an
# older kernel, -netdev user), then the hw_compat boundaries that change the
# vector (tap only), explicit pins, transitional models, a multiqueue tap QEMU
# creates, and rss/hash. Per cell: a libvirt domain XML, `abipin probe` under
# the same conditions, `abipin abi --json`, then the same device in a paused
# QEMU (TCG) and QMP x-query-virtio-status; the two vectors must be equal.
# Every cell runs; the summary lists each, and any mismatch fails the test.
#
# Skips (77) only without any QEMU; without /dev/net/tun (or the privilege to
# make a tap) it runs the -netdev user cells, then skips with the reason.
# ABIPIN_QEMU_PREFIXES: the private prefixes to test (default
# /opt/abipin-qemu-*). ABIPIN_FIDELITY_ACCEL: tcg (default) or kvm.
# ABIPIN_FIDELITY_KEEP=DIR: keep every cell's domain, abipin and QMP answers.
. "$abs_top_srcdir/tests/lib.sh"

accel=${ABIPIN_FIDELITY_ACCEL:-tcg}
tapbase="abfid$$"
qemu_pid=
taps=
cleanup() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null
        sleep 0.2
        kill -9 "$qemu_pid" 2>/dev/null
    fi
    for t in $taps; do
        ip link del "$t" 2>/dev/null
    done
    if [ -n "${ABIPIN_FIDELITY_KEEP:-}" ]; then
        rm -rf "$ABIPIN_FIDELITY_KEEP"
        cp -r "$tmp" "$ABIPIN_FIDELITY_KEEP" && echo "note: the cells' files are in $ABIPIN_FIDELITY_KEEP"
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
start_time=$(date +%s)

# ---- QMP, the decoder, the domain generator and the comparison --------------
cat >"$tmp/fid.py" <<'PY'
import json, os, socket, sys, time

# QEMU's names for virtio-net-pci host features (hw/net/virtio-net.c
# virtio_net_feature_map, hw/virtio/virtio-qmp.c transport and vhost maps),
# bit numbers from include/standard-headers/linux/virtio_{net,config,ring}.h.
NAMES = {
    "VIRTIO_NET_F_CSUM": 0, "VIRTIO_NET_F_GUEST_CSUM": 1,
    "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS": 2, "VIRTIO_NET_F_MTU": 3,
    "VIRTIO_NET_F_MAC": 5, "VIRTIO_NET_F_GSO": 6,
    "VIRTIO_NET_F_GUEST_TSO4": 7, "VIRTIO_NET_F_GUEST_TSO6": 8,
    "VIRTIO_NET_F_GUEST_ECN": 9, "VIRTIO_NET_F_GUEST_UFO": 10,
    "VIRTIO_NET_F_HOST_TSO4": 11, "VIRTIO_NET_F_HOST_TSO6": 12,
    "VIRTIO_NET_F_HOST_ECN": 13, "VIRTIO_NET_F_HOST_UFO": 14,
    "VIRTIO_NET_F_MRG_RXBUF": 15, "VIRTIO_NET_F_STATUS": 16,
    "VIRTIO_NET_F_CTRL_VQ": 17, "VIRTIO_NET_F_CTRL_RX": 18,
    "VIRTIO_NET_F_CTRL_VLAN": 19, "VIRTIO_NET_F_CTRL_RX_EXTRA": 20,
    "VIRTIO_NET_F_GUEST_ANNOUNCE": 21, "VIRTIO_NET_F_MQ": 22,
    "VIRTIO_NET_F_CTRL_MAC_ADDR": 23,
    "VIRTIO_F_NOTIFY_ON_EMPTY": 24, "VHOST_F_LOG_ALL": 26,
    "VIRTIO_F_ANY_LAYOUT": 27, "VIRTIO_RING_F_INDIRECT_DESC": 28,
    "VIRTIO_RING_F_EVENT_IDX": 29,
    "VHOST_USER_F_PROTOCOL_FEATURES": 30, "VIRTIO_F_BAD_FEATURE": 30,
    "VIRTIO_F_VERSION_1": 32, "VIRTIO_F_IOMMU_PLATFORM": 33,
    "VIRTIO_F_ACCESS_PLATFORM": 33, "VIRTIO_F_RING_PACKED": 34,
    "VIRTIO_F_IN_ORDER": 35, "VIRTIO_F_ORDER_PLATFORM": 36,
    "VIRTIO_F_SR_IOV": 37, "VIRTIO_F_NOTIFICATION_DATA": 38,
    "VIRTIO_F_RING_RESET": 40,
    "VIRTIO_NET_F_VQ_NOTF_COAL": 52, "VIRTIO_NET_F_NOTF_COAL": 53,
    "VIRTIO_NET_F_GUEST_USO4": 54, "VIRTIO_NET_F_GUEST_USO6": 55,
    "VIRTIO_NET_F_HOST_USO": 56, "VIRTIO_NET_F_HASH_REPORT": 57,
    "VIRTIO_NET_F_GUEST_HDRLEN": 59, "VIRTIO_NET_F_RSS": 60,
    "VIRTIO_NET_F_RSC_EXT": 61, "VIRTIO_NET_F_STANDBY": 62,
    "VIRTIO_NET_F_SPEED_DUPLEX": 63,
    "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO": 65,
    "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM": 66,
    "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO": 67,
    "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM": 68,
}
# Descriptions that decide over the name: QEMU 10.0.2 labels bit 55
# "VIRTIO_NET_F_GUEST_USO4: Driver can receive USOv6".
DESCS = {
    "Driver can receive USOv4": 54,
    "Driver can receive USOv6": 55,
    "Device can receive USO": 56,
}
BITNAME = {}
for k, v in NAMES.items():
    BITNAME.setdefault(v, k)
BITNAME[55] = "VIRTIO_NET_F_GUEST_USO6"


def die(msg, code=2):
    print("fid.py: " + msg, file=sys.stderr)
    sys.exit(code)


def decode(hf):
    """host-features of x-query-virtio-status -> (bits, labels)"""
    bits = {}
    for label in hf.get("dev-features", []) + hf.get("transports", []):
        name, _, desc = label.partition(": ")
        bit = DESCS.get(desc.strip(), NAMES.get(name.strip()))
        if bit is None:
            die("cannot decode the feature label %r" % label)
        if bit in bits:
            die("two labels decode to bit %d: %r and %r" % (bit, bits[bit], label))
        bits[bit] = label
    unknown = hf.get("unknown-dev-features", 0)
    for b in range(128):
        if unknown >> b & 1:
            if b in bits:
                die("bit %d both named (%r) and unknown" % (b, bits[b]))
            bits[b] = "(unknown-dev-features)"
    return bits


def vec(bits):
    v = 0
    for b in bits:
        v |= 1 << b
    return v


def qmp(sock_path, out, pid):
    deadline = time.time() + 20
    while True:
        if not os.path.exists("/proc/%s" % pid):
            die("QEMU (pid %s) exited before its QMP socket answered" % pid)
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock_path)
            break
        except OSError:
            s.close()
            if time.time() > deadline:
                die("no QMP socket at %s after 20 s" % sock_path)
            time.sleep(0.05)
    s.settimeout(20)
    f = s.makefile("rw")
    greeting = json.loads(f.readline())
    version = "%(major)d.%(minor)d.%(micro)d" % greeting["QMP"]["version"]["qemu"]

    def cmd(name, args=None):
        m = {"execute": name}
        if args is not None:
            m["arguments"] = args
        f.write(json.dumps(m) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                die("QMP closed during %s" % name)
            r = json.loads(line)
            if "error" in r:
                die("QMP %s: %s" % (name, r["error"]))
            if "return" in r:
                return r["return"]

    cmd("qmp_capabilities")
    paths = [d["path"] for d in cmd("x-query-virtio")
             if d["name"] == "virtio-net" and "/ua-net0/" in d["path"]]
    if len(paths) != 1:
        die("x-query-virtio: expected one virtio-net under ua-net0, got %r" % paths)
    st = cmd("x-query-virtio-status", {"path": paths[0]})
    hf = st["host-features"]
    bits = decode(hf)
    # quit, and wait for its answer: a command cut off by a close is lost
    try:
        f.write(json.dumps({"execute": "quit"}) + "\n")
        f.flush()
        while f.readline():
            pass
    except OSError:
        pass
    v = vec(bits)
    json.dump({"version": version, "path": paths[0], "host-features": hf,
               "lo": "0x%x" % (v & (2**64 - 1)), "hi": "0x%x" % (v >> 64),
               "bits": {str(b): l for b, l in sorted(bits.items())}},
              open(out, "w"), indent=1)


def compare(abipin_json, qemu_json, expect):
    a = json.load(open(abipin_json))
    q = json.load(open(qemu_json))
    ifs = a["interfaces"]
    if len(ifs) != 1:
        die("abipin abi: expected one interface, got %d" % len(ifs))
    ai = ifs[0]
    av = int(ai["offered"], 16) | int(ai.get("offered_high", "0x0"), 16) << 64
    names = {b["bit"]: b["name"] for b in ai["bits"]}
    qbits = {int(k): v for k, v in q["bits"].items()}
    qv = vec(qbits)
    if expect and qv != int(expect, 16):
        print("  QEMU's vector 0x%x is not the expected 0x%x: the decoder or the "
              "environment is wrong" % (qv, int(expect, 16)))
        return 3
    if av == qv:
        print("  match: 0x%x%s" % (qv & (2**64 - 1),
                                  " high 0x%x" % (qv >> 64) if qv >> 64 else ""))
        return 0
    print("  MISMATCH")
    print("    abipin: offered 0x%x  offered_high 0x%x" % (av & (2**64 - 1), av >> 64))
    print("    QEMU  : offered 0x%x  offered_high 0x%x" % (qv & (2**64 - 1), qv >> 64))
    off = {o["bit"]: o for o in ai["off"]}
    for b in range(128):
        ina, inq = av >> b & 1, qv >> b & 1
        if ina == inq:
            continue
        name = names.get(b) or BITNAME.get(b, "?")
        if ina:
            print("    bit %3d %-36s abipin offers it, QEMU does not" % (b, name))
        else:
            why = off.get(b)
            why = " (abipin: %s%s)" % (why["reason"], ", " + why["atom"] if why.get("atom") else "") if why else ""
            print("    bit %3d %-36s QEMU offers it (%s), abipin does not%s"
                  % (b, name, qbits[b], why))
    return 1


# libvirt's <driver> attributes for the QEMU properties it models
# (qemuBuildNicDevProps); everything else goes through <qemu:override>.
LIBVIRT = {
    "csum": ("host", "csum"), "gso": ("host", "gso"),
    "host_tso4": ("host", "tso4"), "host_tso6": ("host", "tso6"),
    "host_ecn": ("host", "ecn"), "host_ufo": ("host", "ufo"),
    "mrg_rxbuf": ("host", "mrg_rxbuf"),
    "guest_csum": ("guest", "csum"), "guest_tso4": ("guest", "tso4"),
    "guest_tso6": ("guest", "tso6"), "guest_ecn": ("guest", "ecn"),
    "guest_ufo": ("guest", "ufo"),
    "event_idx": ("driver", "event_idx"), "packed": ("driver", "packed"),
    "rss": ("driver", "rss"), "hash": ("driver", "rss_hash_report"),
}


def domain(out, name, machine, emulator, backend, ifname, pins):
    driver = {"name": "qemu"}
    host, guest, override, dev = {}, {}, [], []
    model = "virtio"
    for p in pins:
        prop, _, val = p.partition("=")
        if prop == "model":  # virtio-transitional -> virtio-net-pci-transitional
            model = val
            continue
        if prop == "queues":
            driver["queues"] = val
            dev += ["mq=on", "vectors=%d" % (2 * int(val) + 2)]
            continue
        where = LIBVIRT.get(prop)
        if where is None:
            override.append("        <qemu:property name='%s' type='bool' value='%s'/>"
                            % (prop, "true" if val == "on" else "false"))
        elif where[0] == "host":
            host[where[1]] = val
        elif where[0] == "guest":
            guest[where[1]] = val
        else:
            driver[where[1]] = val
        dev.append("%s=%s" % (prop, val))

    def attrs(d):
        return "".join(" %s='%s'" % kv for kv in d.items())
    x = ["<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
         "  <name>%s</name>" % name,
         "  <memory unit='KiB'>131072</memory>",
         "  <os>",
         "    <type arch='x86_64' machine='%s'>hvm</type>" % machine,
         "  </os>",
         "  <devices>",
         "    <emulator>%s</emulator>" % emulator]
    if backend == "user":
        x.append("    <interface type='user'>")
    else:
        x.append("    <interface type='ethernet'>")
    x.append("      <mac address='52:54:00:00:00:01'/>")
    if backend != "user":
        x.append("      <target dev='%s' managed='no'/>" % ifname)
    x += ["      <model type='%s'/>" % model,
          "      <driver%s%s>" % (attrs(driver), "" if host or guest else "/")]
    if host:
        x.append("        <host%s/>" % attrs(host))
    if guest:
        x.append("        <guest%s/>" % attrs(guest))
    if host or guest:
        x.append("      </driver>")
    x += ["      <alias name='ua-net0'/>",
          "    </interface>",
          "  </devices>"]
    if override:
        x += ["  <qemu:override>",
              "    <qemu:device alias='ua-net0'>",
              "      <qemu:frontend>"] + override + [
              "      </qemu:frontend>",
              "    </qemu:device>",
              "  </qemu:override>"]
    x.append("</domain>")
    open(out, "w").write("\n".join(x) + "\n")
    print("virtio-net-pci" + model[len("virtio"):] + "".join("," + d for d in dev))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "qmp":
        qmp(a[1], a[2], a[3])
    elif a[0] == "compare":
        sys.exit(compare(a[1], a[2], a[3] if len(a) > 3 else ""))
    elif a[0] == "domain":
        domain(a[1], a[2], a[3], a[4], a[5], a[6], a[7:])
    else:
        die("bad subcommand")
PY

# ---- which QEMUs ------------------------------------------------------------
# Each QEMU: "ID|BINARY|PREFIX" (PREFIX empty for the one in PATH).
qemus=
sysqemu=$(command -v qemu-system-x86_64 2>/dev/null || true)
[ -n "$sysqemu" ] && qemus="sys|$sysqemu|"
notes=
for prefix in ${ABIPIN_QEMU_PREFIXES:-/opt/abipin-qemu-*}; do
    bin="$prefix/usr/bin/qemu-system-x86_64"
    if [ -x "$bin" ]; then
        qemus="$qemus ${prefix##*/}|$bin|$prefix"
    elif [ "$prefix" = "/opt/abipin-qemu-*" ]; then
        notes="$notes
note: no private QEMU under /opt/abipin-qemu-*: run tools/fetch-qemu72 /opt/abipin-qemu-7.2 to test Debian 12's QEMU 7.2 too"
    else
        notes="$notes
note: $prefix has no usr/bin/qemu-system-x86_64: not tested"
    fi
done
[ -n "$qemus" ] || skip "no QEMU: neither qemu-system-x86_64 in PATH nor a prefix in ${ABIPIN_QEMU_PREFIXES:-/opt/abipin-qemu-*}"
[ -f "${ABIPIN_TUNSHIM:-}" ] || fail "the TUNSETOFFLOAD shim ${ABIPIN_TUNSHIM:-(ABIPIN_TUNSHIM unset)} is not built (make tests/shim/libtunshim.la)"

# Can this machine make taps?
tap_reason=
if [ ! -e /dev/net/tun ]; then
    tap_reason="no /dev/net/tun on this machine"
elif ! ip tuntap add "${tapbase}c" mode tap 2>"$tmp/err"; then
    tap_reason="cannot create a tap: $(cat "$tmp/err")"
else
    ip link del "${tapbase}c"
fi

# qemu_env PREFIX: the environment a private prefix's QEMU needs
qemu_env() {
    if [ -n "$1" ]; then
        echo "QEMU_MODULE_DIR=$1/usr/lib/x86_64-linux-gnu/qemu"
    else
        echo "ABIPIN_FIDELITY=1"
    fi
}
# the private prefix's data, then the system's BIOS and the option ROMs of
# ipxe-qemu (efi-virtio.rom), which Debian's QEMU finds in /usr/lib/ipxe/qemu
qemu_dataargs() {
    [ -n "$1" ] && echo "-L $1/usr/share/qemu -L /usr/share/seabios -L /usr/lib/ipxe/qemu"
}

# ---- one cell ---------------------------------------------------------------
cells=0
notrun=0
matches=0
bad=0
summary=
ncell=0

# cell QID BIN PREFIX MACHINE BACKEND SHIM [PIN...]
#   BACKEND: tap (made here with ip tuntap), newtap (QEMU creates it), user
#   SHIM: none, uso, ufo.  PIN: a QEMU property=on|off, or queues=N
#   EXPECT (variable): QEMU's exact vector, to check the decoder, or empty
cell() {
    qid=$1 bin=$2 prefix=$3 machine=$4 backend=$5 shim=$6
    shift 6
    pins="$*"
    ncell=$((ncell + 1))
    label="$qid $machine $backend shim=$shim${pins:+ pins: $pins}"
    d="$tmp/c$ncell"
    mkdir "$d"
    cells=$((cells + 1))
    echo "# cell $ncell: $label"
    if [ "$backend" != user ] && [ -n "$tap_reason" ]; then
        cells=$((cells - 1))
        notrun=$((notrun + 1))
        echo "  not run: $tap_reason"
        return 0
    fi
    preload=
    [ "$shim" != none ] && preload="LD_PRELOAD=$ABIPIN_TUNSHIM ABIPIN_SHIM_REJECT=$shim"
    # the platform, probed under the same conditions (once per QEMU and shim)
    plat="$tmp/platform-$qkey-$shim.xml"
    if [ ! -f "$plat" ]; then
        # shellcheck disable=SC2046,SC2086
        env $(qemu_env "$prefix") $preload "$ABIPIN" probe --no-cache --emulator "$bin" -o "$plat" \
            >"$d/probe.out" 2>&1 || {
            cat "$d/probe.out"
            cell_result "abipin probe failed"
            return 0
        }
    fi
    tap=
    netdev="user,id=n0"
    case $backend in
    tap)
        tap="${tapbase}t$ncell"
        taps="$taps $tap"
        ip tuntap add "$tap" mode tap || { cell_result "ip tuntap add $tap failed"; return 0; }
        netdev="tap,id=n0,ifname=$tap,script=no,downscript=no"
        ;;
    newtap)
        tap="${tapbase}n$ncell"
        taps="$taps $tap"
        netdev="tap,id=n0,ifname=$tap,script=no,downscript=no"
        ;;
    esac
    for p in $pins; do
        case $p in queues=*) netdev="$netdev,queues=${p#queues=}" ;; esac
    done
    # shellcheck disable=SC2086
    devspec=$(python3 "$tmp/fid.py" domain "$d/dom.xml" "fid$ncell" "$machine" "$bin" \
        "$backend" "${tap:-none}" $pins) || { cell_result "cannot write the domain"; return 0; }
    "$ABIPIN" abi --json --platform "$plat" "$d/dom.xml" >"$d/abipin.json" 2>"$d/abipin.err" || {
        cat "$d/dom.xml" "$d/abipin.err"
        cell_result "abipin abi failed"
        return 0
    }
    # shellcheck disable=SC2046,SC2086
    env $(qemu_env "$prefix") $preload "$bin" $(qemu_dataargs "$prefix") \
        -nodefaults -display none -S -machine "$machine" -accel "$accel" \
        -netdev "$netdev" \
        -device "$devspec,netdev=n0,id=ua-net0,mac=52:54:00:00:00:01" \
        -qmp "unix:$d/qmp.sock,server=on,wait=off" >"$d/qemu.log" 2>&1 &
    qemu_pid=$!
    python3 "$tmp/fid.py" qmp "$d/qmp.sock" "$d/qemu.json" "$qemu_pid" 2>"$d/qmp.err"
    rc=$?
    stop_qemu
    if [ $rc != 0 ]; then
        cat "$d/qmp.err" "$d/qemu.log"
        echo "  QEMU: env $(qemu_env "$prefix") $preload $bin $(qemu_dataargs "$prefix") -machine $machine -netdev $netdev -device $devspec,..."
        cell_result "QEMU or QMP failed"
        return 0
    fi
    if [ "$backend" = tap ]; then
        ip link del "$tap" 2>/dev/null
    fi
    # a tap made by ip tuntap has no IFF_VNET_HDR of its own: QEMU must set it
    if [ "$backend" = tap ] && [ "$shim" = none ] && [ -z "$pins" ] &&
        [ "$(json_get "$d/qemu.json" '"0" in d["bits"]')" != True ]; then
        cell_result "QEMU offers no CSUM on $tap: it got no vnet header"
        return 0
    fi
    python3 "$tmp/fid.py" compare "$d/abipin.json" "$d/qemu.json" "${EXPECT:-}"
    rc=$?
    case $rc in
    0)
        matches=$((matches + 1))
        ok "$label: abipin = QEMU $(json_get "$d/qemu.json" 'd["version"]')"
        summary="$summary
  match     $label"
        ;;
    1)
        bad=$((bad + 1))
        echo "  (the domain: $d/dom.xml; QEMU's answer: $d/qemu.json)"
        summary="$summary
  MISMATCH  $label"
        ;;
    *) cell_result "QEMU's vector is not the known anchor ${EXPECT:-}" ;;
    esac
}
stop_qemu() { # QEMU got "quit"; wait for it at most 5 s, then kill it
    n=0
    while kill -0 "$qemu_pid" 2>/dev/null && [ $n -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill "$qemu_pid" 2>/dev/null && sleep 0.5 && kill -9 "$qemu_pid" 2>/dev/null
    wait "$qemu_pid" 2>/dev/null
    qemu_pid=
}
cell_result() { # an error that is not a comparison: counted as a failure
    bad=$((bad + 1))
    echo "  ERROR: $1"
    summary="$summary
  ERROR     $label: $1"
}

# ---- the matrix -------------------------------------------------------------
for q in $qemus; do
    qkey=${q%%|*}
    rest=${q#*|}
    bin=${rest%%|*}
    prefix=${rest#*|}
    # shellcheck disable=SC2046
    version=$(env $(qemu_env "$prefix") "$bin" --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
    [ -n "$version" ] || fail "$bin --version: no version"
    qid="qemu-$version"
    echo "## $bin: QEMU $version"
    # shellcheck disable=SC2046
    env $(qemu_env "$prefix") "$bin" -machine help >"$tmp/machines" ||
        fail "$bin -machine help failed"
    # shellcheck disable=SC2046
    env $(qemu_env "$prefix") "$bin" -machine none -nodefaults -device virtio-net-pci,help >"$tmp/props" ||
        fail "$bin -device virtio-net-pci,help failed"
    oldest_pc=$(awk '$1 ~ /^pc-i440fx-/ { print $1 }' "$tmp/machines" | sort -V | head -n1)
    oldest_q35=$(awk '$1 ~ /^pc-q35-/ { print $1 }' "$tmp/machines" | sort -V | head -n1)
    latest=$(sed -n 's/^q35 .*(alias of \(pc-q35-[0-9.]*\)).*/\1/p' "$tmp/machines")
    [ -n "$latest" ] || latest=$(awk '$1 ~ /^pc-q35-/ { print $1 }' "$tmp/machines" | sort -V | tail -n1)
    machines="$oldest_pc $oldest_q35"
    for m in pc-q35-7.1 pc-q35-8.1; do
        grep -q "^$m " "$tmp/machines" && [ "$m" != "$latest" ] && machines="$machines $m"
    done
    machines="$machines $latest"
    # the hw_compat boundaries that change the vector, with a tap only:
    # <= 2.6 legacy-only virtio (no VERSION_1), pc_compat_1_4/1_5/2_0
    # (ctrl_guest_offloads, any_layout, guest_announce), <= 8.0 USO on 8.2/9.0
    boundaries=
    for m in pc-q35-2.6 pc-q35-2.7 pc-i440fx-1.5 pc-i440fx-1.6 pc-i440fx-2.0 pc-i440fx-2.1 pc-q35-8.0; do
        case " $machines " in *" $m "*) continue ;; esac
        grep -q "^$m " "$tmp/machines" && boundaries="$boundaries $m"
    done
    has_uso=no
    grep -q '^ *host_uso=' "$tmp/props" && has_uso=yes

    for m in $machines; do
        for b in tap:none tap:uso tap:ufo user:none; do
            EXPECT=
            # the decoder's anchor: QEMU 10.0's "Allowed features" when a
            # migration fails for USO (test-environment.md)
            case "$version $m $b" in "10.0."*" pc-q35-10.0 tap:uso") EXPECT=0x10179bfffe7 ;; esac
            cell "$qid" "$bin" "$prefix" "$m" "${b%:*}" "${b#*:}"
        done
    done
    EXPECT=
    for m in $boundaries; do
        cell "$qid" "$bin" "$prefix" "$m" tap none
    done
    # explicit pins, the way libvirt writes them (<driver><host/guest>,
    # <qemu:override>) and passes them on QEMU's -device line
    cell "$qid" "$bin" "$prefix" "$latest" tap none host_tso4=on guest_csum=off csum=off guest_ecn=off
    cell "$qid" "$bin" "$prefix" "$latest" tap none mrg_rxbuf=off event_idx=off packed=on queue_reset=off
    cell "$qid" "$bin" "$prefix" "$latest" tap ufo host_ufo=on guest_ufo=on host_tso4=on
    cell "$qid" "$bin" "$prefix" "$latest" user none host_tso4=on csum=on guest_ufo=on packed=on
    cell "$qid" "$bin" "$prefix" "$oldest_q35" tap none queue_reset=on host_ecn=off
    # libvirt's transitional models on a legacy-only (<= 2.6) machine type
    cell "$qid" "$bin" "$prefix" "$oldest_q35" tap none model=virtio-non-transitional
    cell "$qid" "$bin" "$prefix" "$oldest_q35" tap none model=virtio-transitional
    cell "$qid" "$bin" "$prefix" "$latest" newtap none queues=2
    cell "$qid" "$bin" "$prefix" "$latest" tap none rss=on hash=on
    if [ $has_uso = yes ]; then
        cell "$qid" "$bin" "$prefix" "$latest" tap none host_uso=off
        cell "$qid" "$bin" "$prefix" "$latest" tap none host_uso=off guest_uso4=on guest_uso6=off
        # explicit on is silently cleared by a kernel without USO
        cell "$qid" "$bin" "$prefix" "$latest" tap uso host_uso=on guest_uso4=on guest_uso6=on
        # and explicit on on a machine type whose compat turns it off
        cell "$qid" "$bin" "$prefix" pc-q35-8.1 tap none host_uso=on guest_uso4=on guest_uso6=on
    fi
done

echo
echo "== matrix: $cells cells, $matches match, $bad differ or failed${tap_reason:+, $notrun tap cells not run}, $(($(date +%s) - start_time)) s$summary$notes"
[ "$bad" = 0 ] || fail "$bad of $cells cells: abipin's model is not QEMU's"
[ -z "$tap_reason" ] || skip "the tap cells did not run: $tap_reason (the $cells -netdev user cells match)"
echo "$pass_count passed, 0 failed"
