#!/bin/sh
# Hostile input through every command that reads a file. Each input must
# give one clear line naming the file, exit 2 (or what NAME.err says), no
# output file, an input that is byte-identical afterwards, and no crash.
#
#   tests/data/hostile/any/NAME.xml     bad as any document: every domain
#                                       command and every profile command
#   tests/data/hostile/domain/NAME.xml  bad as a domain definition
#   tests/data/profile/bad-*.xml        bad as a platform profile
#   NAME.err                            "exit N", then "COMMAND: exit N"
#                                       lines where one command differs,
#                                       then text the message must contain
# Generated here: 100 MB, just over and exactly at the 10 MiB limit, 10,000
# nested elements, 200,000 attributes, 20,000 interfaces (and 1024, which
# must work), 100,000 overrides, a 9 MB attribute value and a 9 MB name, and
# files that are not regular (FIFO, directory, /dev/zero, socket...).
# @CANARY@ in an input is replaced by a local file no command may open.
#
# The whole run happens in a network namespace without any link up
# (unshare -n), under strace: no connect() by abipin, no AF_INET/AF_INET6 socket, and
# the canary is never opened.
if [ -z "${ABIPIN_HOSTILE_INNER:-}" ]; then
    . "$abs_top_srcdir/tests/lib.sh"
    [ "$(id -u)" = 0 ] || skip "needs root for a network namespace (unshare -n)"
    command -v strace >/dev/null || skip "strace is not installed (tools/quickstart installs it)"
    command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
    chmod 755 "$tmp"
    canary_text="abipin-canary-$$-must-never-be-read"
    echo "$canary_text" >"$tmp/canary"
    # LeakSanitizer cannot run under ptrace: in a --enable-sanitizers build
    # the traced run keeps ASan and UBSan but not leak checking
    ABIPIN_HOSTILE_INNER=1 ABIPIN_CANARY="$tmp/canary" ABIPIN_CANARY_TEXT="$canary_text" \
        ABIPIN_HOSTILE_COUNT="$tmp/count" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        unshare -n strace -f -qq --seccomp-bpf -e trace=%network,open,openat,execve,clone,clone3,fork,vfork -e signal=none \
        -o "$tmp/strace.log" sh "$0" || fail "the suite failed inside the network namespace"
    pass_count=$(cat "$tmp/count")
    [ -s "$tmp/strace.log" ] || fail "strace logged nothing"
    grep -q 'openat(.*tests/data/hostile' "$tmp/strace.log" || fail "strace did not see the inputs being read"
    # Each call is put down to the program its process last executed, or,
    # for a process that has executed nothing yet, to its parent's: abipin
    # and abipin-hook may make no connect() at all (not even to nscd's
    # socket, which can lead to LDAP), and nobody may open an
    # AF_INET/AF_INET6 socket. The test's own helpers (python3 through
    # pyenv's bash shims, say) may ask NSS for the user when HOME is unset,
    # as in CI, which glibc tries through nscd's or systemd-userdb's AF_UNIX
    # socket first: that, and only that, is allowed to them.
    awk '
        function ours(p) { return p == "" || p ~ /\/(abipin|abipin-hook|lt-abipin|lt-abipin-hook)$/ }
        / execve\("/ { split($0, q, "\""); pending[$1] = q[2] }
        / execve/ && / = 0$/ { prog[$1] = pending[$1] }
        # a child may be logged before the clone() that made it returns: what
        # it has executed by then is its own
        /(clone3?|fork|vfork)(\(| resumed>).* = [0-9]+$/ { if (!seen[$NF]) prog[$NF] = prog[$1]; seen[$1] = 1; next }
        { seen[$1] = 1 }
        /socket\(AF_INET|sendto\(.*sin_|sendmsg\(.*sin_/ { print "(" prog[$1] ") " $0; bad = 1; next }
        /connect\(/ && ours(prog[$1]) { print "(abipin: " prog[$1] ") " $0; bad = 1; next }
        /connect\(/ && !/sa_family=AF_UNIX, sun_path="(\/var)?\/run\/(nscd\/socket|systemd\/userdb\/)/ {
            print "(" prog[$1] ") " $0; bad = 1; next }
        /connect\(/ { others[prog[$1]]++ }
        END { for (p in others) { n = split(p, b, "/"); printf "%s%d by %s", sep, others[p], b[n] >"/dev/stderr"; sep = ", " }
              exit bad }' "$tmp/strace.log" >"$tmp/net" 2>"$tmp/others" || {
        head -5 "$tmp/net"
        fail "a network access was attempted"
    }
    grep -q 'execve(".*/abipin-hook"' "$tmp/strace.log" || fail "strace did not see abipin-hook being executed"
    ok "no connect() by abipin, no AF_INET/AF_INET6 socket in $(wc -l <"$tmp/strace.log") traced calls" \
        "(connect() to NSS by the test's helpers: $(cat "$tmp/others"))"
    if grep -F "$tmp/canary" "$tmp/strace.log" >"$tmp/leak"; then
        head -5 "$tmp/leak"
        fail "the file an external entity names was opened"
    fi
    ok "the file named by the external entities was never opened"
    echo "$pass_count passed, 0 failed"
    exit 0
fi

. "$abs_top_srcdir/tests/lib.sh"
trap 'echo "$pass_count" >"$ABIPIN_HOSTILE_COUNT"; rm -rf "$tmp"' EXIT
[ "$(ip -o link show up 2>/dev/null | wc -l)" = 0 ] || fail "a link is up inside the network namespace"
ok "inside a network namespace with no link up"
data="$abs_top_srcdir/tests/data"
pin="$data/pin"
ABIPIN_HOST_PROFILE="$pin/platforms/qemu-10.0.xml"
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_HOST_PROFILE ABIPIN_CONF
: >"$ABIPIN_CONF"
hook_bin="$abs_top_builddir/abipin-hook"
[ -x "$hook_bin" ] || fail "no $hook_bin"
good="$pin/bridge.in.xml"
pinned="$pin/bridge.out.xml"
canary=$ABIPIN_CANARY_TEXT # not read here: strace would see it opened
mkdir "$tmp/in" "$tmp/dir" "$tmp/outdir"
inputs=0 runs=0

# Expectations of the case being run: its .err file, or set by the caller.
expect_file=
want_exit() { # want_exit COMMAND: the exit code COMMAND must give
    w=$(sed -n "s/^$1: exit //p" "$expect_file" | head -1)
    [ -n "$w" ] && echo "$w" || sed -n '1s/^exit //p' "$expect_file"
}

# run LABEL COMMAND NAME [--stdout-report] -- ARGV...: run ARGV for case
# $case; check the exit code, that no output went to stdout, and that a
# failure is one line naming NAME with every expected fragment
run() {
    label=$1 cmd=$2 name=$3
    shift 3
    report=err
    [ "$1" = --stdout-report ] && report=out && shift
    shift
    "$@" >"$tmp/out" 2>"$tmp/err" <"${stdin:-/dev/null}"
    rc=$?
    runs=$((runs + 1))
    want=$(want_exit "$cmd")
    [ "$rc" -lt 128 ] || { cat "$tmp/err"; fail "$case: $label: killed by signal $((rc - 128))"; }
    [ "$rc" = "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "$case: $label: exit $rc, expected $want"; }
    case $case in *external*) ! grep -qF -- "$canary" "$tmp/out" "$tmp/err" || fail "$case: $label: printed the canary's content" ;; esac
    [ "$want" = 2 ] || return 0
    [ $report = out ] || [ ! -s "$tmp/out" ] || fail "$case: $label: wrote to stdout although it failed"
    # one awk for every check of the message: strace follows each process
    awk -v name="$name" -v expect="$expect_file" '
        NR == FNR { lines++; bytes += length($0) + 1; if (FNR == 1) first = $0; next }
        { text = text $0 "\n" }
        END {
            if (lines != 1) { print "the error is not one line"; exit 1 }
            if (bytes > 1024) { print "the error has " bytes " bytes"; exit 1 }
            if (first !~ /^abipin(-hook)?: /) { print "the error does not start with the program name"; exit 1 }
            if (index(text, name) == 0) { print "the message does not name " name; exit 1 }
            while ((getline line < expect) > 0)
                if (++n > 1 && line !~ /^[a-z-]+: exit / && index(text, line) == 0) {
                    print "the message lacks \047" line "\047"; exit 1
                }
        }' "$tmp/err" "$tmp/$report" >"$tmp/why" ||
        { cat "$tmp/$report"; fail "$case: $label: $(cat "$tmp/why")"; }
}

# as_domain FILE: every command that reads a domain definition
as_domain() {
    f=$1
    rm -f "$tmp/outdir/new.xml"
    cp "$good" "$tmp/outdir/existing.xml"
    run "pin" pin "$f" -- "$ABIPIN" pin "$f"
    run "pin -o" pin "$f" -- "$ABIPIN" pin "$f" -o "$tmp/outdir/new.xml"
    run "pin -o over a file" pin "$f" -- "$ABIPIN" pin "$f" -o "$tmp/outdir/existing.xml"
    if [ -f "$f" ] && [ ! -L "$f" ]; then
        cp "$f" "$tmp/in/copy.xml"
        run "pin --in-place" pin "$tmp/in/copy.xml" -- "$ABIPIN" pin --in-place "$tmp/in/copy.xml"
        cmp -s "$f" "$tmp/in/copy.xml" || [ "$(want_exit pin)" = 0 ] || fail "$case: pin --in-place changed the input"
        [ -z "$(ls -A "$tmp/in" | grep -v '^copy.xml$')" ] || fail "$case: pin --in-place left $(ls -A "$tmp/in")"
    elif [ "${f#"$tmp"/}" != "$f" ]; then # not /dev/*: a bug must not replace a system file
        run "pin --in-place" pin "$f" -- "$ABIPIN" pin --in-place "$f"
    fi
    if [ "$(want_exit pin)" != 0 ]; then
        [ ! -e "$tmp/outdir/new.xml" ] || fail "$case: pin -o wrote an output file"
        cmp -s "$good" "$tmp/outdir/existing.xml" || fail "$case: pin -o changed the existing output file"
        [ "$(ls -A "$tmp/outdir")" = existing.xml ] || fail "$case: pin -o left $(ls -A "$tmp/outdir")"
    fi
    run "check" check "$f" -- "$ABIPIN" check "$f"
    run "abi" abi "$f" -- "$ABIPIN" abi "$f"
    run "diff FILE good" diff "$f" -- "$ABIPIN" diff "$f" "$good"
    run "diff good FILE" diff "$f" -- "$ABIPIN" diff "$good" "$f"
    run "audit" audit "$f" --stdout-report -- "$ABIPIN" audit "$f"
    run "define" define "$f" -- "$ABIPIN" define -c test:///default "$f"
    if [ -f "$f" ]; then
        stdin=$f
        for op in prepare migrate restore; do
            run "hook $op begin" hook "<stdin>" -- "$ABIPIN" hook vm1 $op begin -
        done
        run "abipin-hook prepare begin" hook "<stdin>" -- "$hook_bin" vm1 prepare begin -
        stdin=
    fi
}

# as_profile FILE: every command that reads a platform profile
as_profile() {
    f=$1
    rm -f "$tmp/outdir/new.xml"
    run "compare" compare "$f" -- "$ABIPIN" compare "$f"
    run "compare --against" compare "$f" -- "$ABIPIN" compare linux-6.1 --against "$f"
    run "baseline -o" baseline "$f" -- "$ABIPIN" baseline linux-6.1 "$f" -o "$tmp/outdir/new.xml"
    run "pin --platform" pin "$f" -- "$ABIPIN" pin --platform "$f" "$good" -o "$tmp/outdir/new.xml"
    [ ! -e "$tmp/outdir/new.xml" ] || fail "$case: an output file was written"
    run "check --platform" check "$f" -- "$ABIPIN" check --platform "$f" "$pinned"
    run "abi --platform" abi "$f" -- "$ABIPIN" abi --platform "$f" "$good"
    run "diff --platform-b" diff "$f" -- "$ABIPIN" diff --platform-b "$f" "$good" "$good"
    run "audit --platform" audit-platform "$f" -- "$ABIPIN" audit --platform "$f" "$pinned"
    echo "host_profile = $f" >"$ABIPIN_CONF"
    stdin=$pinned
    run "hook, host_profile in abipin.conf" hook "$f" -- "$ABIPIN" hook vm1 prepare begin -
    stdin=
    : >"$ABIPIN_CONF"
}

# hostile CASE KIND FILE EXPECT: one input through the commands of KIND
hostile() {
    case=$1 kind=$2 f=$3 expect_file=$4
    inputs=$((inputs + 1))
    sum=$( [ -f "$f" ] && md5sum <"$f")
    case $kind in
    any) as_domain "$f" && as_profile "$f" ;;
    domain) as_domain "$f" ;;
    profile) as_profile "$f" ;;
    esac
    [ "$( [ -f "$f" ] && md5sum <"$f")" = "$sum" ] || fail "$case: the input changed"
}

# ---- the hand-written cases ------------------------------------------------
for kind in any domain; do
    n=0
    for src in "$data/hostile/$kind"/*.xml; do
        name=$(basename "$src" .xml)
        [ -f "${src%.xml}.err" ] || fail "$src has no .err"
        if grep -q @CANARY@ "$src"; then
            sed "s|@CANARY@|$ABIPIN_CANARY|g" "$src" >"$tmp/$name.xml"
            src="$tmp/$name.xml"
        fi
        hostile "$kind/$name" $kind "$src" "$data/hostile/$kind/$name.err"
        n=$((n + 1))
    done
    [ $n -ge 15 ] || fail "only $n cases in $data/hostile/$kind"
    ok "$n hand-written inputs bad as $( [ $kind = any ] && echo "any document" || echo "a domain"), through every command"
done
for f in "$data/hostile"/*/*.err; do
    [ -f "${f%.err}.xml" ] || fail "$f has no .xml"
done
n=0
for src in "$data/profile"/bad-*.xml; do
    hostile "profile/$(basename "$src" .xml)" profile "$src" "${src%.xml}.err"
    n=$((n + 1))
done
require_cases "tests/data/profile/bad-*.xml" $n 24
ok "$n bad profiles (tests/data/profile) through every command that reads a profile"

# ---- generated: sizes, depth, counts ------------------------------------------
gen() { # gen NAME KIND "exit N" FRAGMENT...: the case made in $tmp/gen/NAME.xml
    name=$1 kind=$2
    shift 2
    printf '%s\n' "$@" >"$tmp/gen.err"
    hostile "generated/$name" "$kind" "$tmp/gen/$name.xml" "$tmp/gen.err"
}
mkdir "$tmp/gen"
limit=$((10 * 1024 * 1024))
py() { python3 -c "$@"; }
py "import sys; sys.stdout.write(open(sys.argv[1]).read().replace('</domain>', '<!--' + 'x' * (100 * 1024 * 1024) + '--></domain>'))" "$good" >"$tmp/gen/size-100mb.xml"
gen size-100mb any "exit 2" "is larger than $limit bytes"
rm "$tmp/gen/size-100mb.xml"
pad() { # pad SIZE: the good domain, padded with comment lines to SIZE bytes
    py "import sys
d = open(sys.argv[1]).read(); n = int(sys.argv[2]) - len(d); line = '<!--' + 'x' * 90 + '-->\\n'
sys.stdout.write(d.replace('</domain>', line * (n // len(line)) + '<!--' + 'x' * (n % len(line) - 7) + '--></domain>'))" "$good" "$1"
}
pad $((limit + 1)) >"$tmp/gen/size-limit-plus-1.xml"
gen size-limit-plus-1 any "exit 2" "is larger than $limit bytes"
py "import sys; sys.stdout.write('<domain>' + '<x>' * 10000 + '</x>' * 10000 + '</domain>')" >"$tmp/gen/nesting-10000.xml"
gen nesting-10000 any "exit 2" "malformed XML" "Excessive depth in document"
# libxml2 < 2.12 is quadratic in the attributes of one element
py "import sys; sys.stdout.write('<domain type=\"kvm\" ' + ' '.join('a%d=\"\"' % i for i in range(200000)) + '><name>x</name></domain>')" >"$tmp/gen/attributes-200000.xml"
gen attributes-200000 any "exit 2" "an element with more than 256 attributes"
# ... but '=' in values, comments, CDATA sections and PIs counts for nothing
py "import sys
e = ' '.join('a%d=1' % i for i in range(1000))
sys.stdout.write(open(sys.argv[1]).read().replace('br0', 'br' + '=' * 1000).replace('</devices>',
    '</devices><!-- <x ' + e + '> --><description><![CDATA[<x ' + e + '>]]></description><?x ' + e + '?>'))" "$good" >"$tmp/gen/equals.xml"
"$ABIPIN" -q pin "$tmp/gen/equals.xml" >/dev/null || fail "'=' outside of start tags was taken for attributes"
# abipin's own per-interface work looks at every override
py "import sys
d = open(sys.argv[1]).read(); i = d.index('    <interface'); j = d.index('</interface>') + 13
nic = d[i:j]
sys.stdout.write(d[:i] + ''.join(nic.replace('00:00:01', '%02x:%02x:%02x' % (k >> 16, (k >> 8) & 255, k & 255)) for k in range(20000)) + d[j:])" "$good" >"$tmp/gen/interfaces-20000.xml"
gen interfaces-20000 domain "exit 2" "20000 interfaces, more than the 1024 abipin handles"
py "import sys
d = open(sys.argv[1]).read().replace(\"<domain type='kvm'>\", \"<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\")
sys.stdout.write(d.replace('</domain>', '<qemu:override>' + ''.join(\"<qemu:device alias='ua-%d'/>\" % k for k in range(100000)) + '</qemu:override></domain>'))" "$good" >"$tmp/gen/overrides-100000.xml"
gen overrides-100000 domain "exit 2" "more than 1024 <qemu:device> overrides"
# a 9 MB value: the message quotes its two ends
py "import sys; sys.stdout.write(open(sys.argv[1]).read().replace(\"<model type='virtio'/>\", \"<model type='virtio'/><driver><host csum='\" + 'y' * (9 * 1024 * 1024) + \"'/></driver>\"))" "$good" >"$tmp/gen/value-9mb.xml"
gen value-9mb domain "exit 2" "hook: exit 0" ":12: csum='yyyyyyyy" "yyyy...yyyy" "yyyy' is neither 'on' nor 'off'"
# 1024 interfaces: accepted, and every command stays fast
py "import sys
d = open(sys.argv[1]).read(); i = d.index('    <interface'); j = d.index('</interface>') + 13
nic = d[i:j]
sys.stdout.write(d[:i] + ''.join(nic.replace('00:00:01', '%02x:%02x:%02x' % (k >> 16, (k >> 8) & 255, k & 255)) for k in range(1024)) + d[j:])" "$good" >"$tmp/gen/interfaces-1024.xml"
t0=$(date +%s%N)
"$ABIPIN" -q pin "$tmp/gen/interfaces-1024.xml" -o "$tmp/interfaces-1024.out.xml" || fail "1024 interfaces: pin failed"
"$ABIPIN" -q check "$tmp/interfaces-1024.out.xml" >/dev/null || fail "1024 interfaces: check failed"
ABIPIN_CONF="$tmp/abipin.conf" "$ABIPIN" hook vm1 prepare begin - <"$tmp/interfaces-1024.out.xml" || fail "1024 interfaces: the hook refused"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -lt 20000 ] || fail "1024 interfaces: pin, check and the hook took $ms ms"
ok "1024 interfaces: pinned, checked and let through by the hook in $ms ms"
# a 9 MB name: pinned, but every line about it stays short
py "import sys; sys.stdout.write(open(sys.argv[1]).read().replace('<name>vm1', '<name>' + 'v' * (9 * 1024 * 1024)))" "$good" >"$tmp/gen/name-9mb.xml"
for c in "pin -o $tmp/name-9mb.out.xml" check abi audit; do
    # shellcheck disable=SC2086
    "$ABIPIN" $c "$tmp/gen/name-9mb.xml" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -le 1 ] || { head -c 300 "$tmp/err"; fail "9 MB name: $c: exit $rc"; }
    [ "$(wc -c <"$tmp/err")" -le 2048 ] && [ "$(wc -c <"$tmp/out")" -le 4096 ] ||
        fail "9 MB name: $c printed $(wc -c <"$tmp/out") + $(wc -c <"$tmp/err") bytes"
done
"$ABIPIN" hook vm1 prepare begin - <"$tmp/gen/name-9mb.xml" >"$tmp/out" 2>"$tmp/err" || fail "9 MB name: the hook refused"
[ "$(wc -c <"$tmp/err")" -le 1024 ] || fail "9 MB name: the hook's warning has $(wc -c <"$tmp/err") bytes"
ok "a 9 MB domain name: pin, check, abi, audit and the hook print short lines"
inputs=$((inputs + 2)) runs=$((runs + 8))

# exactly at the limit: accepted, and pinned like the small original
pad $limit >"$tmp/gen/at-limit.xml"
[ "$(wc -c <"$tmp/gen/at-limit.xml")" = $limit ] || fail "the at-limit file has $(wc -c <"$tmp/gen/at-limit.xml") bytes"
"$ABIPIN" -q pin "$tmp/gen/at-limit.xml" -o "$tmp/at-limit.out.xml" || fail "a file of exactly $limit bytes was refused"
"$ABIPIN" -q check "$tmp/gen/at-limit.xml" || fail "check refused a file of exactly $limit bytes"
ok "a file of exactly $limit bytes is accepted; one byte more is refused"
inputs=$((inputs + 1)) runs=$((runs + 2))

# ---- files that are not regular --------------------------------------------------
expect_file="$tmp/gen.err"
mkfifo "$tmp/fifo"
mkdir "$tmp/a-directory.xml"
python3 -c "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$tmp/socket.xml"
ln -s /dev/zero "$tmp/link-to-zero.xml"
for f in "$tmp/fifo" "$tmp/a-directory.xml" /dev/zero /dev/null /dev/urandom "$tmp/link-to-zero.xml"; do
    case=$f
    printf 'exit 2\nis not a regular file\n' >"$expect_file"
    [ -d "$f" ] && echo "audit: exit 0" >>"$expect_file" # audit reads directories
    inputs=$((inputs + 1))
    as_domain "$f"
    as_profile "$f"
    [ -e "$f" ] || fail "$f is gone"
done
[ -p "$tmp/fifo" ] && [ -d "$tmp/a-directory.xml" ] && [ -L "$tmp/link-to-zero.xml" ] || fail "a non-regular input changed"
ok "a FIFO, a directory, /dev/zero, /dev/null, /dev/urandom and a link to /dev/zero: not regular files, exit 2"
for f in "$tmp/socket.xml:No such device or address" "$tmp/no-such-file.xml:No such file or directory" \
    "$tmp/a-directory.xml/x.xml:No such file or directory"; do
    case=${f%%:*}
    printf 'exit 2\ncannot open\n%s\n' "${f#*:}" >"$expect_file"
    inputs=$((inputs + 1))
    as_domain "${f%%:*}"
    as_profile "${f%%:*}"
done
ln -s loop-b.xml "$tmp/loop-a.xml"
ln -s loop-a.xml "$tmp/loop-b.xml"
printf 'exit 2\ncannot open\nToo many levels of symbolic links\n' >"$expect_file"
case=symlink-loop
inputs=$((inputs + 1))
as_domain "$tmp/loop-a.xml"
as_profile "$tmp/loop-a.xml"
ok "a socket, a missing file, a path through a directory, a symbolic link loop: cannot open, exit 2"
# the hook's standard input: endless, or closed
printf 'exit 2\nis larger than %s bytes\n' $limit >"$expect_file"
case=hook-stdin-dev-zero
stdin=/dev/zero
run "hook, stdin /dev/zero" hook "<stdin>" -- "$ABIPIN" hook vm1 prepare begin -
stdin=
printf 'exit 2\n<stdin>\n' >"$expect_file"
case=hook-stdin-closed
"$ABIPIN" hook vm1 prepare begin - <&- >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "hook with stdin closed"; }
ok "the hook's stdin: /dev/zero and closed, exit 2"
inputs=$((inputs + 2)) runs=$((runs + 2))

echo "  $inputs inputs, $runs command runs, 0 crashes"
ok "$inputs hostile inputs, $runs command runs: each exit as expected, one clear line, nothing written, 0 crashes"
