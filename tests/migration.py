#!/usr/bin/env python3
"""Helpers of tests/migration.sh.

  qemu-args DOMAIN.xml TAP CONSOLE QMP
      QEMU's arguments for a libvirt domain definition, one per line: the
      emulator, machine, accelerator, memory, -kernel/-initrd/-append, and
      the virtio NIC as libvirt would give it to QEMU (its <driver>
      attributes and <qemu:override> properties as virtio-net-pci
      properties). What is a host resource rather than guest ABI (the tap,
      the console file, the QMP socket) comes from the arguments. Anything
      in the interface the mapping does not know is an error, so no pin can
      be dropped on the way.
  qmp SOCK COMMAND [ARGS-JSON]      run one QMP command, print its return
  wait-status SOCK SECONDS STATUS... wait until query-status is one of them
  migrate SRC-SOCK DST-SOCK SECONDS the live migration, timed (JSON result)
  guest-features SOCK QOM-PATH      the virtio device's negotiated bits
  qemu-error FILE                   bits of QEMU's "Features 0x.. unsupported.
                                    Allowed features: 0x.." in FILE (JSON)
  console-features FILE             bits of the last "features" line the
                                    guest printed on its console (JSON)
  bits HEX                          the set bits of a number
  time N STDIN -- COMMAND...        run COMMAND N times, print the median
                                    wall time in ms and the exit status;
                                    what the last run printed goes to stderr
"""
import json
import re
import socket
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

QEMU_NS = "{http://libvirt.org/schemas/domain/qemu/1.0}"

# libvirt's <interface><driver> attributes -> virtio-net-pci properties
# (libvirt src/qemu/qemu_command.c, qemuBuildNicDevProps)
DRIVER = {"event_idx": "event_idx", "packed": "packed", "rss": "rss", "rss_hash_report": "hash"}
HOST = {"csum": "csum", "gso": "gso", "tso4": "host_tso4", "tso6": "host_tso6",
        "ecn": "host_ecn", "ufo": "host_ufo", "mrg_rxbuf": "mrg_rxbuf"}
GUEST = {"csum": "guest_csum", "tso4": "guest_tso4", "tso6": "guest_tso6",
         "ecn": "guest_ecn", "ufo": "guest_ufo"}


def die(msg):
    print("migration.py: " + msg, file=sys.stderr)
    sys.exit(2)


def onoff(v, what):
    if v in ("on", "true"):
        return "on"
    if v in ("off", "false"):
        return "off"
    die("%s: value %r is neither on nor off" % (what, v))


def nic_props(iface, overrides):
    """The virtio-net-pci property list of an <interface>."""
    if iface.get("type") != "bridge":
        die("only <interface type='bridge'> is mapped (a tap on a bridge)")
    model = iface.find("model")
    if model is None or model.get("type") != "virtio":
        die("the interface is not virtio")
    mac = iface.find("mac").get("address")
    alias = iface.find("alias").get("name")
    props = ["virtio-net-pci", "netdev=host" + alias, "id=" + alias, "mac=" + mac]
    vhost = "off"
    known = {"mac", "source", "model", "driver", "alias", "target"}
    for child in iface:
        if child.tag not in known:
            die("interface: <%s> is not mapped" % child.tag)
    drv = iface.find("driver")
    if drv is not None:
        for k, v in drv.attrib.items():
            if k == "name":
                vhost = {"qemu": "off", "vhost": "on"}.get(v) or die("driver name %r" % v)
            elif k in DRIVER:
                props.append("%s=%s" % (DRIVER[k], onoff(v, k)))
            else:
                die("<driver %s=...> is not mapped" % k)
        for sub, table in (("host", HOST), ("guest", GUEST)):
            el = drv.find(sub)
            if el is None:
                continue
            for k, v in el.attrib.items():
                if k not in table:
                    die("<driver><%s %s=...> is not mapped" % (sub, k))
                props.append("%s=%s" % (table[k], onoff(v, sub + " " + k)))
        for el in drv:
            if el.tag not in ("host", "guest"):
                die("<driver><%s> is not mapped" % el.tag)
    for p in overrides.get(alias, []):
        if p.get("type") != "bool":
            die("override %s: only bool properties are mapped" % p.get("name"))
        props.append("%s=%s" % (p.get("name"), onoff(p.get("value"), p.get("name"))))
    return props, vhost, alias


def qemu_args(path, tap, console, qmp):
    dom = ET.parse(path).getroot()
    overrides = {}
    for dev in dom.findall("%soverride/%sdevice" % (QEMU_NS, QEMU_NS)):
        for fe in dev.findall(QEMU_NS + "frontend"):
            overrides.setdefault(dev.get("alias"), []).extend(fe.findall(QEMU_NS + "property"))
    for dev in dom.find("devices"):
        if dev.tag not in ("emulator", "interface", "serial"):
            die("<devices><%s> is not mapped" % dev.tag)
    if [s.get("type") for s in dom.findall("devices/serial")] != ["file"]:
        die("one <serial type='file'> is mapped (the console file comes from the arguments)")
    ifaces = dom.findall("devices/interface")
    if len(ifaces) != 1:
        die("exactly one <interface> is mapped")
    props, vhost, alias = nic_props(ifaces[0], overrides)
    unused = set(overrides) - {alias}
    if unused:
        die("overrides for devices that do not exist: %s" % ", ".join(sorted(unused)))
    mem = dom.find("memory")
    scale = {"KiB": 1, "MiB": 1024, "GiB": 1024 * 1024}[mem.get("unit", "KiB")]
    os_ = dom.find("os")
    accel = {"kvm": "kvm", "qemu": "tcg"}[dom.get("type")]
    args = [dom.find("devices/emulator").text,
            "-name", "guest=%s" % dom.find("name").text,
            "-machine", os_.find("type").get("machine"), "-accel", accel,
            "-m", "%dM" % (int(mem.text) * scale // 1024),
            "-smp", dom.find("vcpu").text,
            "-nodefaults", "-display", "none", "-no-reboot",
            "-kernel", os_.find("kernel").text,
            "-initrd", os_.find("initrd").text,
            "-append", os_.find("cmdline").text,
            "-serial", "file:" + console,
            "-netdev", "tap,id=host%s,ifname=%s,script=no,downscript=no,vhost=%s" % (alias, tap, vhost),
            "-device", ",".join(props),
            "-qmp", "unix:%s,server=on,wait=off" % qmp]
    for a in args:
        if "\n" in a:
            die("argument with a newline: %r" % a)
        print(a)


class Qmp:
    """A QMP connection: one command at a time, events set aside."""

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rwb")
        self.events = []
        if "QMP" not in self._read():
            die("%s: no QMP greeting" % path)
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
            elif "error" in r:
                raise RuntimeError("%s: %s" % (name, r["error"].get("desc")))
            else:
                return r["return"]


def wait_status(path, seconds, wanted):
    q = Qmp(path)
    deadline = time.monotonic() + float(seconds)
    while True:
        st = q.cmd("query-status")["status"]
        if st in wanted:
            print(st)
            return 0
        if time.monotonic() > deadline:
            print(st)
            return 1
        time.sleep(0.05)


def migrate(src_path, dst_path, seconds):
    """Live-migrate over loopback, as libvirt does: the destination listens
    (port 0: the kernel picks a free one, QEMU reports it), the source
    connects. Ends when the guest runs on the destination, or when the
    destination failed (its QEMU exits on a failed load) or gave up."""
    dst = Qmp(dst_path)
    src = Qmp(src_path)
    dst.cmd("migrate-incoming", uri="tcp:127.0.0.1:0")
    port = dst.cmd("query-migrate")["socket-address"][0]["port"]
    t0 = time.monotonic()
    src.cmd("migrate", uri="tcp:127.0.0.1:%s" % port)
    out = {"port": int(port)}
    deadline = t0 + float(seconds)
    while True:
        try:
            dst_state = dst.cmd("query-status")["status"]
            dst_mig = dst.cmd("query-migrate").get("status")
        except (EOFError, OSError):
            dst_state, dst_mig = "exited", "failed"
        src_info = src.cmd("query-migrate")
        elapsed = (time.monotonic() - t0) * 1000
        if dst_state == "running" and src_info.get("status") == "completed":
            out["outcome"] = "completed"
            break
        if dst_mig == "failed" or src_info.get("status") in ("failed", "cancelled"):
            out["outcome"] = "failed"
            break
        if time.monotonic() > deadline:
            out["outcome"] = "timeout"
            break
        time.sleep(0.01)
    out["ms"] = round(elapsed)
    out["destination"] = dst_state
    # what the source saw: a source that sent everything says "completed"
    # even when the destination then failed to load it
    time.sleep(0.2)
    src_info = src.cmd("query-migrate")
    out["source"] = src.cmd("query-status")["status"]
    out["source_migration"] = src_info.get("status")
    out["ram_transferred"] = src_info.get("ram", {}).get("transferred")
    out["source_total_ms"] = src_info.get("total-time")
    print(json.dumps(out))
    return 0


def bits(n):
    return [b for b in range(128) if n >> b & 1]


def qemu_error(path):
    text = open(path, errors="replace").read()
    m = re.search(r"Features (0x[0-9a-fA-F]+) unsupported\. Allowed features: (0x[0-9a-fA-F]+)", text)
    if not m:
        die("%s: no \"Features 0x... unsupported. Allowed features: 0x...\"" % path)
    f, a = int(m.group(1), 16), int(m.group(2), 16)
    print(json.dumps({"features": hex(f), "allowed": hex(a), "unsupported": bits(f & ~a),
                      "line": m.group(0)}))
    return 0


def console_features(path):
    lines = [l for l in open(path, errors="replace").read().splitlines() if l.startswith("tick ")]
    if not lines:
        die("%s: the guest printed no tick line" % path)
    f = lines[-1].split()
    # "tick N features BITSTRING operstate STATE": sysfs prints bit i as character i
    d = {"tick": int(f[1]), "bits": [i for i, c in enumerate(f[3]) if c == "1"], "operstate": f[5]}
    print(json.dumps(d))
    return 0


def guest_features(path, qom):
    st = Qmp(path).cmd("x-query-virtio-status", path=qom)
    print(json.dumps({"guest-features": st["guest-features"], "status": st["status"]}, sort_keys=True))
    return 0


def timed(n, stdin, cmd):
    times, codes = [], set()
    for _ in range(int(n)):
        with open(stdin, "rb") as f:
            t0 = time.monotonic()
            p = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            times.append((time.monotonic() - t0) * 1000)
        codes.add(p.returncode)
    if len(codes) != 1:
        die("%s: exit status changed between runs: %s" % (cmd[0], sorted(codes)))
    sys.stderr.buffer.write(p.stdout)
    print("%.1f %d" % (statistics.median(times), p.returncode))
    return 0


def main(argv):
    if len(argv) < 2:
        die("usage: see the top of this file")
    c, a = argv[1], argv[2:]
    if c == "qemu-args":
        return qemu_args(*a) or 0
    if c == "qmp":
        print(json.dumps(Qmp(a[0]).cmd(a[1], **(json.loads(a[2]) if len(a) > 2 else {}))))
        return 0
    if c == "wait-status":
        return wait_status(a[0], a[1], a[2:])
    if c == "migrate":
        return migrate(*a)
    if c == "guest-features":
        return guest_features(*a)
    if c == "qemu-error":
        return qemu_error(a[0])
    if c == "console-features":
        return console_features(a[0])
    if c == "bits":
        print(" ".join(str(b) for b in bits(int(a[0], 16))))
        return 0
    if c == "time":
        if a[2] != "--":
            die("time N STDIN -- COMMAND...")
        return timed(a[0], a[1], a[3:])
    die("unknown command %s" % c)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
