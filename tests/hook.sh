#!/bin/sh
# The libvirt hook without a daemon: libvirt's calling convention (NAME OP
# SUBOP EXTRA, XML on stdin), /etc/abipin.conf settings, and safety.
. "$abs_top_srcdir/tests/lib.sh"
pin="$abs_top_srcdir/tests/data/pin"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml"
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_HOST_PROFILE ABIPIN_CONF
pinned="$pin/bridge.out.xml"
# the same pin, on a host that lacks USO (as a Linux < 6.2 kernel does)
sed 's/<atom name="tap.uso\([46]\)"\/>/<atom name="tap.uso\1" state="absent" reason="TUNSETOFFLOAD: Invalid argument"\/>/' \
    "$pin/platforms/qemu-10.0.xml" >"$tmp/nouso.xml"
grep -q 'tap.uso4" state="absent"' "$tmp/nouso.xml" || fail "could not make the no-USO profile"

hook() { # hook OP SUBOP < XML
    "$ABIPIN" hook vm1 "$1" "$2" - >"$tmp/out" 2>"$tmp/err"
}

for op in prepare migrate restore; do
    hook $op begin <"$pinned" || { cat "$tmp/err"; fail "$op begin refused on a host that honours the pins"; }
    [ ! -s "$tmp/out" ] || fail "$op begin wrote to stdout (libvirt would take it as new XML)"
    ok "$op begin: allowed, stdout empty"
done

# abipin-hook's own libxml2 loads ICU only for an encoding iconv does not
# know (src/cli/hook-icu.c): such a document is read as before, and an
# encoding nobody knows is refused as before
{ echo '<?xml version="1.0" encoding="ibm-1208"?>'; cat "$pinned"; } >"$tmp/icu.xml"
"$abs_top_builddir/abipin-hook" vm1 prepare begin - <"$tmp/icu.xml" 2>"$tmp/err" ||
    { cat "$tmp/err"; fail "abipin-hook refused a domain in ICU's ibm-1208 (UTF-8)"; }
{ echo '<?xml version="1.0" encoding="x-no-such-encoding"?>'; cat "$pinned"; } >"$tmp/bogus.xml"
"$abs_top_builddir/abipin-hook" vm1 prepare begin - <"$tmp/bogus.xml" 2>"$tmp/err"
[ $? = 2 ] && grep -q "Unsupported encoding x-no-such-encoding" "$tmp/err" ||
    { cat "$tmp/err"; fail "abipin-hook: an unknown encoding is not an input error"; }
ok "abipin-hook reads an encoding only ICU knows, refuses an unknown one"

echo "host_profile = $tmp/nouso.xml" >"$ABIPIN_CONF"
for op in prepare migrate restore; do
    hook $op begin <"$pinned" && fail "$op begin allowed on a host without USO"
    grep -q "host_uso is pinned on, but the platform 'testhost' lacks tap.uso4" "$tmp/err" || { cat "$tmp/err"; fail "$op: no reason"; }
    [ ! -s "$tmp/out" ] || fail "$op begin wrote to stdout"
    ok "$op begin: refused with the reason on a host without USO"
done
hook migrate begin <"$pinned"
grep -q "refusing the incoming migration of 'vm1': this host ('testhost') cannot honour" "$tmp/err" ||
    { cat "$tmp/err"; fail "migrate: the refusal does not say what it refuses"; }

printf 'host_profile = %s\nmode = warn\n' "$tmp/nouso.xml" >"$ABIPIN_CONF"
hook prepare begin <"$pinned" || fail "mode = warn refused"
grep -q "would be refused" "$tmp/err" || fail "mode = warn: no warning"
ok "mode = warn: allowed with a warning"

# unpinned domains: warn (default), refuse, ignore
: >"$ABIPIN_CONF"
hook prepare begin <"$pin/bridge.in.xml" || fail "unpinned refused by default"
grep -q "has no abipin pins" "$tmp/err" || fail "unpinned: no warning"
echo "unpinned = refuse" >"$ABIPIN_CONF"
hook prepare begin <"$pin/bridge.in.xml" && fail "unpinned = refuse allowed it"
grep -q "unpinned = refuse" "$tmp/err" || fail "unpinned = refuse: no reason"
echo "unpinned = ignore" >"$ABIPIN_CONF"
hook prepare begin <"$pin/bridge.in.xml" || fail "unpinned = ignore refused"
[ ! -s "$tmp/err" ] || fail "unpinned = ignore said something"
ok "unpinned = warn | refuse | ignore"

# a broken configuration refuses guarded operations (a typo must not open the gate)
echo "unpined = refuse" >"$ABIPIN_CONF"
hook prepare begin <"$pinned" && fail "a bad config allowed a start"
grep -q "unknown setting 'unpined'" "$tmp/err" || fail "bad config: no message"
ok "a bad /etc/abipin.conf refuses with its line"

# never fails where it must not: reconnect, other operations, garbage
for args in "reconnect begin" "started begin" "stopped end" "release end" "frobnicate x" "migrate end"; do
    # shellcheck disable=SC2086
    printf 'garbage' | "$ABIPIN" hook vm1 $args - >"$tmp/out" 2>&1 || fail "hook $args failed"
    [ ! -s "$tmp/out" ] || fail "hook $args printed something"
done
"$ABIPIN" hook >/dev/null 2>&1 || fail "hook without arguments failed"
ok "reconnect, other operations and garbage: exit 0, silent"
: >"$ABIPIN_CONF"
printf '<domain' | "$ABIPIN" hook vm1 prepare begin - >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "malformed XML on a guarded operation should exit 2"
ok "malformed XML on prepare: exit 2"
"$ABIPIN" hook vm1 prepare begin - </dev/zero >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && grep -q "'<stdin>' is larger than" "$tmp/err" || { cat "$tmp/err"; fail "endless stdin: no message naming <stdin>"; }
ok "endless stdin on prepare: exit 2, the message names <stdin>"
echo "$pass_count passed, 0 failed"
