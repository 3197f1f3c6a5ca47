#!/bin/sh
# Writing files when things go wrong. pin --in-place and -o on a full file
# system (a tiny tmpfs), with EIO on every step of the write (the LD_PRELOAD
# shim tests/shim/faultshim.c), killed with SIGKILL just before each step and
# at random moments (200 runs each for --in-place and -o): the target is
# always the old or the new complete file, never partial, and no temporary
# file outlives the next run. Also: modes and owners follow the original, new
# files follow the umask, and devices, FIFOs and symbolic links are written
# through, never replaced by a regular file.
if [ "$(id -u)" = 0 ] && [ -z "${ABIPIN_PRIVATE_MOUNTS:-}" ] && command -v unshare >/dev/null; then
    # tmpfs mounts of our own, gone with this process
    ABIPIN_PRIVATE_MOUNTS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$abs_top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (tmpfs mounts, device nodes, chown)"
[ -n "${ABIPIN_PRIVATE_MOUNTS:-}" ] || skip "unshare (util-linux) is not installed"
shim=${ABIPIN_FAULTSHIM:-$abs_top_builddir/tests/shim/.libs/libfaultshim.so}
[ -f "$shim" ] || fail "no fault shim at $shim (make check builds it)"
pin="$abs_top_srcdir/tests/data/pin"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE
trap 'umount -R "$tmp/fs" "$tmp/small" "$tmp/few" 2>/dev/null; rm -rf "$tmp"' EXIT
old="$pin/bridge.in.xml"
new="$tmp/new.xml"
"$ABIPIN" -q pin "$old" >"$new" || fail "cannot pin $old"
cmp -s "$old" "$new" && fail "pinning changed nothing: no way to tell old from new"

temps() { # temps DIR: how many temporary files abipin left there
    ls -A "$1" | grep -c '\.abipin-'
}
state() { # state FILE: old, new, absent or partial
    if [ ! -e "$1" ]; then echo absent
    elif cmp -s "$1" "$old"; then echo old
    elif cmp -s "$1" "$new"; then echo new
    else echo partial
    fi
}
faulty() { # faulty SPEC COMMAND...: run COMMAND under the shim with ABIPIN_FAULT=SPEC
    spec=$1
    shift
    LD_PRELOAD="$shim" ABIPIN_FAULT="$spec" "$@" >"$tmp/out" 2>"$tmp/err"
}

w="$tmp/fs"
mkdir "$w" && mount -t tmpfs -o size=64m,mode=755 abipin-test "$w" || fail "cannot mount a tmpfs"

# ---- targets that are not plain files ---------------------------------------
mknod "$w/null" c 1 3 || fail "mknod"
expect_exit 0 "-o a character device" -- "$ABIPIN" -q pin "$old" -o "$w/null"
[ -c "$w/null" ] || fail "-o replaced the device node with a $(stat -c %F "$w/null")"
[ "$(temps "$w")" = 0 ] || fail "temporary file left next to the device"
mkfifo "$w/fifo"
cat "$w/fifo" >"$tmp/from-fifo" &
reader=$!
expect_exit 0 "-o a FIFO" -- "$ABIPIN" -q pin "$old" -o "$w/fifo"
wait $reader
[ -p "$w/fifo" ] || fail "-o replaced the FIFO with a $(stat -c %F "$w/fifo")"
cmp -s "$tmp/from-fifo" "$new" || fail "-o FIFO: the reader did not get the pinned XML"
ln -s /proc/self/fd/1 "$w/stdout"
"$ABIPIN" -q pin "$old" -o "$w/stdout" | cat >"$tmp/piped" || fail "-o a link to stdout (a pipe)"
cmp -s "$tmp/piped" "$new" || fail "-o a link to stdout (a pipe): wrong output"
echo first >"$tmp/appended"
"$ABIPIN" -q pin "$old" -o "$w/stdout" >>"$tmp/appended" || fail "-o a link to stdout (appending)"
{ echo first; cat "$new"; } | cmp -s - "$tmp/appended" || fail "-o a link to stdout opened for appending: the earlier content was lost"
[ -L "$w/stdout" ] || fail "-o replaced the symbolic link to stdout"
ok "-o /dev/stdout-like links, pipes, appending: written through, the link kept"
cp "$old" "$w/real.xml"
ln -s real.xml "$w/link.xml"
expect_exit 0 "--in-place through a symbolic link" -- "$ABIPIN" -q pin --in-place "$w/link.xml"
[ -L "$w/link.xml" ] || fail "--in-place replaced the symbolic link by a file"
[ "$(state "$w/real.xml")" = new ] || fail "--in-place did not update the link's target"
mkdir "$w/adir"
expect_exit 3 "-o a directory" -- "$ABIPIN" -q pin "$old" -o "$w/adir"
[ -d "$w/adir" ] && [ -z "$(ls -A "$w/adir")" ] || fail "-o a directory changed it"
[ "$(temps "$w")" = 0 ] || fail "temporary files left: $(ls -A "$w")"

# ---- modes and owners follow the original; new files follow the umask -------
for mode in 600 640 644 664 444 2640; do
    cp "$old" "$w/m.xml"
    chown 65534:65534 "$w/m.xml"
    chmod "$mode" "$w/m.xml"
    "$ABIPIN" -q pin --in-place "$w/m.xml" || fail "--in-place, mode $mode"
    [ "$(stat -c '%a %u:%g' "$w/m.xml")" = "$mode 65534:65534" ] ||
        fail "--in-place on a $mode file of 65534:65534 left $(stat -c '%a %u:%g' "$w/m.xml")"
    [ "$(state "$w/m.xml")" = new ] || fail "--in-place, mode $mode: content"
done
ok "--in-place keeps modes 600 640 644 664 444 2640 and the owner"
cp "$old" "$w/existing.xml"
chown 65534:65534 "$w/existing.xml"
chmod 600 "$w/existing.xml"
"$ABIPIN" -q pin "$old" -o "$w/existing.xml" || fail "-o onto an existing file"
[ "$(stat -c '%a %u:%g' "$w/existing.xml")" = "600 65534:65534" ] ||
    fail "-o onto a 600 file of 65534:65534 left $(stat -c '%a %u:%g' "$w/existing.xml")"
for mask in 022 027 077 002; do
    rm -f "$w/fresh.xml"
    (umask $mask && "$ABIPIN" -q pin "$old" -o "$w/fresh.xml") || fail "-o under umask $mask"
    want=$(printf '%o' $((0666 & ~0$mask)))
    [ "$(stat -c %a "$w/fresh.xml")" = "$want" ] ||
        fail "-o a new file under umask $mask: mode $(stat -c %a "$w/fresh.xml"), expected $want"
done
ok "-o keeps an existing file's mode and owner; a new file follows the umask"
chmod 755 "$tmp"
chmod 1777 "$w"
cp "$old" "$w/theirs.xml"
chown 65534:65534 "$w/theirs.xml"
setpriv --reuid=65534 --regid=65534 --clear-groups env ABIPIN_DATADIR="$ABIPIN_DATADIR" \
    ABIPIN_SCHEMADIR="$ABIPIN_SCHEMADIR" ABIPIN_HOST_PROFILE="$ABIPIN_HOST_PROFILE" \
    "$ABIPIN" -q pin --in-place "$w/theirs.xml" || fail "--in-place as an unprivileged user"
[ "$(stat -c '%u:%g' "$w/theirs.xml")" = 65534:65534 ] && [ "$(state "$w/theirs.xml")" = new ] ||
    fail "--in-place as an unprivileged user"
chmod 755 "$w"
ok "--in-place as an unprivileged user on their own file"

# ---- a full file system: no room for the data, or for one more inode -------
small="$tmp/small"
mkdir "$small" && mount -t tmpfs -o size=128k abipin-small "$small" || fail "cannot mount a tiny tmpfs"
cp "$old" "$small/dom.xml" && cp "$old" "$small/existing.xml" || fail "cp"
dd if=/dev/zero of="$small/fill" bs=4k 2>/dev/null
[ "$(df --output=avail "$small" | tail -1)" -eq 0 ] || fail "could not fill the tmpfs"
expect_exit 3 "pin --in-place on a full file system" -- "$ABIPIN" -q pin --in-place "$small/dom.xml"
grep -q "No space left on device" "$tmp/err" || { cat "$tmp/err"; fail "ENOSPC: no reason given"; }
expect_exit 3 "pin -o (new file) on a full file system" -- "$ABIPIN" -q pin "$old" -o "$small/out.xml"
expect_exit 3 "pin -o (existing file) on a full file system" -- "$ABIPIN" -q pin "$old" -o "$small/existing.xml"
[ "$(state "$small/dom.xml")" = old ] && [ "$(state "$small/existing.xml")" = old ] &&
    [ "$(state "$small/out.xml")" = absent ] || fail "a failed write on a full file system changed a file"
[ "$(temps "$small")" = 0 ] || fail "ENOSPC: temporary files left: $(ls -A "$small")"
rm "$small/fill"
expect_exit 0 "--in-place once there is room again" -- "$ABIPIN" -q pin --in-place "$small/dom.xml"
[ "$(state "$small/dom.xml")" = new ] || fail "--in-place after ENOSPC"
few="$tmp/few"
mkdir "$few" && mount -t tmpfs -o size=1m,nr_inodes=2 abipin-few "$few" || fail "cannot mount a tmpfs with 2 inodes"
cp "$old" "$few/dom.xml" || fail "cp"
expect_exit 3 "pin --in-place with no inode left" -- "$ABIPIN" -q pin --in-place "$few/dom.xml"
[ "$(state "$few/dom.xml")" = old ] && [ "$(temps "$few")" = 0 ] || fail "no inode: the file changed or a temporary file is left"

# ---- EIO (and ENOSPC, EDQUOT) on each step, with and without O_TMPFILE ------
# tmpfile:EOPNOTSUPP: a file system without O_TMPFILE (NFS, old kernels), where
# the temporary file has a name from the start
faults=0
for base in "" "tmpfile:EOPNOTSUPP,"; do
    for spec in tmpfile:EIO create:EIO write:EIO write:ENOSPC write:EDQUOT fsync:EIO link:EIO \
        rename:EIO close:EIO; do
        case "$base$spec" in
        tmpfile:EOPNOTSUPP,tmpfile:* | tmpfile:EOPNOTSUPP,link:*) continue ;; # named from the start
        create:*) continue ;; # O_TMPFILE: nothing is created by name
        esac
        for how in in-place out-new out-old; do
            rm -f "$w/t.xml" "$w/o.xml"
            cp "$old" "$w/t.xml"
            case $how in
            in-place) target="$w/t.xml" want=old ;;
            out-new) target="$w/o.xml" want=absent ;;
            out-old) target="$w/o.xml" want=old && cp "$old" "$target" ;;
            esac
            if [ $how = in-place ]; then
                faulty "$base$spec" "$ABIPIN" -q pin --in-place "$target"
            else
                faulty "$base$spec" "$ABIPIN" -q pin "$old" -o "$target"
            fi
            rc=$?
            faults=$((faults + 1))
            [ $rc = 3 ] || { cat "$tmp/err"; fail "$base$spec, $how: exit $rc, expected 3"; }
            grep -q "^abipin: cannot .*$(basename "$target")" "$tmp/err" || { cat "$tmp/err"; fail "$base$spec, $how: no message naming the file"; }
            [ "$(state "$target")" = $want ] || fail "$base$spec, $how: the target is $(state "$target"), expected $want"
            [ "$(temps "$w")" = 0 ] || fail "$base$spec, $how: temporary files left: $(ls -A "$w")"
        done
    done
    # a failed directory sync comes after the rename: the new file is complete
    cp "$old" "$w/t.xml"
    faulty "${base}dirsync:EIO" "$ABIPIN" -q pin --in-place "$w/t.xml"
    [ $? = 3 ] && grep -q "cannot sync the directory" "$tmp/err" || { cat "$tmp/err"; fail "dirsync:EIO: no error"; }
    [ "$(state "$w/t.xml")" = new ] && [ "$(temps "$w")" = 0 ] || fail "dirsync:EIO: $(state "$w/t.xml")"
    faults=$((faults + 1))
done
ok "$faults injected faults (EIO, ENOSPC, EDQUOT on create, write, fsync, link, rename, close, directory sync): exit 3, the file old or new, nothing left"

# ---- SIGKILL just before each step of the write ------------------------------
# The shim counts the steps that change the file system (create, write, sync,
# link, rename, unlink) and kills the process before step N, for every N.
kills=0
temps_seen=0
kill_each_step() { # kill_each_step LABEL PREP-SPEC TARGET COMMAND...
    label=$1 prep=$2 target=$3
    shift 3
    cp "$old" "$target"
    rm -f "$tmp/trace"
    LD_PRELOAD="$shim" ABIPIN_FAULT="$prep" ABIPIN_FAULT_TRACE="$tmp/trace" "$@" 2>"$tmp/err" >/dev/null ||
        { cat "$tmp/err"; fail "$label: the traced run failed"; }
    steps=$(wc -l <"$tmp/trace")
    [ "$steps" -ge 4 ] || fail "$label: only $steps steps traced: $(cat "$tmp/trace")"
    n=1
    while [ $n -le "$steps" ]; do
        cp "$old" "$target"
        LD_PRELOAD="$shim" ABIPIN_FAULT="$prep" ABIPIN_FAULT_KILL=$n "$@" >/dev/null 2>&1
        rc=$?
        [ $rc = 137 ] || fail "$label: not killed before step $n ($(sed -n ${n}p "$tmp/trace")): exit $rc"
        s=$(state "$target")
        case $s in old | new) ;; *) fail "$label: killed before step $n ($(sed -n ${n}p "$tmp/trace")): the file is $s" ;; esac
        t=$(temps "$(dirname "$target")")
        temps_seen=$((temps_seen + t))
        # the next run, not killed, leaves the new file and nothing else
        LD_PRELOAD="$shim" ABIPIN_FAULT="$prep" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "$label: the run after a kill failed"; }
        [ "$(temps "$(dirname "$target")")" = 0 ] ||
            fail "$label: killed before step $n ($(sed -n ${n}p "$tmp/trace")), a run later temporary files are still there: $(ls -A "$(dirname "$target")")"
        [ "$(state "$target")" = new ] || fail "$label: the run after a kill"
        kills=$((kills + 1))
        n=$((n + 1))
    done
    echo "  $label: $steps steps: $(tr '\n' ' ' <"$tmp/trace")"
}
kill_each_step "--in-place" "" "$w/k.xml" "$ABIPIN" -q pin --in-place "$w/k.xml"
kill_each_step "-o" "" "$w/k.xml" "$ABIPIN" -q pin "$old" -o "$w/k.xml"
kill_each_step "--in-place without O_TMPFILE" "tmpfile:EOPNOTSUPP" "$w/k.xml" "$ABIPIN" -q pin --in-place "$w/k.xml"
ok "killed before each of $kills steps: old or new file every time; $temps_seen temporary names seen right after a kill, each gone after the next run"

# ---- SIGKILL at random moments: 200 runs each, on the real disk --------------
big="$tmp/big.in.xml"
python3 - "$old" "$big" <<'PY' || fail "cannot make a big domain"
import sys
s = open(sys.argv[1]).read()
pad = "".join("  <!-- %06d %s -->\n" % (i, "x" * 60) for i in range(12000))
open(sys.argv[2], "w").write(s.replace("</devices>", "</devices>\n" + pad))
PY
"$ABIPIN" -q pin "$big" >"$tmp/big.new.xml" || fail "cannot pin the big domain"
old=$big new="$tmp/big.new.xml"
d="$tmp/kill"
mkdir "$d"
cp "$old" "$d/dom.xml"
t0=$(date +%s%N)
"$ABIPIN" -q pin --in-place "$d/dom.xml" || fail "pin --in-place of the big domain"
ms=$((($(date +%s%N) - t0) / 1000000 + 1))
seed=${ABIPIN_TEST_SEED:-$(date +%s)}
random_kills() { # random_kills LABEL COMMAND...: 200 runs, each killed after a random delay
    label=$1
    shift
    killed=0 finished=0 olds=0 news=0 stray=0
    awk -v seed="$seed" -v ms="$ms" 'BEGIN { srand(seed); for (i = 0; i < 200; i++) printf "%.4f\n", rand() * ms * 1.2 / 1000 }' >"$tmp/delays"
    while read -r delay; do
        cp "$old" "$d/dom.xml"
        "$@" >/dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        kill -9 $pid 2>/dev/null
        { wait $pid; } 2>/dev/null
        rc=$?
        case $rc in 137) killed=$((killed + 1)) ;; 0) finished=$((finished + 1)) ;; *) fail "$label: exit $rc" ;; esac
        case $(state "$d/dom.xml") in
        old) olds=$((olds + 1)) ;;
        new) news=$((news + 1)) ;;
        *) fail "$label: after a kill at ${delay}s the file is $(state "$d/dom.xml") (seed $seed)" ;;
        esac
        stray=$((stray + $(temps "$d")))
    done <"$tmp/delays"
    "$@" >/dev/null 2>&1 || fail "$label: the final run failed"
    [ "$(temps "$d")" = 0 ] || fail "$label: temporary files left: $(ls -A "$d")"
    [ $killed -gt 0 ] || fail "$label: no run was killed: the delays (up to $ms ms) are too long"
    ok "$label: 200 runs killed at random (seed $seed, 0-$((ms * 12 / 10)) ms): $killed killed, $finished finished; $olds old, $news new, 0 partial; $stray temporary names seen after a kill, 0 left"
}
random_kills "kill -9 pin --in-place" "$ABIPIN" -q pin --in-place "$d/dom.xml"
random_kills "kill -9 pin -o" "$ABIPIN" -q pin "$old" -o "$d/dom.xml"

echo "$pass_count passed, 0 failed"
