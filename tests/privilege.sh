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
# Whether a context can ask the kernel is found out here, never assumed: a
# user namespace that owns its network namespace may create a tap
# (tun_not_capable() asks ns_capable(net->user_ns, CAP_NET_ADMIN)) where
# /dev/net/tun lets its user open it, and machines of one kind differ in
# both (unprivileged user namespaces on or off, the node 0666 or 0600). So
# each context first makes a throw-away tap itself, the way the probe does;
# where it can, its answers must equal root's, and where it cannot, what it
# lacks is unknown with a reason. Root in a user namespace and a user
# namespace without its own network namespace (where the kernel refuses a
# tap: the init namespace's CAP_NET_ADMIN is needed) give both branches on
# every machine where root may make a user namespace.
py=/usr/bin/python3 # not a per-user shim such as pyenv's: uid 65534 runs it too
[ -x "$py" ] || skip "no $py (apt-get install python3)"
tap_answer() { # tap_answer CONTEXT...: "yes", or why CONTEXT cannot create a tap
    "$@" "$py" -c '
import fcntl, os, struct
TUNSETIFF, IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x400454ca, 0x0002, 0x1000, 0x4000
try:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", b"", IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    finally:
        os.close(fd)  # not persistent: the tap goes with the descriptor
    print("yes")
except OSError as e:
    print(e.strerror)' 2>&1 | tail -n 1
}
"$ABIPIN" probe --no-cache --json >"$tmp/root.json" || fail "root probe"
states "$tmp/root.json" >"$tmp/root.states"
[ "$(tap_answer env)" = yes ] || fail "root cannot create a tap here: $(tap_answer env)"
"$ABIPIN" -q pin --no-cache "$pin/bridge.in.xml" >"$tmp/pinned.xml" || fail "pin for this host"
"$ABIPIN" -q check --no-cache "$tmp/pinned.xml" >/dev/null || fail "root: check refuses the pin made here"
chmod 644 "$tmp/pinned.xml"
# name|command prefix; the user namespaces are left out where they cannot be made
contexts="user|nobody"
for ctx in "userns|nobody unshare -rn" "userns-hostnet|nobody unshare -r" \
    "root-userns|unshare -Urn" "root-userns-hostnet|unshare -Ur"; do
    if ${ctx#*|} true 2>/dev/null; then
        contexts="$contexts
$ctx"
    else
        echo "note: ${ctx%%|*}: this machine does not let ${ctx#*|} make a user namespace; not probed"
    fi
done
asked=0 refused=0
while IFS='|' read -r c run; do
    answer=$(tap_answer $run </dev/null)
    if [ "$answer" = yes ]; then
        branch="can create a tap"
        asked=$((asked + 1))
    else
        branch="cannot create a tap ($answer)"
        refused=$((refused + 1))
    fi
    $run "$ABIPIN" probe --no-cache --json </dev/null >"$tmp/$c.json" 2>"$tmp/err" || { cat "$tmp/err"; fail "$c: probe"; }
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
    # under the shim that rejects USO as Linux < 6.2 does
    LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso $run "$ABIPIN" probe --no-cache --json </dev/null >"$tmp/$c-nouso.json" ||
        fail "$c: probe under the shim"
    uso=$(states "$tmp/$c-nouso.json" | awk '$1 == "tap.uso4" { print $2 }')
    ABIPIN_CACHE_DIR="$tmp/cache-$c" $run "$ABIPIN" check --no-cache "$tmp/pinned.xml" </dev/null >"$tmp/check.out" 2>&1
    check=$?
    if [ "$answer" = yes ]; then
        # it asked: every tap atom root knows, it knows alike (the loop above
        # held the values), and the pin made by root passes unless an atom
        # outside tap's (eBPF, macvtap's device node) is unknown there
        awk '$1 ~ /^tap\./ && $2 != "unknown" { print $1 }' "$tmp/root.states" >"$tmp/known"
        [ -s "$tmp/known" ] || fail "root's probe knows no tap atom"
        while read -r atom; do
            grep -q "^$atom unknown" "$tmp/$c.states" && fail "$c: $branch, yet $atom is unknown"
        done <"$tmp/known"
        [ "$uso" = absent ] || fail "$c: $branch, yet under the shim tap.uso4 is ${uso:-missing}, not absent"
        case $check in
        0) ;;
        1) grep -q 'tap\.[a-z0-9_]* is unknown' "$tmp/check.out" && { cat "$tmp/check.out"; fail "$c: check found a tap atom unknown"; }
           grep FAIL "$tmp/check.out" | grep -qv "is unknown" && { cat "$tmp/check.out"; fail "$c: check refused over a known atom"; } ;;
        *) cat "$tmp/check.out"; fail "$c: check exited $check" ;;
        esac
        ok "$c: $branch; $atoms atoms, $(wc -l <"$tmp/known") tap atoms known as root's, $unknown unknown with a reason; USO absent under the shim; check exit $check"
    else
        # it could not ask: what a tap would tell is unknown, never guessed,
        # and a check refuses, naming it
        for atom in tap.vnet_hdr tap.uso4; do
            grep -q "^$atom unknown" "$tmp/$c.states" || fail "$c: $branch, yet $atom is not unknown"
        done
        [ "$uso" = unknown ] || fail "$c: $branch, yet under the shim tap.uso4 is ${uso:-missing}, not unknown"
        [ "$check" = 1 ] && grep -q "tap.vnet_hdr is unknown" "$tmp/check.out" ||
            { cat "$tmp/check.out"; fail "$c: $branch, yet check let the pin through (exit $check)"; }
        ok "$c: $branch; $atoms atoms, $unknown unknown with a reason, none present or absent unlike root's; check refuses"
    fi
done <<EOF
$contexts
EOF
# the plain user never has CAP_NET_ADMIN nor CAP_MKNOD: macvtap too is unknown
grep -q "^macvtap.vnet_hdr unknown" "$tmp/user.states" || fail "user: macvtap.vnet_hdr is not unknown"
[ "$refused" -ge 1 ] || fail "no context here was refused a tap: the plain user should be"
if [ "$asked" -ge 1 ]; then
    ok "both branches seen: $asked context(s) could create a tap, $refused could not"
else
    echo "note: no user namespace could create a tap on this machine: only the refused branch is shown"
fi
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso "$ABIPIN" probe --no-cache --json >"$tmp/root-nouso.json" || fail "root probe, shim"
states "$tmp/root-nouso.json" | grep -q "^tap.uso4 absent" || fail "root under the shim: tap.uso4 is not absent"

# the hook as the plain user refuses what it cannot know, as check did above
ABIPIN_CACHE_DIR="$tmp/user-cache" nobody "$ABIPIN" hook vm1 prepare begin - <"$tmp/pinned.xml" >"$tmp/out" 2>&1
[ $? = 1 ] || { cat "$tmp/out"; fail "an unprivileged hook let the pin through"; }
ok "an unprivileged hook refuses the pin made by root"

# ---- the cache trusts only its own user's files -----------------------------------
ABIPIN_CACHE_DIR="$tmp/cache"
export ABIPIN_CACHE_DIR
mkdir -m 0777 "$ABIPIN_CACHE_DIR" # a shared directory, not sticky
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso "$ABIPIN" probe --json >"$tmp/first.json" || fail "probe to fill the cache"
entry=$(ls "$ABIPIN_CACHE_DIR"/host-*.profile) || fail "no cache entry written"
[ "$(stat -c '%U %a' "$entry")" = "root 644" ] || fail "the cache entry is $(stat -c '%U %a' "$entry")"
# another user forges the entry: the same name, USO present (an entry of a
# probe without the shim: the same key, a whole entry in abipin's form)
ABIPIN_CACHE_DIR="$tmp/forgery" "$ABIPIN" probe --json >/dev/null || fail "probe for the forgery"
cp "$tmp/forgery/${entry##*/}" "$tmp/forged.profile" || fail "the forgery's entry has another name"
"$ABIPIN" probe --platform "$tmp/forged.profile" | grep -q '<atom name="tap.uso4"/>' ||
    fail "could not forge the cache entry: tap.uso4 is not present in it"
chmod 644 "$tmp/forged.profile"
nobody sh -c "cp '$tmp/forged.profile' '$ABIPIN_CACHE_DIR/forged' && mv -f '$ABIPIN_CACHE_DIR/forged' '$entry'" ||
    fail "the other user could not replace the entry"
[ "$(stat -c %U "$entry")" = nobody ] || fail "the entry is not the other user's"
LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=uso "$ABIPIN" probe --json >"$tmp/after.json" || fail "probe after the forgery"
states "$tmp/after.json" | grep -q "^tap.uso4 absent" ||
    fail "a cache entry written by another user was trusted: tap.uso4 is $(states "$tmp/after.json" | awk '$1 == "tap.uso4" { print $2 }')"
[ "$(stat -c %U "$entry")" = root ] || fail "the forged entry was not replaced"
# a group- or world-writable entry of our own is not trusted either
cp "$tmp/forged.profile" "$entry" && chmod 666 "$entry"
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
