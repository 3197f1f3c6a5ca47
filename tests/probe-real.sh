#!/bin/sh
# The real probe on this machine's /dev/net/tun, macvtap and emulator, as
# root and as an unprivileged user. Skips (77) only where the machine has no
# tun device or no privilege to create a tap, and says so.
. "$abs_top_srcdir/tests/lib.sh"

state() { # state ATOM: present/absent/unknown/unlisted, from $tmp/probe.json
    python3 - "$tmp/probe.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["atoms"]
a = sys.argv[2]
if a in d["present"]:
    print("present")
else:
    for s in ("absent", "unknown"):
        if any(x["name"] == a for x in d[s]):
            print(s)
            break
    else:
        print("unlisted")
PY
}

[ -e /dev/net/tun ] || skip "no /dev/net/tun on this machine"
links_before=$(ip -o link show 2>/dev/null | grep -c abipin)
expect_exit 0 "probe --no-cache --json" -- "$ABIPIN" probe --no-cache --json
cp "$tmp/out" "$tmp/probe.json"
vnet=$(state tap.vnet_hdr)
if [ "$vnet" = unknown ]; then
    skip "cannot create a tap here: $(json_get "$tmp/probe.json" '[x["reason"] for x in d["atoms"]["unknown"] if x["name"]=="tap.vnet_hdr"][0]')"
fi
[ "$vnet" = present ] || fail "tap.vnet_hdr is $vnet"
ok "tap.vnet_hdr present"

# USO: Linux >= 6.2 accepts TUN_F_USO4|TUN_F_USO6, older kernels reject it
release=$(uname -r)
major=${release%%.*}
minor=${release#*.}
minor=${minor%%[!0-9]*}
if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 2 ]; }; then
    want=present
else
    want=absent
fi
for atom in tap.uso4 tap.uso6; do
    [ "$(state $atom)" = $want ] || fail "$atom is $(state $atom) on Linux $release, expected $want"
    ok "$atom $want on Linux $release"
done
for atom in tap.csum tap.tso4 tap.tso6 tap.tso_ecn tap.ufo tap.multi_queue tap.vnet_hdr_sz tap.steering_ebpf; do
    [ "$(state $atom)" = present ] || fail "$atom is $(state $atom)"
done
ok "tap offloads every kernel since 4.16 has are present"

# macvtap, probed in a private namespace: answered, not guessed
mv=$(state macvtap.vnet_hdr)
case "$mv" in
present) ok "macvtap probed in a private namespace" ;;
unknown) echo "note: macvtap unknown: $(json_get "$tmp/probe.json" '[x["reason"] for x in d["atoms"]["unknown"] if x["name"]=="macvtap.vnet_hdr"][0]')" ;;
*) fail "macvtap.vnet_hdr is $mv" ;;
esac
[ "$(state macvtap.uso4)" = "$( [ "$mv" = present ] && echo $want || echo unknown)" ] ||
    fail "macvtap.uso4 is $(state macvtap.uso4)"

# vhost-net: present with bits, or absent/unknown with a reason
case "$(state vhost.net)" in
present) [ "$(state vhost.bit.32)" = present ] || fail "vhost-net without VERSION_1" ;;
absent|unknown) ok "vhost.net $(state vhost.net), with a reason" ;;
*) fail "vhost.net not reported" ;;
esac

# The emulator: if there is one, its virtio-net-pci properties and machines
if command -v qemu-system-x86_64 >/dev/null; then
    [ "$(state qemu.prop.virtio-net-pci.csum)" = present ] || fail "emulator property csum not found"
    [ "$(json_get "$tmp/probe.json" 'd["emulator"]["aliases"].get("q35","")')" != "" ] ||
        fail "no q35 alias"
    ok "emulator probed: QEMU $(json_get "$tmp/probe.json" 'd["emulator"]["version"]')"
fi

# Nothing left behind
[ "$(ip -o link show 2>/dev/null | grep -c abipin)" = "$links_before" ] || fail "a link was left behind"
ok "no tap or link left behind"

# The cache: a second probe reads it, and gives the same answer
rm -rf "$ABIPIN_CACHE_DIR"
expect_exit 0 "probe (fills the cache)" -- "$ABIPIN" probe
cp "$tmp/out" "$tmp/first.xml"
ls "$ABIPIN_CACHE_DIR"/host-*.profile >/dev/null 2>&1 || fail "no cache file written"
expect_exit 0 "probe (from the cache)" -- "$ABIPIN" probe
cmp -s "$tmp/out" "$tmp/first.xml" || fail "cached profile differs"
echo garbage >"$(ls "$ABIPIN_CACHE_DIR"/host-*.profile)"
expect_exit 0 "probe with a corrupt cache re-probes" -- "$ABIPIN" probe
cmp -s "$tmp/out" "$tmp/first.xml" || fail "re-probed profile differs"

# Unprivileged: every tap and macvtap atom unknown, never present or absent
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$tmp"
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
        env ABIPIN_DATADIR="$ABIPIN_DATADIR" ABIPIN_SCHEMADIR="$ABIPIN_SCHEMADIR" \
        "$ABIPIN" probe --no-cache --json >"$tmp/probe.json" 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "unprivileged probe failed"; }
    for atom in tap.vnet_hdr tap.csum tap.ufo tap.uso4 tap.uso6 tap.multi_queue \
        macvtap.vnet_hdr macvtap.uso4; do
        s=$(state $atom)
        [ "$s" = unknown ] || fail "unprivileged: $atom is $s, expected unknown"
    done
    ok "unprivileged: tap and macvtap atoms are unknown, with reasons"
    case "$(state ebpf.rss)" in present|unknown) ;; *) fail "unprivileged: ebpf.rss $(state ebpf.rss)" ;; esac
else
    echo "note: not root or no setpriv: the unprivileged probe was not run"
fi

echo "$pass_count passed, 0 failed"
