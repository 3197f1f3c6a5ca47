#!/usr/bin/env python3
"""vdpa_netlink: the kernel's own answer about vDPA devices, over generic
netlink (family "vdpa", include/uapi/linux/vdpa.h), as numbers: what
iproute2's vdpa tool prints as feature names. For tests/vdpa.sh, whose
facts must not come from abipin.

    python3 tests/vdpa_netlink.py mgmtdev
        one line per management device: NAME 0xSUPPORTED_FEATURES
    python3 tests/vdpa_netlink.py config DEV
        DEV's VDPA_CMD_DEV_CONFIG_GET answer as JSON: {"dev_features":
        "0x...", "negotiated_features": "0x..." (only after a driver set
        FEATURES_OK), "mac": "..."}

Exit 1 when the kernel refuses (its error on stderr), 2 on usage errors.
"""

import json
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
# include/uapi/linux/vdpa.h (Linux 6.12)
VDPA_CMD_MGMTDEV_GET = 2
VDPA_CMD_DEV_CONFIG_GET = 6
VDPA_ATTR_MGMTDEV_BUS_NAME = 1
VDPA_ATTR_MGMTDEV_DEV_NAME = 2
VDPA_ATTR_DEV_NAME = 4
VDPA_ATTR_DEV_NET_CFG_MACADDR = 10
VDPA_ATTR_DEV_NEGOTIATED_FEATURES = 14
VDPA_ATTR_DEV_SUPPORTED_FEATURES = 16
VDPA_ATTR_DEV_FEATURES = 20


def attr(kind, payload):
    hdr = struct.pack("<HH", 4 + len(payload), kind)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def attrs(buf):
    out = {}
    while len(buf) >= 4:
        length, kind = struct.unpack("<HH", buf[:4])
        if length < 4:
            break
        out[kind & 0x3FFF] = buf[4:length]
        buf = buf[(length + 3) & ~3:]
    return out


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.seq = 0

    def request(self, family, cmd, payload, flags):
        """the answers' attributes, one dict per message"""
        self.seq += 1
        body = struct.pack("<BBH", cmd, 1, 0) + payload
        msg = struct.pack("<IHHII", 16 + len(body), family, NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0) + body
        self.sock.send(msg)
        answers = []
        while True:
            data = self.sock.recv(65536)
            while len(data) >= 16:
                length, kind, _, seq, _ = struct.unpack("<IHHII", data[:16])
                part, data = data[16:length], data[(length + 3) & ~3:]
                if seq != self.seq:
                    continue
                if kind == NLMSG_DONE:
                    return answers
                if kind == NLMSG_ERROR:
                    err = struct.unpack("<i", part[:4])[0]
                    if err:
                        raise OSError(-err, os.strerror(-err))
                    return answers
                answers.append(attrs(part[4:]))

    def family(self, name):
        a = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"), 0)
        return struct.unpack("<H", a[0][CTRL_ATTR_FAMILY_ID][:2])[0]


def u64(a, kind):
    return struct.unpack("<Q", a[kind][:8])[0] if kind in a else None


def main(argv):
    if len(argv) < 2 or argv[1] not in ("mgmtdev", "config") or (argv[1] == "config") != (len(argv) == 3):
        sys.stderr.write(__doc__)
        return 2
    g = Genl()
    try:
        vdpa = g.family("vdpa")
        if argv[1] == "mgmtdev":
            for a in g.request(vdpa, VDPA_CMD_MGMTDEV_GET, b"", NLM_F_DUMP):
                name = a[VDPA_ATTR_MGMTDEV_DEV_NAME].rstrip(b"\0").decode()
                if VDPA_ATTR_MGMTDEV_BUS_NAME in a:
                    name = a[VDPA_ATTR_MGMTDEV_BUS_NAME].rstrip(b"\0").decode() + "/" + name
                print(name, hex(u64(a, VDPA_ATTR_DEV_SUPPORTED_FEATURES) or 0))
            return 0
        a = g.request(vdpa, VDPA_CMD_DEV_CONFIG_GET, attr(VDPA_ATTR_DEV_NAME, argv[2].encode() + b"\0"), 0)
    except OSError as e:
        sys.stderr.write("vdpa netlink: %s\n" % e)
        return 1
    out = {}
    for key, kind in (("dev_features", VDPA_ATTR_DEV_FEATURES),
                      ("negotiated_features", VDPA_ATTR_DEV_NEGOTIATED_FEATURES)):
        if u64(a[0], kind) is not None:
            out[key] = hex(u64(a[0], kind))
    if VDPA_ATTR_DEV_NET_CFG_MACADDR in a[0]:
        out["mac"] = ":".join("%02x" % b for b in a[0][VDPA_ATTR_DEV_NET_CFG_MACADDR][:6])
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
