#!/bin/sh
# Data-driven pin tests: tests/data/pin/NAME.in.xml, optional NAME.args
# (pin options, relative to that directory), and exactly one expectation:
#   NAME.out.xml  the pinned XML, byte for byte; it must validate with
#                 libvirt's schema, re-pin to the same bytes and pass check
#   NAME.err      "exit N" then the error output, byte for byte (LC_ALL=C);
#                 no output, input byte-identical
# "host" is tests/data/pin/platforms/qemu-10.0.xml, never the live machine.
# ABIPIN_TEST_REGENERATE=1 rewrites the .out.xml and .err files: review the diff.
# Without virt-xml-validate only the libvirt-schema step is skipped (said
# once); every other step of every case still runs.
. "$abs_top_srcdir/tests/lib.sh"
dir="$abs_top_srcdir/tests/data/pin"
ABIPIN_HOST_PROFILE="$dir/platforms/qemu-10.0.xml"
export ABIPIN_HOST_PROFILE
LC_ALL=C LANGUAGE=
export LC_ALL LANGUAGE
domain_schema="domain.rng, "
command -v virt-xml-validate >/dev/null || {
    domain_schema=
    echo "# the libvirt schema step (virt-xml-validate) is skipped in every case: libvirt-clients is not installed"
}
cd "$dir" || fail "no $dir"

# Every file belongs to a case, and every case has exactly one expectation.
for f in *; do
    [ -d "$f" ] && continue
    case "$f" in
    *.in.xml) base=${f%.in.xml} ;;
    *.out.xml) base=${f%.out.xml} ;;
    *.args) base=${f%.args} ;;
    *.err) base=${f%.err} ;;
    *) fail "stray file $f" ;;
    esac
    [ -f "$base.in.xml" ] || fail "$f has no $base.in.xml"
done

n=0
for input in *.in.xml; do
    name=${input%.in.xml}
    args=$(cat "$name.args" 2>/dev/null)
    n=$((n + 1))
    sum=$(md5sum <"$input")
    # shellcheck disable=SC2086
    "$ABIPIN" -q pin $args "$input" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$(md5sum <"$input")" = "$sum" ] || fail "$name: the input changed"
    if [ -f "$name.out.xml" ] || [ -n "${ABIPIN_TEST_REGENERATE:-}" ] && [ ! -f "$name.err" ]; then
        [ $rc = 0 ] || { cat "$tmp/err"; fail "$name: exit $rc"; }
        [ -n "${ABIPIN_TEST_REGENERATE:-}" ] && cp "$tmp/out" "$name.out.xml"
        cmp -s "$tmp/out" "$name.out.xml" || { diff -u "$name.out.xml" "$tmp/out"; fail "$name: output differs"; }
        [ -z "$domain_schema" ] || virt-xml-validate "$tmp/out" domain >"$tmp/validate" 2>&1 ||
            { cat "$tmp/validate"; fail "$name: output does not validate with libvirt's schema"; }
        xmllint --xpath "//*[local-name()='pin' and namespace-uri()='http://abipin.org/schemas/pin/1.0']" \
            "$tmp/out" >"$tmp/record.xml" 2>/dev/null || fail "$name: no abipin record"
        xmllint --noout --relaxng "$abs_top_srcdir/xml/metadata.rng" "$tmp/record.xml" 2>"$tmp/validate" ||
            { cat "$tmp/validate"; fail "$name: the record does not match metadata.rng"; }
        # shellcheck disable=SC2086
        "$ABIPIN" -q pin $args "$tmp/out" >"$tmp/again" 2>"$tmp/err" || { cat "$tmp/err"; fail "$name: re-pin failed"; }
        cmp -s "$tmp/out" "$tmp/again" || { diff -u "$tmp/out" "$tmp/again"; fail "$name: re-pinning changed it"; }
        platform=$(echo "$args" | sed -n 's/.*--platform \([^ ]*\).*/\1/p')
        "$ABIPIN" -q check --strict --platform "${platform:-host}" "$tmp/out" >"$tmp/check" 2>&1 ||
            { cat "$tmp/check"; fail "$name: check refuses what pin wrote"; }
        ok "$name: pinned, valid (${domain_schema}metadata.rng), idempotent, checks clean"
    else
        [ -f "$name.err" ] || fail "$name: neither $name.out.xml nor $name.err"
        [ -n "${ABIPIN_TEST_REGENERATE:-}" ] && { echo "exit $rc" && cat "$tmp/err"; } >"$name.err"
        want=$(sed -n '1s/^exit //p' "$name.err")
        [ "$rc" = "$want" ] || { cat "$tmp/err"; fail "$name: exit $rc, expected $want"; }
        [ ! -s "$tmp/out" ] || fail "$name: wrote output although it failed"
        [ -s "$tmp/err" ] || fail "$name: no error message"
        tail -n +2 "$name.err" | cmp -s - "$tmp/err" ||
            { tail -n +2 "$name.err" | diff -u - "$tmp/err"; fail "$name: the error output differs from $name.err"; }
        ok "$name: exit $want, its error, input untouched"
    fi
done
require_cases "tests/data/pin/*.in.xml" $n 67
echo "$pass_count passed, 0 failed"
