#!/bin/sh
# Open vSwitch with DPDK as the vhost-user backend, for real (issue 27):
# Debian 12's openvswitch-switch-dpdk (3.1.0, DPDK 22.11) and, when
# tools/quickstart made its chroot (/opt/abipin-chroot-trixie-ovs, or
# $ABIPIN_OVS_CHROOT), Debian 13's (3.5.0, DPDK 24.11); each with
# other_config:userspace-tso-enable false and true. ovsdb-server and
# ovs-vswitchd run in this test's directory (own database, own run
# directory, no hugepages, one core: 1), only while they are measured.
#
# For each (OVS, TSO) and each machine type of QEMU 10.0 (pc-q35-10.0,
# pc-q35-7.2, pc-i440fx-5.2), a paused QEMU is read through its PCI
# registers (tests/qtest_virtio.py), the guest's view:
#  - dpdkvhostuserclient (QEMU the server, <source mode='server'>): a fresh
#    port per reading (Open vSwitch 3.2+ offers less on the connection after
#    one that closed early: probe/ovs-offers.c); QEMU waits for Open
#    vSwitch to connect before the device exists, and the test checks Open
#    vSwitch's log says it connected. abipin cannot ask it: `abipin abi
#    --json` derives the offer from the database (ABIPIN_OVSDB_SOCKET) and
#    the table, and must give the registers' vector, no bit external.
#  - dpdkvhostuser (Open vSwitch the server, <source mode='client'>):
#    abipin asks the socket; its vector must be the registers'.
# Besides, per (OVS, TSO), GET_FEATURES measured on each port's own
# connection (a listener of ours for the client port) must be what
# `abipin probe --ovs` and `probe --vhost-user` write as atoms.
# abipin's disagreements are collected, printed with the table, and fail
# the test at the end. Skips (77) without Open vSwitch's DPDK build or
# QEMU 10.
. "$abs_top_srcdir/tests/lib.sh"
vswitchd31=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
[ -x $vswitchd31 ] ||
    skip "no $vswitchd31 (apt-get install --no-install-recommends openvswitch-switch-dpdk; tools/quickstart does)"
command -v ovsdb-server >/dev/null && command -v ovs-vsctl >/dev/null || skip "no ovsdb-server, ovs-vsctl"
qemu=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64"
"$qemu" --version | grep -q 'version 10\.0\.' || skip "$qemu is not QEMU 10.0 (tools/quickstart installs it)"
[ -d /sys/devices/system/cpu ] || skip "DPDK needs /sys"
chroot35=${ABIPIN_OVS_CHROOT:-/opt/abipin-chroot-trixie-ovs}
ABIPIN_CACHE_DIR="$tmp/cache"
ABIPIN_CONF="$tmp/abipin.conf"
export ABIPIN_CACHE_DIR ABIPIN_CONF
unset ABIPIN_HOST_PROFILE ABIPIN_EMULATOR ABIPIN_OVSDB_SOCKET
echo "cache_dir = $ABIPIN_CACHE_DIR" >"$ABIPIN_CONF"
t_start=$(date +%s)
ovs_dir=
trap 'ovs_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
chmod 755 "$tmp"

# ovs_start DIR TSO BIN: ovsdb-server and ovs-vswitchd (DPDK) of BIN (a
# directory with ovsdb-tool, ovsdb-server, ovs-vsctl and ovs-vswitchd-dpdk,
# or "host") in DIR, bridge br0 (netdev); $V runs ovs-vsctl on its database.
# ovs_version is set from ovs-vswitchd --version, as ovs-ctl does
# (utilities/ovs-ctl.in set_system_ids).
ovs_start() {
    ovs_dir=$1
    if [ "$3" = host ]; then
        o_tool=ovsdb-tool o_server=ovsdb-server o_vsctl=ovs-vsctl o_vswitchd=$vswitchd31
    else
        o_tool=$3/ovsdb-tool o_server=$3/ovsdb-server o_vsctl=$3/ovs-vsctl o_vswitchd=$3/ovs-vswitchd-dpdk
    fi
    ovs_prefix="abipin-ovs-$$-$(basename "$1")"
    mkdir -p "$1" && chmod 755 "$1" || fail "mkdir $1"
    OVS_RUNDIR=$1 OVS_LOGDIR=$1 OVS_DBDIR=$1 OVS_SYSCONFDIR=$1
    export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR
    V="$o_vsctl --db=unix:$1/db.sock --timeout=30"
    $o_tool create "$1/conf.db" /usr/share/openvswitch/vswitch.ovsschema >"$1/start.log" 2>&1 &&
        taskset -c 1 $o_server "$1/conf.db" --remote="punix:$1/db.sock" --pidfile="$1/ovsdb.pid" \
            --unixctl="$1/ovsdb.ctl" --log-file="$1/ovsdb.log" --detach >>"$1/start.log" 2>&1 &&
        $V --no-wait init &&
        $V --no-wait set Open_vSwitch . other_config:dpdk-init=true \
            "other_config:dpdk-extra=--no-huge -m 2048 --no-pci --legacy-mem --file-prefix=$ovs_prefix" \
            other_config:dpdk-lcore-mask=0x2 other_config:pmd-cpu-mask=0x2 \
            "other_config:userspace-tso-enable=$2" \
            "ovs_version=$($o_vswitchd --version | sed -n 's/^ovs-vswitchd.*) \([0-9.]*\)$/\1/p')" &&
        taskset -c 1 $o_vswitchd "unix:$1/db.sock" --pidfile="$1/vswitchd.pid" --unixctl="$1/vswitchd.ctl" \
            --log-file="$1/vswitchd.log" --detach >>"$1/start.log" 2>&1 &&
        $V add-br br0 -- set bridge br0 datapath_type=netdev >>"$1/start.log" 2>&1 ||
        { cat "$1/start.log" "$1"/*.log >&2; fail "Open vSwitch ($3, tso $2) did not start in $1"; }
    [ "$($V get Open_vSwitch . dpdk_initialized)" = true ] ||
        { tail -n 20 "$1/vswitchd.log" >&2; fail "Open vSwitch ($3) did not initialise DPDK"; }
}
# ovs_stop: the daemons of the last ovs_start, and DPDK's run directory
ovs_stop() {
    [ -n "$ovs_dir" ] || return 0
    o_pids=$(cat "$ovs_dir/vswitchd.pid" "$ovs_dir/ovsdb.pid" 2>/dev/null)
    for pid in $o_pids; do kill "$pid" 2>/dev/null; done
    for pid in $o_pids; do
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf "/var/run/dpdk/$ovs_prefix"
    ovs_dir=
}


# domain NAME SOCKET MODE MACHINE: $tmp/NAME.xml, one vhost-user NIC
domain() { vhost_user_dom_xml "$1" "$2" "$4" "$qemu" "$3" >"$tmp/$1.xml"; }
# abi_on DOMAIN-FILE [ENV...]: "VECTOR EXTERNAL" of abi --json, or "exit-N -"
abi_on() {
    ao_dom=$1
    shift
    if env "$@" "$ABIPIN" abi --json "$ao_dom" </dev/null >"$tmp/abi.json" 2>"$tmp/abi.err"; then
        abi_offered "$tmp/abi.json"
    else
        echo "exit-$? -"
    fi
}
# atoms_of PROFILE-JSON BACKEND: the GET_FEATURES bits its atoms say, as
# "present-mask decided-mask"
atoms_of() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); p = "vhostuser.%s.bit." % sys.argv[2]
pres = sum(1 << int(a[len(p):]) for a in d["atoms"]["present"] if a.startswith(p))
dec = pres | sum(1 << int(a["name"][len(p):]) for a in d["atoms"]["absent"] if a["name"].startswith(p))
print(hex(pres), hex(dec))' "$1" "$2"
}

: >"$tmp/wrong"
printf '%-5s %-5s %-19s %-14s %-14s %-14s %-16s %s\n' OVS TSO port machine registers abipin GET_FEATURES verdict >"$tmp/table"

# the Open vSwitch builds: NAME=BIN
echo "3.1=host" >"$tmp/builds"
if [ -x "$chroot35/abipin/ovs-vswitchd-dpdk" ]; then
    echo "3.5=$chroot35/abipin" >>"$tmp/builds"
else
    echo "# no $chroot35/abipin/ovs-vswitchd-dpdk (tools/fetch-qemu-chroot trixie $chroot35 openvswitch-switch-dpdk): Open vSwitch 3.1 only"
fi
machines="pc-q35-10.0 pc-q35-7.2 pc-i440fx-5.2"
cells=0 port=0
while IFS='=' read -r build bin; do
    for tso in false true; do
        t0=$(date +%s)
        dir="$tmp/ovs$build-$tso"
        ovs_start "$dir" $tso "$bin"
        ver="$($V get Open_vSwitch . ovs_version | tr -d '"') ($($V get Open_vSwitch . dpdk_version | tr -d '"'))"
        # GET_FEATURES of a fresh client port, on the connection it makes to us
        port=$((port + 1))
        rm -f "$dir/gf.sock"
        vu_features --listen "$dir/gf.sock" >"$dir/gf.out" 2>&1 &
        gf_pid=$!
        while [ ! -S "$dir/gf.sock" ]; do sleep 0.05; done
        $V add-port br0 gf -- set Interface gf type=dpdkvhostuserclient "options:vhost-server-path=$dir/gf.sock" ||
            fail "add-port gf"
        wait $gf_pid || { cat "$dir/gf.out" >&2; fail "OVS $ver: no GET_FEATURES answer from a client port"; }
        gf_client=$(cat "$dir/gf.out")
        # abipin's derivation (probe --ovs) while that port exists
        if "$ABIPIN" probe --no-cache --ovs="$dir/db.sock" --json </dev/null >"$tmp/probe.json" 2>"$tmp/err"; then
            # shellcheck disable=SC2046
            set -- $(atoms_of "$tmp/probe.json" ovs)
            [ $(($1 ^ (gf_client & $2))) = 0 ] ||
                wrong "OVS $ver tso $tso: probe --ovs atoms say $1 (of $2), the client port answered GET_FEATURES $gf_client"
        else
            wrong "OVS $ver tso $tso: abipin probe --ovs=$dir/db.sock: exit $?: $(head -n 3 "$tmp/err")"
        fi
        $V del-port br0 gf
        # the server port, asked by abipin and by us
        $V add-port br0 vhu -- set Interface vhu type=dpdkvhostuser || fail "add-port vhu"
        i=0
        while [ ! -S "$dir/vhu" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        gf_server=$(vu_features "$dir/vhu") || fail "OVS $ver: GET_FEATURES on $dir/vhu"
        if "$ABIPIN" probe --no-cache --vhost-user "vhu=$dir/vhu" --json </dev/null >"$tmp/probe.json" 2>"$tmp/err"; then
            # shellcheck disable=SC2046
            set -- $(atoms_of "$tmp/probe.json" vhu)
            [ $(($1 ^ (gf_server & $2))) = 0 ] ||
                wrong "OVS $ver tso $tso: probe --vhost-user atoms say $1 (of $2), the server port answered $gf_server"
        else
            wrong "OVS $ver tso $tso: abipin probe --vhost-user vhu=$dir/vhu: exit $?: $(head -n 3 "$tmp/err")"
        fi
        for m in $machines; do
            # dpdkvhostuserclient: a fresh port, abipin derives, QEMU serves
            port=$((port + 1))
            sock="$dir/c$port.sock"
            $V add-port br0 "c$port" -- set Interface "c$port" type=dpdkvhostuserclient \
                "options:vhost-server-path=$sock" || fail "add-port c$port"
            domain "c$port" "$sock" server "$m"
            # shellcheck disable=SC2046
            set -- $(abi_on "$tmp/c$port.xml" ABIPIN_OVSDB_SOCKET="$dir/db.sock")
            got=$1 ext=$2
            # (lib.sh's reader; "SOCKET,server=on,wait=off": QEMU listens)
            regs=$(vhost_user_registers "$qemu" "$m" "$sock,server=on,wait=off") || exit 1
            grep -q "($sock) connected" "$dir/vswitchd.log" ||
                fail "OVS $ver: the registers of c$port were read, but Open vSwitch's log does not say it connected to $sock"
            verdict=ok
            if [ "$got" != "$regs" ] || [ "$ext" != - ]; then
                verdict=WRONG
                wrong "OVS $ver tso $tso dpdkvhostuserclient, $m: abipin abi --json (ABIPIN_OVSDB_SOCKET) offered $got (external: $ext), registers $regs $(head -n 2 "$tmp/abi.err")"
            fi
            printf '%-5s %-5s %-19s %-14s %-14s %-14s %-16s %s\n' "$build" $tso dpdkvhostuserclient "$m" "$regs" "$got" "$gf_client" $verdict >>"$tmp/table"
            eval "regs_${build%.*}_${build#*.}_${tso}_client_$(echo "$m" | tr -c 'a-z0-9\n' _)=$regs"
            $V del-port br0 "c$port"
            cells=$((cells + 1))
            # dpdkvhostuser: abipin asks the socket
            domain "s$port" "$dir/vhu" client "$m"
            # shellcheck disable=SC2046
            set -- $(abi_on "$tmp/s$port.xml")
            got=$1 ext=$2
            regs=$(vhost_user_registers "$qemu" "$m" "$dir/vhu") || exit 1
            verdict=ok
            if [ "$got" != "$regs" ] || [ "$ext" != - ]; then
                verdict=WRONG
                wrong "OVS $ver tso $tso dpdkvhostuser, $m: abipin abi --json offered $got (external: $ext), registers $regs $(head -n 2 "$tmp/abi.err")"
            fi
            printf '%-5s %-5s %-19s %-14s %-14s %-14s %-16s %s\n' "$build" $tso dpdkvhostuser "$m" "$regs" "$got" "$gf_server" $verdict >>"$tmp/table"
            cells=$((cells + 1))
        done
        ovs_stop
        echo "# OVS $ver, userspace-tso-enable=$tso: $((2 * $(echo $machines | wc -w))) cells in $(($(date +%s) - t0)) s"
    done
done <"$tmp/builds"
require_cases "(OVS, TSO, port, machine type) cells" $cells 12

# the measured differences the issue names (QEMU 10.0's pc-q35-10.0)
r31=$regs_3_1_false_client_pc_q35_10_0 r31t=$regs_3_1_true_client_pc_q35_10_0
[ $((r31t & ~r31)) = $(((1 << 0) | (1 << 11) | (1 << 12))) ] ||
    wrong "OVS 3.1 client: TSO on $r31t, off $r31: TSO on should add CSUM, HOST_TSO4/6 only"
if [ -n "${regs_3_5_false_client_pc_q35_10_0:-}" ]; then
    r35=$regs_3_5_false_client_pc_q35_10_0
    [ $((r35 & ~r31)) = 1 ] && [ $((r31 & ~r35)) = 0 ] ||
        wrong "OVS 3.5 client TSO off $r35 vs 3.1 $r31: they should differ in CSUM (bit 0) only"
fi

echo "# the cells: registers (the device's PCI registers through qtest, QEMU 10.0), abipin (abi --json: derived from OVSDB for dpdkvhostuserclient, asked for dpdkvhostuser), GET_FEATURES (the port's answer on a connection of ours)"
sed 's/^/  | /' "$tmp/table"
echo "figure: whole test = $(($(date +%s) - t_start)) s"
if [ -s "$tmp/wrong" ]; then
    echo "abipin disagrees with Open vSwitch ($(wc -l <"$tmp/wrong") findings):" >&2
    sed 's/^/  - /' "$tmp/wrong" >&2
    fail "abipin is wrong in $(wc -l <"$tmp/wrong") findings (above)"
fi
ok "abipin's vector equals the registers in all $cells cells (derived for client ports, asked for server ports)"
echo "$pass_count passed, 0 failed"
