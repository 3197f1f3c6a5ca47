#!/usr/bin/env python3
"""pinned_props.py PINNED.xml: the -device properties libvirt gives QEMU
for the one interface of a definition abipin pinned, comma-separated:
every feature the record pins, <driver><host gso=> (the property gso) and
every <qemu:override> frontend property. The tests read a device's
registers with them (tests/vhost-user-passt.sh, tests/vdpa.sh)."""
import sys
import xml.etree.ElementTree as ET

PIN = "{http://abipin.org/schemas/pin/1.0}"
QEMU = "{http://libvirt.org/schemas/domain/qemu/1.0}"

root = ET.parse(sys.argv[1]).getroot()
props = {}
for f in root.iter(PIN + "feature"):
    props[f.get("name")] = f.get("value")
host = root.find("devices/interface/driver/host")
if host is not None and host.get("gso"):
    props["gso"] = host.get("gso")
for p in root.iter(QEMU + "property"):
    props[p.get("name")] = {"true": "on", "false": "off"}[p.get("value")]
print(",".join("%s=%s" % kv for kv in props.items()))
