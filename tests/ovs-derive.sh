#!/bin/sh
# Open vSwitch's dpdkvhostuserclient ports, which cannot be asked (QEMU is
# the socket's server): their offer derived from what Open vSwitch's
# database says (probe/ovs.c) through the measured table
# (probe/ovs-offers.c), against a fake database (tests/fake_ovsdb.py; the
# real Open vSwitch is tests/vhost-user-ovs.sh's):
#  - every row of the table: probe --ovs writes the backend 'ovs' with the
#    ports' sockets and the row's atoms, each absent one naming the
#    derivation; abi of a <source mode='server'> interface on a port's
#    socket gives the device's registers measured on QEMU 10.0.2
#    pc-q35-10.0 (the issue's facts: 3.1 without TSO lacks CSUM, 3.5 has it;
#    TSO on adds HOST_TSO4/6 and drops HOST_ECN);
#  - pinned against an Open vSwitch with TSO, a definition is refused by
#    check and the hook where Open vSwitch has it off (naming the backend,
#    host_tso4 and userspace-tso-enable), and starts where it has it on;
#  - a build no row covers (3.3, 3.1.8, another DPDK, DPDK not initialised,
#    no ovs_version) is unknown, never guessed;
#  - a socket that answers garbage, an error, too much, closes, hangs, is no
#    socket or is missing (when named) is exit 3 naming it, within
#    ABIPIN_BACKEND_TIMEOUT; the default socket absent is a host without
#    Open vSwitch: the bits stay external, as before.
. "$abs_top_srcdir/tests/lib.sh"
ABIPIN_HOST_PROFILE="$abs_top_srcdir/tests/data/pin/platforms/qemu-10.0.xml"
LC_ALL=C LANGUAGE=
export ABIPIN_HOST_PROFILE LC_ALL LANGUAGE
unset ABIPIN_OVSDB_SOCKET
command -v python3 >/dev/null || skip "python3 is needed for the fake database"
fakes=
trap 'stop_children $fakes; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run"
chmod 755 "$tmp" "$tmp/run"

# fake MODE NAME [ARGS...]: a fake database on $tmp/run/NAME.db
fake() {
    f_mode=$1 f_name=$2
    shift 2
    python3 "$abs_top_srcdir/tests/fake_ovsdb.py" "$f_mode" "$tmp/run/$f_name.db" "$@" &
    fakes="$fakes $!"
    i=0
    while [ ! -S "$tmp/run/$f_name.db" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -S "$tmp/run/$f_name.db" ] || fail "the fake database $f_name did not listen"
}

# domain NAME SOCKET: $tmp/NAME.xml, one vhost-user interface, QEMU the
# socket's server
domain() { vhost_user_dom_xml "$1" "$2" pc-q35-10.0 "$(command -v qemu-system-x86_64 || echo /usr/bin/qemu-system-x86_64)" server >"$tmp/$1.xml"; }


# ---- every row: probe --ovs and abi --------------------------------------------
# OVS DPDK TSO GET_FEATURES REGISTERS (QEMU 10.0.2, pc-q35-10.0; tests/vhost-user-ovs.sh)
cat >"$tmp/rows" <<'EOF2'
3.1.0 DPDK-22.11.11 false 0xd7c66a7ca 0x178bfa7e6
3.1.0 DPDK-22.11.11 true 0xd7c669fcb 0x178bf9fe7
3.1.7 DPDK-22.11.4 false 0xd7c66a7ca 0x178bfa7e6
3.5.0 DPDK-24.11.8 false 0xd7c66a7cb 0x178bfa7e7
3.5.0 DPDK-24.11.8 true 0xd7c669fcb 0x178bf9fe7
3.5.4 DPDK-24.11.3 true 0xd7c669fcb 0x178bf9fe7
EOF2
n=0
while read -r ovs dpdk tso features regs; do
    n=$((n + 1))
    dpdk=$(echo "$dpdk" | tr - ' ')
    fake answer "row$n" "$ovs" "$dpdk" "$tso" "vhu$n=$tmp/run/vhu$n.sock" "other$n=$tmp/run/other$n.sock"
    db="$tmp/run/row$n.db"
    "$ABIPIN" probe --ovs="$db" --json >"$tmp/probe.json" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "probe --ovs=$db (OVS $ovs, $dpdk, tso $tso) failed"; }
    python3 - "$tmp/probe.json" "$features" "$tmp/run/vhu$n.sock" "$tmp/run/other$n.sock" \
        "derived from OVS $ovs ($dpdk), userspace-tso-enable=$tso" <<'EOF2' || fail "probe --ovs (OVS $ovs, $dpdk, tso $tso): the atoms are not the row's"
import json, sys
d = json.load(open(sys.argv[1])); features = int(sys.argv[2], 0)
assert d["backends"] == [{"name": "ovs", "kind": "vhost-user", "sockets": sys.argv[3:5]}], d["backends"]
bits = {}
for a in d["atoms"]["present"]:
    if a.startswith("vhostuser.ovs.bit."):
        bits[int(a.rsplit(".", 1)[1])] = True
for a in d["atoms"]["absent"]:
    if a["name"].startswith("vhostuser.ovs.bit."):
        bits[int(a["name"].rsplit(".", 1)[1])] = False
        assert sys.argv[5] in a["reason"], a
assert not [a for a in d["atoms"]["unknown"] if a["name"].startswith("vhostuser.")], d["atoms"]["unknown"]
assert 0 in bits and 11 in bits and 13 in bits, sorted(bits)
for b, present in bits.items():
    assert present == bool(features >> b & 1), (b, present, hex(features))
EOF2
    domain "row$n" "$tmp/run/vhu$n.sock"
    ABIPIN_OVSDB_SOCKET=$db "$ABIPIN" abi --json "$tmp/row$n.xml" >"$tmp/abi.json" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "abi --json (OVS $ovs, $dpdk, tso $tso) failed"; }
    # shellcheck disable=SC2046
    set -- $(abi_offered "$tmp/abi.json")
    [ "$1" = "$regs" ] && [ "$2" = - ] ||
        fail "abi --json (OVS $ovs, $dpdk, tso $tso): offered $1 (external: $2), the device's registers $regs"
    grep -q '"method": "transact"' "$db.log" && ! grep -q '"op": "\(insert\|update\|delete\|mutate\|wait\)"' "$db.log" ||
        fail "abipin sent the database something other than selects: $(cat "$db.log")"
done <"$tmp/rows"
require_cases "table rows" $n 6
ok "every row ($n): probe --ovs writes the row's atoms and names the derivation; abi's vector is the registers'"
# the issue's facts, as the table has them
r31=0x178bfa7e6 r35=0x178bfa7e7 rtso=0x178bf9fe7
[ $((r35 & ~r31)) = 1 ] && [ $((rtso & ~r35)) = $(((1 << 11) | (1 << 12))) ] &&
    [ $((r35 & ~rtso)) = $((1 << 13)) ] || fail "the rows lost the measured differences"
ok "3.1 without TSO lacks CSUM, 3.5 has it; TSO on adds HOST_TSO4/6 and drops HOST_ECN"

# ---- no row: unknown, never guessed --------------------------------------------
for spec in "3.3.0 DPDK-23.11.1 false" "3.1.8 DPDK-22.11.11 false" "3.5.0 DPDK-23.11.1 false" \
    "3.1.0 - false" "- DPDK-22.11.11 false" "3.1 DPDK-22.11.11 false" "3.1.0~rc1 DPDK-22.11.11 false"; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    set -- $spec
    dpdk=$2
    [ "$dpdk" = - ] || dpdk=$(echo "$dpdk" | tr - ' ')
    fake answer "row$n" "$1" "$dpdk" "$3" "vhu$n=$tmp/run/vhu$n.sock"
    "$ABIPIN" probe --ovs="$tmp/run/row$n.db" --json >"$tmp/probe.json" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "probe --ovs (OVS $spec) failed"; }
    python3 - "$tmp/probe.json" <<'EOF2' || fail "probe --ovs (OVS $spec): not every bit unknown"
import json, sys
d = json.load(open(sys.argv[1]))
assert not [a for a in d["atoms"]["present"] if a.startswith("vhostuser.")], d["atoms"]["present"]
assert not [a for a in d["atoms"]["absent"] if a["name"].startswith("vhostuser.")], d["atoms"]["absent"]
u = [a for a in d["atoms"]["unknown"] if a["name"].startswith("vhostuser.ovs.")]
assert len(u) > 10, u
print(u[0]["reason"])
EOF2
    domain "row$n" "$tmp/run/vhu$n.sock"
    ABIPIN_OVSDB_SOCKET="$tmp/run/row$n.db" "$ABIPIN" abi --json "$tmp/row$n.xml" >"$tmp/abi.json" 2>"$tmp/err" ||
        fail "abi --json (OVS $spec) failed: $(cat "$tmp/err")"
    python3 - "$tmp/abi.json" <<'EOF2' || fail "abi --json (OVS $spec): a backend bit not unknown"
import json, sys
i = json.load(open(sys.argv[1]))["interfaces"][0]
unknown = {o["bit"] for o in i["off"] if o["reason"] == "unknown"}
assert {0, 1, 11, 12, 13, 15} <= unknown, i["off"]
EOF2
done
ok "builds without a row (3.3, 3.1.8, 3.5 on DPDK 23.11, no DPDK, no or odd ovs_version): unknown"

# ---- a port abipin's database does not have, and no database ---------------------
fake answer other 3.1.0 "DPDK 22.11.11" false "vhuX=$tmp/run/elsewhere.sock"
domain nobody "$tmp/run/vhu-none.sock"
ABIPIN_OVSDB_SOCKET="$tmp/run/other.db" "$ABIPIN" abi --json "$tmp/nobody.xml" >"$tmp/abi.json" ||
    fail "abi --json with a database that has no port on the socket"
# shellcheck disable=SC2046
set -- $(abi_offered "$tmp/abi.json")
[ "$2" != - ] || fail "abi --json: a socket no port connects to got bits"
if [ ! -e /var/run/openvswitch/db.sock ]; then
    "$ABIPIN" abi --json "$tmp/nobody.xml" >"$tmp/abi.json" || fail "abi --json without Open vSwitch"
    # shellcheck disable=SC2046
    set -- $(abi_offered "$tmp/abi.json")
    [ "$2" != - ] || fail "abi --json without Open vSwitch: bits stated"
    ok "no Open vSwitch at the default socket, or no port on the socket: the bits stay external"
else
    echo "# this host has /var/run/openvswitch/db.sock: the default-socket case not tested"
fi

# ---- pinned against one Open vSwitch, started on another -----------------------
# pin on a host whose Open vSwitch has TSO on; check and the hook of a host
# whose Open vSwitch 3.1 has it off refuse, naming the backend, the bit
# and the switch; the hook of a host like the first lets it start
HOOK=${ABIPIN_HOOK:-$(dirname "$ABIPIN")/abipin-hook}
fake answer tso-on 3.1.0 "DPDK 22.11.11" true "vhuc0=$tmp/run/vhuc0.sock"
fake answer tso-off 3.1.0 "DPDK 22.11.11" false "vhuc0=$tmp/run/vhuc0.sock"
domain moved "$tmp/run/vhuc0.sock"
ABIPIN_OVSDB_SOCKET="$tmp/run/tso-on.db" "$ABIPIN" pin "$tmp/moved.xml" -o "$tmp/moved.pinned.xml" 2>"$tmp/err" ||
    fail "pin against Open vSwitch 3.1 with TSO: $(cat "$tmp/err")"
grep -q "tso4='on'" "$tmp/moved.pinned.xml" && grep -q "ecn='off'" "$tmp/moved.pinned.xml" &&
    grep -q "backend-name='vhuc0'" "$tmp/moved.pinned.xml" ||
    fail "pin against Open vSwitch 3.1 with TSO: not host_tso4 on, host_ecn off, backend vhuc0: $(grep -A3 '<driver' "$tmp/moved.pinned.xml")"
expect_exit 1 "hook, Open vSwitch without TSO: refused" -- \
    env ABIPIN_OVSDB_SOCKET="$tmp/run/tso-off.db" "$HOOK" moved prepare begin - <"$tmp/moved.pinned.xml"
grep -q "host_tso4 is pinned on, but vhost-user backend vhuc0 .*userspace-tso-enable=true" "$tmp/err" ||
    fail "the hook's refusal does not name host_tso4, the backend and the switch: $(cat "$tmp/err")"
expect_exit 1 "check, Open vSwitch without TSO: refused" -- \
    env ABIPIN_OVSDB_SOCKET="$tmp/run/tso-off.db" "$ABIPIN" check "$tmp/moved.pinned.xml"
expect_exit 0 "hook, Open vSwitch with TSO: starts" -- \
    env ABIPIN_OVSDB_SOCKET="$tmp/run/tso-on.db" "$HOOK" moved prepare begin - <"$tmp/moved.pinned.xml"

# ---- bad databases: exit 3 naming the socket -------------------------------------
ABIPIN_BACKEND_TIMEOUT=1
export ABIPIN_BACKEND_TIMEOUT
fake garbage garbage
fake error error
fake close close
fake hang hang
fake huge huge
: >"$tmp/run/file.db"
for bad in garbage:'not Open vSwitch' error:'unknown database' close:'closed the connection' \
    hang:'did not answer within 1000 ms' huge:'more than 4 MiB' file:'is not a socket' \
    missing:'does not exist'; do
    name=${bad%%:*} says=${bad#*:}
    db="$tmp/run/$name.db"
    t0=$(date +%s%N)
    expect_exit 3 "probe --ovs=SOCKET ($name)" -- "$ABIPIN" probe --ovs="$db"
    grep -q "$db" "$tmp/err" && grep -q "$says" "$tmp/err" ||
        fail "probe --ovs=$db ($name): not '$says' naming the socket: $(cat "$tmp/err")"
    domain "bad-$name" "$tmp/run/vhu-$name.sock"
    expect_exit 3 "abi, ABIPIN_OVSDB_SOCKET ($name)" -- env ABIPIN_OVSDB_SOCKET="$db" "$ABIPIN" abi "$tmp/bad-$name.xml"
    grep -q "$db" "$tmp/err" || fail "abi with ABIPIN_OVSDB_SOCKET=$db ($name): not naming it: $(cat "$tmp/err")"
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ $ms -lt 6000 ] || fail "$name: $ms ms for two runs with a 1 s timeout"
done
ok "garbage, an error, too much, a closed connection, a hang, a file, a missing socket: exit 3 naming it"
echo "$pass_count passed, 0 failed"
