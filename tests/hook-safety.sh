#!/bin/sh
# The hook under abuse. (1) Whatever it is given, only the guarded
# operations (prepare, migrate and restore begin) can fail: reconnect and
# every other operation exit 0 at once and print nothing, for every hostile
# input, garbage, a broken abipin.conf, an endless or closed stdin; the
# guarded ones refuse garbage with exit 2 and never print to stdout.
# (2) 64 hooks at a time on this host's real probe (USO rejected by the
# tun shim, as on Linux < 6.2) while another loop deletes the cache and
# changes its key: every decision matches the sequential one, and a reader
# spinning on the cache never finds a partial file.
. "$abs_top_srcdir/tests/lib.sh"
pin="$abs_top_srcdir/tests/data/pin"
hostile="$abs_top_srcdir/tests/data/hostile"
hook_bin="$abs_top_builddir/abipin-hook"
[ -x "$hook_bin" ] || fail "no $hook_bin"
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_CONF

# ---- (1) never fails where it must not ----------------------------------------
: >"$tmp/empty"
head -c 65536 /dev/urandom >"$tmp/random"
printf 'unpinned = maybe\n' >"$tmp/bad.conf"
runs=0 inputs=0
for input in "$hostile"/any/*.xml "$hostile"/domain/*.xml "$pin/bridge.in.xml" "$pin/bridge.out.xml" \
    "$tmp/empty" "$tmp/random"; do
    inputs=$((inputs + 1))
    for prog in "$ABIPIN hook" "$hook_bin"; do
        for args in "reconnect begin" "started begin" "stopped end" "release end" "migrate end" \
            "prepare end" "restore end" "attach begin" "frobnicate now" "prepare" ""; do
            # a broken abipin.conf and host profile: nothing of it may matter here
            # shellcheck disable=SC2086
            ABIPIN_CONF="$tmp/bad.conf" ABIPIN_HOST_PROFILE="$tmp/random" $prog vm1 $args - <"$input" >"$tmp/out" 2>&1 ||
                { cat "$tmp/out"; fail "$prog vm1 $args < $(basename "$input"): exit $?"; }
            [ ! -s "$tmp/out" ] || fail "$prog vm1 $args < $(basename "$input"): printed $(head -c 200 "$tmp/out")"
            runs=$((runs + 1))
        done
    done
done
for prog in "$ABIPIN hook" "$hook_bin"; do
    for stdin in /dev/zero /dev/null; do
        $prog vm1 reconnect begin - <$stdin >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ] || fail "$prog reconnect < $stdin"
    done
    $prog vm1 reconnect begin - <&- >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ] || fail "$prog reconnect, stdin closed"
    $prog >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ] || fail "$prog without arguments"
    runs=$((runs + 4))
done
require_cases "tests/data/hostile/{any,domain}/*.xml and four more" $inputs 84
ok "$inputs inputs x 2 programs x 11 unguarded operations, a broken abipin.conf, odd stdins: $runs runs, each exit 0 and silent"

# the guarded operations: garbage is refused, stdout stays empty
: >"$ABIPIN_CONF"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE
n=0
for input in "$hostile"/any/*.xml "$tmp/empty" "$tmp/random"; do
    for op in prepare migrate restore; do
        for prog in "$ABIPIN hook" "$hook_bin"; do
            $prog vm1 $op begin - <"$input" >"$tmp/out" 2>"$tmp/err"
            rc=$?
            [ $rc = 2 ] || { cat "$tmp/err"; fail "$prog $op begin < $(basename "$input"): exit $rc, expected 2"; }
            [ ! -s "$tmp/out" ] || fail "$prog $op begin < $(basename "$input"): wrote to stdout"
            n=$((n + 1))
        done
    done
done
for op in prepare migrate restore; do
    ABIPIN_CONF="$tmp/bad.conf" "$ABIPIN" hook vm1 $op begin - <"$pin/bridge.out.xml" >"$tmp/out" 2>"$tmp/err"
    [ $? = 2 ] && [ ! -s "$tmp/out" ] && grep -q "unpinned is warn, refuse or ignore" "$tmp/err" ||
        fail "$op begin with a broken abipin.conf: not refused with its reason"
    for prog in "$ABIPIN hook" "$hook_bin"; do
        $prog vm1 $op begin - <"$pin/bridge.out.xml" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "$prog $op begin refused a good domain"; }
        [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "$prog $op begin: output on success"
    done
    n=$((n + 5))
done
ok "guarded operations: $n runs; garbage and a broken abipin.conf exit 2, success is silent, stdout always empty"
runs=$((runs + n))
unset ABIPIN_HOST_PROFILE

# ---- (2) 64 at a time, while the cache is invalidated and rebuilt ---------------
[ "$(id -u)" = 0 ] || skip "the concurrent part probes a real tap: needs root"
[ -e /dev/net/tun ] || skip "no /dev/net/tun"
qemu=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64"
shim=${ABIPIN_TUNSHIM:-$abs_top_builddir/tests/shim/.libs/libtunshim.so}
[ -f "$shim" ] || fail "no tun shim at $shim"
LD_PRELOAD=$shim
ABIPIN_SHIM_REJECT=uso
ABIPIN_CACHE_DIR="$tmp/cache"
export LD_PRELOAD ABIPIN_SHIM_REJECT ABIPIN_CACHE_DIR
# the emulator by a path of our own: touching it changes the cache key
printf '#!/bin/sh\nexec %s "$@"\n' "$qemu" >"$tmp/qemu"
chmod 755 "$tmp/qemu"
sed "s|<emulator>.*</emulator>|<emulator>$tmp/qemu</emulator>|" "$pin/bridge.in.xml" >"$tmp/unpinned.xml"
"$ABIPIN" -q pin --no-cache "$tmp/unpinned.xml" >"$tmp/here.xml" || fail "pin for this host"
"$ABIPIN" -q pin --no-cache --policy compat "$tmp/unpinned.xml" >"$tmp/compat.xml" || fail "pin --policy compat"
"$ABIPIN" -q pin --platform linux-6.12 "$tmp/unpinned.xml" >"$tmp/newer.xml" || fail "pin for linux-6.12"
"$ABIPIN" -q pin --platform linux-5.14 "$tmp/unpinned.xml" >"$tmp/older.xml" || fail "pin for linux-5.14"
printf '<domain' >"$tmp/broken.xml"
# the sequential answers, without any cache
for d in here compat newer older unpinned broken; do
    "$ABIPIN" -q check --no-cache "$tmp/$d.xml" >/dev/null 2>&1
    echo $? >"$tmp/$d.want"
done
[ "$(cat "$tmp/here.want")" = 0 ] && [ "$(cat "$tmp/newer.want")" = 1 ] && [ "$(cat "$tmp/broken.want")" = 2 ] ||
    fail "the sequential answers are not 0 (here), 1 (linux-6.12: no USO here), 2 (broken)"
"$ABIPIN" check --no-cache "$tmp/newer.xml" 2>&1 | grep -q "lacks tap.uso4" ||
    fail "the linux-6.12 pin is not refused for USO under the shim"

invalidate() { # delete the cache or change its key, until $tmp/stop exists
    i=0
    while [ ! -e "$tmp/stop" ]; do
        i=$((i + 1))
        if [ $((i % 2)) = 0 ]; then rm -f "$ABIPIN_CACHE_DIR"/host-*.profile; else touch "$tmp/qemu"; fi
        sleep 0.05
    done
    echo $i >"$tmp/invalidations"
}
read_cache() { # parse every cache file again and again, until $tmp/stop exists
    reads=0 bad=0
    while [ ! -e "$tmp/stop" ]; do
        for f in "$ABIPIN_CACHE_DIR"/host-*.profile; do
            [ -e "$f" ] || continue
            cp "$f" "$tmp/snapshot.profile" 2>/dev/null || continue # deleted meanwhile
            reads=$((reads + 1))
            # abipin's own reader, whole and consistent (a partial entry is
            # refused), then the profile as XML against the schema
            "$ABIPIN" probe --platform "$tmp/snapshot.profile" -o "$tmp/snapshot.xml" 2>/dev/null &&
                xmllint --noout --relaxng "$abs_top_srcdir/xml/platform.rng" "$tmp/snapshot.xml" 2>/dev/null ||
                { bad=$((bad + 1)) && cp "$tmp/snapshot.profile" "$tmp/partial-$bad.profile"; }
        done
    done
    echo "$reads $bad" >"$tmp/reads"
}
invalidate &
inv=$!
read_cache &
rdr=$!
rounds=4
set -- here compat newer older unpinned broken
mkdir "$tmp/rc"
t0=$(date +%s%N)
r=0
while [ $r -lt $rounds ]; do
    i=0
    while [ $i -lt 64 ]; do
        eval "d=\${$((i % 6 + 1))}"
        case $((i % 3)) in 0) op=prepare ;; 1) op=migrate ;; 2) op=restore ;; esac
        prog="$hook_bin"
        [ $((i % 2)) = 0 ] && prog="$ABIPIN hook"
        ($prog "vm$i" $op begin - <"$tmp/$d.xml" >"$tmp/rc/$r-$i.out" 2>"$tmp/rc/$r-$i.err"
            echo "$? $d $op" >"$tmp/rc/$r-$i") &
        i=$((i + 1))
    done
    wait_for=$((r * 64 + 64))
    # wait for this round's 64 (not for the two background loops)
    while [ "$(ls "$tmp/rc" | grep -c -v '\.')" -lt $wait_for ]; do sleep 0.05; done
    r=$((r + 1))
done
ms=$((($(date +%s%N) - t0) / 1000000))
touch "$tmp/stop"
wait $inv $rdr
wrong=0
for f in "$tmp"/rc/*-*; do
    case $f in *.out | *.err) continue ;; esac
    read -r rc d op <"$f"
    [ "$rc" = "$(cat "$tmp/$d.want")" ] || { wrong=$((wrong + 1)); echo "$(basename "$f"): $d $op: exit $rc, expected $(cat "$tmp/$d.want")"; cat "$f.err"; }
    [ ! -s "$f.out" ] || { wrong=$((wrong + 1)); echo "$(basename "$f"): $d $op wrote to stdout"; }
done
[ $wrong = 0 ] || fail "$wrong of $((rounds * 64)) concurrent hook decisions were wrong"
read -r reads bad <"$tmp/reads"
[ "$bad" = 0 ] || fail "$bad of $reads cache reads found a partial or invalid file ($tmp/partial-1.profile)"
[ "$reads" -gt 0 ] || fail "the reader never saw a cache file"
[ -z "$(ls -A "$ABIPIN_CACHE_DIR" | grep -v '^host-[0-9a-f]*\.profile$')" ] ||
    fail "left in the cache directory: $(ls -A "$ABIPIN_CACHE_DIR")"
ok "$rounds rounds of 64 concurrent hooks ($((rounds * 64)) decisions, $ms ms) during $(cat "$tmp/invalidations") cache invalidations: 0 wrong, stdout empty; $reads cache reads, 0 partial; no temporary file left"
runs=$((runs + rounds * 64))
echo "  $runs hook runs, 0 crashes"
echo "$pass_count passed, 0 failed"
