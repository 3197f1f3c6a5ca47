#!/bin/sh
# The measured named platforms, measured again: boot the cloud kernel of each
# Debian release (tools/platform-from-kernel: busybox initramfs with abipin
# and the tun/macvtap/vhost-net modules, QEMU TCG, `abipin probe` inside) and
# compare the platform it writes with the one shipped in data/platforms, atom
# for atom (name and state; the reasons are the kernel's words and may
# change with abipin's). Also shows which vhost bits >= 64 the probe reads
# through VHOST_GET_FEATURES_ARRAY in each guest: none before Linux 6.17,
# some from it on.
#
# Kernels: ${ABIPIN_KERNEL_CACHE:-/var/cache/abipin-test}/kernel-SUITE, which
# tools/quickstart fills (tools/fetch-kernel); a suite not there is fetched
# now; a suite that cannot be fetched is left out, and the test then ends in
# a skip (77) that names it, after checking the others. Suites:
# ${ABIPIN_PLATFORM_SUITES:-bullseye bookworm trixie unstable} (oldest and
# newest at least). The times go to the log as "figure:" lines.
. "$abs_top_srcdir/tests/lib.sh"
PATH="$PATH:/usr/sbin:/sbin"
export PATH
tool="$abs_top_srcdir/tools/platform-from-kernel"
cache=${ABIPIN_KERNEL_CACHE:-/var/cache/abipin-test}
suites=${ABIPIN_PLATFORM_SUITES:-bullseye bookworm trixie unstable}
export ABIPIN_KERNEL_CACHE="$cache"

for c in cpio xz zstd timeout qemu-system-x86_64; do
    command -v $c >/dev/null 2>&1 || skip "no $c (tools/quickstart installs it)"
done
busybox=$(command -v busybox) || skip "no busybox for the initramfs (apt-get install busybox-static)"
! readelf -l "$busybox" 2>/dev/null | grep -q INTERP ||
    skip "$busybox is linked dynamically; the initramfs needs busybox-static"
[ -x "$ABIPIN" ] || fail "no $ABIPIN (make builds it)"

# atoms FILE: "name state" per kernel atom, sorted
atoms() {
    sed -n 's/^ *<atom name="\([^"]*\)"\( state="\([a-z]*\)"\)\{0,1\}.*/\1 \3/p' "$1" |
        awk '{ print $1, ($2 == "" ? "present" : $2) }' | LC_ALL=C sort
}

# the kernels first: fetch what is missing, skip only if none can be had
have=
missing=
for s in $suites; do
    k="$cache/kernel-$s"
    if ! { [ -s "$k/vmlinuz" ] && [ -s "$k/VERSIONS" ] && [ -d "$(cat "$k/moddir" 2>/dev/null)" ]; }; then
        mkdir -p "$cache" 2>/dev/null
        "$abs_top_srcdir/tools/fetch-kernel" --suite "$s" "$k" >"$tmp/fetch-$s.log" 2>&1 || {
            tail -n 5 "$tmp/fetch-$s.log" >&2
            echo "cannot fetch the cloud kernel of $s (no network, or no Debian archive in apt's sources)" >&2
            missing="$missing $s"
            continue
        }
    fi
    have="$have $s"
done
[ -n "$have" ] || skip "no Debian cloud kernel could be fetched for: $suites (tools/quickstart fetches them into $cache)"

total0=$(date +%s)
for s in $have; do
    t0=$(date +%s)
    mkdir -p "$tmp/$s"
    "$tool" --no-fetch --log "$tmp/$s" "$s" "$tmp/$s/platform.xml" 2>"$tmp/$s/err" || {
        cat "$tmp/$s/err" >&2
        tail -n 20 "$tmp/$s/$s.console" >&2 2>/dev/null
        fail "$s: tools/platform-from-kernel"
    }
    t1=$(date +%s)
    name=$(sed -n 's/^<platform name="\([^"]*\)">.*/\1/p' "$tmp/$s/platform.xml")
    shipped="$abs_top_srcdir/data/platforms/$name.xml"
    pkg=$(head -n 1 "$cache/kernel-$s/VERSIONS")
    if [ -f "$shipped" ]; then
        grep -q "Written by tools/platform-from-kernel $s:" "$shipped" ||
            fail "data/platforms/$name.xml was not measured on $s"
    else
        # Debian moved on (unstable's kernel is newer than any platform):
        # the newest shipped platform below it must still describe it, or
        # the new kernel brought a capability and needs a platform of its own
        older=$(ls "$abs_top_srcdir"/data/platforms/linux-*.xml | sed 's|.*/||; s|\.xml$||' |
            { cat; echo "$name"; } | sort -V | sed -n "/^$name\$/{x;p;q};h")
        [ -n "$older" ] || fail "$s ($pkg) is $name, older than every shipped platform"
        echo "note: $s ($pkg) is $name, which data/platforms lacks: compared with $older" \
            "(tools/platform-from-kernel $s data/platforms/$name.xml writes its own)"
        shipped="$abs_top_srcdir/data/platforms/$older.xml"
    fi
    atoms "$tmp/$s/platform.xml" >"$tmp/$s/measured"
    atoms "$shipped" >"$tmp/$s/shipped"
    [ -s "$tmp/$s/measured" ] || fail "$s: no atom measured"
    if ! diff -u "$tmp/$s/shipped" "$tmp/$s/measured" >"$tmp/$s/diff"; then
        cat "$tmp/$s/diff" >&2
        fail "$s ($pkg): the kernel differs from data/platforms/$name.xml (above: - shipped, + measured)"
    fi
    ok "$s: $pkg booted, $name measured: $(wc -l <"$tmp/$s/measured") atoms equal data/platforms/$name.xml ($((t1 - t0)) s)"
    echo "figure: boot-and-probe-$s = $((t1 - t0)) s"

    # vhost bits >= 64, as the guest's own probe read them
    hi=$(sed -n 's/.*<atom name="vhost\.bit\.\([0-9]*\)"\/>.*/\1/p' "$tmp/$s/$s.probe.xml" |
        awk '$1 >= 64' | sort -n | tr '\n' ' ' | sed 's/ $//')
    grep -q '<atom name="vhost.net"/>' "$tmp/$s/$s.probe.xml" || fail "$s: vhost-net not usable in the guest"
    major_minor=${name#linux-}
    case $major_minor in
    [0-5].* | 6.[0-9] | 6.1[0-6])
        [ -z "$hi" ] || fail "$s: Linux $major_minor cannot offer vhost bits >= 64, yet the probe read $hi"
        ok "$s: no vhost bit >= 64 in the guest (VHOST_GET_FEATURES_ARRAY is Linux >= 6.17)"
        ;;
    *)
        [ -n "$hi" ] ||
            fail "$s: Linux $major_minor has VHOST_GET_FEATURES_ARRAY, but the probe read no vhost bit >= 64"
        for b in $hi; do
            grep -q "<atom name=\"vhost.bit.$b\"/>" "$shipped" || fail "$s: vhost bit $b is not in $name"
        done
        ok "$s: vhost bits >= 64 read in the guest through VHOST_GET_FEATURES_ARRAY: $hi"
        ;;
    esac
done
echo "figure: platform-kernels-total = $(($(date +%s) - total0)) s"
[ -z "$missing" ] ||
    skip "checked:$have; the cloud kernel of$missing could not be fetched (tools/quickstart fetches them into $cache)"
