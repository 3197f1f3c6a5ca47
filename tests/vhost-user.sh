#!/bin/sh
# vhost-user on real backends (issue 27): what a virtio-net device on a
# vhost-user netdev offers depends on the process behind the socket, and
# abipin must know it exactly, as it does for tap.
#
# Two dpdk-testpmd vhost-user backends (Debian 12's DPDK 22.11, servers on
# sockets in this test's directory, no hugepages): "tso0" as it comes, and
# "tso1" with tso=1, which offers HOST_TSO4/6 (bits 11, 12) besides. For every
# QEMU of the fidelity matrix this machine has (tests/lib.sh list_emulators:
# 10.0, 7.2, 5.2, 11.1) and three machine types each (the current q35, an
# older pc-q35, pc-i440fx-5.2), a paused QEMU with the device on each backend
# is read through its PCI registers (tests/qtest_virtio.py): the guest's
# view, the truth. Then, for every (backend, QEMU, machine type) cell:
#
#  1. The registers: tso1 offers exactly tso0's bits and 11, 12; tso0 lacks
#     them; on QEMU 10.0 the vectors are the measured 0x178bfe7e7 and
#     0x178bfffe7 (the issue's table).
#  2. `abipin abi --json` of a domain with that interface, machine type and
#     emulator, on this host (abipin asks the listening socket itself): its
#     `offered` is the registers' vector, and no bit is left "external".
#  3. `abipin probe --vhost-user NAME=SOCKET` writes the backend into the
#     profile (<backend name kind='vhost-user'><socket path/>, atoms
#     vhostuser.NAME.bit.N that agree with the backend's own GET_FEATURES
#     answer, asked here on a connection of ours), and `abipin abi
#     --platform` of that profile gives the registers' vector too.
#  4. abipin does not disturb a backend: with a QEMU attached to tso1,
#     abipin asks the socket; testpmd logs no other session closed, the
#     attached QEMU is still there, and a new QEMU connects and reads the
#     same vector.
#  5. No stale answer: tso0's backend replaced by a tso=1 one on the same
#     socket, abipin's answer follows the registers.
#
# The facts (1, and 4's second reading) are asserted first; abipin's
# disagreements are collected over all cells, printed with the table, and
# fail the test at the end, each with its command, the registers' vector and
# abipin's. Skips (77) only where the machine lacks testpmd or QEMU.
. "$abs_top_srcdir/tests/lib.sh"
testpmd_require
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "no qemu-system-x86_64 (tools/quickstart installs it)"
ABIPIN_CACHE_DIR="$tmp/cache"
export ABIPIN_CACHE_DIR
unset ABIPIN_HOST_PROFILE ABIPIN_EMULATOR
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_CONF
echo "cache_dir = $ABIPIN_CACHE_DIR" >"$ABIPIN_CONF"
trap 'testpmd_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
t_start=$(date +%s)
tso=$(((1 << 11) | (1 << 12))) # VIRTIO_NET_F_HOST_TSO4, _TSO6

# ---- the backends --------------------------------------------------------------
mkdir "$tmp/sock" && chmod 700 "$tmp/sock" || fail "mkdir $tmp/sock"
sock_tso0="$tmp/sock/tso0.sock"
sock_tso1="$tmp/sock/tso1.sock"
testpmd_start tso0 "$sock_tso0"
testpmd_start tso1 "$sock_tso1" tso=1
ok "two dpdk-testpmd vhost-user backends listening: tso0 ($sock_tso0), tso1 (tso=1, $sock_tso1)"

# the backend's own answer to VHOST_USER_GET_FEATURES, on a connection of ours
backend_tso0=$(vu_features "$sock_tso0") || fail "GET_FEATURES on tso0"
backend_tso1=$(vu_features "$sock_tso1") || fail "GET_FEATURES on tso1"
[ $((backend_tso1 & ~backend_tso0)) = $tso ] && [ $((backend_tso0 & ~backend_tso1)) = 0 ] ||
    fail "the backends' GET_FEATURES: tso0 $backend_tso0, tso1 $backend_tso1: not bits 11, 12 apart"
ok "VHOST_USER_GET_FEATURES: tso0 $backend_tso0, tso1 $backend_tso1 (bits 11, 12 apart)"

# ---- the QEMUs and their machine types -----------------------------------------------
emulators="$tmp/emulators"
list_emulators "$emulators" qemu-system-x86_64
echo "# QEMUs: $(cut -d= -f1 "$emulators" | tr '\n' ' ')"

# abipin's disagreements: one line each, failed at the end
: >"$tmp/wrong"
has_probe=
"$ABIPIN" probe --help 2>/dev/null | grep -q -- '--vhost-user' && has_probe=1

# ---- 1-3: every cell -----------------------------------------------------------------
printf '%-6s %-37s %-15s %-14s %-14s %-14s %s\n' backend QEMU machine registers abipin abipin-prof verdict >"$tmp/table"
cells=0 regs_ms=0
while IFS='=' read -r qname emu; do
    qver=$("$emu" --version </dev/null 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
    [ -n "$qver" ] || fail "$qname ($emu) does not say its version"
    ms=$(vhost_user_machines "$emu")
    for b in tso0 tso1; do
        eval "sock=\$sock_$b"
        prof="$tmp/prof-$qname-$b.xml"
        if [ -n "$has_probe" ]; then
            # shellcheck disable=SC2046,SC2086
            "$ABIPIN" probe --no-cache --emulator "$emu" $(printf -- '-m %s ' $ms) --vhost-user "$b=$sock" \
                -o "$prof" </dev/null 2>"$tmp/err" ||
                { wrong "abipin probe --emulator $emu --vhost-user $b=$sock: exit $?: $(head -n 3 "$tmp/err")"; prof=; }
        fi
        for m in $ms; do
            t0=$(date +%s%N)
            regs=$(vhost_user_registers "$emu" "$m" "$sock") || exit 1
            regs_ms=$((regs_ms + ($(date +%s%N) - t0) / 1000000))
            eval "regs_${b}=$regs"
            case $qver in 10.0.*)
                want=0x178bfe7e7
                [ $b = tso1 ] && want=0x178bfffe7
                [ "$regs" = $want ] || fail "QEMU $qver $m on $b: the registers give $regs, measured before: $want"
                ;;
            esac
            vhost_user_dom_xml "vu-$cells" "$sock" "$m" "$emu" >"$tmp/dom-$cells.xml"
            if "$ABIPIN" abi --json "$tmp/dom-$cells.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
                # shellcheck disable=SC2046
                set -- $(abi_offered "$tmp/abi.json")
                got=$1 ext=$2
            else
                got="exit-$?" ext=-
                wrong "abipin abi --json DOM ($b, $qname, $m): $got: $(head -n 3 "$tmp/err")"
            fi
            verdict=ok
            if [ "$got" = "${got#exit}" ]; then
                if ! same "$got" "$regs" || [ "$ext" != - ]; then
                    verdict=WRONG
                    wrong "abipin abi --json DOM ($b $sock, $qname $emu, $m): offered $got, registers $regs (abipin lacks $(bitlist $((regs & ~got))), adds $(bitlist $((got & ~regs))); external bits: $ext)"
                fi
            else
                verdict=WRONG
            fi
            pgot=-
            if [ -n "$has_probe" ] && [ -n "$prof" ]; then
                if "$ABIPIN" abi --json --platform "$prof" "$tmp/dom-$cells.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
                    # shellcheck disable=SC2046
                    set -- $(abi_offered "$tmp/abi.json")
                    pgot=$1
                    same "$pgot" "$regs" || {
                        verdict=WRONG
                        wrong "abipin abi --json --platform PROFILE DOM ($b, $qname, $m; profile of probe --vhost-user $b=$sock): offered $pgot, registers $regs"
                    }
                else
                    pgot="exit-$?" verdict=WRONG
                    wrong "abipin abi --json --platform PROFILE DOM ($b, $qname, $m): $pgot: $(head -n 3 "$tmp/err")"
                fi
            elif [ -z "$has_probe" ]; then
                verdict="$verdict (no probe --vhost-user)"
            fi
            printf '%-6s %-37s %-15s %-14s %-14s %-14s %s\n' $b "$qname $qver" "$m" "$regs" "$got" "$pgot" "$verdict" >>"$tmp/table"
            cells=$((cells + 1))
            eval "regs_${b}_$(echo "$qname-$m" | tr -c 'a-zA-Z0-9\n' _)=$regs"
        done
    done
    for m in $ms; do
        key=$(echo "$qname-$m" | tr -c 'a-zA-Z0-9\n' _)
        eval "r0=\$regs_tso0_$key r1=\$regs_tso1_$key"
        [ $((r1 & ~r0)) = $tso ] && [ $((r0 & ~r1)) = 0 ] ||
            fail "$qname $m: tso1's registers $r1 are not tso0's $r0 and bits 11, 12"
    done
done <"$emulators"
require_cases "(backend, QEMU, machine type) cells" $cells 6
ok "the registers of $cells cells (${regs_ms} ms): tso1 = tso0 + bits 11, 12 (HOST_TSO4/6) on every QEMU and machine type; QEMU 10.0's are 0x178bfe7e7 and 0x178bfffe7"

# ---- 3: the profiles probe --vhost-user wrote -----------------------------------------
cat >"$tmp/profile.py" <<'EOF2'
# profile.py PROFILE NAME SOCKET FEATURES: the backend and its atoms, against
# the backend's own GET_FEATURES; prints what is wrong, one line each
import sys, xml.etree.ElementTree as ET
prof, name, sock, feats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 16)
root = ET.parse(prof).getroot()
backends = [b for b in root.iter("backend") if b.get("name") == name]
if len(backends) != 1 or backends[0].get("kind") != "vhost-user":
    print("no one <backend name='%s' kind='vhost-user'>: %s" % (name, [b.attrib for b in root.iter("backend")]))
else:
    paths = [s.get("path") for s in backends[0].iter("socket")]
    if paths != [sock]:
        print("<backend name='%s'> has sockets %s, not %s" % (name, paths, sock))
prefix = "vhostuser.%s.bit." % name
seen = set()
for a in root.iter("atom"):
    n = a.get("name", "")
    if not n.startswith(prefix):
        continue
    bit = int(n[len(prefix):])
    seen.add(bit)
    state = a.get("state", "present")
    want = "present" if feats >> bit & 1 else "absent"
    if state != want:
        print("%s is %s, but the backend's GET_FEATURES (%#x) has bit %d %s" %
              (n, state, feats, bit, "set" if want == "present" else "clear"))
for bit in (11, 12):
    if bit not in seen:
        print("no atom %s%d" % (prefix, bit))
EOF2
if [ -n "$has_probe" ]; then
    n=0
    for prof in "$tmp"/prof-*-tso[01].xml; do
        [ -f "$prof" ] || continue
        b=${prof%.xml}
        b=${b##*-}
        eval "sock=\$sock_$b feats=\$backend_$b"
        python3 "$tmp/profile.py" "$prof" "$b" "$sock" "$feats" >"$tmp/perr" || fail "profile.py $prof"
        while read -r line; do wrong "abipin probe --vhost-user $b=$sock -> ${prof##*/}: $line"; done <"$tmp/perr"
        n=$((n + 1))
    done
    echo "# $n profiles of probe --vhost-user checked against the backends' GET_FEATURES"
else
    wrong "abipin probe --vhost-user: abipin has no such option ($("$ABIPIN" probe --vhost-user "tso0=$sock_tso0" 2>&1 | head -n 1)): the profile cells and atoms are untested"
fi

# ---- 4: abipin does not disturb a backend that serves a QEMU ----------------------------
# a paused QEMU stays attached to tso1 while abipin asks the socket
python3 - "$tmp/hold.sock" <<'EOF2' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
time.sleep(120)
EOF2
holder=$!
while [ ! -S "$tmp/hold.sock" ]; do sleep 0.05; done
qemu-system-x86_64 -S -machine pc-q35-10.0,memory-backend=mem0 -object memory-backend-memfd,id=mem0,size=256M,share=on \
    -chardev "socket,id=chr0,path=$sock_tso1" -netdev vhost-user,id=n0,chardev=chr0 \
    -device virtio-net-pci,netdev=n0,addr=0x3 -accel tcg -nodefaults -display none \
    -qtest "unix:$tmp/hold.sock" -qtest-log /dev/null </dev/null >"$tmp/attached.log" 2>&1 &
attached=$!
conns() { grep -c 'new vhost user connection' "$tmp/tso1.testpmd"; }
closed() { grep -c 'vhost peer closed' "$tmp/tso1.testpmd"; }
end=$(($(date +%s) + 30))
until grep -q 'VHOST_USER_SET_VRING_ENABLE' "$tmp/tso1.testpmd" && [ "$(conns)" -gt "$(closed)" ]; do
    kill -0 $attached 2>/dev/null && [ "$(date +%s)" -le $end ] || { cat "$tmp/attached.log"; fail "the attached QEMU did not set up its session with tso1"; }
    sleep 0.1
done
sleep 0.5
c0=$(conns) x0=$(closed)
vhost_user_dom_xml vu-attached "$sock_tso1" pc-q35-10.0 "$(command -v qemu-system-x86_64)" >"$tmp/attached.xml"
rm -rf "$ABIPIN_CACHE_DIR"
if "$ABIPIN" abi --json "$tmp/attached.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
    # shellcheck disable=SC2046
    set -- $(abi_offered "$tmp/abi.json")
    same "$1" 0x178bfffe7 ||
        wrong "abipin abi --json DOM (tso1, a QEMU attached to it): offered $1, registers 0x178bfffe7"
else
    wrong "abipin abi --json DOM (tso1, a QEMU attached to it): exit $?: $(head -n 3 "$tmp/err")"
fi
if [ -n "$has_probe" ]; then
    "$ABIPIN" probe --no-cache --vhost-user "tso1=$sock_tso1" -o "$tmp/attached-prof.xml" </dev/null 2>"$tmp/err" ||
        wrong "abipin probe --vhost-user tso1=$sock_tso1 (a QEMU attached to it): exit $?: $(head -n 3 "$tmp/err")"
fi
sleep 0.5
c1=$(conns) x1=$(closed)
kill -0 "$testpmd_pid_tso1" 2>/dev/null || fail "testpmd tso1 exited after abipin asked its socket"
kill -0 $attached 2>/dev/null || { cat "$tmp/attached.log"; fail "the attached QEMU exited after abipin asked tso1's socket"; }
[ $((c1 - c0)) = $((x1 - x0)) ] || {
    sed -n "$((c0 + x0)),\$p" "$tmp/tso1.testpmd" | grep 'connection\|closed' >&2
    fail "abipin opened $((c1 - c0)) connection(s) to tso1 and $((x1 - x0)) closed: it ended another session (the attached QEMU's)"
}
grep -q 'vhost-user.*disconnect\|Failed to\|error' "$tmp/attached.log" &&
    { cat "$tmp/attached.log"; fail "the attached QEMU logged a disconnection"; }
[ $((c1 - c0)) -gt 0 ] ||
    wrong "abipin abi --json DOM (tso1, listening): abipin did not connect to the socket (testpmd logged no new connection)"
stop_children $attached $holder
again=$(vhost_user_registers "$(command -v qemu-system-x86_64)" pc-q35-10.0 "$sock_tso1")
[ "$again" = 0x178bfffe7 ] || fail "after abipin asked it, tso1's registers give $again, not 0x178bfffe7"
ok "abipin abi${has_probe:+ and probe --vhost-user} on tso1's socket while a QEMU was attached to it (abipin's connections: $((c1 - c0)), each closed): testpmd and that QEMU kept their session; a new QEMU reads $again again"

# ---- 5: no stale answer: the backend behind a socket changes ------------------------------
emu10=$(command -v qemu-system-x86_64)
vhost_user_dom_xml vu-swapped "$sock_tso0" pc-q35-10.0 "$emu10" >"$tmp/swapped.xml"
# first abipin's answer for tso0 as it is, in a cache of its own: a
# backend's answer kept there would be stale below
ABIPIN_CACHE_DIR="$tmp/cache-swap"
"$ABIPIN" abi --json "$tmp/swapped.xml" </dev/null >/dev/null 2>&1
stop_children "$testpmd_pid_tso0"
rm -f "$sock_tso0"
testpmd_start tso0b "$sock_tso0" tso=1
regs=$(vhost_user_registers "$emu10" pc-q35-10.0 "$sock_tso0")
[ "$regs" = 0x178bfffe7 ] || fail "tso0's socket, now served with tso=1: registers $regs, not 0x178bfffe7"
if "$ABIPIN" abi --json "$tmp/swapped.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
    # shellcheck disable=SC2046
    set -- $(abi_offered "$tmp/abi.json")
    same "$1" "$regs" ||
        wrong "abipin abi --json DOM (tso0's socket, its backend replaced by a tso=1 one): offered $1, registers $regs (a stale answer?)"
else
    wrong "abipin abi --json DOM (tso0's socket, its backend replaced): exit $?: $(head -n 3 "$tmp/err")"
fi
ok "tso0's socket now served by a tso=1 testpmd: the registers say $regs"

# ---- 6: a profile that does not name the socket's backend: unknown, never guessed --------
# what abipin states of a vhost-user interface without knowing its backend
# (offered and not external) must hold for every backend: here it must be
# in both testpmds' registers, and every bit of theirs stated or external;
# and diff must not promise a migration to a host whose backend it does not know
if [ -n "$has_probe" ]; then
    "$ABIPIN" probe --no-cache -m pc-q35-10.0 -o "$tmp/prof-none.xml" </dev/null 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "abipin probe -m pc-q35-10.0"; }
    ! grep -q '<backend' "$tmp/prof-none.xml" || fail "a probe without --vhost-user named a backend"
    vhost_user_dom_xml vu-none "$sock_tso1" pc-q35-10.0 "$emu10" >"$tmp/none.xml"
    if "$ABIPIN" abi --json --platform "$tmp/prof-none.xml" "$tmp/none.xml" </dev/null >"$tmp/abi.json" 2>"$tmp/err"; then
        python3 - "$tmp/abi.json" 0x178bfe7e7 0x178bfffe7 >"$tmp/perr" <<'EOF2' || fail "the check of abi's unknown bits"
import json, sys
i = json.load(open(sys.argv[1]))["interfaces"][0]
r0, r1 = int(sys.argv[2], 16), int(sys.argv[3], 16)
offered = int(i["offered"], 16)
ext = sum(1 << b for b in i.get("external", []))
bits = lambda n: ", ".join(str(b) for b in range(n.bit_length()) if n >> b & 1)
stated = offered & ~ext
if stated & ~(r0 & r1):
    print("states bits %s offered (not external), which a testpmd backend does not offer (registers %#x, %#x)" % (bits(stated & ~(r0 & r1)), r0, r1))
if (r0 | r1) & ~(offered | ext):
    print("states bits %s not offered, which a testpmd backend offers" % bits((r0 | r1) & ~(offered | ext)))
EOF2
        while read -r line; do
            wrong "abipin abi --json --platform PROFILE-WITHOUT-BACKEND DOM (pc-q35-10.0; the profile names no backend for the socket): offered $(json_get "$tmp/abi.json" 'd["interfaces"][0]["offered"]'): $line"
        done <"$tmp/perr"
    else
        wrong "abipin abi --json --platform PROFILE-WITHOUT-BACKEND DOM: exit $?: $(head -n 3 "$tmp/err")"
    fi
    "$ABIPIN" diff --platform-a "$tmp/prof-system-x86_64-tso1.xml" --platform-b "$tmp/prof-none.xml" \
        "$tmp/none.xml" "$tmp/none.xml" </dev/null >"$tmp/diff.txt" 2>&1
    if grep -q "offers every bit the source offers" "$tmp/diff.txt" || ! grep -q "bit 11" "$tmp/diff.txt"; then
        wrong "abipin diff --platform-a PROFILE(tso1) --platform-b PROFILE-WITHOUT-BACKEND DOM DOM: expected bits 11, 12 named as unknown on B, no promise; got: $(tr '\n' ' ' <"$tmp/diff.txt")"
    fi
    echo "# checked: abi --platform and diff with a profile that names no backend for the socket"
fi

echo "# the cells: registers (the device's PCI registers through qtest), abipin (abi --json on this host), abipin-prof (abi --json --platform of probe --vhost-user's profile)"
sed 's/^/  | /' "$tmp/table"
echo "figure: whole test = $(($(date +%s) - t_start)) s"
if [ -s "$tmp/wrong" ]; then
    echo "abipin disagrees with the backends ($(wc -l <"$tmp/wrong") findings):" >&2
    sed 's/^/  - /' "$tmp/wrong" >&2
    fail "abipin is wrong in $(wc -l <"$tmp/wrong") findings (above); in $(grep -c WRONG "$tmp/table") of the $cells cells"
fi
ok "abipin's vector equals the registers in all $cells cells, on this host and from probe --vhost-user's profiles"
echo "$pass_count passed, 0 failed"
