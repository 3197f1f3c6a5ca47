#!/bin/sh
# Privilege. An unprivileged probe (a plain user, and "root" in a user
# namespace) never reports an atom present, or absent, where root's probe
# says otherwise: what it cannot ask is unknown, with the reason, and a
# check or the hook then refuses instead of guessing. The probe cache only
# trusts files its own user wrote: another user's file, even under the
# right name, is ignored. Writes do not follow a symbolic link that
# another user planted (the kernel's protected_symlinks rule, which
# realpath() would bypass).
. "$abs_top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to compare with an unprivileged user"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
[ -e /dev/net/tun ] || skip "no /dev/net/tun"
pin="$abs_top_srcdir/tests/data/pin"
shim=${ABIPIN_TUNSHIM:-$abs_top_builddir/tests/shim/.libs/libtunshim.so}
[ -f "$shim" ] || fail "no tun shim at $shim"
chmod 755 "$tmp"
nobody() { # nobody COMMAND...: run as uid/gid 65534 without capabilities
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
        env ABIPIN_DATADIR="$ABIPIN_DATADIR" ABIPIN_SCHEMADIR="$ABIPIN_SCHEMADIR" \
        ABIPIN_CACHE_DIR="${ABIPIN_CACHE_DIR:-}" "$@"
}
states() { # states JSON: "ATOM STATE" lines of a probe --json
    python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["atoms"]
for n in a["present"]:
    print(n, "present")
for s in ("absent", "unknown"):
    for x in a[s]:
        print(x["name"], s, "reason" if x.get("reason") else "no-reason")' "$1" | sort
}

# ---- an unprivileged probe answers only what it could ask ------------------------
"$ABIPIN" probe --no-cache --json >"$tmp/root.json" || fail "root probe"
nobody "$ABIPIN" probe --no-cache --json >"$tmp/user.json" 2>"$tmp/err" || { cat "$tmp/err"; fail "unprivileged probe"; }
contexts="user"
if nobody unshare -rn true 2>/dev/null; then
    nobody unshare -rn "$ABIPIN" probe --no-cache --json >"$tmp/userns.json" || fail "probe as root of a user namespace"
    contexts="$contexts userns"
else
    echo "note: unprivileged user namespaces are off here: that context is not probed"
fi
states "$tmp/root.json" >"$tmp/root.states"
for c in $contexts; do
    states "$tmp/$c.json" >"$tmp/$c.states"
    atoms=0 unknown=0
    while read -r atom state reason; do
        atoms=$((atoms + 1))
        want=$(awk -v a="$atom" '$1 == a { print $2 }' "$tmp/root.states")
        case $state in
        present | absent) [ "$state" = "$want" ] || fail "$c: $atom is $state, root's probe says ${want:-nothing}" ;;
        unknown) unknown=$((unknown + 1)); [ "$reason" = reason ] || fail "$c: $atom is unknown without a reason" ;;
        esac
    done <"$tmp/$c.states"
    [ "$atoms" = "$(wc -l <"$tmp/root.states")" ] || fail "$c: $atoms atoms, root has $(wc -l <"$tmp/root.states")"
    for atom in tap.vnet_hdr tap.uso4 macvtap.vnet_hdr; do
        grep -q "^$atom unknown" "$tmp/$c.states" || fail "$c: $atom is not unknown"
    done
    ok "$c: $atoms atoms, $unknown unknown with a reason, none present or absent unlike root's"
done
# and with USO rejected by the shim: absent for root, still unknown, not absent, for the user
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso "$ABIPIN" probe --no-cache --json >"$tmp/root-nouso.json" || fail "root probe, shim"
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso nobody "$ABIPIN" probe --no-cache --json >"$tmp/user-nouso.json" || fail "user probe, shim"
states "$tmp/root-nouso.json" | grep -q "^tap.uso4 absent" || fail "root under the shim: tap.uso4 is not absent"
states "$tmp/user-nouso.json" | grep -q "^tap.uso4 unknown" || fail "user under the shim: tap.uso4 is not unknown"
ok "under the USO-rejecting shim: absent for root, unknown for the user"

# a check or the hook as that user refuses what it cannot know
"$ABIPIN" -q pin --no-cache "$pin/bridge.in.xml" >"$tmp/pinned.xml" || fail "pin for this host"
"$ABIPIN" -q check --no-cache "$tmp/pinned.xml" >/dev/null || fail "root: check refuses the pin made here"
chmod 644 "$tmp/pinned.xml"
ABIPIN_CACHE_DIR="$tmp/user-cache" nobody "$ABIPIN" check --no-cache "$tmp/pinned.xml" >"$tmp/out" 2>&1
[ $? = 1 ] && grep -q "tap.vnet_hdr is unknown" "$tmp/out" || { cat "$tmp/out"; fail "an unprivileged check let the pin through"; }
ABIPIN_CACHE_DIR="$tmp/user-cache" nobody "$ABIPIN" hook vm1 prepare begin - <"$tmp/pinned.xml" >"$tmp/out" 2>&1
[ $? = 1 ] || { cat "$tmp/out"; fail "an unprivileged hook let the pin through"; }
ok "an unprivileged check and hook refuse, naming the unknown atom"

# ---- the cache trusts only its own user's files -----------------------------------
ABIPIN_CACHE_DIR="$tmp/cache"
export ABIPIN_CACHE_DIR
mkdir -m 0777 "$ABIPIN_CACHE_DIR" # a shared directory, not sticky
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso "$ABIPIN" probe --json >"$tmp/first.json" || fail "probe to fill the cache"
entry=$(ls "$ABIPIN_CACHE_DIR"/host-*.xml) || fail "no cache entry written"
[ "$(stat -c '%U %a' "$entry")" = "root 644" ] || fail "the cache entry is $(stat -c '%U %a' "$entry")"
# another user forges the entry: the same name, USO present
sed 's|<atom name="tap.uso4" state="absent"[^>]*>|<atom name="tap.uso4"/>|' "$entry" >"$tmp/forged.xml"
grep -q '<atom name="tap.uso4"/>' "$tmp/forged.xml" || fail "could not forge the cache entry"
chmod 644 "$tmp/forged.xml"
nobody sh -c "cp '$tmp/forged.xml' '$ABIPIN_CACHE_DIR/forged' && mv -f '$ABIPIN_CACHE_DIR/forged' '$entry'" ||
    fail "the other user could not replace the entry"
[ "$(stat -c %U "$entry")" = nobody ] || fail "the entry is not the other user's"
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso "$ABIPIN" probe --json >"$tmp/after.json" || fail "probe after the forgery"
states "$tmp/after.json" | grep -q "^tap.uso4 absent" ||
    fail "a cache entry written by another user was trusted: tap.uso4 is $(states "$tmp/after.json" | awk '$1 == "tap.uso4" { print $2 }')"
[ "$(stat -c %U "$entry")" = root ] || fail "the forged entry was not replaced"
# a group- or world-writable entry of our own is not trusted either
cp "$tmp/forged.xml" "$entry" && chmod 666 "$entry"
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso "$ABIPIN" probe --json >"$tmp/after.json" || fail "probe, writable entry"
states "$tmp/after.json" | grep -q "^tap.uso4 absent" || fail "a world-writable cache entry was trusted"
# the other user neither reads root's entry (uid in the key) nor can write there
nobody "$ABIPIN" probe --json >"$tmp/user2.json" || fail "probe as another user with a shared cache"
states "$tmp/user2.json" | grep -q "^tap.vnet_hdr unknown" || fail "the other user got root's cached answers"
ok "the cache: another user's entry, and a writable one, are ignored and replaced; users do not share entries"
unset ABIPIN_CACHE_DIR

# ---- writes do not follow a link another user planted ------------------------------
shared="$tmp/shared"
mkdir -m 1777 "$shared"
cp "$pin/bridge.in.xml" "$tmp/precious.xml"
nobody ln -s "$tmp/precious.xml" "$shared/out.xml" || fail "the other user could not plant a link"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml" "$ABIPIN" -q pin "$pin/bridge.in.xml" -o "$shared/out.xml" >"$tmp/out" 2>"$tmp/err"
[ $? = 3 ] && grep -q "out.xml" "$tmp/err" || { cat "$tmp/err"; fail "-o followed a link another user planted"; }
cmp -s "$pin/bridge.in.xml" "$tmp/precious.xml" || fail "the file behind the planted link was replaced"
[ -L "$shared/out.xml" ] || fail "the planted link was replaced"
# a link of one's own, or of the directory's owner, is followed
ln -s "$tmp/precious.xml" "$tmp/mine.xml"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml" "$ABIPIN" -q pin --in-place "$tmp/mine.xml" ||
    fail "--in-place through one's own link"
[ -L "$tmp/mine.xml" ] && ! cmp -s "$pin/bridge.in.xml" "$tmp/precious.xml" || fail "one's own link was not followed"
ok "-o through a link another user planted in a sticky directory: refused, nothing written; one's own link is followed"

echo "$pass_count passed, 0 failed"
