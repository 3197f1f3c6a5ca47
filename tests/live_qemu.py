"""live_qemu: one run of tests/live-qemu.sh against one QEMU.

    python3 tests/live_qemu.py NAME MACHINE PROFILE TMPDIR [--record FILE] -- QEMU-COMMAND...

Starts QEMU *running* (no -S, TCG, no guest disk: the firmware idles) with two
virtio-net-pci devices, ua-net0 on a tap QEMU makes itself and net1 on
-netdev user, and a QMP socket. Runs tests/live-qmp (pin --live's library
path over that socket) with this host's PROFILE, then checks:

  - every command live-qmp sent is one that only reads (query-version,
    qom-list, qom-get, qmp_capabilities);
  - QEMU still runs (process alive, QMP query-status "running");
  - every catalogue property the device has is explicit in the pinned
    definition and equal to what the device's registers say it offers
    (a twin QEMU with the same -device lines, -S and -qtest, read by
    tests/qtest_virtio.py), and the model's whole vector equals the
    registers' within what they can show;
  - on QEMU 7.2 to 10.1, which answer it, the pins also equal QMP
    x-query-virtio-status (asked here, after live-qmp, of the running QEMU).

With --record FILE, the replies to live-qmp's commands are written to FILE
(tests/data/live/*.json, keyed "COMMAND [PATH [PROPERTY]]").
Prints one "ok: ..." line per check; exit 1 with the reason otherwise.
"""
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest_virtio as qv  # noqa: E402

QNS = "{http://libvirt.org/schemas/domain/qemu/1.0}"
READ_ONLY = {"qmp_capabilities", "query-version", "qom-list", "qom-get"}
MACS = {"ua-net0": "52:54:00:00:00:01", "net1": "52:54:00:00:00:02"}
SLOTS = {"ua-net0": "00:03.0", "net1": "00:04.0"}
# The tap NIC's QEMU runs without vhost (netdev_args): its definition says
# so, <driver name='qemu'>, or abipin would decide its features for vhost-net
# (libvirt's default) wherever this host has /dev/vhost-net
DOMAIN = """<domain type='kvm'>
  <name>live-qemu</name>
  <memory unit='KiB'>65536</memory>
  <os>
    <type arch='x86_64' machine='{machine}'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:01'/>
      <source bridge='br0'/>
      <model type='virtio'/>
      <driver name='qemu'/>{alias0}
    </interface>
    <interface type='user'>
      <mac address='52:54:00:00:00:02'/>
      <model type='virtio'/>{alias1}
    </interface>
  </devices>
</domain>
"""


def die(msg):
    print("FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


def catalogue():
    """(property, bit, libvirt element or None, attribute) per feature"""
    root = ET.parse(os.environ["ABIPIN_DATADIR"] + "/features.xml").getroot()
    out = []
    for f in root.findall("feature"):
        lv = f.find("libvirt")
        out.append((f.get("name"), int(f.get("bit")), f.get("macro"),
                    lv.get("element") if lv is not None else None,
                    lv.get("attribute") if lv is not None else None))
    return out


class Qmp:
    def __init__(self, path, timeout=30):
        import socket
        end = time.time() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > end:
                    die("no QMP socket %s" % path)
                time.sleep(0.1)
        self.f = self.s.makefile("rw")
        json.loads(self.f.readline())
        self.cmd({"execute": "qmp_capabilities"})

    def cmd(self, msg):
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                die("QEMU closed QMP after %s" % msg["execute"])
            r = json.loads(line)
            if "event" not in r:
                return r


def netdev_args(tap, name):
    return ["-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % tap,
            "-device", "virtio-net-pci,netdev=n0,id=ua-net0,mac=%s,addr=0x3" % MACS["ua-net0"],
            "-netdev", "user,id=n1",
            "-device", "virtio-net-pci,netdev=n1,id=net1,mac=%s,addr=0x4" % MACS["net1"]]


def interface_values(root, itf, cat):
    """{property: on|off|None} as the definition @root says for <interface> @itf"""
    alias_node = itf.find("alias")
    alias = alias_node.get("name") if alias_node is not None else None
    drv = itf.find("driver")
    vals = {}
    for name, _, _, elem, attr in cat:
        val = None
        if elem is None:
            for dev in root.iter(QNS + "device"):
                for p in dev.iter(QNS + "property"):
                    if dev.get("alias") == alias and p.get("name") == name:
                        val = {"true": "on", "false": "off"}[p.get("value")]
        else:
            node = drv if elem == "driver" else (drv.find(elem) if drv is not None else None)
            val = node.get(attr) if node is not None else None
        vals[name] = val
    return vals


def definition_values(path, cat):
    """per alias of MACS: interface_values"""
    root = ET.parse(path).getroot()
    return {[a for a, m in MACS.items() if m == itf.find("mac").get("address")][0]:
            interface_values(root, itf, cat) for itf in root.iter("interface")}


def stop(proc):
    """SIGTERM, SIGKILL after 10 s"""
    proc.terminate()
    for _ in range(100):
        if proc.poll() is not None:
            return
        time.sleep(0.1)
    proc.kill()
    proc.wait()


def registers(cmd_base, tmp, name, env):
    """the twin's offered vectors, per alias: (vector, mask)"""
    sock = os.path.join(tmp, name + ".qtest")
    cmd = cmd_base + ["-S", "-qtest", "unix:" + sock, "-qtest-log", "/dev/null"]
    proc = None
    try:
        with qv.Listener(sock) as lis:
            proc = subprocess.Popen(cmd, env=env, stderr=open(os.path.join(tmp, name + ".twin.log"), "w"))
            with lis.accept(30, proc.pid) as q:
                funcs = {f.bdf: f for f in qv.virtio_net_functions(q)}
    except (qv.QtestError, OSError) as e:
        die("%s: reading the twin's registers: %s" % (name, e))
    finally:
        if proc is not None:
            stop(proc)
    out = {}
    for alias, bdf in SLOTS.items():
        f = [f for b, f in funcs.items() if b.endswith(bdf)]
        if not f:
            die("%s: the twin has no virtio-net at %s: %s" % (name, bdf, sorted(funcs)))
        out[alias] = (f[0].vector, f[0].mask)
    return out


def qmp_status_offered(qmp, path, cat):
    """catalogue bits x-query-virtio-status reports; QEMU 10.0 names bit 55
    "VIRTIO_NET_F_GUEST_USO4: Driver can receive USOv6", so the USO entries
    are told apart by their descriptions"""
    r = qmp.cmd({"execute": "x-query-virtio-status", "arguments": {"path": path}})
    hf = r["return"]["host-features"]
    entries = hf.get("transports", []) + hf.get("dev-features", [])
    bits = set()
    for name, bit, macro, _, _ in cat:
        key = {"guest_uso4": "Driver can receive USOv4",
               "guest_uso6": "Driver can receive USOv6"}.get(name, macro + ":")
        if any(key in e for e in entries):
            bits.add(bit)
    if "unknown-dev-features" in hf:  # 7.2 cannot name RING_RESET (bit 40)
        bits |= {b for _, b, _, _, _ in cat if hf["unknown-dev-features"] >> b & 1}
    return bits


def main(argv):
    sep = argv.index("--")
    name, machine, profile, tmp = argv[1:5]
    record = argv[argv.index("--record") + 1] if "--record" in argv[:sep] else None
    qemu = argv[sep + 1:]
    cat = catalogue()
    env = dict(os.environ)
    tap = "lq%d%s" % (os.getpid() % 100000, name[-2:].replace(".", ""))
    base = qemu + ["-nodefaults", "-display", "none", "-accel", "tcg", "-machine", machine,
                   "-m", "64"]
    # a QMP socket serves one client at a time: one for live-qmp, one for the test
    sock = os.path.join(tmp, name + ".qmp")
    own = os.path.join(tmp, name + ".test.qmp")
    proc = subprocess.Popen(base + netdev_args(tap + "a", name) +
                            ["-qmp", "unix:%s,server=on,wait=off" % sock,
                             "-qmp", "unix:%s,server=on,wait=off" % own],
                            env=env, stderr=open(os.path.join(tmp, name + ".log"), "w"))
    try:
        qmp = Qmp(own)
        st = qmp.cmd({"execute": "query-status"})["return"]["status"]
        if st != "running":
            die("%s: QEMU is %s, not running" % (name, st))
        version = qmp.cmd({"execute": "query-version"})["return"]["qemu"]
        ver = (version["major"], version["minor"], version["micro"])
        running = os.path.join(tmp, name + ".running.xml")
        persistent = os.path.join(tmp, name + ".xml")
        open(running, "w").write(DOMAIN.format(machine=machine, alias0="\n      <alias name='ua-net0'/>",
                                               alias1="\n      <alias name='net1'/>"))
        open(persistent, "w").write(DOMAIN.format(machine=machine, alias0="\n      <alias name='ua-net0'/>",
                                                  alias1=""))
        pinned = os.path.join(tmp, name + ".pinned.xml")
        offered_file = os.path.join(tmp, name + ".offered")
        t0 = time.time()
        with open(pinned, "w") as out, open(os.path.join(tmp, name + ".live-qmp.err"), "w") as err:
            rc = subprocess.call([os.environ["LIVE_QMP"], sock, profile, running, persistent,
                                  offered_file], stdout=out, stderr=err)
        elapsed = time.time() - t0
        log = open(os.path.join(tmp, name + ".live-qmp.err")).read()
        if rc != 0:
            die("%s: live-qmp exit %d:\n%s" % (name, rc, log))
        sent = [json.loads(line.split("-> ", 1)[1]) for line in log.splitlines()
                if line.startswith("live-qmp: -> ")]
        bad = {c["execute"] for c in sent} - READ_ONLY
        if bad:
            die("%s: pin --live sent %s" % (name, sorted(bad)))
        print("ok: %s: QEMU %d.%d.%d %s: pin --live read %d devices in %.2f s with %d QMP commands, "
              "all read-only (%s)" % (name, *ver, machine, 2, elapsed, len(sent),
                                      ", ".join(sorted({c["execute"] for c in sent}))))
        if proc.poll() is not None:
            die("%s: QEMU exited (%d) during pin --live" % (name, proc.returncode))
        st = qmp.cmd({"execute": "query-status"})["return"]["status"]
        if st != "running":
            die("%s: QEMU is %s after pin --live" % (name, st))
        print("ok: %s: QEMU still runs after pin --live (query-status: running)" % name)
        if record:
            replies = {}
            for c in sent[1:]:
                a = c.get("arguments", {})
                key = " ".join([c["execute"]] + [a[k] for k in ("path", "property") if k in a])
                replies[key] = qmp.cmd(c)
            json.dump(replies, open(record, "w"), indent=1, sort_keys=True)
            open(record, "a").write("\n")
        pins = definition_values(pinned, cat)
        model = {}
        for line in open(offered_file):
            alias, low, high, _ = line.split()
            model[alias] = int(low, 16) | int(high, 16) << 64
        regs = registers(base + netdev_args(tap + "b", name), tmp, name, env)
        qmp_bits = None
        if (7, 2) <= ver[:2] <= (10, 1):
            qmp_bits = {a: qmp_status_offered(qmp, "/machine/peripheral/%s/virtio-backend" % a, cat)
                        for a in MACS}
        for alias in MACS:
            vec, mask = regs[alias]
            if (model[alias] ^ vec) & mask:
                die("%s: %s: the model says 0x%x, the registers 0x%x (mask 0x%x)"
                    % (name, alias, model[alias], vec, mask))
            n = 0
            for prop, bit, _, _, _ in cat:
                val = pins[alias][prop]
                if val is None:
                    continue  # the device has no such property (checked in test-live)
                n += 1
                want = "on" if vec >> bit & 1 else "off"
                if not mask >> bit & 1:
                    die("%s: %s: the registers cannot show bit %d (%s)" % (name, alias, bit, prop))
                if val != want:
                    die("%s: %s: %s pinned %s, the registers say %s" % (name, alias, prop, val, want))
                if qmp_bits is not None and val != ("on" if bit in qmp_bits[alias] else "off"):
                    die("%s: %s: %s pinned %s, x-query-virtio-status disagrees" % (name, alias, prop, val))
            uso = " ".join("%s=%s" % (u, pins[alias].get(u)) for u in ("host_uso", "guest_uso4"))
            print("ok: %s: %s: %d pins equal the registers%s; offered 0x%x = the registers (%s)"
                  % (name, alias, n, " and x-query-virtio-status" if qmp_bits else "", vec, uso))
        if proc.poll() is not None or qmp.cmd({"execute": "query-status"})["return"]["status"] != "running":
            die("%s: QEMU does not run at the end" % name)
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
