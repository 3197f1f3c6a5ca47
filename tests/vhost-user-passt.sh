#!/bin/sh
# passt's vhost-user backend (issue 27), measured as tests/vhost-user.sh
# measures dpdk-testpmd: passt --vhost-user of Debian 13 (tools/fetch-passt
# builds it from trixie's source into /opt/abipin-passt; $ABIPIN_PASST
# names another), listening on a socket of this test's directory.
#
#  1. passt's own answer to VHOST_USER_GET_FEATURES on a connection of ours,
#     while no guest is attached: 0x144008000 (VERSION_1, MRG_RXBUF, LOG_ALL,
#     PROTOCOL_FEATURES), as measured on 2026-12-07.
#  2. For every QEMU of the fidelity matrix (tests/lib.sh list_emulators)
#     and three machine types each, the device's registers read through
#     qtest from a paused QEMU on passt's socket (QEMU 10.0: 0x1409f8024,
#     the same on every machine type: passt offers none of the bits a
#     machine type changes), against `abipin abi --json` on this host (abipin
#     asks the socket itself) and `abipin abi --json --platform` of
#     `abipin probe --vhost-user passt=SOCKET`'s profile.
#  3. passt serves one connection at a time (its tap.c, tap_listen_handler):
#     with a QEMU attached, it accepts any other connection and closes it
#     unread. abipin's abi and probe then exit 3 with "closed the connection
#     without answering", and the attached QEMU keeps its session: passt
#     logs each of abipin's connections as discarded and no closed session,
#     the QEMU's chardev stays connected (QMP query-chardev), and when that
#     QEMU ends passt logs its session closed and serves a new QEMU the same
#     vector.
#  4. With dpdk-testpmd (tests/lib.sh testpmd_*) as a second host's backend:
#     pinned against `abipin baseline` of the two hosts' profiles, the
#     definition's device shows the same registers on both backends, abipin's
#     abi says that vector on each host, and check accepts it on each.
# Skips (77) where the machine has no passt with --vhost-user or no QEMU.
. "$abs_top_srcdir/tests/lib.sh"
passt=${ABIPIN_PASST:-/opt/abipin-passt/passt}
[ -x "$passt" ] || skip "no passt with --vhost-user at $passt (tools/fetch-passt /opt/abipin-passt; tools/quickstart does)"
"$passt" --help 2>&1 | grep -q -- '--vhost-user' || skip "$passt has no --vhost-user (Debian 12's passt has none)"
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "no qemu-system-x86_64 (tools/quickstart installs it)"
ABIPIN_CACHE_DIR="$tmp/cache"
export ABIPIN_CACHE_DIR
unset ABIPIN_HOST_PROFILE ABIPIN_EMULATOR
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_CONF
echo "cache_dir = $ABIPIN_CACHE_DIR" >"$ABIPIN_CONF"
children=
trap 'stop_children $children; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
t_start=$(date +%s)
emu10=$(command -v qemu-system-x86_64)

# ---- the backend ----------------------------------------------------------------
mkdir "$tmp/sock" && chmod 700 "$tmp/sock" || fail "mkdir $tmp/sock"
sock="$tmp/sock/passt.sock"
# -f: in the foreground, its log on stderr; started as root it binds the
# socket and then becomes nobody
"$passt" --vhost-user -f -s "$sock" </dev/null >"$tmp/passt.log" 2>&1 &
passt_pid=$!
children="$passt_pid"
end=$(($(date +%s) + 10))
until [ -S "$sock" ] && grep -q "bound at $sock\$" "$tmp/passt.log"; do
    kill -0 $passt_pid 2>/dev/null && [ "$(date +%s)" -le $end ] ||
        { cat "$tmp/passt.log" >&2; fail "passt did not listen on $sock"; }
    sleep 0.05
done
version=$(cat "$(dirname "$passt")/VERSION" 2>/dev/null || echo "?")
ok "passt $version --vhost-user listening on $sock"

# GET_FEATURES and GET_PROTOCOL_FEATURES on a connection of ours
# shellcheck disable=SC2046
set -- $(vu_features --protocol "$sock") || fail "GET_FEATURES on passt's socket"
features=$1 protocol=$2
[ "$features" = 0x144008000 ] ||
    fail "passt's GET_FEATURES: $features, measured before: 0x144008000 (VERSION_1, MRG_RXBUF, LOG_ALL, PROTOCOL_FEATURES)"
ok "VHOST_USER_GET_FEATURES: $features, GET_PROTOCOL_FEATURES: $protocol (no guest attached)"

# ---- 2: the cells ------------------------------------------------------------------
emulators="$tmp/emulators"
list_emulators "$emulators" qemu-system-x86_64
echo "# QEMUs: $(cut -d= -f1 "$emulators" | tr '\n' ' ')"
: >"$tmp/wrong"

printf '%-37s %-15s %-14s %-14s %-14s %s\n' QEMU machine registers abipin abipin-prof verdict >"$tmp/table"
cells=0
while IFS='=' read -r qname emu; do
    qver=$("$emu" --version </dev/null 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
    [ -n "$qver" ] || fail "$qname ($emu) does not say its version"
    ms=$(vhost_user_machines "$emu")
    prof="$tmp/prof-$qname.xml"
    # shellcheck disable=SC2046,SC2086
    "$ABIPIN" probe --no-cache --emulator "$emu" $(printf -- '-m %s ' $ms) --vhost-user "passt=$sock" \
        -o "$prof" </dev/null 2>"$tmp/err" ||
        { wrong "abipin probe --emulator $emu --vhost-user passt=$sock: exit $?: $(head -n 3 "$tmp/err")"; prof=; }
    for m in $ms; do
        regs=$(vhost_user_registers "$emu" "$m" "$sock") || exit 1
        case $qver in 10.0.*)
            [ "$regs" = 0x1409f8024 ] || fail "QEMU $qver $m on passt: the registers give $regs, measured before: 0x1409f8024"
            ;;
        esac
        vhost_user_dom_xml "vu-$cells" "$sock" "$m" "$emu" >"$tmp/dom.xml"
        verdict=ok got=- pgot=-
        if "$ABIPIN" abi --json "$tmp/dom.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
            # shellcheck disable=SC2046
            set -- $(abi_offered "$tmp/abi.json")
            got=$1
            same "$got" "$regs" && [ "$2" = - ] || {
                verdict=WRONG
                wrong "abipin abi --json DOM (passt, $qname, $m): offered $got (external: $2), registers $regs"
            }
        else
            verdict=WRONG
            wrong "abipin abi --json DOM (passt, $qname, $m): exit $?: $(head -n 3 "$tmp/err")"
        fi
        if [ -n "$prof" ] && "$ABIPIN" abi --json --platform "$prof" "$tmp/dom.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
            # shellcheck disable=SC2046
            set -- $(abi_offered "$tmp/abi.json")
            pgot=$1
            same "$pgot" "$regs" || {
                verdict=WRONG
                wrong "abipin abi --json --platform PROFILE DOM (passt, $qname, $m): offered $pgot, registers $regs"
            }
        elif [ -n "$prof" ]; then
            verdict=WRONG
            wrong "abipin abi --json --platform PROFILE DOM (passt, $qname, $m): exit $?: $(head -n 3 "$tmp/err")"
        fi
        printf '%-37s %-15s %-14s %-14s %-14s %s\n' "$qname $qver" "$m" "$regs" "$got" "$pgot" "$verdict" >>"$tmp/table"
        cells=$((cells + 1))
    done
done <"$emulators"
require_cases "(QEMU, machine type) cells" $cells 3
ok "the registers of $cells cells on passt, against abipin on this host and from probe --vhost-user's profile"

# ---- 3: a QEMU attached; abipin asks --------------------------------------------------
python3 - "$tmp/hold.sock" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
time.sleep(120)
EOF
holder=$!
children="$children $holder"
while [ ! -S "$tmp/hold.sock" ]; do sleep 0.05; done
"$emu10" -S -machine pc-q35-10.0,memory-backend=mem0 -object memory-backend-memfd,id=mem0,size=256M,share=on \
    -chardev "socket,id=chr0,path=$sock" -netdev vhost-user,id=n0,chardev=chr0 \
    -device virtio-net-pci,netdev=n0,addr=0x3 -accel tcg -nodefaults -display none \
    -qmp "unix:$tmp/qmp.sock,server=on,wait=off" \
    -qtest "unix:$tmp/hold.sock" -qtest-log /dev/null </dev/null >"$tmp/attached.log" 2>&1 &
attached=$!
children="$children $attached"
accepted() { grep -c "^accepted connection from PID $attached\$" "$tmp/passt.log"; }
closed() { grep -c '^Client connection closed' "$tmp/passt.log"; }
discarded() { grep -c '^discarding connection from PID' "$tmp/passt.log"; }
end=$(($(date +%s) + 30))
until [ "$(accepted)" = 1 ] && [ -S "$tmp/qmp.sock" ]; do
    kill -0 $attached 2>/dev/null && [ "$(date +%s)" -le $end ] ||
        { cat "$tmp/attached.log" "$tmp/passt.log" >&2; fail "the attached QEMU did not connect to passt"; }
    sleep 0.1
done
# query-chardev: chr0's filename starts with "disconnected:" once its
# socket is gone (chardev/char-socket.c, qemu_chr_socket_address)
chardev() {
    python3 - "$tmp/qmp.sock" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
for cmd in ("qmp_capabilities", "query-chardev"):
    f.write(json.dumps({"execute": cmd}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
print([c["filename"] for c in r["return"] if c["label"] == "chr0"][0])
EOF
}
sleep 0.5
before=$(chardev) || fail "QMP query-chardev of the attached QEMU"
case $before in disconnected:*) fail "the attached QEMU's chardev is not connected: $before" ;; esac
c0=$(closed) d0=$(discarded)
vhost_user_dom_xml vu-attached "$sock" pc-q35-10.0 "$emu10" >"$tmp/attached.xml"
rm -rf "$ABIPIN_CACHE_DIR"
n=0
for i in 1 2 3 4 5; do
    "$ABIPIN" abi --json "$tmp/attached.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"
    rc=$?
    [ $rc = 3 ] && grep -q "vhost-user socket $sock closed the connection without answering GET_FEATURES" "$tmp/err" ||
        fail "abipin abi on passt's socket with a QEMU attached (try $i): exit $rc, expected 3 and 'closed the connection without answering': $(cat "$tmp/err")"
    n=$((n + 1))
done
"$ABIPIN" probe --no-cache --vhost-user "passt=$sock" -o "$tmp/attached-prof.xml" </dev/null 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && grep -q "closed the connection without answering GET_FEATURES" "$tmp/err" ||
    fail "abipin probe --vhost-user passt=SOCK with a QEMU attached: exit $rc: $(cat "$tmp/err")"
[ ! -e "$tmp/attached-prof.xml" ] || fail "probe wrote a profile though passt did not answer"
n=$((n + 1))
msg=$(head -n 1 "$tmp/err")
sleep 0.5
[ $(($(discarded) - d0)) = $n ] ||
    fail "passt discarded $(($(discarded) - d0)) connections, abipin made $n"
[ "$(closed)" = "$c0" ] || { cat "$tmp/passt.log" >&2; fail "passt closed a session while abipin asked"; }
kill -0 $passt_pid 2>/dev/null || fail "passt exited after abipin asked"
kill -0 $attached 2>/dev/null || { cat "$tmp/attached.log" >&2; fail "the attached QEMU exited after abipin asked"; }
after=$(chardev) || fail "QMP query-chardev of the attached QEMU after abipin asked"
[ "$after" = "$before" ] || fail "the attached QEMU's chardev was $before, now $after"
grep -q 'disconnect\|Failed to\|error' "$tmp/attached.log" &&
    { cat "$tmp/attached.log"; fail "the attached QEMU logged a disconnection"; }
ok "with a QEMU attached, passt discarded abipin's $n connections unread; abi and probe: exit 3, '$msg'; the QEMU's chardev stays $after"
stop_children $attached $holder
end=$(($(date +%s) + 10))
until [ "$(closed)" = $((c0 + 1)) ]; do
    [ "$(date +%s)" -le $end ] || { cat "$tmp/passt.log" >&2; fail "passt did not log the attached QEMU's session closed"; }
    sleep 0.05
done
again=$(vhost_user_registers "$emu10" pc-q35-10.0 "$sock")
[ "$again" = 0x1409f8024 ] || fail "after abipin asked, a new QEMU on passt reads $again, not 0x1409f8024"
if "$ABIPIN" abi --json "$tmp/attached.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
    # shellcheck disable=SC2046
    set -- $(abi_offered "$tmp/abi.json")
    same "$1" "$again" || wrong "abipin abi --json DOM (passt, the QEMU gone): offered $1, registers $again"
else
    wrong "abipin abi --json DOM (passt, the QEMU gone): exit $?: $(head -n 3 "$tmp/err")"
fi
ok "the attached QEMU's session ended only with that QEMU (passt logged it); a new QEMU reads $again, and abipin answers again"

# ---- 4: a baseline of a DPDK host and a passt host, pinned: one device on both -------------
# The baseline lacks what passt lacks, base bits included (GSO, GUEST_ANNOUNCE,
# NOTIFY_ON_EMPTY, ANY_LAYOUT, INDIRECT_DESC): pin turns those off, gso in
# <driver><host>, the others in <qemu:override>. The pinned definition's
# properties (each pinned feature, gso and each override, as libvirt passes
# them to -device) on QEMU 10.0 give the same
# registers on dpdk-testpmd's backend as on passt's: what a migration between
# the two needs; abipin's abi says that vector, and check accepts the
# definition on both hosts.
if command -v dpdk-testpmd >/dev/null 2>&1; then
    testpmd_require
    trap 'testpmd_stop; stop_children $children; rm -rf "$tmp"' EXIT
    sock_dpdk="$tmp/sock/dpdk.sock"
    testpmd_start dpdk "$sock_dpdk"
    for h in dpdk passt; do
        s=$sock
        [ $h = dpdk ] && s=$sock_dpdk
        "$ABIPIN" probe --no-cache -m pc-q35-10.0 --vhost-user "vu=$s" -o "$tmp/host-$h.xml" </dev/null 2>"$tmp/err" ||
            fail "abipin probe --vhost-user vu=$s: $(cat "$tmp/err")"
    done
    "$ABIPIN" baseline "$tmp/host-dpdk.xml" "$tmp/host-passt.xml" --name dpdk-passt -o "$tmp/baseline.xml" </dev/null 2>"$tmp/err" ||
        fail "abipin baseline: $(cat "$tmp/err")"
    vhost_user_dom_xml vu-baseline "$sock" pc-q35-10.0 "$emu10" >"$tmp/base-in.xml"
    "$ABIPIN" pin --platform "$tmp/baseline.xml" "$tmp/base-in.xml" -o "$tmp/base-pinned.xml" </dev/null 2>"$tmp/err" ||
        fail "abipin pin --platform BASELINE: $(cat "$tmp/err")"
    # the -device properties libvirt gives QEMU for it (tests/pinned_props.py)
    props=$(python3 "$abs_top_srcdir/tests/pinned_props.py" "$tmp/base-pinned.xml") ||
        fail "the pinned definition's properties"
    grep -q "base-off='6 21 24 27 28'" "$tmp/base-pinned.xml" ||
        fail "pin against the baseline did not turn off GSO, GUEST_ANNOUNCE, NOTIFY_ON_EMPTY, ANY_LAYOUT, INDIRECT_DESC: $(grep 'abipin:interface ' "$tmp/base-pinned.xml")"
    # registers EMULATOR MACHINE SOCKET PROPS: vhost_user_registers with the
    # device's properties
    registers() {
        rm -f "$tmp/qt.sock"
        python3 "$abs_top_srcdir/tests/qtest_virtio.py" "$tmp/qt.sock" "$1" -S \
            -machine "$2,memory-backend=mem0" -object memory-backend-memfd,id=mem0,size=256M,share=on \
            -chardev "socket,id=chr0,path=$3" -netdev vhost-user,id=n0,chardev=chr0 \
            -device "virtio-net-pci,netdev=n0,addr=0x3,$4" -accel tcg -nodefaults -display none \
            -qtest "unix:$tmp/qt.sock" -qtest-log /dev/null </dev/null 2>"$tmp/registers.err" | cut -d' ' -f2
    }
    r_dpdk=$(registers "$emu10" pc-q35-10.0 "$sock_dpdk" "$props")
    r_passt=$(registers "$emu10" pc-q35-10.0 "$sock" "$props")
    u_dpdk=$(vhost_user_registers "$emu10" pc-q35-10.0 "$sock_dpdk")
    # what the pin gave before base-off: the features alone, no base-bit override
    feats=$(echo "$props" | tr , '\n' | grep -v '^\(gso\|guest_announce\|notify_on_empty\|any_layout\|indirect_desc\)=' | paste -sd,)
    f_dpdk=$(registers "$emu10" pc-q35-10.0 "$sock_dpdk" "$feats")
    [ -n "$r_dpdk" ] && [ "$r_dpdk" = "$r_passt" ] ||
        fail "the baseline-pinned device: registers $r_dpdk on testpmd, $r_passt on passt (-device ...,$props; $(cat "$tmp/registers.err"))"
    for h in dpdk passt; do
        s=$sock
        [ $h = dpdk ] && s=$sock_dpdk
        sed "s|path='$sock'|path='$s'|" "$tmp/base-pinned.xml" >"$tmp/base-$h.xml"
        "$ABIPIN" abi --json --platform "$tmp/host-$h.xml" "$tmp/base-$h.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err" ||
            fail "abipin abi --platform HOST-$h BASELINE-PINNED: $(cat "$tmp/err")"
        # shellcheck disable=SC2046
        set -- $(abi_offered "$tmp/abi.json")
        same "$1" "$r_dpdk" || wrong "abipin abi --json --platform HOST-$h BASELINE-PINNED: offered $1, registers $r_dpdk"
        "$ABIPIN" check --platform "$tmp/host-$h.xml" "$tmp/base-$h.xml" </dev/null >"$tmp/check" 2>&1 ||
            wrong "abipin check --platform HOST-$h BASELINE-PINNED: exit $?: $(tr '\n' ' ' <"$tmp/check")"
    done
    testpmd_stop
    [ $((f_dpdk & ~r_dpdk)) = $(((1 << 6) | (1 << 21) | (1 << 27) | (1 << 28))) ] ||
        fail "without the base bits' overrides testpmd's device gives $f_dpdk, not $r_dpdk and bits 6, 21, 27, 28"
    ok "pinned against baseline(testpmd, passt) (base-off 6 21 24 27 28): registers $r_dpdk on testpmd and on passt (testpmd unpinned: $u_dpdk; with the pinned features but no base-bit override: $f_dpdk, bits 6, 21, 27, 28 more), abipin abi says it on both hosts, check accepts both"
    echo "# the baseline-pinned device's properties: $props"
else
    echo "# no dpdk-testpmd: the baseline of a DPDK host and a passt host is not measured"
fi

echo "# the cells: registers (qtest), abipin (abi --json on this host), abipin-prof (abi --json --platform of probe --vhost-user's profile)"
sed 's/^/  | /' "$tmp/table"
echo "figure: whole test = $(($(date +%s) - t_start)) s"
if [ -s "$tmp/wrong" ]; then
    sed 's/^/  - /' "$tmp/wrong" >&2
    fail "abipin is wrong in $(wc -l <"$tmp/wrong") findings (above)"
fi
ok "abipin's vector equals passt's registers in all $cells cells"
echo "$pass_count passed, 0 failed"
