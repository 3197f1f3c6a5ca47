#!/bin/sh
# The layers of docs/HACKING.md, held: every source file of src/ is in one
# layer (util, model, probe, decisions, formats, commands), a file includes
# headers of its own layer and of those below it only, and no header below
# the formats layer speaks JSON (json_object, json-c, util/json.h) beyond the ones
# listed in JSON_HEADERS_TODAY.
. "$abs_top_srcdir/tests/lib.sh"
cd "$abs_top_srcdir/src" || fail "no src/"

# Headers below the formats layer that still declare JSON. Issue 19 moves
# them out: remove a name here once its header is clean; never add one.
JSON_HEADERS_TODAY="explain.h"

# layer FILE: the layer's number, util 0 ... commands 5; nothing if unknown
layer() {
    case $1 in
    util/*) echo 0 ;;
    probe/* | platforms.[ch]) echo 2 ;;
    cli/* | virt/* | virt.[ch]) echo 5 ;;
    *-json.[ch]) echo 4 ;;
    version.[ch] | atoms.[ch] | backend.[ch] | catalogue.[ch] | catalogue-builtin.c | defaults.[ch] | profile.[ch] | profile-cache.c | arch.[ch] | conf.[ch] | \
        domain.[ch] | record.[ch]) echo 1 ;;
    abi.[ch] | context.[ch] | pin.[ch] | pin-live.c | check.[ch] | check-*.h | diff.[ch] | audit.[ch] | \
        labels.[ch] | explain.[ch] | featmsg.[ch] | live.[ch]) echo 3 ;;
    esac
}
names="util model probe decisions formats commands"
name_of() { echo "$names" | cut -d' ' -f$(($1 + 1)); }

n=0
for f in $(find . -name '*.[ch]' | sed 's|^\./||' | sort); do
    n=$((n + 1))
    l=$(layer "$f")
    [ -n "$l" ] || fail "src/$f is in no layer: place it in docs/HACKING.md and in tests/layers.sh"
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
        [ "$inc" = config.h ] && continue
        # an include is relative to src/ or, failing that, to the file's directory
        [ -f "$inc" ] || inc="$(dirname "$f")/$inc"
        [ -f "$inc" ] || fail "src/$f includes a missing \"$inc\""
        li=$(layer "$inc")
        [ -n "$li" ] || fail "src/$inc is in no layer"
        [ "$li" -le "$l" ] ||
            fail "src/$f ($(name_of "$l")) includes $inc ($(name_of "$li")), a higher layer"
    done
    case $f in *.h) ;; *) continue ;; esac
    [ "$l" -lt 4 ] && [ "$l" -gt 0 ] || continue
    grep -qE 'json_object|json-c/|util/json\.h' "$f" || continue
    case " $JSON_HEADERS_TODAY " in
    *" $f "*) ;;
    *) fail "src/$f ($(name_of "$l")) speaks JSON: JSON is an output format (formats, commands)" ;;
    esac
done
require_cases "src/**/*.[ch]" $n 77
ok "$n sources of src/: each in a layer, none includes a higher one"
for h in $JSON_HEADERS_TODAY; do
    grep -qE 'json_object|json-c/|util/json\.h' "$h" ||
        fail "src/$h no longer speaks JSON: remove it from JSON_HEADERS_TODAY in tests/layers.sh"
done
ok "no model, probe or decision header speaks JSON but the $(echo $JSON_HEADERS_TODAY | wc -w) of today"
echo "$pass_count passed, 0 failed"
