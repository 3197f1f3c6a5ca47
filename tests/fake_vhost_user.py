#!/usr/bin/env python3
"""fake_vhost_user: a vhost-user backend's socket that behaves as told, for
tests/vhost-user-probe.sh (the real backend, dpdk-testpmd, is
tests/vhost-user.sh's). It listens on SOCKPATH (bound under a temporary name
and renamed once listening, so a caller that waits for SOCKPATH may go on),
serves connections one after another, and logs every request number it
receives, one per line, to SOCKPATH.log.

    python3 tests/fake_vhost_user.py MODE SOCKPATH [FEATURES [PROTOCOL]]

MODE:
  answer   replies to GET_FEATURES (1) with FEATURES and to
           GET_PROTOCOL_FEATURES (15) with PROTOCOL, as a backend does
  garbage  replies to anything with 20 bytes that are no vhost-user reply
  hang     reads the request and never answers
  close    closes each connection without answering
  discard  closes each connection at once, unread, as passt does while a
           guest is attached (its tap.c, tap_listen_handler): the client
           sees EPIPE or ECONNRESET, whichever the race gives
"""
import os
import socket
import struct
import sys

GET_FEATURES, GET_PROTOCOL_FEATURES = 1, 15
REPLY_FLAGS = 0x1 | 0x4  # version 1, reply


def serve(conn, mode, features, protocol, log):
    hold = []
    while True:
        hdr = conn.recv(12, socket.MSG_WAITALL)
        if len(hdr) < 12:
            return
        request, _flags, size = struct.unpack("<III", hdr)
        if size:
            conn.recv(size, socket.MSG_WAITALL)
        log.write("%d\n" % request)
        log.flush()
        if mode == "close":
            return
        if mode == "hang":
            hold.append(conn)  # keep it open, never answer
            continue
        if mode == "garbage":
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n\0")
            continue
        value = features if request == GET_FEATURES else protocol
        conn.sendall(struct.pack("<IIIQ", request, REPLY_FLAGS, 8, value))


def main(argv):
    mode, path = argv[1], argv[2]
    features = int(argv[3], 0) if len(argv) > 3 else 0
    protocol = int(argv[4], 0) if len(argv) > 4 else 0
    tmp = path + ".tmp"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(tmp)
    srv.listen(8)
    os.rename(tmp, path)
    with open(path + ".log", "a") as log:
        while True:
            conn, _ = srv.accept()
            if mode == "discard":
                conn.close()
                continue
            try:
                serve(conn, mode, features, protocol, log)
            finally:
                if mode != "hang":
                    conn.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
