#!/bin/bash
# Translations: po/abipin.pot follows the sources, po/de.po translates all of
# it, a refused check speaks German under LANGUAGE=de, and data (XML, JSON,
# the profiles a probe writes) is byte for byte the same in every locale.
. "$abs_top_srcdir/tests/lib.sh"
po="$abs_top_srcdir/po"
pin="$abs_top_srcdir/tests/data/pin"
cmd="$abs_top_srcdir/tests/data/cmd"
for tool in xgettext msgmerge msgattrib msgfmt msgcat; do
    command -v $tool >/dev/null || skip "no $tool (gettext)"
done

# every source with messages is in POTFILES.in, every listed file exists
cd "$abs_top_srcdir" || fail "no source tree"
grep -lE '\<(N?_|P_)\("' src/*.c src/*/*.c src/*/*.h | sort >"$tmp/with-messages"
grep -vE '^(#|$)' po/POTFILES.in | sort >"$tmp/listed"
missing=$(comm -23 "$tmp/with-messages" "$tmp/listed")
[ -z "$missing" ] || fail "messages in files not in po/POTFILES.in: $missing"
for f in $(cat "$tmp/listed"); do [ -f "$f" ] || fail "po/POTFILES.in lists a missing $f"; done
ok "po/POTFILES.in lists the $(grep -c . "$tmp/with-messages") sources with messages"

# the build's po/abipin.pot has exactly the messages of the sources
[ -f "$po/abipin.pot" ] || fail "the build made no po/abipin.pot"
opts=$(sed -n 's/^XGETTEXT_OPTIONS *= *//p' po/Makevars)
# shellcheck disable=SC2086
xgettext --directory="$abs_top_srcdir" --files-from=po/POTFILES.in $opts -o "$tmp/fresh.pot" ||
    fail "xgettext failed"
ids() { msgcat --no-location --no-wrap --sort-output "$1" | grep -E '^msgid(_plural)? ' ; }
ids "$tmp/fresh.pot" >"$tmp/fresh"
ids "$po/abipin.pot" >"$tmp/built"
[ "$(grep -c . "$tmp/fresh")" -gt 100 ] || fail "xgettext found only $(grep -c . "$tmp/fresh") messages"
cmp -s "$tmp/fresh" "$tmp/built" || { diff -u "$tmp/built" "$tmp/fresh" >&2; fail "po/abipin.pot is stale"; }
grep -q '^msgid_plural ' "$tmp/built" || fail "no plural messages (P_) in the catalogue"
ok "po/abipin.pot is current ($(grep -c '^msgid ' "$tmp/built") messages)"

# de.po: every message translated, none fuzzy, formats consistent
msgmerge --quiet --no-fuzzy-matching -o "$tmp/de.po" "$po/de.po" "$po/abipin.pot" || fail "msgmerge failed"
msgfmt --check --check-format -o /dev/null "$tmp/de.po" || fail "de.po: msgfmt --check failed"
untranslated=$(msgattrib --untranslated --no-obsolete "$tmp/de.po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$tmp/de.po" | grep -c '^msgid ' || true)
# the header is one "msgid" of each
[ "$untranslated" -le 1 ] && [ "$fuzzy" -le 1 ] ||
    { msgattrib --untranslated --no-obsolete "$tmp/de.po" >&2; fail "de.po: $((untranslated - 1)) untranslated, $((fuzzy - 1)) fuzzy"; }
ok "de.po translates every message"

# a catalogue tree for the uninstalled binary: the de.gmo the build made
[ -f "$po/de.gmo" ] || fail "the build made no po/de.gmo"
mkdir -p "$tmp/locale/de/LC_MESSAGES"
cp "$po/de.gmo" "$tmp/locale/de/LC_MESSAGES/abipin.mo"
export ABIPIN_LOCALEDIR="$tmp/locale"
utf8=$(locale -a 2>/dev/null | grep -ixE 'c\.utf-?8|de_de\.utf-?8' | head -n 1)
[ -n "$utf8" ] || skip "no C.UTF-8 or de_DE.UTF-8 locale (locale -a)"
de() { LANGUAGE=de LC_ALL=$utf8 LANG=$utf8 "$@"; }
c() { LANGUAGE= LC_ALL=C LANG=C "$@"; }

export ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml"
"$ABIPIN" -q pin "$pin/bridge.in.xml" >"$tmp/p612.xml" || fail "pin for the host"

# a refused check, in German
de "$ABIPIN" check --platform linux-5.14 "$tmp/p612.xml" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "German check: exit is not 1"
grep -qE "^   vm1: Prüfe Schnittstelle ua-net-525400000001 \(52:54:00:00:00:01\) +: FEHLER \(host_uso ist auf on festgelegt, aber für die Plattform 'linux-5.14' gilt: tap.uso4 fehlt \(kein TUN_F_USO4 auf tun" "$tmp/out" ||
    { cat "$tmp/out" >&2; fail "check under LANGUAGE=de is not German"; }
[ "$(grep -c ': FEHLER (' "$tmp/out")" = 4 ] || fail "German check: not four failures"
c "$ABIPIN" check --platform linux-5.14 "$tmp/p612.xml" >"$tmp/out.c" 2>&1
grep -q ': FAIL (host_uso is pinned on' "$tmp/out.c" || fail "check under LC_ALL=C is not English"
ok "a refused check speaks German under LANGUAGE=de, English under C"

de "$ABIPIN" check --frob "$tmp/p612.xml" >"$tmp/out" 2>"$tmp/err"
grep -q "(siehe 'abipin check --help')" "$tmp/err" || { cat "$tmp/err" >&2; fail "usage error not German"; }
de "$ABIPIN" check --help >"$tmp/out"
grep -q '^Aufruf: abipin check' "$tmp/out" && grep -q '^Optionen:' "$tmp/out" &&
    grep -qE '^  -h, --help +diese Hilfe' "$tmp/out" || fail "check --help not German"
: >"$tmp/empty.conf"
ABIPIN_CONF="$tmp/empty.conf" de "$ABIPIN" hook vm1 prepare begin - <"$pin/bridge.in.xml" >"$tmp/out" 2>"$tmp/err"
grep -q "^abipin: Warnung: " "$tmp/err" || { cat "$tmp/err" >&2; fail "the hook's warning not German"; }
de "$ABIPIN" -q compare linux-6.12 --against linux-5.14 >"$tmp/out"
grep -qx "linux-5.14 kann linux-6.12 nicht einhalten: 5 Atome fehlen" "$tmp/out" || fail "compare: plural"
# linux-6.12 without tap.ufo: one atom missing
sed 's|<platform name="linux-6.12">|<platform name="noufo">|; s|<atom name="tap.ufo"/>|<atom name="tap.ufo" state="absent"/>|' \
    "$abs_top_srcdir/data/platforms/linux-6.12.xml" >"$tmp/noufo.xml"
de "$ABIPIN" -q compare linux-6.12 --against "$tmp/noufo.xml" >"$tmp/out"
grep -qx "noufo kann linux-6.12 nicht einhalten: 1 Atom fehlt" "$tmp/out" || { cat "$tmp/out" >&2; fail "compare: singular"; }
de "$ABIPIN" audit "$cmd/audit/fleet/unpinned.xml" >"$tmp/out"
grep -qE "^1 Definition geprüft: [0-9]+ Befunde?, 0 nicht lesbar$" "$tmp/out" ||
    { cat "$tmp/out" >&2; fail "audit summary: singular"; }
de "$ABIPIN" audit "$cmd/audit/fleet" >"$tmp/out"
grep -qE "^[0-9]+ Definitionen geprüft: [0-9]+ Befunde, 0 nicht lesbar$" "$tmp/out" ||
    { cat "$tmp/out" >&2; fail "audit summary: plural"; }
ok "usage errors, help, warnings and counts (singular and plural) in German"

# data is never translated: each document, German locale against C
same_data() { # NAME COMMAND...: stdout of both runs, byte for byte
    name=$1
    shift
    c "$@" >"$tmp/data.c" 2>/dev/null
    rc_c=$?
    de "$@" >"$tmp/data.de" 2>/dev/null
    rc_de=$?
    [ "$rc_c" = "$rc_de" ] || fail "$name: exit $rc_c in C, $rc_de in German"
    [ -s "$tmp/data.c" ] || fail "$name: no output"
    cmp -s "$tmp/data.c" "$tmp/data.de" || { diff -u "$tmp/data.c" "$tmp/data.de" >&2; fail "$name: translated"; }
    n_data=$((n_data + 1))
}
n_data=0
same_data "check --json" "$ABIPIN" check --json --platform linux-5.14 "$tmp/p612.xml"
grep -q '"detail": "host_uso is pinned on' "$tmp/data.de" || fail "check --json has no problems to compare"
same_data "check --json (unpinned)" "$ABIPIN" check --json "$pin/bridge.in.xml"
same_data "compare --json" "$ABIPIN" compare --json linux-6.12 --against linux-5.14
same_data "baseline (XML)" "$ABIPIN" baseline linux-6.12 linux-5.14 linux-4.14.0
grep -q 'reason="absent on linux-5.14"' "$tmp/data.de" || fail "the baseline has no reason to compare"
same_data "baseline --json" "$ABIPIN" baseline --json linux-6.12 linux-5.14
# profiles that list different atoms: the baseline's reason for an atom only
# the second has ("only linux-6.12 has it"); the shipped platforms all list
# the same atoms, so the documents above cannot show it
sed 's|<platform name="linux-6.12">|<platform name="fewer">|; \|<atom name="tap.ufo"/>|d' \
    "$abs_top_srcdir/data/platforms/linux-6.12.xml" >"$tmp/fewer.xml"
! grep -q 'name="tap\.ufo"' "$tmp/fewer.xml" || fail "fewer.xml still lists tap.ufo"
for format in "" --json; do
    same_data "baseline $format (different atoms)" "$ABIPIN" baseline $format "$tmp/fewer.xml" linux-6.12
    grep -q 'only linux-6.12 has it' "$tmp/data.de" ||
        { cat "$tmp/data.de" >&2; fail "baseline $format: no reason for an atom only one profile has"; }
done
same_data "pin (XML)" "$ABIPIN" pin --platform linux-5.14 "$pin/bridge.in.xml"
same_data "pin --json" "$ABIPIN" pin --json -o "$tmp/pinned.xml" "$pin/bridge.in.xml"
same_data "abi --json" "$ABIPIN" abi --json --platform linux-5.14 "$tmp/p612.xml"
same_data "diff --json" "$ABIPIN" diff --json --platform-b linux-5.14 "$pin/bridge.in.xml" "$pin/bridge.in.xml"
same_data "platforms --json" "$ABIPIN" platforms --json
same_data "audit --json" "$ABIPIN" audit --json "$cmd/audit/fleet" "$tmp/no-such.xml"
grep -q '"kind": "unreadable"' "$tmp/data.de" || fail "audit --json has no unreadable finding to compare"
unset ABIPIN_HOST_PROFILE
# a real probe, whose reasons (and strerror()) go into the profile: with the
# shim USO is absent ("Invalid argument"), the emulator missing makes the
# qemu atoms unknown, and an unprivileged probe has unknown atoms
[ -f "${ABIPIN_TUNSHIM:-}" ] || fail "no TUNSETOFFLOAD shim (make check builds it)"
for format in "" --json; do
    LD_PRELOAD="$ABIPIN_TUNSHIM" ABIPIN_SHIM_REJECT=uso same_data "probe $format (shim)" "$ABIPIN" \
        probe $format --no-cache --emulator /nonexistent/qemu
    grep -q "no emulator '/nonexistent/qemu' found" "$tmp/data.de" || fail "probe $format: no emulator reason"
done
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$tmp"
    same_data "probe (unprivileged)" setpriv --reuid=65534 --regid=65534 --clear-groups -- \
        "$ABIPIN" probe --no-cache --emulator /nonexistent/qemu
    grep -q 'state="unknown"' "$tmp/data.de" || fail "an unprivileged probe has no unknown atom"
fi
# ...and the German text report of the same probe is German, strerror() too
LD_PRELOAD="$ABIPIN_TUNSHIM" ABIPIN_SHIM_REJECT=uso de "$ABIPIN" probe --text --no-cache \
    --emulator /nonexistent/qemu >"$tmp/out" 2>&1
grep -q ': FEHLER (unbekannt: ' "$tmp/out" || { cat "$tmp/out" >&2; fail "probe --text: no German state word"; }
ok "$n_data documents are the same bytes under LANGUAGE=de and LC_ALL=C"

echo "$pass_count passed, 0 failed"
