#!/bin/bash
# data/bash-completion/abipin: source it in bash, fill COMP_WORDS as bash
# does and check COMPREPLY: commands, options per command, option values,
# platform names, XML files, and domain names from libvirt's test:///default
# driver through virsh (LIBVIRT_DEFAULT_URI, or -c URI on the command line).
# Once with the script alone, once with the bash-completion package's helpers.
. "$abs_top_srcdir/tests/lib.sh"
script="$abs_top_srcdir/data/bash-completion/abipin"
[ -r "$script" ] || fail "no $script"
command -v virsh >/dev/null || skip "no virsh (libvirt-clients)"
virsh -c test:///default -q list --all --name | grep -qx test || skip "virsh cannot list test:///default"

# a directory to complete file names in
mkdir -p "$tmp/files/sub"
: >"$tmp/files/web.xml"
: >"$tmp/files/notes.txt"

"$ABIPIN" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' |
    sort >"$tmp/commands"
"$ABIPIN" platforms --names | sort >"$tmp/platforms"
[ "$(grep -c . "$tmp/platforms")" -ge 5 ] || fail "platforms --names lists $(grep -c . "$tmp/platforms") platforms"

run_cases() { # LABEL [FILE-TO-SOURCE-FIRST]
    label=$1
    bash --norc --noprofile -s "$ABIPIN" "$script" "${2:-}" "$tmp/files" >"$tmp/cases.$label" 2>"$tmp/err.$label" <<'EOS'
abipin=$1 script=$2 first=$3 files=$4
[ -n "$first" ] && . "$first"
. "$script"
complete -p abipin >/dev/null || { echo "no complete for abipin"; exit 1; }
cd "$files/sub" || exit 1 # empty: no file names among the replies
# complete WORDS...: the last word is the one being completed
complete_words() {
    COMP_WORDS=("$abipin" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _abipin abipin "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort -u
}
echo "== commands"; complete_words ''
echo "== p"; complete_words p
echo "== -q ch"; complete_words -q ch
echo "== -"; complete_words -
echo "== pin --"; complete_words pin --
echo "== define -"; complete_words define -
echo "== pin --platform"; complete_words pin --platform ''
echo "== pin --policy"; complete_words pin --policy ''
echo "== define --policy c"; complete_words define --policy c
echo "== compare linux-6"; complete_words compare linux-6
cd "$files" || exit 1
echo "== check files"; complete_words check ''
echo "== pin -o"; complete_words pin -o w
echo "== explain files"; complete_words explain ''
echo "== explain --domain"; complete_words explain --domain w
echo "== start"; LIBVIRT_DEFAULT_URI=test:///default complete_words start ''
echo "== start -c"; LIBVIRT_DEFAULT_URI=none:///nowhere complete_words start -c test:///default ''
echo "== start --connect="; LIBVIRT_DEFAULT_URI=none:///nowhere complete_words start --connect=test:///default t
echo "== hook"; LIBVIRT_DEFAULT_URI=test:///default complete_words hook test mi
echo "== end"
EOS
    [ $? = 0 ] || { cat "$tmp/err.$label" >&2; fail "$label: the completion script failed"; }
    grep -qx '== end' "$tmp/cases.$label" || { cat "$tmp/cases.$label" "$tmp/err.$label" >&2; fail "$label: stopped early"; }
}
case_of() { # LABEL NAME: the replies of one case
    awk -v n="== $2" '$0 == n { on = 1; next } /^== / { on = 0 } on' "$tmp/cases.$1"
}
expect() { # LABEL NAME WHAT FILE-WITH-EXPECTED-LINES
    case_of "$1" "$2" >"$tmp/got"
    cmp -s "$4" "$tmp/got" || { diff -u "$4" "$tmp/got" >&2; fail "$1: $2: $3"; }
    ok "$1: '$2' completes $3"
}
lines() { printf '%s\n' "$@" | sort -u >"$tmp/want"; echo "$tmp/want"; }

check_cases() {
    l=$1
    expect "$l" commands "not every command of abipin --help" "$tmp/commands"
    expect "$l" p "commands starting with p" "$(lines pin platforms probe)"
    expect "$l" "-q ch" "a command after the global -q" "$(lines check)"
    expect "$l" - "global options" "$(lines -q --quiet -h --help -V --version)"
    "$ABIPIN" pin --help | grep -oE '^  -[^ ]*(, -[^ ]*)?' | grep -oE -- '-[a-z-]+' | sort -u >"$tmp/pin-options"
    [ "$(grep -c . "$tmp/pin-options")" -ge 8 ] || fail "pin --help lists too few options"
    grep -- '^--' "$tmp/pin-options" >"$tmp/pin-long"
    expect "$l" "pin --" "pin's long options" "$tmp/pin-long"
    case_of "$l" "define -" | grep -qx -- -c || fail "$l: define - does not offer -c"
    case_of "$l" "define -" | grep -qx -- --connect || fail "$l: define - does not offer --connect"
    case_of "$l" "define -" | grep -qx -- --in-place && fail "$l: define offers pin's --in-place"
    { cat "$tmp/platforms"; printf '%s\n' host latest; } | sort -u >"$tmp/profiles"
    expect "$l" "pin --platform" "platform names, host and latest" "$tmp/profiles"
    expect "$l" "pin --policy" "the policies" "$(lines compat host)"
    expect "$l" "define --policy c" "the policy compat" "$(lines compat)"
    grep -E '^linux-6' "$tmp/platforms" >"$tmp/linux6"
    expect "$l" "compare linux-6" "profiles starting with linux-6" "$tmp/linux6"
    case_of "$l" "check files" | grep -qx 'web.xml' || fail "$l: check does not offer web.xml"
    case_of "$l" "check files" | grep -qx 'sub' || fail "$l: check does not offer the directory"
    case_of "$l" "check files" | grep -q 'notes.txt' && fail "$l: check offers a .txt file"
    expect "$l" "pin -o" "-o FILE" "$(lines web.xml)"
    case_of "$l" "explain files" | grep -qx 'notes.txt' || fail "$l: explain does not offer a log (any file)"
    case_of "$l" "explain files" | grep -qx -- '-' || fail "$l: explain does not offer - (standard input)"
    expect "$l" "explain --domain" "--domain DOMAIN.xml" "$(lines web.xml)"
    expect "$l" start "domains of LIBVIRT_DEFAULT_URI" "$(lines test)"
    expect "$l" "start -c" "domains of -c URI" "$(lines test)"
    expect "$l" "start --connect=" "domains of --connect=URI" "$(lines test)"
    expect "$l" hook "hook operations" "$(lines migrate)"
    ok "$l: define offers -c/--connect, check offers XML files and directories only"
}

run_cases plain
check_cases plain
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || fail "no $bc (bash-completion, installed by tools/quickstart)"
run_cases with-bash-completion "$bc"
check_cases with-bash-completion

echo "$pass_count passed, 0 failed"
