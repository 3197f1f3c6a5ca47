#!/bin/bash
# make install DESTDIR=... puts every file below the prefix, the installed
# program, catalogue and completion work, and make uninstall removes every
# file it installed (empty directories may stay; distcheck asks the same).
. "$abs_top_srcdir/tests/lib.sh"
build="${abs_top_builddir:?}"
[ -f "$build/Makefile" ] || fail "no Makefile in $build"
# our own make, not a job of the make running the tests
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
make=${MAKE_FOR_TESTS:-make}
var() { # the value configure gave VAR, expanded
    "$make" -s -C "$build" -f Makefile -f - print-var VAR="$1" <<'EOF'
print-var:
	@echo $($(VAR))
EOF
}
prefix=$(var prefix)
[ -n "$prefix" ] || fail "no prefix"
root="$tmp/root"

"$make" -C "$build" install DESTDIR="$root" >"$tmp/install.log" 2>&1 ||
    { tail -30 "$tmp/install.log" >&2; fail "make install failed"; }
ok "make install DESTDIR=..."
(cd "$root" && find . ! -type d | sed 's|^\.||' | sort) >"$tmp/installed"
outside=$(grep -v "^$prefix/" "$tmp/installed" || true)
[ -z "$outside" ] || fail "installed outside $prefix: $outside"
for f in "$(var bindir)/abipin" "$(var libexecdir)/abipin-hook" "$(var ABIPIN_HOOKDIR)/abipin" \
    "$(var pkglibdir)/abipin-libvirt.so" \
    "$(var pkgdatadir)/features.xml" "$(var pkgdatadir)/platforms/linux-6.1.xml" \
    "$(var pkgdatadir)/schemas/platform.rng" "$(var mandir)/man1/abipin.1" \
    "$(var mandir)/man5/abipin-profile.5" "$(var localedir)/de/LC_MESSAGES/abipin.mo" \
    "$(var BASH_COMPLETION_DIR)/abipin"; do
    grep -qxF "$f" "$tmp/installed" || fail "not installed: $f"
done
ok "$(grep -c . "$tmp/installed") files, all below $prefix, the expected ones among them"
# every manual page the docs have (docs/NAME.SECTION.rst), not only the
# ones listed above: a page written but left out of man_MANS is caught here
pages=0
for rst in "$abs_top_srcdir"/docs/*.rst; do
    page=$(basename "$rst" .rst)
    section=${page##*.}
    case $section in [1-9]) ;; *) fail "docs/$page.rst: no manual section in its name" ;; esac
    grep -qxF "$(var mandir)/man$section/$page" "$tmp/installed" ||
        fail "docs/$page.rst: its manual page $(var mandir)/man$section/$page is not installed"
    pages=$((pages + 1))
done
[ "$pages" -ge 3 ] || fail "only $pages manual pages found in $abs_top_srcdir/docs"
ok "all $pages manual pages of docs/ are installed"

# the installed pieces work from where they were installed
installed="$root$(var bindir)/abipin"
"$installed" --version | grep -q '^abipin ' || fail "the installed abipin does not run"
ABIPIN_DATADIR="$root$(var pkgdatadir)" ABIPIN_SCHEMADIR="$root$(var pkgdatadir)/schemas" \
    "$installed" platforms --names >"$tmp/names" || fail "installed: platforms --names"
grep -qx linux-6.1 "$tmp/names" || fail "installed: no linux-6.1 among the platforms"
# every platform of the source tree is installed (Makefile.am lists them one by one)
(cd "$abs_top_srcdir/data/platforms" && ls -- *.xml) | sed 's/\.xml$//' | sort >"$tmp/shipped"
sort "$tmp/names" | diff "$tmp/shipped" - >&2 ||
    fail "installed platforms differ from data/platforms (above; dist_platforms_DATA in Makefile.am)"
utf8=$(locale -a 2>/dev/null | grep -ixE 'c\.utf-?8' | head -n 1)
if [ -n "$utf8" ]; then
    ABIPIN_LOCALEDIR="$root$(var localedir)" LANGUAGE=de LC_ALL=$utf8 "$installed" check --help |
        grep -q '^Aufruf: abipin check' || fail "installed: the German catalogue is not used"
fi
bash --norc --noprofile -c '. "$1" && complete -p abipin' _ "$root$(var BASH_COMPLETION_DIR)/abipin" \
    >/dev/null || fail "installed: the completion script does not register"
ok "the installed abipin, its data, its German catalogue and its completion work"

# the libvirt module: define loads it from $(pkglibdir) (here below DESTDIR,
# so named with ABIPIN_MODULE_DIR); where it is missing, define says where
# it looked (exit 3); the hook links no libvirt
module_dir="$root$(var pkglibdir)"
domain="$abs_top_srcdir/tests/data/pin/alias-q35.in.xml"
platform="$abs_top_srcdir/tests/data/pin/platforms/qemu-10.0.xml"
ABIPIN_MODULE_DIR="$module_dir" ABIPIN_DATADIR="$root$(var pkgdatadir)" \
    ABIPIN_SCHEMADIR="$root$(var pkgdatadir)/schemas" \
    "$installed" -q define -c test:///default "$domain" --platform "$platform" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "installed: define through the installed libvirt module"; }
ok "the installed abipin defines through the installed $(var pkglibdir)/abipin-libvirt.so"
rc=0
ABIPIN_MODULE_DIR="$tmp/nowhere" ABIPIN_DATADIR="$root$(var pkgdatadir)" \
    "$installed" define -c test:///default "$domain" --platform "$platform" >"$tmp/out" 2>"$tmp/err" ||
    rc=$?
[ "$rc" = 3 ] || { cat "$tmp/err" >&2; fail "define without its module: exit $rc, not 3"; }
grep -qF "$tmp/nowhere/abipin-libvirt.so" "$tmp/err" ||
    { cat "$tmp/err" >&2; fail "define without its module does not name the path it tried"; }
[ ! -s "$tmp/out" ] || fail "define without its module printed: $(cat "$tmp/out")"
hook="$root$(var libexecdir)/abipin-hook"
if command -v ldd >/dev/null 2>&1; then
    ! ldd "$hook" | grep -q libvirt || fail "the installed abipin-hook links libvirt: $(ldd "$hook" | grep libvirt)"
    ! ldd "$installed" | grep -q libvirt || fail "the installed abipin links libvirt at start"
fi
ok "without its module define fails with exit 3 and names it; abipin and abipin-hook link no libvirt"

"$make" -C "$build" uninstall DESTDIR="$root" >"$tmp/uninstall.log" 2>&1 ||
    { tail -30 "$tmp/uninstall.log" >&2; fail "make uninstall failed"; }
left=$(cd "$root" && find . ! -type d)
[ -z "$left" ] || fail "left after make uninstall: $left"
ok "make uninstall leaves no file"

echo "$pass_count passed, 0 failed"
