#!/usr/bin/env python3
"""vu_features.py [--listen] [--protocol] SOCKET: a vhost-user backend's
answer to VHOST_USER_GET_FEATURES on a connection of ours, as 0x...: connect
to SOCKET, or with --listen wait on SOCKET for the backend to connect (Open
vSwitch's dpdkvhostuserclient). --protocol: GET_PROTOCOL_FEATURES too, both
printed. vhost-user's message header: request, flags = version 1, size
(docs/interop/vhost-user.rst)."""
import socket
import struct
import sys

args = sys.argv[1:]
listen = "--listen" in args
requests = (1, 15) if "--protocol" in args else (1,)  # GET_FEATURES, GET_PROTOCOL_FEATURES
path = [a for a in args if not a.startswith("--")][0]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30 if listen else 10)
if listen:
    s.bind(path)
    s.listen(1)
    s, _ = s.accept()
    s.settimeout(10)
else:
    s.connect(path)
out = []
for req in requests:
    s.sendall(struct.pack("<III", req, 1, 0))
    buf = b""
    while len(buf) < 20:
        chunk = s.recv(20 - len(buf))
        if not chunk:
            sys.exit("the backend closed the connection")
        buf += chunk
    r, flags, size = struct.unpack("<III", buf[:12])
    assert (r, flags & 0x7, size) == (req, 0x5, 8), (r, flags, size)
    out.append(hex(struct.unpack("<Q", buf[12:])[0]))
print(" ".join(out))
