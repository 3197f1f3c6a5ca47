#!/bin/sh
# The fleet's scheduler, for real: OpenStack Placement (Debian 12's
# placement-api 8.0.0, sqlite, noauth2, on loopback, started and stopped
# here) chooses hosts with abipin's traits, and nova's own code (python3-nova
# 26.2.2) does every step nova does (tests/placement.py):
#
# - the fleet, one compute node each: this host (abipin probe), this host
#   without USO, UFO and UDP-tunnel GSO (tests/shim), the shipped platforms
#   linux-5.10 to linux-7.2 (each a kernel with this host's QEMU: 'probe
#   --platform'), a downstream QEMU with the longest machine type name a
#   profile carries and a property with the longest name a trait can carry,
#   and a host where nothing could be probed. No
#   vhost-user host: abipin has no vhost-user profile yet. Each writes its
#   provider config as an operator does ('probe --format nova' into
#   provider_config/), which nova-compute's ResourceTracker loads with
#   nova.compute.provider_config and reports to Placement with the virt
#   driver's inventory;
# - the domains: tests/data/pin/*.out.xml, and definitions pinned against
#   cluster baselines and against each host;
# - for each domain, its flavor extra specs ('pin --require-labels=nova')
#   pass nova-api's validation, nova-scheduler turns them into
#   GET /allocation_candidates, and the hosts Placement offers must be
#   exactly those where 'abipin check --platform HOST' passes.
#
# Whatever nova's loader, nova-api or Placement refuses fails the test with
# their message: a trait name or length, the YAML schema, a duplicate
# provider. Also here: the operator's commands of README.md's OpenStack
# section (openstack allocation candidate list, the clean-up of traits a host
# lost), with python3-openstackclient and python3-osc-placement.
. "$abs_top_srcdir/tests/lib.sh"
t0=$(date +%s)
# Debian's python3 with Debian's OpenStack packages, never a python3 earlier
# in PATH (pyenv's lacks them)
py=/usr/bin/python3
helper="$abs_top_srcdir/tests/placement.py"
pin="$abs_top_srcdir/tests/data/pin"
need="python3-placement python3-nova python3-osc-placement python3-openstackclient"
[ -x $py ] && $py -c 'import placement.wsgi, nova.compute.provider_config, osc_placement' 2>/dev/null ||
    skip "no OpenStack Placement or nova in $py (apt-get install $need; tools/quickstart installs them)"
for c in placement-api placement-manage openstack; do
    [ -x /usr/bin/$c ] || skip "no /usr/bin/$c (apt-get install $need; tools/quickstart installs them)"
done
shim=${ABIPIN_TUNSHIM:-$abs_top_builddir/tests/shim/.libs/libtunshim.so}
[ -f "$shim" ] || fail "no TUNSETOFFLOAD shim at $shim (make check builds it)"
ABIPIN_CACHE_DIR="$tmp/cache"
# stevedore (nova, the openstack client) caches entry points there: not in $HOME
XDG_CACHE_HOME="$tmp/xdg-cache"
export ABIPIN_CACHE_DIR XDG_CACHE_HOME

# ---- Placement on loopback -------------------------------------------------
pl="$tmp/placement"
mkdir -p "$pl"
cat >"$pl/placement.conf" <<EOF
[api]
auth_strategy = noauth2
[placement_database]
connection = sqlite:///$pl/placement.db
EOF
/usr/bin/placement-manage --config-file "$pl/placement.conf" db sync >"$pl/db-sync.log" 2>&1 ||
    { cat "$pl/db-sync.log" >&2; fail "placement-manage db sync"; }
api_pid=
trap 'stop_children $api_pid; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
# a free port, asked of the kernel; should another process take it before
# placement-api binds it, placement-api exits and the next port is tried
for attempt in 1 2 3 4 5; do
    port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    OS_PLACEMENT_CONFIG_DIR="$pl" $py /usr/bin/placement-api --host 127.0.0.1 --port "$port" \
        >"$pl/api.log" 2>&1 </dev/null &
    api_pid=$!
    url="http://127.0.0.1:$port"
    i=0
    until $py -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url/" 2>/dev/null; do
        kill -0 $api_pid 2>/dev/null || break
        [ $i -lt 300 ] || { cat "$pl/api.log" >&2; fail "placement-api did not answer on $url within 30 s"; }
        sleep 0.1
        i=$((i + 1))
    done
    kill -0 $api_pid 2>/dev/null && break
    wait $api_pid 2>/dev/null
    api_pid=
done
[ -n "$api_pid" ] || { cat "$pl/api.log" >&2; fail "placement-api did not start"; }
versions=$($py -c 'import importlib.metadata as m; print(*(m.version(p) for p in ("openstack-placement", "nova")))')
ok "Placement ${versions% *} answers on $url (nova ${versions#* }); $(($(date +%s) - t0)) s"
# the operator's openstack client, with noauth2's credentials
osc() {
    /usr/bin/openstack --os-auth-type admin_token --os-token admin --os-endpoint "$url" "$@"
}

# ---- the fleet -------------------------------------------------------------
# NAME.xml: what 'check --platform' reads; NAME.d/abipin.yaml: the host's
# provider config, written by the command an operator runs on it
fleet="$tmp/fleet"
mkdir -p "$fleet"
host_probe() { # host_probe NAME [ENV...]: the real probe, maybe under the shim
    name=$1
    shift
    mkdir -p "$fleet/$name.d"
    env "$@" "$ABIPIN" probe --no-cache -o "$fleet/$name.xml" &&
        env "$@" "$ABIPIN" probe --no-cache --format nova -o "$fleet/$name.d/abipin.yaml" ||
        fail "$name: abipin probe"
    # the provider config 'probe --platform' writes from the profile is the same
    "$ABIPIN" probe --platform "$fleet/$name.xml" --format nova >"$tmp/from-profile.yaml" ||
        fail "$name: probe --platform"
    cmp -s "$tmp/from-profile.yaml" "$fleet/$name.d/abipin.yaml" ||
        { diff -u "$fleet/$name.d/abipin.yaml" "$tmp/from-profile.yaml"; fail "$name: probe --platform differs"; }
}
host_probe host
for r in uso ufo udp_tunnel_gso; do
    host_probe "no-$r" LD_PRELOAD="$shim" ABIPIN_SHIM_REJECT=$r
done
grep -q '<atom name="tap.uso4"/>' "$fleet/no-uso.xml" && fail "no-uso: the shim left tap.uso4 present"
platforms=
for f in "$abs_top_srcdir"/data/platforms/linux-*.xml; do
    name=$(basename "$f" .xml)
    case $name in linux-4.*) continue ;; esac # linux-5.10 to linux-7.2
    platforms="$platforms $name"
    mkdir -p "$fleet/$name.d"
    "$ABIPIN" probe --platform "$name" -o "$fleet/$name.xml" &&
        "$ABIPIN" probe --platform "$name" --format nova -o "$fleet/$name.d/abipin.yaml" ||
        fail "probe --platform $name"
done
# A downstream QEMU whose q35 machine type has the longest name a profile
# can carry (128 characters: platform.rng's token), and a virtio-net-pci
# property with the longest name a trait can carry: 'qemu.prop.virtio-net-pci.'
# and 210 characters are 235, the trait 249, and "trait:" with it nova-api's
# limit of 255 for an extra spec key
long=pc-q35-rhel9.6.0-$(printf "%0111d" 0)
[ ${#long} = 128 ] || fail "the long machine type has ${#long} characters"
longprop=x-$(printf "%0208d" 0)
sed "s/pc-q35-rhel9\.6\.0/$long/g; s/<platform name=\"rhel\">/<platform name=\"downstream\">/;
     s|</platform>|  <atom name=\"qemu.prop.virtio-net-pci.$longprop\"/>\n</platform>|" \
    "$pin/platforms/qemu-10.0-rhel.xml" >"$fleet/downstream.xml"
longtrait=CUSTOM_ABIPIN_QEMU_PROP_VIRTIO_NET_PCI_$(echo "$longprop" | tr a-z- A-Z_)
[ ${#longtrait} = 249 ] || fail "the longest trait has ${#longtrait} characters"
# ...and a host where nothing could be probed (no privilege, no vhost-net,
# its QEMU's machine types and properties unknown): no trait at all
grep -v '<atom name="[^"]*"/>' "$pin/platforms/unprivileged.xml" |
    sed 's/<platform name="unprivileged">/<platform name="unprobed">/' >"$fleet/unprobed.xml"
for name in downstream unprobed; do
    mkdir -p "$fleet/$name.d"
    "$ABIPIN" probe --platform "$fleet/$name.xml" --format nova -o "$fleet/$name.d/abipin.yaml" ||
        fail "probe --platform $name.xml"
done
grep -q '^      additional: \[\]$' "$fleet/unprobed.d/abipin.yaml" || fail "unprobed: traits are not an empty list"
hosts="host no-uso no-ufo no-udp_tunnel_gso$platforms downstream unprobed"
n_hosts=$(echo $hosts | wc -w)
require_cases "the fleet's hosts" "$n_hosts" 15
echo "# no vhost-user host: abipin has no vhost-user profile yet"

# nova-compute on every host: nova's loader reads its provider config, the
# resource tracker reports it to Placement
args=
for h in $hosts; do args="$args $h=$fleet/$h.d"; done
# shellcheck disable=SC2086
$py "$helper" compute "$url" $args >"$tmp/providers" 2>"$tmp/compute.err" ||
    { cat "$tmp/compute.err" >&2; fail "nova-compute refused a provider config, or Placement refused its traits"; }
for h in $hosts; do
    sed -n "s/^ *- '\(CUSTOM_ABIPIN_.*\)'\$/\1/p" "$fleet/$h.d/abipin.yaml" >"$tmp/want"
    sed -n "s/^trait $h //p" "$tmp/providers" >"$tmp/have"
    cmp -s "$tmp/want" "$tmp/have" || { diff -u "$tmp/want" "$tmp/have"; fail "$h: Placement has other traits than its provider config"; }
done
ok "nova-compute loaded $n_hosts provider configs and Placement has exactly their $(grep -c '^trait ' "$tmp/providers") traits; $(($(date +%s) - t0)) s"

# ---- the domains -----------------------------------------------------------
doms="$tmp/doms"
mkdir -p "$doms"
n_golden=0
for f in "$pin"/*.out.xml; do
    cp "$f" "$doms/$(basename "$f" .out.xml).xml"
    n_golden=$((n_golden + 1))
done
require_cases "tests/data/pin/*.out.xml" $n_golden 47
# cluster baselines: the whole fleet (the unprobed host aside); this host
# with linux-6.12 and linux-7.2 (USO on); this host with its no-USO shim
# and linux-6.17 (USO off, UDP-tunnel GSO as this host has it)
"$ABIPIN" -q baseline $(for h in $hosts; do echo "$fleet/$h.xml"; done | grep -v unprobed) --name cluster \
    -o "$tmp/cluster.xml" &&
    "$ABIPIN" -q baseline "$fleet/host.xml" "$fleet/linux-6.12.xml" "$fleet/linux-7.2.xml" --name uso \
        -o "$tmp/uso.xml" &&
    "$ABIPIN" -q baseline "$fleet/host.xml" "$fleet/no-uso.xml" "$fleet/linux-6.17.xml" --name tunnel \
        -o "$tmp/tunnel.xml" || fail "abipin baseline"
n_pinned=0
for b in cluster uso tunnel; do
    for d in bridge direct-macvtap multi-nic ethernet; do
        "$ABIPIN" -q pin --platform "$tmp/$b.xml" -o "$doms/$b-$d.xml" "$pin/$d.in.xml" || fail "pin $d against $b"
        n_pinned=$((n_pinned + 1))
    done
done
# each host's own: multi-nic pinned against it
for h in $hosts; do
    [ $h = unprobed ] && continue
    "$ABIPIN" -q pin --platform "$fleet/$h.xml" -o "$doms/for-$h-multi-nic.xml" "$pin/multi-nic.in.xml" ||
        fail "pin multi-nic against $h"
    n_pinned=$((n_pinned + 1))
done
sed "s/pc-q35-rhel9\.6\.0/$long/g" "$pin/rhel-machine-measured.in.xml" >"$tmp/long.in.xml"
"$ABIPIN" -q pin --platform "$fleet/downstream.xml" -o "$doms/downstream-long-machine.xml" "$tmp/long.in.xml" ||
    fail "pin against the downstream machine type"
n_pinned=$((n_pinned + 1))
specs="$tmp/specs"
mkdir -p "$specs"
for d in "$doms"/*.xml; do
    name=$(basename "$d" .xml)
    "$ABIPIN" pin --require-labels=nova "$d" >"$specs/$name" 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; fail "$name: pin --require-labels=nova"; }
done
grep -q "^trait:CUSTOM_ABIPIN_QEMU_MACHINE_PC_Q35_RHEL9_6_0_0*=required\$" "$specs/downstream-long-machine" ||
    fail "the downstream domain does not require its machine type's trait"
n_doms=$((n_golden + n_pinned))

# ---- the scheduler's answer against abipin check ---------------------------
# (and a flavor that requires the longest trait, the downstream host's
# property, on its own: see below)
echo "trait:$longtrait=required" >"$tmp/longest"
# shellcheck disable=SC2046
$py "$helper" schedule "$url" "$tmp/providers" $(ls "$specs"/* | sort) "$tmp/longest" >"$tmp/offered" \
    2>"$tmp/schedule.err" ||
    { grep -v '^Modules with known eventlet' "$tmp/schedule.err" >&2; fail "nova-api or Placement refused a flavor's extra specs"; }
[ "$(wc -l <"$tmp/offered")" = $((n_doms + 1)) ] || fail "Placement answered for $(wc -l <"$tmp/offered") of $n_doms domains"
echo "# nova-api and nova-scheduler asked Placement for $n_doms flavors; $(($(date +%s) - t0)) s"
emulator=$(sed -n 's/.*<emulator path="\([^"]*\)".*/\1/p' "$fleet/host.xml")
n=0 n_offered=0 n_refused=0 n_unknown=0 n_named=0
for d in "$doms"/*.xml; do
    name=$(basename "$d" .xml)
    offered=$(awk -v f="$specs/$name" '$1 == f { $1 = ""; print }' "$tmp/offered")
    case $offered in *unknown-traits:*) n_unknown=$((n_unknown + 1)) ;; esac
    # the definition's emulator is the fleet's: a named platform's check,
    # which completes it with the domain's emulator, is the same host
    emu=$(sed -n 's|.*<emulator>\(.*\)</emulator>.*|\1|p' "$d")
    passed=
    for h in $hosts; do
        "$ABIPIN" -q check --platform "$fleet/$h.xml" "$d" >/dev/null 2>&1
        rc=$?
        [ $rc -le 1 ] || fail "$name on $h: check exits $rc"
        case " $offered " in *" $h "*) placed=0 ;; *) placed=1 ;; esac
        [ $placed = $rc ] || {
            "$ABIPIN" check --platform "$fleet/$h.xml" "$d" >&2
            fail "$name on $h: check exits $rc, but Placement $([ $placed = 0 ] && echo offers || echo does not offer) $h (its requirements: $(tr '\n' ' ' <"$specs/$name"))"
        }
        case " $platforms " in
        *" $h "*)
            if [ -z "$emu" ] || [ "$emu" = "$emulator" ]; then
                "$ABIPIN" -q check --platform "$h" "$d" >/dev/null 2>&1
                [ $? = $rc ] || fail "$name: check --platform $h and --platform $h.xml (probe --platform $h) differ"
                n_named=$((n_named + 1))
            fi
            ;;
        esac
        n=$((n + 1))
        if [ $rc = 0 ]; then
            n_offered=$((n_offered + 1)) passed="$passed $h"
        else
            n_refused=$((n_refused + 1))
        fi
    done
    ok "$name: Placement offers exactly the hosts where check passes:${passed:- none}"
done
require_cases "domain/host cases" $n $((62 * 15))
[ $n_offered -ge 100 ] && [ $n_refused -ge 100 ] || fail "$n_offered offered, $n_refused refused: a one-sided test"
echo "# $n_doms domains ($n_golden of tests/data/pin, $n_pinned pinned here) on $n_hosts hosts: $n cases," \
    "$n_offered offered where check passes, $n_refused refused where it fails ($n_unknown domains need a trait" \
    "no host has, which Placement does not know: nova-scheduler logs its 400 and finds no valid host);" \
    "check --platform NAME agreed with the profile probe --platform NAME wrote in $n_named cases"
ok "Placement and abipin check agree in all $n cases; $(($(date +%s) - t0)) s"

# ---- what nova and Placement refuse ----------------------------------------
# The longest trait (the downstream host's property): nova's loader and
# Placement took it above; a flavor that requires it passed nova-api, and
# Placement offers that host only
grep -qx "$tmp/longest downstream" "$tmp/offered" ||
    fail "the longest trait: offered $(grep "^$tmp/longest " "$tmp/offered")"
# One character more: abipin refuses to write the trait, as nova-api would
# refuse to require it
sed "s/$longprop/${longprop}0/" "$fleet/downstream.xml" >"$tmp/longer.xml"
expect_exit 2 "probe --format nova of an atom of 236 characters" -- \
    "$ABIPIN" probe --platform "$tmp/longer.xml" --format nova
grep -q "cannot be a Placement trait that a flavor can require (at most 235 letters" "$tmp/err" ||
    fail "no reason given: $(cat "$tmp/err")"
echo "trait:${longtrait}0=required" >"$tmp/longer.specs"
$py "$helper" validate-specs "$tmp/longer.specs" 2>"$tmp/err" && fail "nova-api takes an extra spec key of 256 characters"
grep -q "does not match any of the regexes: '^\[a-zA-Z0-9-_:. \]{1,255}\$'" "$tmp/err" ||
    fail "nova-api refused it otherwise: $(cat "$tmp/err")"
ok "the longest trait (249 characters) is offered; one more is refused by abipin, as nova-api would refuse it"

# nova-compute refuses to start with two provider configs for $COMPUTE_NODE
# (README.md: merge the traits into the one file instead)
mkdir -p "$tmp/dup.d"
cp "$fleet/host.d/abipin.yaml" "$tmp/dup.d/abipin.yaml"
printf '%s\n' "meta:" "  schema_version: '1.0'" "providers:" "  - identification:" "      uuid: '\$COMPUTE_NODE'" \
    "    traits:" "      additional:" "        - 'CUSTOM_RACK_A'" >"$tmp/dup.d/rack.yaml"
$py "$helper" compute "$url" "dup=$tmp/dup.d" >/dev/null 2>"$tmp/err" && fail "nova-compute started with two \$COMPUTE_NODE configs"
grep -q 'Provider \$COMPUTE_NODE has multiple definitions in source file(s)' "$tmp/err" ||
    fail "nova-compute refused otherwise: $(cat "$tmp/err")"
ok "nova-compute refuses a second provider config for \$COMPUTE_NODE, as README.md says"

# ---- the operator's commands (README.md, OpenStack) ------------------------
# What Placement offers for a pinned domain, as the operator asks it
d=uso-bridge
osc --os-placement-api-version 1.17 allocation candidate list --resource VCPU=1 \
    $(sed -n 's/^trait:\(.*\)=required$/--required \1/p' "$specs/$d") -f value -c 'resource provider' \
    >"$tmp/osc" 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "openstack allocation candidate list"; }
awk 'NR == FNR { name[$3] = $2; next } { print name[$1] }' "$tmp/providers" "$tmp/osc" | sort >"$tmp/osc-names"
awk -v f="$specs/$d" '$1 == f { for (i = 2; i <= NF; i++) print $i }' "$tmp/offered" | sort >"$tmp/want"
cmp -s "$tmp/osc-names" "$tmp/want" || { diff -u "$tmp/want" "$tmp/osc-names"; fail "openstack allocation candidate list differs from the scheduler's answer"; }
ok "openstack allocation candidate list offers $d the scheduler's hosts: $(tr '\n' ' ' <"$tmp/want")"

# A host that loses an atom (its kernel rolled back from 6.12 to 6.1):
# nova-compute, restarted with the new provider config, keeps the old
# trait, which it takes for one set through the API
$py "$helper" compute "$url" "compute1=$fleet/linux-6.12.d" "compute1=$fleet/linux-6.1.d" >"$tmp/restart" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "nova-compute restart"; }
[ "$(grep -c '^trait compute1 CUSTOM_ABIPIN_TAP_USO4$' "$tmp/restart")" = 2 ] ||
    fail "nova-compute dropped CUSTOM_ABIPIN_TAP_USO4 on its own: README.md's clean-up is no longer needed"
# README.md's clean-up, with nova-compute stopped: every other trait stays
rp=$(osc resource provider list --name compute1 -f value -c uuid) && [ -n "$rp" ] || fail "resource provider list"
osc --os-placement-api-version 1.6 resource provider trait list -f value "$rp" |
    grep -v '^CUSTOM_ABIPIN_' | sed 's/^/--trait /' |
    xargs /usr/bin/openstack --os-auth-type admin_token --os-token admin --os-endpoint "$url" \
        --os-placement-api-version 1.6 resource provider trait set -f value "$rp" >/dev/null ||
    fail "resource provider trait set"
$py "$helper" compute "$url" "compute1=$fleet/linux-6.1.d" >"$tmp/restart" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "nova-compute start after the clean-up"; }
sed -n "s/^ *- '\(CUSTOM_ABIPIN_.*\)'\$/\1/p" "$fleet/linux-6.1.d/abipin.yaml" >"$tmp/want"
sed -n 's/^trait compute1 //p' "$tmp/restart" >"$tmp/have"
cmp -s "$tmp/want" "$tmp/have" || { diff -u "$tmp/want" "$tmp/have"; fail "after the clean-up Placement has other traits than the new provider config"; }
osc --os-placement-api-version 1.6 resource provider trait list -f value "$rp" | grep -qx COMPUTE_NODE ||
    fail "the clean-up removed nova's own traits"
ok "a host that lost USO: nova-compute keeps CUSTOM_ABIPIN_TAP_USO4 until the operator removes abipin's traits (README.md)"

echo "# $(($(date +%s) - t0)) s in all"
echo "$pass_count passed, 0 failed"
