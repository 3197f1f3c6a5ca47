#!/usr/bin/env python3
"""fake_ovsdb: Open vSwitch's database socket as a test needs it, for
tests/ovs-derive.sh (the real ovsdb-server and ovs-vswitchd are
tests/vhost-user-ovs.sh's). It listens on SOCKPATH (bound under a temporary
name and renamed once listening), serves connections one after another, and
appends each request it reads to SOCKPATH.log, one per line.

    python3 tests/fake_ovsdb.py MODE SOCKPATH [OVS DPDK TSO [PORT=PATH...]]

MODE:
  answer   answers a "transact" of selects as ovsdb-server does: the
           Open_vSwitch row (ovs_version OVS, dpdk_version DPDK, "-" for
           unset; dpdk_initialized unless DPDK is "-";
           other_config:userspace-tso-enable TSO, "-" for unset) and the
           Interface rows PORT of type dpdkvhostuserclient with
           options:vhost-server-path PATH, in the shape of a real reply
           (ovsdb-server 3.1, RFC 7047)
  error    answers with a transaction error, as for an unknown database
  garbage  answers bytes that are no JSON
  hang     reads the request and never answers
  close    closes each connection without answering
  huge     answers an endless JSON string
"""
import json
import os
import socket
import sys


def optional(v):
    return ["set", []] if v == "-" else v


def reply(args):
    ovs, dpdk, tso = args[0], args[1], args[2]
    other = [["userspace-tso-enable", tso]] if tso != "-" else []
    row = {"dpdk_initialized": dpdk != "-", "other_config": ["map", other],
           "ovs_version": optional(ovs), "dpdk_version": optional(dpdk)}
    ports = []
    for spec in args[3:]:
        name, path = spec.split("=", 1)
        ports.append({"name": name, "options": ["map", [["vhost-server-path", path]]],
                      "type": "dpdkvhostuserclient"})
    return {"id": 0, "result": [{"rows": [row]}, {"rows": ports}], "error": None}


def read_request(conn):
    buf = b""
    dec = json.JSONDecoder()
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
        try:
            obj, _ = dec.raw_decode(buf.decode())
            return obj
        except ValueError:
            continue


def main(argv):
    mode, path, rest = argv[1], argv[2], argv[3:]
    tmp = path + ".tmp"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(tmp)
    srv.listen(8)
    os.rename(tmp, path)
    hold = []
    with open(path + ".log", "a") as log:
        while True:
            conn, _ = srv.accept()
            req = read_request(conn)
            log.write(json.dumps(req) + "\n")
            log.flush()
            if mode == "answer":
                conn.sendall(json.dumps(reply(rest)).encode())
            elif mode == "error":
                conn.sendall(json.dumps({"id": 0, "result": None, "error": "unknown database",
                                         "details": "get_db_name"}).encode())
            elif mode == "garbage":
                conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n<html>")
            elif mode == "hang":
                hold.append(conn)
                continue
            elif mode == "huge":
                try:
                    conn.sendall(b'{"id":0,"result":"')
                    while True:
                        conn.sendall(b"x" * 65536)
                except OSError:
                    pass
            conn.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
