#!/usr/bin/env python3
"""The fidelity matrix of tests/abi-fidelity.sh: abipin's model against real
QEMU, bit for bit, for every QEMU Debian ships that this machine has.

QEMUs: the one in PATH (bookworm-backports' 10.0), private prefixes
(ABIPIN_QEMU_PREFIXES, default /opt/abipin-qemu-*: Debian 12's 7.2 unpacked
by tools/fetch-qemu72) and chroot wrappers (ABIPIN_QEMU_CHROOTS, default
/opt/abipin-chroot-*/abipin/qemu-system-x86_64: Debian 11's 5.2 and
unstable's 11.1 made by tools/fetch-qemu-chroot).

qemu-system-aarch64 likewise (PATH, prefixes, chroots): Arm's virt machine
types, through the same reader (virt's ECAM). ABIPIN_FIDELITY_ARCHES
(x86_64, aarch64; default both) limits the run to those targets.

Cells: a sweep of every pc-*/pc-i440fx-*/pc-q35-* (virt-*) machine type each
QEMU lists, with a tap and with -netdev user; then, on a few machine types (the
oldest of each family, the hw_compat boundaries that change the vector, the
newest), taps whose TUNSETOFFLOAD rejects USO, UFO or UDP-tunnel GSO (the
LD_PRELOAD shim, as older kernels do), explicit pins written the way libvirt
writes them, transitional models, a multiqueue tap, rss/hash.

Per cell: a libvirt domain interface, `abipin probe` under the same conditions
(once per QEMU and shim), `abipin abi --json`; the same device in a paused
QEMU (TCG), its offered vector read from its PCI registers through qtest
(tests/qtest_virtio.py), and, where QMP x-query-virtio-status works (7.2 up to
10.1: missing before 7.2, it aborts QEMU 11.1.3), QMP too. The qtest reader
must agree with QMP on every bit the registers show; abipin must agree with
QEMU (all 128 bits where QMP answers, the registers' bits elsewhere). The cells
of one QEMU, machine type and shim share one QEMU process (one device each).

Usage: abi-fidelity.py TMPDIR TAPBASE. Exit 0 all match, 1 a mismatch or
error, 77 when the tap cells cannot run (the reason on stderr).
"""

import glob
import json
import os
import re
import socket
import subprocess
import sys
import time

# no __pycache__ in the source tree (read-only under distcheck)
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest_virtio  # noqa: E402

ACCEL = os.environ.get("ABIPIN_FIDELITY_ACCEL", "tcg")
ABIPIN = os.environ["ABIPIN"]
SHIM = os.environ.get("ABIPIN_TUNSHIM", "")
ALL = (1 << 128) - 1

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




class Fail(Exception):
    pass


def decode(hf):
    """host-features of x-query-virtio-status -> (bits, labels)"""
    bits = {}
    for label in hf.get("dev-features", []) + hf.get("transports", []):
        name, _, desc = label.partition(": ")
        bit = DESCS.get(desc.strip(), NAMES.get(name.strip()))
        if bit is None:
            raise Fail("cannot decode the feature label %r" % label)
        if bit in bits:
            raise Fail("two labels decode to bit %d: %r and %r" % (bit, bits[bit], label))
        bits[bit] = label
    unknown = hf.get("unknown-dev-features", 0)
    for b in range(128):
        if unknown >> b & 1:
            if b in bits:
                raise Fail("bit %d both named (%r) and unknown" % (b, bits[b]))
            bits[b] = "(unknown-dev-features)"
    return bits



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




def vec(bits):
    v = 0
    for b in bits:
        v |= 1 << b
    return v


def version_key(s):
    return tuple(int(x) for x in re.findall(r"\d+", s))


# ---- the QEMUs --------------------------------------------------------------
# per target: the machine types of the sweep, the alias naming the newest,
# the domain's arch and what QEMU needs besides (virt's default CPU is 32-bit)
ARCHES = {
    "x86_64": (r"pc-(i440fx-|q35-)?\d", "q35 ", []),
    "aarch64": (r"virt-\d", "virt ", ["-cpu", "cortex-a57"]),
}


class Qemu:
    def __init__(self, key, binary, env, dataargs):
        self.key, self.bin, self.env, self.dataargs = key, binary, env, dataargs
        self.arch = binary.rsplit("qemu-system-", 1)[1]
        pattern, alias, self.archargs = ARCHES[self.arch]
        out = self.run("--version")
        m = re.search(r"QEMU emulator version (\d+\.\d+\.\d+)", out)
        if not m:
            raise Fail("%s --version: no version in %r" % (binary, out[:200]))
        self.vstr = m.group(1)
        self.version = version_key(self.vstr)
        self.id = "qemu-" + self.vstr + ("" if self.arch == "x86_64" else "-" + self.arch)
        self.machines = sorted(
            (ln.split()[0] for ln in self.run("-machine", "help").splitlines()
             if re.match(pattern, ln)), key=machine_key)
        self.props = set(re.findall(r"^\s*([a-z0-9_-]+)=", self.run(
            "-machine", "none", "-nodefaults", "-device", "virtio-net-pci,help"), re.M))
        # x-query-virtio-status: new in 7.2; QEMU 11.1.3 aborts on it (an
        # assertion in qapi-visit-core.c for every virtio device) and 10.2 .. 11.0
        # were never seen to answer, so it is asked from 7.2 to 10.1 only
        self.qmp = (7, 2) <= self.version < (10, 2)
        latest = [ln.split("(alias of ")[1].split(")")[0]
                  for ln in self.run("-machine", "help").splitlines()
                  if ln.startswith(alias) and "(alias of " in ln]
        self.latest = latest[0] if latest else self.machines[-1]

    def run(self, *args):
        r = subprocess.run([self.bin, *args], env=self.environ(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                           timeout=60)
        if r.returncode:
            raise Fail("%s %s: exit %d: %s" % (self.bin, " ".join(args), r.returncode, r.stdout[-500:]))
        return r.stdout

    def environ(self, shim="none"):
        env = dict(os.environ)
        env.update(self.env)
        env.pop("LD_PRELOAD", None)
        if shim != "none":
            env["LD_PRELOAD"] = SHIM
            env["ABIPIN_SHIM_REJECT"] = shim
        return env

    def has(self, machine):
        return machine in self.machines


def family(m):
    # pc-1.0 .. pc-1.3 are i440fx machine types of the old naming
    return "q35" if "q35" in m else "virt" if m.startswith("virt") else "i440fx"


def machine_key(m):
    return (family(m), version_key(m))


def find_qemus():
    qemus, notes = [], []
    for name in ("qemu-system-x86_64", "qemu-system-aarch64"):
        sysq = next((os.path.join(d, name) for d in os.environ["PATH"].split(":")
                     if os.access(os.path.join(d, name), os.X_OK)), None)
        if sysq:
            qemus.append(Qemu("sys", sysq, {}, []))
    prefixes = os.environ.get("ABIPIN_QEMU_PREFIXES")
    for p in prefixes.split() if prefixes else sorted(glob.glob("/opt/abipin-qemu-*")):
        bins = [b for b in (p + "/usr/bin/qemu-system-x86_64", p + "/usr/bin/qemu-system-aarch64")
                if os.access(b, os.X_OK)]
        if not bins:
            notes.append("note: %s has no usr/bin/qemu-system-{x86_64,aarch64}: not tested" % p)
        # the prefix's data, then the system's BIOS and ipxe-qemu's option ROMs
        qemus += [Qemu(os.path.basename(p), b,
                       {"QEMU_MODULE_DIR": p + "/usr/lib/x86_64-linux-gnu/qemu"},
                       ["-L", p + "/usr/share/qemu", "-L", "/usr/share/seabios",
                        "-L", "/usr/lib/ipxe/qemu"]) for b in bins]
    chroots = os.environ.get("ABIPIN_QEMU_CHROOTS")
    for w in chroots.split() if chroots else sorted(glob.glob("/opt/abipin-chroot-*/abipin/qemu-system-x86_64") +
                                                       glob.glob("/opt/abipin-chroot-*/abipin/qemu-system-aarch64")):
        if not os.access(w, os.X_OK):
            notes.append("note: %s is not executable: not tested" % w)
            continue
        qemus.append(Qemu(w.split("/")[2], w, {}, []))
    if not prefixes and not any(q.key.startswith("abipin-qemu-") for q in qemus):
        notes.append("note: no /opt/abipin-qemu-*: tools/fetch-qemu72 /opt/abipin-qemu-7.2 adds QEMU 7.2")
    if not chroots and not any(q.key.startswith("abipin-chroot-") for q in qemus):
        notes.append("note: no /opt/abipin-chroot-*: tools/quickstart makes the 5.2 and 11.1 chroots")
    arches = os.environ.get("ABIPIN_FIDELITY_ARCHES", "").split()
    qemus = [q for q in qemus if not arches or q.arch in arches]
    qemus.sort(key=lambda q: (q.arch != "x86_64", q.version))
    return qemus, notes


# ---- cells --------------------------------------------------------------------
class Cell:
    def __init__(self, qemu, machine, backend, shim, pins=(), expect=None, sweep=False):
        self.qemu, self.machine, self.backend, self.shim = qemu, machine, backend, shim
        self.pins = list(pins)
        self.expect = expect
        self.sweep = sweep
        self.label = "%s %s %s shim=%s%s" % (qemu.id, machine, backend, shim,
                                           " pins: " + " ".join(self.pins) if self.pins else "")
        self.result = None  # match / MISMATCH / ERROR
        self.how = ""


def cells_for(q):
    """The cells of one QEMU, in batches keyed by (machine, shim)."""
    out = []
    # the sweep: every machine type, a tap and -netdev user
    for m in q.machines:
        out += [Cell(q, m, "tap", "none", sweep=True), Cell(q, m, "user", "none", sweep=True)]
    oldest = {}
    for m in q.machines:
        oldest.setdefault(family(m), m)
    focus = list(oldest.values())
    for m in ("pc-q35-7.1", "pc-q35-8.1", "pc-q35-10.1", "virt-7.1", "virt-8.1", "virt-10.1"):
        if q.has(m) and m != q.latest:
            focus.append(m)
    focus.append(q.latest)
    prefix = "virt-" if q.arch == "aarch64" else "pc-q35-"
    v81, v101 = prefix + "8.1", prefix + "10.1"
    uso = "host_uso" in q.props
    tunnel = "host_tunnel" in q.props
    shims = ["uso", "ufo"] + (["udp_tunnel_gso"] if tunnel else [])
    for m in focus:
        for s in shims:
            # the decoder's anchor: QEMU 10.0's "Allowed features" when a
            # migration fails for USO (test-environment.md)
            expect = 0x10179bfffe7 if (q.vstr.startswith("10.0.") and m == "pc-q35-10.0"
                                       and s == "uso") else None
            out.append(Cell(q, m, "tap", s, expect=expect))
    L, old = q.latest, oldest[family(q.latest)]
    # explicit pins, the way libvirt writes them (<driver><host/guest>,
    # <qemu:override>) and passes them on QEMU's -device line
    pinned = [
        (L, "tap", "none", ["host_tso4=on", "guest_csum=off", "csum=off", "guest_ecn=off"]),
        (L, "tap", "none", ["mrg_rxbuf=off", "event_idx=off", "packed=on", "queue_reset=off"]),
        (L, "tap", "ufo", ["host_ufo=on", "guest_ufo=on", "host_tso4=on"]),
        (L, "user", "none", ["host_tso4=on", "csum=on", "guest_ufo=on", "packed=on"]),
        (old, "tap", "none", ["queue_reset=on", "host_ecn=off"]),
        # libvirt's transitional models on a legacy-only (<= 2.6) machine type
        (old, "tap", "none", ["model=virtio-non-transitional"]),
        (old, "tap", "none", ["model=virtio-transitional"]),
        (L, "newtap", "none", ["queues=2"]),
    ]
    # the oldest i440fx (pc-1.x, pc-i440fx-1.4): pc_compat_1_3 .. 2_0 name
    # "virtio-net-pci" only, so a transitional model keeps CTRL_GUEST_OFFLOADS,
    # GUEST_ANNOUNCE, CTRL_MAC_ADDR and ANY_LAYOUT (found by measuring: issue 26)
    pinned += [(oldest["i440fx"], "tap", "none", ["model=virtio-transitional"])] if "i440fx" in oldest else []
    pinned += [
        (L, "tap", "none", ["rss=on", "hash=on"]),
    ]
    if uso:
        pinned += [
            (L, "tap", "none", ["host_uso=off"]),
            (L, "tap", "none", ["host_uso=off", "guest_uso4=on", "guest_uso6=off"]),
            # explicit on is silently cleared by a kernel without USO
            (L, "tap", "uso", ["host_uso=on", "guest_uso4=on", "guest_uso6=on"]),
            # and explicit on on a machine type whose compat turns it off
            (v81, "tap", "none", ["host_uso=on", "guest_uso4=on", "guest_uso6=on"]),
        ]
    if tunnel:
        on = ["guest_tunnel=on", "guest_tunnel_csum=on", "host_tunnel=on", "host_tunnel_csum=on"]
        pinned += [
            (L, "tap", "none", ["guest_tunnel=off", "host_tunnel_csum=off"]),
            (L, "tap", "none", ["host_tunnel=off", "host_tunnel_csum=off",
                                "guest_tunnel=off", "guest_tunnel_csum=off"]),
            (L, "user", "none", on),
            # explicit on is silently cleared by a kernel without tunnel GSO
            (L, "tap", "udp_tunnel_gso", on),
            # explicit on where hw_compat_10_1 turns them off
            (v101, "tap", "none", on),
            (v101, "tap", "none", ["guest_tunnel=on", "host_tunnel=on"]),
        ]
    for m, b, s, pins in pinned:
        props = [p.split("=")[0] for p in pins if not p.startswith(("model=", "queues="))]
        if q.has(m) and all(p in q.props for p in props):
            out.append(Cell(q, m, b, s, pins))
    return out


# ---- the libvirt domain and QEMU's -device line of a batch -------------------
def domain(path, name, arch, machine, emulator, cells, taps):
    ifaces, overrides, devspecs = [], [], []
    for i, c in enumerate(cells):
        driver = {"name": "qemu"}
        host, guest, override, dev = {}, {}, [], []
        model = "virtio"
        for p in c.pins:
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
        x = ["    <interface type='%s'>" % ("user" if c.backend == "user" else "ethernet"),
             "      <mac address='52:54:00:00:00:%02x'/>" % (i + 1)]
        if c.backend != "user":
            x.append("      <target dev='%s' managed='no'/>" % taps[i])
        x += ["      <model type='%s'/>" % model,
              "      <driver%s%s>" % (attrs(driver), "" if host or guest else "/")]
        if host:
            x.append("        <host%s/>" % attrs(host))
        if guest:
            x.append("        <guest%s/>" % attrs(guest))
        if host or guest:
            x.append("      </driver>")
        x += ["      <alias name='ua-net%d'/>" % i, "    </interface>"]
        ifaces += x
        if override:
            overrides += ["    <qemu:device alias='ua-net%d'>" % i, "      <qemu:frontend>"] + \
                override + ["      </qemu:frontend>", "    </qemu:device>"]
        devspecs.append("virtio-net-pci" + model[len("virtio"):] + "".join("," + d for d in dev))
    x = ["<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
         "  <name>%s</name>" % name,
         "  <memory unit='KiB'>131072</memory>",
         "  <os>",
         "    <type arch='%s' machine='%s'>hvm</type>" % (arch, machine),
         "  </os>",
         "  <devices>",
         "    <emulator>%s</emulator>" % emulator] + ifaces + ["  </devices>"]
    if overrides:
        x += ["  <qemu:override>"] + overrides + ["  </qemu:override>"]
    x.append("</domain>")
    with open(path, "w") as f:
        f.write("\n".join(x) + "\n")
    return devspecs


# ---- QMP --------------------------------------------------------------------------
class Qmp:
    def __init__(self, path, pid, timeout=20):
        deadline = time.time() + timeout
        while True:
            if not qtest_virtio._alive(pid):
                raise Fail("QEMU (pid %d) exited before its QMP socket answered" % pid)
            self.s = socket.socket(socket.AF_UNIX)
            try:
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise Fail("no QMP socket at %s after %d s" % (path, timeout))
                time.sleep(0.05)
        self.s.settimeout(timeout)
        self.f = self.s.makefile("rw")
        json.loads(self.f.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, name, args=None):
        m = {"execute": name}
        if args is not None:
            m["arguments"] = args
        self.f.write(json.dumps(m) + "\n")
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise Fail("QMP closed during %s" % name)
            r = json.loads(line)
            if "error" in r:
                raise Fail("QMP %s: %s" % (name, r["error"]))
            if "return" in r:
                return r["return"]

    def quit(self):
        # wait for its answer: a command cut off by a close is lost
        try:
            self.f.write(json.dumps({"execute": "quit"}) + "\n")
            self.f.flush()
            while self.f.readline():
                pass
        except OSError:
            pass
        self.s.close()


# ---- one batch: one QEMU process, one device per cell ------------------------
class Runner:
    def __init__(self, tmp, tapbase):
        self.tmp, self.tapbase = tmp, tapbase
        self.platforms = {}
        self.ntap = 0
        self.nbatch = 0
        self.taps = []

    def platform(self, q, shim):
        # per binary: the system's x86_64 and aarch64 QEMUs share a key
        # ("sys"), and each profile names its own emulator's machine types
        key = (q.bin, shim)
        if key not in self.platforms:
            path = "%s/platform-%s-%s-%s.xml" % (self.tmp, q.key, q.arch, shim)
            r = subprocess.run([ABIPIN, "probe", "--no-cache", "--emulator", q.bin, "-o", path],
                               env=q.environ(shim), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=120)
            if r.returncode:
                raise Fail("abipin probe --emulator %s (shim %s): exit %d: %s"
                           % (q.bin, shim, r.returncode, r.stdout))
            self.platforms[key] = path
        return self.platforms[key]

    def newtap(self, make):
        self.ntap += 1
        name = "%s%d" % (self.tapbase, self.ntap)
        self.taps.append(name)
        if make:
            subprocess.run(["ip", "tuntap", "add", name, "mode", "tap"], check=True)
        return name

    def cleanup_taps(self):
        for t in self.taps:
            subprocess.run(["ip", "link", "del", t], stderr=subprocess.DEVNULL)
        self.taps = []

    def batch(self, q, machine, shim, cells):
        self.nbatch += 1
        d = "%s/b%d" % (self.tmp, self.nbatch)
        os.mkdir(d)
        try:
            self._batch(d, q, machine, shim, cells)
        except (Fail, qtest_virtio.QtestError, OSError, subprocess.SubprocessError) as e:
            for c in cells:
                if c.result is None:
                    c.result, c.how = "ERROR", str(e)
        finally:
            self.cleanup_taps()
        with open(d + "/cells", "w") as f:
            for c in cells:
                f.write("%s %s %s\n" % (c.result, c.label, c.how))

    def _batch(self, d, q, machine, shim, cells):
        plat = self.platform(q, shim)
        taps = [self.newtap(c.backend == "tap") if c.backend != "user" else None for c in cells]
        devspecs = domain(d + "/dom.xml", "fid%d" % self.nbatch, q.arch, machine, q.bin, cells, taps)
        r = subprocess.run([ABIPIN, "abi", "--json", "--platform", plat, d + "/dom.xml"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if r.returncode:
            raise Fail("abipin abi: exit %d: %s" % (r.returncode, r.stderr))
        with open(d + "/abipin.json", "w") as f:
            f.write(r.stdout)
        abi = {i["alias"]: i for i in json.loads(r.stdout)["interfaces"]}
        argv = [q.bin, *q.dataargs, *q.archargs, "-nodefaults", "-display", "none", "-S",
                "-machine", machine, "-accel", ACCEL]
        for i, c in enumerate(cells):
            netdev = "user,id=n%d" % i if c.backend == "user" else \
                "tap,id=n%d,ifname=%s,script=no,downscript=no" % (i, taps[i])
            for p in c.pins:
                if p.startswith("queues="):
                    netdev += "," + p
            argv += ["-netdev", netdev, "-device",
                     "%s,netdev=n%d,id=ua-net%d,addr=0x%x,mac=52:54:00:00:00:%02x"
                     % (devspecs[i], i, i, 3 + i, i + 1)]
        qsock, msock = d + "/qtest.sock", d + "/qmp.sock"
        argv += ["-qtest", "unix:" + qsock, "-qtest-log", "/dev/null"]
        if q.qmp:
            argv += ["-qmp", "unix:%s,server=on,wait=off" % msock]
        with open(d + "/qemu.cmd", "w") as f:
            f.write(" ".join(argv) + "\n")
        log = open(d + "/qemu.log", "w")
        proc = None
        regs, qmpbits = {}, {}
        try:
            with qtest_virtio.Listener(qsock) as lis:
                proc = subprocess.Popen(argv, env=q.environ(shim), stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT)
                try:
                    with lis.accept(30, proc.pid) as qt:
                        for fn in qtest_virtio.virtio_net_functions(qt):
                            regs[int(fn.bdf.split(":")[1].split(".")[0], 16) - 3] = fn
                        if q.qmp:
                            m = Qmp(msock, proc.pid)
                            for i in range(len(cells)):
                                st = m.cmd("x-query-virtio-status",
                                           {"path": "/machine/peripheral/ua-net%d/virtio-backend" % i})
                                qmpbits[i] = decode(st["host-features"])
                            m.quit()
                except (Fail, qtest_virtio.QtestError) as e:
                    log.flush()
                    raise Fail("%s; QEMU: %s; its log: %s" % (e, d + "/qemu.cmd",
                                                             open(d + "/qemu.log").read()[-600:]))
        finally:
            if proc is not None:
                if proc.poll() is None:
                    proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
        for i, c in enumerate(cells):
            self.judge(c, abi.get("ua-net%d" % i), regs.get(i), qmpbits.get(i))

    @staticmethod
    def judge(c, ai, fn, qbits):
        if ai is None:
            c.result, c.how = "ERROR", "abipin abi has no interface ua-net%d" % c.index
            return
        if fn is None:
            c.result, c.how = "ERROR", "the qtest reader found no virtio-net function for it"
            return
        av = int(ai["offered"], 16) | int(ai.get("offered_high", "0x0"), 16) << 64
        if qbits is not None:
            qv = vec(qbits)
            # the reader against QMP, on every bit the registers can show
            if qv & fn.mask != fn.vector:
                c.result = "ERROR"
                c.how = ("qtest reader 0x%x (mask 0x%x) differs from QMP 0x%x"
                         % (fn.vector, fn.mask, qv))
                return
            ref, mask, how = qv, ALL, "qtest+QMP"
        else:
            ref, mask, how = fn.vector, fn.mask, "qtest"
            if mask != ALL & ~qtest_virtio.LEGACY_ONLY_BITS and mask != ALL:
                how += ", bits 0-31 only (legacy-only device)"
        if c.expect is not None and ref != c.expect:
            c.result, c.how = "ERROR", ("QEMU's vector 0x%x is not the known anchor 0x%x: the "
                                        "reader or the environment is wrong" % (ref, c.expect))
            return
        # a tap made by ip tuntap has no IFF_VNET_HDR of its own: QEMU must set it
        if c.backend == "tap" and c.shim == "none" and not c.pins and not ref & 1:
            c.result, c.how = "ERROR", "QEMU offers no CSUM on the tap: it got no vnet header"
            return
        if av & mask == ref:
            c.result, c.how = "match", "0x%x (%s)" % (ref, how)
            return
        c.result = "MISMATCH"
        lines = ["abipin 0x%x, QEMU 0x%x (%s)" % (av & mask, ref, how)]
        off = {o["bit"]: o for o in ai["off"]}
        for b in range(128):
            if not mask >> b & 1:
                continue
            ina, inq = av >> b & 1, ref >> b & 1
            if ina == inq:
                continue
            name = BITNAME.get(b, "?")
            if ina:
                lines.append("bit %3d %-36s abipin offers it, QEMU does not" % (b, name))
            else:
                why = off.get(b)
                why = " (abipin: %s%s)" % (why["reason"], ", " + why["atom"] if why.get("atom") else "") if why else ""
                lines.append("bit %3d %-36s QEMU offers it, abipin does not%s" % (b, name, why))
        c.how = "\n      ".join(lines)


def main(tmp, tapbase, tap_reason):
    t0 = time.time()
    try:
        qemus, notes = find_qemus()
    except (Fail, OSError, subprocess.SubprocessError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    if not qemus:
        print("SKIP: no QEMU: neither qemu-system-{x86_64,aarch64} in PATH, nor "
              "/opt/abipin-qemu-*, nor /opt/abipin-chroot-*%s" % (
                  " for ABIPIN_FIDELITY_ARCHES=" + os.environ["ABIPIN_FIDELITY_ARCHES"]
                  if os.environ.get("ABIPIN_FIDELITY_ARCHES") else ""), file=sys.stderr)
        return 77
    runner = Runner(tmp, tapbase)
    allcells, n = [], 0
    per_qemu = []
    for q in qemus:
        tq = time.time()
        print("## %s: QEMU %s, %d machine types (%s .. %s)%s"
              % (q.bin, q.vstr, len(q.machines), q.machines[0], q.machines[-1],
                 "" if q.qmp else ", no QMP x-query-virtio-status"))
        cells = cells_for(q)
        for c in cells:
            c.index = 0
        batches = {}
        for c in cells:
            if tap_reason and c.backend != "user":
                c.result, c.how = "not run", tap_reason
                continue
            batches.setdefault((c.machine, c.shim), []).append(c)
        for (m, s), bc in batches.items():
            for i, c in enumerate(bc):
                c.index = i
            runner.batch(q, m, s, bc)
            for c in bc:
                n += 1
                if c.result == "match":
                    print("ok %d - %s: abipin = QEMU %s" % (n, c.label, c.how))
                else:
                    print("not ok %d - %s: %s\n      %s" % (n, c.label, c.result, c.how))
        allcells += cells
        per_qemu.append((q, cells, time.time() - tq))
    # the matrix
    print("\n== the matrix (QEMU x machine types x backends)")
    print("%-22s %-9s %-33s %6s %6s %6s %6s" % ("QEMU", "QMP", "machine types", "sweep", "other",
                                                "match", "bad"))
    for q, cells, secs in per_qemu:
        sw = [c for c in cells if c.sweep]
        other = [c for c in cells if not c.sweep]
        good = sum(c.result == "match" for c in cells)
        bad = sum(c.result in ("MISMATCH", "ERROR") for c in cells)
        print("%-22s %-9s %-33s %6d %6d %6d %6d  %3.0f s" % (
            q.vstr + ("" if q.arch == "x86_64" else " " + q.arch), "yes" if q.qmp else "qtest", "%d: %s..%s" % (len(q.machines), q.machines[0],
                                                               q.machines[-1]),
            len(sw), len(other), good, bad, secs))
    print("sweep: every machine type x {tap, user}; other: taps rejecting "
          "uso/ufo/udp_tunnel_gso on the focus machine types, pins, models, multiqueue, rss")
    bad = [c for c in allcells if c.result in ("MISMATCH", "ERROR")]
    notrun = [c for c in allcells if c.result == "not run"]
    matches = sum(c.result == "match" for c in allcells)
    for c in bad:
        print("  %-8s %s" % (c.result, c.label))
    for line in notes:
        print(line)
    print("== %d cells, %d match, %d differ or failed%s, %d QEMU processes, %.0f s"
          % (len(allcells), matches, len(bad),
             ", %d tap cells not run" % len(notrun) if notrun else "", runner.nbatch,
             time.time() - t0))
    if bad:
        print("FAIL: %d of %d cells: abipin's model is not QEMU's" % (len(bad), len(allcells)),
              file=sys.stderr)
        return 1
    if notrun:
        print("SKIP: the tap cells did not run: %s (the %d -netdev user cells match)"
              % (tap_reason, matches), file=sys.stderr)
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""))
