#!/bin/sh
# Fleet integration through the command line: 'probe --format nfd|nova'
# against the schedulers' documented rules (NFD's local feature file lines,
# Kubernetes label names, nova's provider config schema and custom trait
# names, parsed with python3-yaml), 'pin --require-labels' in both forms,
# and the round trip: for each fixture host, a domain pinned for the richest
# fixture passes 'abipin check' there exactly when the host's labels (and
# its traits) satisfy the printed requirements.
. "$abs_top_srcdir/tests/lib.sh"
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (tools/quickstart installs it)"
fixtures="$abs_top_srcdir/tests/data/pin/platforms"
pin="$abs_top_srcdir/tests/data/pin"
ABIPIN_HOST_PROFILE="$fixtures/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE

# nfd_valid FILE PROFILE: every line a comment or label=true|false, one per
# present or absent atom of PROFILE, nothing for its unknown atoms
nfd_valid() {
    python3 - "$1" "$2" <<'EOF' || fail "$1: not a valid NFD feature file for $2"
import re, sys, xml.etree.ElementTree as ET
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "no final newline"
# Kubernetes label key: prefix/name, name <= 63 of [A-Za-z0-9._-], alphanumeric at both ends
key = re.compile(r"^abipin\.org/([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)=(true|false)$")
labels = {}
for l in lines[:-1]:
    if l.startswith("#"):
        assert not l.startswith("# +"), "an NFD directive: " + l
        continue
    m = key.match(l)
    assert m, "bad line: " + l
    assert m.group(1) not in labels, "twice: " + l
    labels[m.group(1)] = m.group(3)
atoms = {a.get("name"): a.get("state", "present") for a in ET.parse(sys.argv[2]).getroot().iter("atom")}
want = {n: "true" if s == "present" else "false" for n, s in atoms.items() if s != "unknown"}
assert labels == want, (set(labels.items()) ^ set(want.items()))
EOF
}

# nova_valid FILE PROFILE: nova's provider config schema 1.0 as its
# documentation states it, and one custom trait per present atom
nova_valid() {
    python3 - "$1" "$2" <<'EOF' || fail "$1: not a valid Nova provider config for $2"
import re, sys, yaml, xml.etree.ElementTree as ET
d = yaml.safe_load(open(sys.argv[1]))
assert isinstance(d, dict) and set(d) == {"meta", "providers"}, d.keys()
v = d["meta"]["schema_version"]
assert isinstance(v, str) and re.match(r"^1\.([0-9]|[1-9][0-9]+)$", v), v
assert isinstance(d["providers"], list) and len(d["providers"]) == 1
p = d["providers"][0]
assert p["identification"] == {"uuid": "$COMPUTE_NODE"}, p["identification"]
traits = p["traits"]["additional"]
assert isinstance(traits, list) and len(set(traits)) == len(traits)
for t in traits:
    assert isinstance(t, str) and re.match(r"^CUSTOM_[A-Z0-9_]+$", t) and len(t) <= 255, t
atoms = [a.get("name") for a in ET.parse(sys.argv[2]).getroot().iter("atom")
         if a.get("state", "present") == "present"]
want = sorted("CUSTOM_ABIPIN_" + re.sub(r"[.-]", "_", a).upper() for a in atoms)
assert traits == want, set(traits) ^ set(want)
EOF
}

n=0
for f in "$fixtures"/*.xml "$abs_top_srcdir"/data/platforms/linux-5.14.xml "$abs_top_srcdir"/data/platforms/linux-6.12.xml; do
    n=$((n + 1))
    name=$(basename "$f" .xml)
    ABIPIN_HOST_PROFILE=$f "$ABIPIN" probe --format nfd >"$tmp/$name.nfd" || fail "$name: probe --format nfd"
    nfd_valid "$tmp/$name.nfd" "$f"
    ABIPIN_HOST_PROFILE=$f "$ABIPIN" probe --format nova >"$tmp/$name.nova" || fail "$name: probe --format nova"
    nova_valid "$tmp/$name.nova" "$f"
    ok "$name: the NFD feature file and the Nova provider config follow their rules"
done
require_cases "tests/data/pin/platforms/*.xml and two shipped platforms" $n 10
grep -q '^abipin.org/tap.uso4=false$' "$tmp/unprivileged.nfd" && fail "unprivileged: an unknown atom got a label"
grep -q 'tap.uso4' "$tmp/unprivileged.nfd" && fail "unprivileged: an unknown atom is in the file"
ok "unknown atoms are never claimed, not even as false"

# --json and --text stay aliases of --format; conflicting formats are refused
"$ABIPIN" probe --json >"$tmp/a" && "$ABIPIN" probe --format json >"$tmp/b" && cmp -s "$tmp/a" "$tmp/b" ||
    fail "--json differs from --format json"
"$ABIPIN" probe --text >"$tmp/a" && "$ABIPIN" probe --format text >"$tmp/b" && cmp -s "$tmp/a" "$tmp/b" ||
    fail "--text differs from --format text"
"$ABIPIN" probe --format xml --format xml >"$tmp/a" && "$ABIPIN" probe >"$tmp/b" && cmp -s "$tmp/a" "$tmp/b" ||
    fail "--format xml differs from the default"
ok "--json, --text and the default are --format json, text and xml"
expect_exit 2 "probe --json --format nfd" -- "$ABIPIN" probe --json --format nfd -o "$tmp/x.nfd"
grep -q "two formats given, json and nfd" "$tmp/err" || fail "no reason given: $(cat "$tmp/err")"
expect_exit 2 "probe --format yaml" -- "$ABIPIN" probe --format yaml -o "$tmp/x.nfd"
[ ! -e "$tmp/x.nfd" ] || fail "a refused format wrote its file"

# -o: atomic, no temporary file left behind (NFD reads every file in
# features.d but dot files), an existing file keeps its mode
mkdir "$tmp/features.d"
: >"$tmp/features.d/abipin" && chmod 640 "$tmp/features.d/abipin"
expect_exit 0 "probe --format nfd -o" -- "$ABIPIN" probe --format nfd -o "$tmp/features.d/abipin"
[ ! -s "$tmp/out" ] || fail "-o: something on standard output"
cmp -s "$tmp/features.d/abipin" "$tmp/qemu-10.0.nfd" || fail "-o wrote something else than standard output gets"
[ "$(ls -A "$tmp/features.d")" = abipin ] || fail "files left in features.d: $(ls -A "$tmp/features.d")"
[ "$(stat -c %a "$tmp/features.d/abipin")" = 640 ] || fail "-o changed the mode"
# (LeakSanitizer cannot run under ptrace: no leak checking in a sanitizer build)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -e trace=rename,renameat,renameat2 "$ABIPIN" probe --format nova -o "$tmp/features.d/p.yaml" \
    2>"$tmp/strace" >/dev/null || fail "probe --format nova -o under strace"
grep -qE '^rename(at2?)?\(.*"\.p\.yaml\.abipin-[A-Za-z0-9]{6}", .*"p\.yaml"' "$tmp/strace" ||
    { cat "$tmp/strace"; fail "the temporary file is not a dot file"; }
ok "-o writes atomically through a hidden temporary file"

# pin --require-labels: the nodeSelector is YAML mapping labels to "true",
# the Nova form one trait:NAME=required line each, for the same atoms
expect_exit 0 "pin --require-labels" -- "$ABIPIN" -q pin --require-labels --platform linux-6.2 "$pin/bridge.in.xml"
python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert list(d) == ["nodeSelector"] and d["nodeSelector"], d
assert all(v == "true" for v in d["nodeSelector"].values()), d
print("\n".join(sorted(d["nodeSelector"])))' "$tmp/out" >"$tmp/sel" || fail "the nodeSelector is not YAML"
grep -qx 'abipin.org/tap.uso4' "$tmp/sel" || fail "pinned for linux-6.2 but tap.uso4 is not required"
"$ABIPIN" -q pin --require-labels=nova --platform linux-6.2 "$pin/bridge.in.xml" >"$tmp/specs" || fail "--require-labels=nova"
grep -qvx 'trait:CUSTOM_ABIPIN_[A-Z0-9_]*=required' "$tmp/specs" && fail "a bad extra spec line"
[ "$(wc -l <"$tmp/specs")" = "$(wc -l <"$tmp/sel")" ] || fail "the nfd and nova forms differ in size"
sed 's|^abipin\.org/||; s|[.-]|_|g' "$tmp/sel" | tr a-z A-Z | sed 's|.*|trait:CUSTOM_ABIPIN_&=required|' |
    sort >"$tmp/specs.want"
sort "$tmp/specs" | cmp -s - "$tmp/specs.want" || fail "the nova form names other atoms than the nfd form"
ok "the nodeSelector and the extra specs name the same atoms"

# a domain pinned for the richer linux-6.2 needs a label that the poorer
# linux-5.14 host's feature file sets to false
grep -qx 'abipin.org/tap.uso4=false' "$tmp/linux-5.14.nfd" || fail "linux-5.14 does not say tap.uso4=false"
grep -qx 'abipin.org/tap.uso4=true' "$tmp/linux-6.12.nfd" || fail "linux-6.12 does not say tap.uso4=true"
ok "pinned for linux-6.2: requires abipin.org/tap.uso4, which a linux-5.14 node has false"

# with -o the pinned XML goes to the file, the requirements to stdout;
# without --platform the pins the file has are read and nothing changes
cp "$pin/bridge.in.xml" "$tmp/dom.xml"
expect_exit 0 "pin --require-labels --in-place" -- "$ABIPIN" pin --require-labels --in-place --platform linux-6.2 "$tmp/dom.xml"
"$ABIPIN" -q pin --platform linux-6.2 "$pin/bridge.in.xml" >"$tmp/want.xml" || fail "plain pin"
cmp -s "$tmp/dom.xml" "$tmp/want.xml" || fail "--require-labels --in-place wrote another document than pin"
grep -q "^abipin: pinned vm1 against 'linux-6.2'" "$tmp/err" || fail "no pin summary on stderr"
cp "$tmp/out" "$tmp/sel-pinning"
cp "$tmp/dom.xml" "$tmp/dom.before"
expect_exit 0 "pin --require-labels of a pinned file" -- "$ABIPIN" pin --require-labels "$tmp/dom.xml"
cmp -s "$tmp/out" "$tmp/sel-pinning" || fail "the recorded pins give other requirements than pinning did"
cmp -s "$tmp/dom.xml" "$tmp/dom.before" || fail "reading the requirements changed the file"
[ ! -s "$tmp/err" ] || fail "reading the requirements printed: $(cat "$tmp/err")"
ok "--require-labels with and without --platform agree; reading changes nothing"

expect_exit 2 "--require-labels --json" -- "$ABIPIN" pin --require-labels --json --platform linux-6.2 "$tmp/dom.xml"
expect_exit 2 "--require-labels -o without --platform" -- "$ABIPIN" pin --require-labels -o "$tmp/new.xml" "$tmp/dom.xml"
expect_exit 2 "--require-labels --policy without --platform" -- "$ABIPIN" pin --require-labels --policy compat "$tmp/dom.xml"
expect_exit 2 "--require-labels of an unpinned file" -- "$ABIPIN" pin --require-labels "$pin/bridge.in.xml"
grep -q "has no abipin record in <metadata>: pin it first" "$tmp/err" || fail "no reason: $(cat "$tmp/err")"
[ ! -e "$tmp/new.xml" ] && cmp -s "$tmp/dom.xml" "$tmp/dom.before" || fail "an error wrote something"
# an 'on' the backend never has: no host can honour it
sed "s|<host csum='off'|<host csum='on'|" "$pin/user.out.xml" >"$tmp/user-on.xml"
expect_exit 1 "--require-labels of an impossible pin" -- "$ABIPIN" pin --require-labels "$tmp/user-on.xml"
grep -q "csum is pinned on, but backend user never provides it" "$tmp/err" || fail "no reason: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "requirements printed for an impossible pin"

# The round trip through the command line: for every fixture host, check
# passes exactly when its feature file satisfies the nodeSelector, and
# exactly when its provider config has every required trait.
for src in qemu-10.0 linux-6.2; do
    case $src in
    linux-*) platform=$src ;;
    *) platform=$fixtures/$src.xml ;;
    esac
    "$ABIPIN" -q pin --platform "$platform" -o "$tmp/p.xml" "$pin/multi-nic.in.xml" || fail "pin for $src"
    "$ABIPIN" pin --require-labels "$tmp/p.xml" >"$tmp/sel.yaml" || fail "requirements for $src"
    "$ABIPIN" pin --require-labels=nova "$tmp/p.xml" >"$tmp/specs" || fail "nova requirements for $src"
    n_ok=0 n_refused=0
    for f in "$fixtures"/*.xml; do
        node=$(basename "$f" .xml)
        "$ABIPIN" -q check --platform "$f" "$tmp/p.xml" >/dev/null 2>&1
        rc=$?
        [ $rc -le 1 ] || fail "check on $node: exit $rc"
        labels=$(python3 -c '
import sys, yaml
sel = yaml.safe_load(open(sys.argv[1]))["nodeSelector"] or {}
node = dict(l.split("=", 1) for l in open(sys.argv[2]).read().splitlines() if l and l[0] != "#")
print(0 if all(node.get(k) == v for k, v in sel.items()) else 1)' "$tmp/sel.yaml" "$tmp/$node.nfd")
        traits=$(python3 -c '
import sys, yaml
have = set(yaml.safe_load(open(sys.argv[2]))["providers"][0]["traits"]["additional"])
need = {l[len("trait:"):-len("=required")] for l in open(sys.argv[1]).read().splitlines()}
print(0 if need <= have else 1)' "$tmp/specs" "$tmp/$node.nova")
        [ "$labels" = $rc ] || fail "pinned for $src, on $node: check exits $rc, the labels say $labels"
        [ "$traits" = $rc ] || fail "pinned for $src, on $node: check exits $rc, the traits say $traits"
        if [ $rc = 0 ]; then n_ok=$((n_ok + 1)); else n_refused=$((n_refused + 1)); fi
    done
    [ $n_ok -ge 1 ] && [ $n_refused -ge 1 ] || fail "pinned for $src: $n_ok honour, $n_refused refuse: a one-sided test"
    ok "pinned for $src: check agrees with labels and traits on every fixture host ($n_ok honour, $n_refused refuse)"
done
echo "$pass_count passed, 0 failed"
