#!/bin/sh
# The emulator probe when QEMU fails for a moment. abipin asks QEMU three
# things (--version, the virtio-net-pci properties, the machine types); if
# one run fails, none of the answers is kept, the failure is not cached,
# and a command that probes again uses the second probe whole, never the
# first one's "unknown" properties beside the second one's version (that
# mix made a hook refuse good domains: "csum is set, but the emulator has
# no such property"). An emulator being written this very moment (ETXTBSY)
# is waited for.
#
# The emulator is a wrapper of the real QEMU that counts its runs and fails
# those listed in ABIPIN_TEST_FAIL_AT.
. "$abs_top_srcdir/tests/lib.sh"
qemu=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64 (tools/quickstart installs it)"
pin="$abs_top_srcdir/tests/data/pin"
wrapper="$tmp/qemu"
runs="$tmp/runs"
cat >"$wrapper" <<EOF
#!/bin/sh
n=\$((\$(cat "$runs" 2>/dev/null || echo 0) + 1))
echo \$n >"$runs"
case " \${ABIPIN_TEST_FAIL_AT:-} " in *" \$n "*) exit 3 ;; esac
exec "$qemu" "\$@"
EOF
chmod 755 "$wrapper"
emulator_of() { # emulator_of PROBE.json: the version, or "null"
    json_get "$1" '(d["emulator"] or {}).get("version") or "null"'
}
count_state() { # count_state PROBE.json STATE PREFIX: atoms in STATE named PREFIX*
    json_get "$1" "len([a if isinstance(a, str) else a['name'] for a in d['atoms']['$2'] if (a if isinstance(a, str) else a['name']).startswith('$3')])"
}

# ---- the machine types cannot be listed: no emulator facts at all ---------------
rm -f "$runs"
ABIPIN_TEST_FAIL_AT=3 "$ABIPIN" probe --no-cache --json --emulator "$wrapper" >"$tmp/p.json" ||
    fail "probe with a failing '-machine help'"
[ "$(cat "$runs")" = 3 ] || fail "the probe ran the emulator $(cat "$runs") times, expected 3"
[ "$(emulator_of "$tmp/p.json")" = null ] || fail "an emulator whose '-machine help' failed has facts"
[ "$(count_state "$tmp/p.json" present qemu.)" = 0 ] || fail "qemu.* atoms present after a failed emulator run"
[ "$(count_state "$tmp/p.json" unknown qemu.prop.)" -gt 10 ] || fail "the properties are not unknown"
json_get "$tmp/p.json" '[a["reason"] for a in d["atoms"]["unknown"] if a["name"] == "qemu.prop.virtio-net-pci.csum"][0]' |
    grep -q -- "-machine help' failed" || fail "the unknown properties do not say which run failed"
ok "'-machine help' fails: no version, no property present, $(count_state "$tmp/p.json" unknown qemu.prop.) properties unknown with the reason"

# ---- a failed probe, then a good one: the second is used whole ------------------
sed "s|<emulator>.*</emulator>|<emulator>$wrapper</emulator>|" "$pin/bridge.in.xml" >"$tmp/unpinned.xml"
"$ABIPIN" -q pin --no-cache "$tmp/unpinned.xml" >"$tmp/pinned.xml" || fail "pin for this host"
rm -f "$runs"
ABIPIN_TEST_FAIL_AT=2 "$ABIPIN" check --no-cache "$tmp/pinned.xml" >"$tmp/out" 2>&1 ||
    { cat "$tmp/out"; fail "check refused a domain pinned here after one failed emulator run"; }
# ...and one paused QEMU that measures the machine type's defaults
[ "$(cat "$runs")" = 6 ] ||
    fail "check ran the emulator $(cat "$runs") times, expected 2 + 3 + 1 (a failed probe, a good one, the machine type measured)"
ok "one failed '-device help', then a good probe: the domain pinned here passes check"

# ---- a failed probe is not cached -----------------------------------------------
ABIPIN_CACHE_DIR="$tmp/cache"
export ABIPIN_CACHE_DIR
rm -f "$runs"
ABIPIN_TEST_FAIL_AT=2 "$ABIPIN" probe --json --emulator "$wrapper" >"$tmp/p1.json" || fail "probe 1"
[ "$(emulator_of "$tmp/p1.json")" = null ] || fail "probe 1 has emulator facts although '-device help' failed"
[ -z "$(ls -A "$tmp/cache" 2>/dev/null)" ] || fail "a probe whose emulator failed was cached: $(ls -A "$tmp/cache")"
ABIPIN_TEST_FAIL_AT=2 "$ABIPIN" probe --json --emulator "$wrapper" >"$tmp/p2.json" || fail "probe 2"
version=$(emulator_of "$tmp/p2.json")
[ "$version" != null ] || fail "probe 2 has no emulator facts: the failure of probe 1 stuck"
[ "$(count_state "$tmp/p2.json" present qemu.prop.)" -gt 10 ] || fail "probe 2 lists no properties"
ls "$tmp"/cache/host-*.profile >/dev/null 2>&1 || fail "the good probe was not cached"
"$ABIPIN" probe --json --emulator "$wrapper" >"$tmp/p3.json" || fail "probe 3"
[ "$(cat "$runs")" = 5 ] || fail "probe 3 ran the emulator (runs: $(cat "$runs")), expected the cache"
cmp -s "$tmp/p2.json" "$tmp/p3.json" || fail "the cached profile differs from the probe that wrote it"
unset ABIPIN_CACHE_DIR
ok "a failed emulator run is not cached; the next probe asks QEMU $version again and caches that"

# ---- the emulator is being written (ETXTBSY): waited for ------------------------
if command -v strace >/dev/null; then
    # The emulator stays open for writing until the probe has met ETXTBSY
    # (strace shows it), then is released: the probe must wait, not give up.
    rm -f "$runs"
    sleep 60 3>>"$wrapper" &
    holder=$!
    while [ ! -e "/proc/$holder/fd/3" ]; do sleep 0.01; done
    # LeakSanitizer cannot run under ptrace (an --enable-sanitizers build)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -e trace=execve -e signal=none -o "$tmp/strace.log" \
        "$ABIPIN" probe --no-cache --json --emulator "$wrapper" >"$tmp/p.json" &
    prober=$!
    i=0
    until grep -q ETXTBSY "$tmp/strace.log" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 1000 ] || { kill $holder; fail "the probe never met ETXTBSY in 10 s"; }
        sleep 0.01
    done
    kill $holder
    wait $prober || fail "probe while the emulator was open for writing"
    busy=$(grep -c "ETXTBSY" "$tmp/strace.log")
    [ "$(emulator_of "$tmp/p.json")" = "$version" ] || fail "probe while busy: emulator $(emulator_of "$tmp/p.json"), expected $version"
    ok "the emulator open for writing: $busy spawns met ETXTBSY, then QEMU $version was probed"
else
    echo "# strace is not installed: the ETXTBSY case is not run (tools/quickstart installs it)"
fi
echo "$pass_count passed, 0 failed"
