#!/bin/sh
# abipin's question to a vhost-user backend (probe/vhostuser.c) against
# sockets that behave well and badly (tests/fake_vhost_user.py; the real
# backend, dpdk-testpmd, is tests/vhost-user.sh's):
#  - a backend's answer becomes its atoms, bit for bit, and abipin sends
#    GET_FEATURES and GET_PROTOCOL_FEATURES and nothing else (nothing that
#    could change a backend's state);
#  - on this host, abi asks the socket of the definition itself, and its
#    vector is the one --platform of the probed profile gives;
#  - garbage, a hang, a closed connection (after reading the request, or at
#    once as passt does while a guest is attached), a file that is no socket and a
#    socket in another user's directory are exit 3 naming the socket and
#    what it did, within ABIPIN_BACKEND_TIMEOUT, for probe, pin and the hook;
#  - a socket nobody listens on leaves the bits unknown: pin refuses to
#    guess (exit 1), abi says unknown, the hook refuses a bit pinned on.
. "$abs_top_srcdir/tests/lib.sh"
ABIPIN_HOST_PROFILE="$abs_top_srcdir/tests/data/pin/platforms/qemu-10.0.xml"
LC_ALL=C LANGUAGE=
export ABIPIN_HOST_PROFILE LC_ALL LANGUAGE
command -v python3 >/dev/null || skip "python3 is needed for the fake backend"
HOOK=${ABIPIN_HOOK:-$(dirname "$ABIPIN")/abipin-hook}
fakes=
trap 'stop_children $fakes; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run"
chmod 755 "$tmp" "$tmp/run"

# fake MODE NAME [FEATURES [PROTOCOL]]: a fake backend on $tmp/run/NAME.sock
fake() {
    python3 "$abs_top_srcdir/tests/fake_vhost_user.py" "$1" "$tmp/run/$2.sock" ${3:+"$3"} ${4:+"$4"} &
    fakes="$fakes $!"
    i=0
    while [ ! -S "$tmp/run/$2.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -S "$tmp/run/$2.sock" ] || fail "the fake backend $2 did not listen"
}

# domain NAME SOCKET: a definition with one vhost-user interface on SOCKET
domain() {
    sed "s|/run/vu.sock|$2|; s|<name>vm1</name>|<name>$1</name>|" \
        "$abs_top_srcdir/tests/data/pin/vhostuser-refused.in.xml" >"$tmp/$1.xml"
}

# dpdk-testpmd 22.11's answers (tso=1)
features=0xd7c66ffcb protocol=0x10cbf
fake answer good $features $protocol
"$ABIPIN" probe --vhost-user "vu=$tmp/run/good.sock" --json >"$tmp/good.json" ||
    fail "probe --vhost-user of a good backend failed"
python3 - "$tmp/good.json" "$features" <<'EOF' || fail "the atoms are not the backend's answer"
import json, sys
d = json.load(open(sys.argv[1])); features = int(sys.argv[2], 0)
assert d["backends"] == [{"name": "vu", "kind": "vhost-user", "sockets": [d["backends"][0]["sockets"][0]]}], d["backends"]
atoms = {a: True for a in d["atoms"]["present"] if a.startswith("vhostuser.")}
atoms.update({a["name"]: False for a in d["atoms"]["absent"] if a["name"].startswith("vhostuser.")})
assert len(atoms) >= 20, atoms
for name, present in atoms.items():
    bit = int(name.split(".")[-1])
    assert present == bool(features >> bit & 1), (name, present)
print("# %d atoms, each the backend's bit" % len(atoms))
EOF
ok "probe --vhost-user: one atom per bit the backend decides, each its answer"
[ "$(tr '\n' ' ' <"$tmp/run/good.sock.log")" = "1 15 " ] ||
    fail "abipin sent $(tr '\n' ' ' <"$tmp/run/good.sock.log"), not GET_FEATURES and GET_PROTOCOL_FEATURES only"
ok "abipin sent GET_FEATURES (1) and GET_PROTOCOL_FEATURES (15), nothing else"

fake answer noproto 0xd3c66ffcb
"$ABIPIN" probe --vhost-user "$tmp/run/noproto.sock" >/dev/null || fail "probe of a backend without protocol features failed"
[ "$(tr '\n' ' ' <"$tmp/run/noproto.sock.log")" = "1 " ] ||
    fail "GET_PROTOCOL_FEATURES asked of a backend that does not offer VHOST_USER_F_PROTOCOL_FEATURES"
ok "no GET_PROTOCOL_FEATURES where bit 30 is not offered"

# On this host: abi asks the definition's socket; the same as --platform of
# the probed profile, and the live answer's bits 11 and 12 count
domain vu-good "$tmp/run/good.sock"
"$ABIPIN" probe --vhost-user "good=$tmp/run/good.sock" -o "$tmp/good.xml" || fail "probe -o failed"
"$ABIPIN" abi --json "$tmp/vu-good.xml" >"$tmp/live.json" || fail "abi on this host failed"
"$ABIPIN" abi --json --platform "$tmp/good.xml" "$tmp/vu-good.xml" >"$tmp/profile.json" || fail "abi --platform failed"
live=$(json_get "$tmp/live.json" 'd["interfaces"][0]["offered"]')
profile=$(json_get "$tmp/profile.json" 'd["interfaces"][0]["offered"]')
[ "$live" = "$profile" ] || fail "abi asked the socket: $live; with the probed profile: $profile"
[ "$(json_get "$tmp/live.json" 'int(d["interfaces"][0]["offered"], 16) >> 11 & 3')" = 3 ] ||
    fail "HOST_TSO4/6 offered by the backend but not in $live"
[ "$(json_get "$tmp/live.json" 'len(d["interfaces"][0]["external"])')" = 0 ] ||
    fail "bits left external though the backend answered"
ok "abi on this host asks the socket: $live, as with the probed profile"

# Bad sockets: exit 3, the socket named, what it did said
printf 'not a socket' >"$tmp/run/file.sock"
fake garbage garbage
fake close close
fake discard discard
fake hang hang
for c in "file:is not a socket" "garbage:not a vhost-user backend" \
    "close:closed the connection without answering" \
    "discard:closed the connection without answering" "hang:did not answer within 1000 ms" \
    "missing:does not exist"; do
    name=${c%%:*} said=${c#*:}
    start=$(date +%s)
    ABIPIN_BACKEND_TIMEOUT=1 "$ABIPIN" probe --vhost-user "$tmp/run/$name.sock" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    took=$(($(date +%s) - start))
    [ "$rc" = 3 ] || { cat "$tmp/err"; fail "probe --vhost-user of the $name socket: exit $rc, expected 3"; }
    grep -q "$tmp/run/$name.sock" "$tmp/err" && grep -q "$said" "$tmp/err" ||
        { cat "$tmp/err"; fail "$name: the message does not name the socket and say '$said'"; }
    [ -s "$tmp/out" ] && fail "$name: a profile was printed though the probe failed"
    [ "$took" -le 3 ] || fail "$name: took $took s with a 1 s timeout"
    ok "probe --vhost-user, $name socket: exit 3, '$said', in $took s"
done

# The hook and pin meet the same sockets: the hook is bounded by the same
# timeout, and never passes a pinned definition whose backend it could not ask
"$ABIPIN" pin "$tmp/vu-good.xml" -o "$tmp/vu-good.pinned.xml" || fail "pin against the good backend failed"
for name in hang garbage; do
    domain "vu-$name" "$tmp/run/$name.sock"
    sed "s|$tmp/run/good.sock|$tmp/run/$name.sock|" "$tmp/vu-good.pinned.xml" >"$tmp/moved.xml"
    start=$(date +%s)
    ABIPIN_BACKEND_TIMEOUT=1 "$HOOK" vu-good prepare begin - <"$tmp/moved.xml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    took=$(($(date +%s) - start))
    [ "$rc" = 3 ] && grep -q "$tmp/run/$name.sock" "$tmp/err" ||
        { cat "$tmp/err"; fail "hook with the $name socket: exit $rc, expected 3 naming it"; }
    [ "$took" -le 3 ] || fail "hook with the $name socket took $took s"
    expect_exit 3 "pin of a definition on the $name socket" -- env ABIPIN_BACKEND_TIMEOUT=1 "$ABIPIN" pin "$tmp/vu-$name.xml"
    ok "hook with the $name socket: refused (exit 3, naming it) in $took s"
done

# Nobody listens: unknown, never guessed
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$tmp/run/stale.sock"
for name in stale nosuch; do
    domain "vu-$name" "$tmp/run/$name.sock"
    expect_exit 1 "pin, $name socket: refuses to guess" -- "$ABIPIN" pin "$tmp/vu-$name.xml"
    grep -q "vhostuser.$name.bit.11 is unknown" "$tmp/err" ||
        { cat "$tmp/err"; fail "pin, $name socket: host_tso4 not refused as unknown"; }
    "$ABIPIN" abi --json "$tmp/vu-$name.xml" >"$tmp/abi.json" || fail "abi, $name socket failed"
    [ "$(json_get "$tmp/abi.json" '[o["reason"] for o in d["interfaces"][0]["off"] if o["bit"] == 11][0]')" = unknown ] ||
        fail "abi, $name socket: bit 11 not unknown"
    ok "abi, $name socket: bit 11 off as unknown"
done
sed "s|$tmp/run/good.sock|$tmp/run/nosuch.sock|" "$tmp/vu-good.pinned.xml" >"$tmp/moved.xml"
expect_exit 1 "hook: host_tso4 pinned on, no backend listens" -- "$HOOK" vu-good prepare begin - <"$tmp/moved.xml"
grep -q "host_tso4 is pinned on, but whether vhost-user backend nosuch" "$tmp/err" ||
    { cat "$tmp/err"; fail "the hook's refusal does not name host_tso4 and the backend"; }

# A base bit the pinned-for backend offered (INDIRECT_DESC, bit 28), which
# the destination's backend lacks: a guest may have negotiated it
fake answer noindirect 0xd6c66ffcb $protocol
grep -q "backend-name='good' backend-bits='6 21 27 28 32'" "$tmp/vu-good.pinned.xml" ||
    fail "the pin does not record the backend and the base bits it offered"
sed "s|$tmp/run/good.sock|$tmp/run/noindirect.sock|" "$tmp/vu-good.pinned.xml" >"$tmp/moved.xml"
expect_exit 1 "hook: the destination's backend lacks INDIRECT_DESC" -- "$HOOK" vu-good prepare begin - <"$tmp/moved.xml"
grep -q "VIRTIO_RING_F_INDIRECT_DESC (bit 28), which the backend it was pinned against offered, and vhost-user backend noindirect" "$tmp/err" ||
    { cat "$tmp/err"; fail "the refusal does not name INDIRECT_DESC and the backend"; }
"$ABIPIN" pin --require-labels "$tmp/vu-good.pinned.xml" >"$tmp/labels" || fail "pin --require-labels failed"
for bit in 11 12 28 32; do
    grep -q "abipin.org/vhostuser.good.bit.$bit: \"true\"" "$tmp/labels" ||
        { cat "$tmp/labels"; fail "the requirements lack vhostuser.good.bit.$bit"; }
done
ok "the labels require the backend's bits 11, 12 (pinned on) and 28, 32 (base bits it offered)"

# audit: each definition's backend is asked; a socket that misbehaves is
# that definition's finding, the others are audited
mkdir "$tmp/audit"
cp "$tmp/vu-good.pinned.xml" "$tmp/audit/a-good.xml"
sed "s|$tmp/run/good.sock|$tmp/run/garbage.sock|; s|<name>vu-good</name>|<name>vu-bad</name>|" \
    "$tmp/vu-good.pinned.xml" >"$tmp/audit/b-garbage.xml"
sed "s|$tmp/run/good.sock|$tmp/run/noproto.sock|; s|<name>vu-good</name>|<name>vu-other</name>|" \
    "$tmp/vu-good.pinned.xml" >"$tmp/audit/c-other.xml"
"$ABIPIN" audit --json "$tmp/audit" >"$tmp/audit.json" 2>"$tmp/err"
python3 - "$tmp/audit.json" <<'EOF' || { cat "$tmp/audit.json" "$tmp/err"; fail "audit of vhost-user definitions"; }
import json, sys
d = {e["file"].rsplit("/", 1)[-1]: e["findings"] for e in json.load(open(sys.argv[1]))["domains"]}
assert d["a-good.xml"] == [], d["a-good.xml"]
bad = d["b-garbage.xml"]
assert len(bad) == 1 and bad[0]["kind"] == "not-evaluated" and "garbage.sock" in bad[0]["message"] \
    and "not a vhost-user backend" in bad[0]["message"], bad
# the noproto backend offers HOST_TSO4/6 too (0xd3c66ffcb): pinned on, honoured
assert d["c-other.xml"] == [], d["c-other.xml"]
EOF
ok "audit: each definition's backend asked; the garbage socket is its definition's finding only"

# Another user's directory: its owner could answer anything
if [ "$(id -u)" = 0 ]; then
    mkdir "$tmp/other"
    chown nobody "$tmp/other"
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$tmp/other/vu.sock"
    expect_exit 3 "a socket in another user's directory" -- "$ABIPIN" probe --vhost-user "$tmp/other/vu.sock"
    grep -q "belongs to another user" "$tmp/err" || { cat "$tmp/err"; fail "another user's socket not named so"; }
else
    echo "# not root: the case of another user's directory needs chown (it runs in CI, as root)"
fi

# Bad input: exit 2
expect_exit 2 "a backend name with a dot" -- "$ABIPIN" probe --vhost-user "a.b=$tmp/run/good.sock"
expect_exit 2 "a relative socket path" -- "$ABIPIN" probe --vhost-user "run/good.sock"
echo "$pass_count passed, 0 failed"
