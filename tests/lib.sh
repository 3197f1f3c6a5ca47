# Shared by the shell tests: run with automake's environment (ABIPIN,
# ABIPIN_DATADIR, abs_top_srcdir...). Exit 77 means skipped, and says why.
set -u

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    exit 77
}

pass_count=0
ok() {
    pass_count=$((pass_count + 1))
    echo "ok $pass_count - $*"
}

# expect_exit CODE DESCRIPTION -- COMMAND...: run COMMAND, compare its exit code
expect_exit() {
    want=$1
    what=$2
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" = "$want" ] || {
        cat "$tmp/out" "$tmp/err" >&2
        fail "$what: exit $got, expected $want"
    }
    ok "$what (exit $want)"
}

# stop_children PID...: end the test's own background processes: TERM, up to
# 5 s to go, then KILL; reaped, so none is left behind
stop_children() {
    for p in "$@"; do kill "$p" 2>/dev/null; done
    for p in "$@"; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}

# json_get FILE PYTHON-EXPRESSION-ON-d: print a value from a JSON document
json_get() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# require_cases WHAT N MIN: after a loop over data files, fail when it ran
# fewer than MIN cases (the count when the loop was written): an emptied or
# missing directory, or a glob that matched nothing, must not pass
require_cases() {
    [ "$2" -ge "$3" ] || fail "$1: $2 cases, at least $3 expected"
    echo "# $1: $2 cases"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tap_uso PROFILE.xml: "on" where the probed profile has USO on tap (Linux
# >= 6.2), else "off": what a pin for this host gives host_uso. Found out
# from the probe, never assumed from the kernel's version; says which
tap_uso() {
    if grep -q '<atom name="tap.uso4"/>' "$1"; then
        echo on
    else
        echo "note: this kernel ($(uname -r)) has no USO on tap: host_uso is pinned off here" >&2
        echo off
    fi
}

# kvm_usable: /dev/kvm is the KVM device and we may open it. Test, never
# open: "<>/dev/kvm" on a machine without KVM creates an empty regular file
# there, and libvirt then believes KVM exists. Tests write nothing under /dev.
kvm_usable() {
    [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

# libvirt_loads_under_asan: call in a test whose abipin runs load libvirt
# (define, start, pin --live: they load abipin-libvirt.so, linked with it).
# In an --enable-sanitizers build, LeakSanitizer (GCC 12's runtime, LLVM 14)
# can crash at exit while it walks the dynamic TLS of libvirt's threads
# ("Tracer caught signal 11", now and then, in define, start and pin --live),
# and with use_tls=0 it takes glib's thread-local data for leaks instead.
# There, ASan still checks every memory access; leaks of the commands that
# load libvirt are valgrind.sh's to find, in the normal build.
libvirt_loads_under_asan() {
    [ -n "${ABIPIN_SANITIZERS:-}" ] || return 0
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    export ASAN_OPTIONS
}

# ---- private libvirt daemons, for the end-to-end tests --------------------
# Each daemon (libvirtd + virtlogd) runs in a private mount namespace whose
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
# /var/log/libvirt are directories under $tmp/dN: config, hooks, sockets,
# domains and logs are the test's own, a system libvirt is not touched. Use:
#   daemon_require; dom_prefix=NAME-$$-; daemon_setup BRIDGE
#   start_daemon 1 MOUNTS ENV; wait_daemon 1; virsh -c "$(uri 1)" ...
# Everything started (daemons, QEMU of domains named $dom_prefix*, the
# bridge) goes on exit, even on failure.
# The daemons are the system's libvirt (9.0 on Debian 12), or with
# ABIPIN_LIBVIRT_PREFIX=DIR those unpacked into DIR by tools/fetch-libvirt
# (11.3), while virsh and abipin stay clients of the system's libvirt.so.0.

# daemon_require: skip (77) unless this machine can run it: root, libvirt's
# daemons and QEMU with the USO properties; sets emulator, hook_bin, shim
# and virt (kvm or qemu), and gives every abipin run its own config and cache
daemon_require() {
    libvirt_loads_under_asan
    PATH="$PATH:/usr/sbin:/sbin"
    export PATH
    [ "$(id -u)" = 0 ] || skip "not root: libvirt system daemons, bridges and taps need root"
    for c in virsh unshare ip python3 timeout; do
        command -v $c >/dev/null 2>&1 ||
            skip "no $c (apt-get install libvirt-clients iproute2 util-linux)"
    done
    daemon_from "${ABIPIN_LIBVIRT_PREFIX:-}"
    [ -c /dev/net/tun ] || skip "no /dev/net/tun: libvirt cannot create a tap"
    emulator=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64 (tools/quickstart installs QEMU 10 from bookworm-backports)"
    "$emulator" -nodefaults -machine none -device virtio-net-pci,help 2>/dev/null | grep -q 'host_uso=' ||
        skip "$("$emulator" --version | head -n 1) has no host_uso property on virtio-net-pci (USO needs QEMU >= 8.2; tools/quickstart installs 10.0)"
    hook_bin="$abs_top_builddir/abipin-hook"
    [ -x "$hook_bin" ] || fail "no $hook_bin (make builds it)"
    shim=${ABIPIN_TUNSHIM:-$abs_top_builddir/tests/shim/.libs/libtunshim.so}
    [ -f "$shim" ] || fail "no TUNSETOFFLOAD shim at $shim (make check builds it)"
    unshare -m --propagation private true 2>/dev/null || skip "cannot make a private mount namespace here (unshare -m)"
    if kvm_usable; then virt=kvm; else virt=qemu; fi

    # Every abipin run here has its own config and cache, never /etc/abipin.conf
    ABIPIN_CACHE_DIR="$tmp/cache-client"
    ABIPIN_CONF="$tmp/client.conf"
    export ABIPIN_CACHE_DIR ABIPIN_CONF
    unset ABIPIN_HOST_PROFILE ABIPIN_EMULATOR ABIPIN_SHIM_REJECT LIBVIRT_DEFAULT_URI VIRSH_DEFAULT_CONNECT_URI
    printf '%s\n' "mode = enforce" "unpinned = warn" "cache_dir = $ABIPIN_CACHE_DIR" >"$ABIPIN_CONF"
}

# system_lib SONAME: the file the system's SONAME is (ldconfig's, links resolved)
system_lib() {
    readlink -f "$(ldconfig -p | awk -v so="$1" '$1 == so { print $NF; exit }')"
}

# client_from PREFIX: abipin's libvirt.so.0 (what its libvirt module,
# abipin-libvirt.so, is linked against) is PREFIX's (tools/fetch-libvirt),
# through LD_LIBRARY_PATH, and the loader says so
client_from() {
    sys=$(system_lib libvirt.so.0)
    lib="$1${sys%/*}"
    [ -f "$lib/libvirt.so.0" ] ||
        skip "no $lib/libvirt.so.0 (tools/quickstart unpacks it: tools/fetch-libvirt 11.3 $1)"
    LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
    LD_DEBUG=libs "$ABIPIN" start -c test:///default "client-from-$$" >"$tmp/out" 2>&1
    grep -q "calling init: $lib/libvirt.so.0\$" "$tmp/out" ||
        { cat "$tmp/out" >&2; fail "abipin did not load $lib/libvirt.so.0"; }
}

# daemon_from [PREFIX]: which libvirtd and virtlogd start_daemon runs: the
# system's, or PREFIX's (tools/fetch-libvirt), which in the daemon's mount
# namespace is bound over the system's libvirt: its libvirt*.so.0, modules
# (LIB/libvirt), data (/usr/share/libvirt: cpu_map, schemas) and helpers
# (/usr/lib/libvirt). libvirt's own variables would not do: LIBVIRT_DRIVER_DIR
# and friends move only the modules (11.3's src/driver.c:64), cpu_map.c:82 and
# virxml.c:1211 read PKGDATADIR, virfile.c:442 runs LIBEXECDIR's
# libvirt_iohelper with a cleared environment, so LD_LIBRARY_PATH does not
# reach it ("libvirt.so.0: version `LIBVIRT_PRIVATE_11.3.0' not found" on
# virsh save). Hooks and QEMU run in that namespace too, as on a host with
# that libvirt. Sets daemon_version (what `virsh version` must report),
# daemon_schemas (that libvirt's RELAX NG schemas) and daemon_env.
daemon_from() {
    libvirtd=libvirtd virtlogd=virtlogd daemon_env=: daemon_schemas="$1/usr/share/libvirt/schemas"
    if [ -z "$1" ]; then
        for c in libvirtd virtlogd; do
            command -v $c >/dev/null 2>&1 ||
                skip "no $c (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)"
        done
        daemon_version=$(libvirtd --version | awk '{ print $NF }')
        return
    fi
    libvirtd="$1/usr/sbin/libvirtd" virtlogd="$1/usr/sbin/virtlogd"
    [ -x "$libvirtd" ] && [ -x "$virtlogd" ] ||
        skip "no libvirtd and virtlogd under ABIPIN_LIBVIRT_PREFIX=$1 (tools/quickstart unpacks them: tools/fetch-libvirt 11.3 $1)"
    for so in libvirt.so.0 libvirt-qemu.so.0 libvirt-lxc.so.0 libvirt-admin.so.0; do
        sys=$(system_lib "$so")
        [ -f "$sys" ] || skip "ldconfig knows no $so to bind $1's over (apt-get install libvirt0)"
        libdir=${sys%/*}
        [ -e "$1$libdir/$so" ] || fail "$1 has no $libdir/$so"
        daemon_env="$daemon_env
        mount --bind '$(readlink -f "$1$libdir/$so")' '$sys'"
    done
    for d in "$libdir/libvirt" /usr/share/libvirt /usr/lib/libvirt; do
        [ -d "$1$d" ] || fail "$1 has no $d"
        [ -d "$d" ] || skip "no $d to bind $1$d over (apt-get install libvirt-daemon-driver-qemu)"
        daemon_env="$daemon_env
        mount --bind '$1$d' '$d'"
    done
    [ -f "$1$libdir/libvirt/connection-driver/libvirt_driver_qemu.so" ] || fail "$1 has no QEMU driver"
    daemon_version=$(unshare -m --propagation private sh -c "set -e
        $daemon_env
        exec '$libvirtd' --version" | awk '{ print $NF }')
    [ -n "$daemon_version" ] || fail "$libvirtd does not run"
}

uri() { echo "qemu:///system?socket=$tmp/d$1/run/libvirt-sock"; }

qemu_pids() { # qemu_pids [NAME]: QEMU processes of our domains, by command line
    for p in /proc/[0-9]*; do
        { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "guest=${1:-$dom_prefix}" && echo "${p#/proc/}"
    done
}

qemu_pid() { # qemu_pid N NAME: the QEMU of a domain on daemon N, from its pid file
    p=$(cat "$tmp/d$1/run/qemu/$2.pid" 2>/dev/null)
    [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] || return 1
    echo "$p"
}

no_qemu() { # no_qemu N NAME WHAT [RUNNING-ELSEWHERE]: NAME got no QEMU on daemon N
    [ "$(timeout 60 virsh -c "$(uri $1)" domstate "$2" 2>/dev/null)" != running ] ||
        fail "$3: $2 runs on daemon $1"
    [ ! -e "$tmp/d$1/run/qemu/$2.pid" ] || fail "$3: $2 has a QEMU pid file on daemon $1"
    [ "$(qemu_pids "$2," | wc -l)" = "${4:-0}" ] || fail "$3: QEMU processes for $2: $(qemu_pids "$2,")"
}

# refused_by_hook N NAME OP WHAT: the error in $tmp/err is the hook's, with
# abipin's reason for a USO pin a host without USO cannot honour
refused_by_hook() {
    grep -q "Hook script execution failed" "$tmp/err" || { cat "$tmp/err" >&2; fail "$4 failed, but not in the hook"; }
    grep -q "host_uso is pinned on" "$tmp/err" && grep -q "tap.uso4" "$tmp/err" ||
        { cat "$tmp/err" >&2; fail "$4: libvirt's error does not carry abipin's reason"; }
    grep -q "^$2 $3 begin" "$tmp/d$1/hook.log" || fail "$4: the hook was not called on $3 begin"
}

daemon_cleanup() {
    set +e
    for n in 1 2; do
        [ -S "$tmp/d$n/run/libvirt-sock" ] || continue
        for d in $(timeout 10 virsh -c "$(uri $n)" list --name 2>/dev/null); do
            timeout 10 virsh -c "$(uri $n)" destroy "$d" >/dev/null 2>&1
        done
    done
    for p in $(qemu_pids); do kill -9 "$p" 2>/dev/null; done
    # shellcheck disable=SC2086
    stop_children $daemon_pids
    logds=
    for n in 1 2; do
        [ -s "$tmp/d$n/virtlogd.pid" ] && logds="$logds $(cat "$tmp/d$n/virtlogd.pid")"
    done
    # shellcheck disable=SC2086
    [ -z "$logds" ] || kill $logds 2>/dev/null
    i=0
    for p in $logds; do # not our children: no wait, but our namespaces live until they go
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    done
    [ -n "$bridge_made" ] && ip link del "$br" 2>/dev/null
    # shellcheck disable=SC2086
    rm -f $made_markers
    # A directory made here stays while another test's daemon has a mount on
    # it (see start_daemon)
    for d in $made_dirs; do
        grep -qs "^[0-9]* [0-9]* [^ ]* [^ ]* $d " /proc/[0-9]*/mountinfo || rmdir "$d" 2>/dev/null
    done
    rm -rf "$tmp"
}
# abipin's configuration of daemon N's hook: conf N [LINES...]
conf() {
    f="$tmp/d$1/abipin.conf"
    shift
    printf '%s\n' "# abipin e2e test" "unpinned = warn" "cache_dir = ${f%/*}/hook-cache" "$@" >"$f.new" &&
        mv "$f.new" "$f"
}

# start_daemon N MOUNTS ENV: libvirtd + virtlogd in a private mount namespace,
# with extra MOUNTS in it and ENV (shell assignments) for the hook
start_daemon() {
    d="$tmp/d$1"
    mkdir -p "$d/etc/hooks/qemu.d" "$d/etc/qemu" "$d/run" "$d/lib" "$d/cache" "$d/log/qemu" "$d/hook-cache"
    cat >"$d/etc/libvirtd.conf" <<EOF
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "00000000-0000-4000-8000-e2e00000000$1"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    echo 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"' >"$d/etc/virtlogd.conf"
    # root QEMU, no confinement, no per-VM /dev or cgroups: nothing here
    # needs them. Incoming migrations listen on ports of this test's own:
    # libvirt's default range (from 49152) is every daemon's, and two tests
    # migrating at once had one QEMU take the other's port ("migrate-incoming:
    # Failed to find an available port: Address already in use")
    ports=$((49152 + ($$ % 500) * 32 + ($1 - 1) * 16))
    cat >"$d/etc/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
namespaces = []
cgroup_controllers = []
migration_port_min = $ports
migration_port_max = $((ports + 15))
EOF
    # The hook: like the qemu.d/abipin `make install` puts there, it runs
    # abipin-hook, here with the environment baked in (libvirt runs hooks
    # with LC_ALL, PATH and HOME only); it logs each call and keeps a copy of
    # what abipin said
    cat >"$d/etc/hooks/qemu.d/abipin" <<EOF
#!/bin/sh
echo "\$*" >>'$d/hook.log'
ABIPIN_CONF='$d/abipin.conf'
ABIPIN_DATADIR='$ABIPIN_DATADIR'
ABIPIN_SCHEMADIR='$ABIPIN_SCHEMADIR'
export ABIPIN_CONF ABIPIN_DATADIR ABIPIN_SCHEMADIR
$3
'$hook_bin' "\$@" 2>'$d/hook.last'
rc=\$?
cat '$d/hook.last' >>'$d/hook.err'
cat '$d/hook.last' >&2
exit \$rc
EOF
    chmod 755 "$d/etc/hooks/qemu.d/abipin"
    : >"$d/hook.log"
    conf "$1" "mode = enforce"
    # The mount points. Tests run at once, and since Linux 3.18 rmdir removes
    # a directory that is a mount point in another mount namespace and
    # detaches that mount: a test that removed the /run/libvirt it had made
    # took another test's daemon's sockets, logs and domains away in
    # mid-test. So each is made just before it is used, and, where it is
    # empty, holds a marker file while the daemon runs (rmdir fails on it).
    for m in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
        if [ ! -d "$m" ]; then
            mkdir -p "$m" || fail "mkdir $m"
            made_dirs="$m $made_dirs"
        fi
        [ -e "$m/.abipin-test-$$" ] || find "$m" -mindepth 1 -maxdepth 1 ! -name '.abipin-test-*' | grep -q . &&
            continue
        : >"$m/.abipin-test-$$" || fail "cannot write $m/.abipin-test-$$"
        made_markers="$m/.abipin-test-$$ $made_markers"
    done
    unshare -m --propagation private sh -c "
        set -e
        mount --bind '$d/etc' /etc/libvirt
        mount --bind '$d/run' /run/libvirt
        mount --bind '$d/lib' /var/lib/libvirt
        mount --bind '$d/cache' /var/cache/libvirt
        mount --bind '$d/log' /var/log/libvirt
        $bind_users
        $daemon_env
        $2
        '$virtlogd' -d -p '$d/virtlogd.pid'
        exec '$libvirtd' -f /etc/libvirt/libvirtd.conf -p '$d/libvirtd.pid'
    " </dev/null >"$d/daemon.out" 2>&1 &
    daemon_pids="$daemon_pids $!"
    eval "daemon_pid_$1=$!"
}

# wait_daemon N: the first answer comes once the QEMU driver probed QEMU
wait_daemon() {
    d="$tmp/d$1"
    while :; do
        if [ -S "$d/run/libvirt-sock" ] && timeout 60 virsh -c "$(uri $1)" version --daemon >"$tmp/out" 2>"$tmp/err"; then
            break
        fi
        grep -q "no connection driver available" "$tmp/err" 2>/dev/null &&
            skip "libvirtd has no QEMU driver (apt-get install libvirt-daemon-driver-qemu)"
        kill -0 "$(eval echo "\$daemon_pid_$1")" 2>/dev/null ||
            { cat "$d/daemon.out" "$d/log/libvirtd.log" >&2 2>/dev/null; fail "libvirtd $1 exited"; }
        [ $(($(date +%s) - started)) -lt 90 ] ||
            { cat "$tmp/err" "$d/log/libvirtd.log" >&2; fail "libvirtd $1 did not answer within 90 s"; }
        sleep 0.2
    done
    grep -q "Running hypervisor: QEMU" "$tmp/out" || { cat "$tmp/out" >&2; fail "virsh version ($1)"; }
    grep -q "Running against daemon: $daemon_version\$" "$tmp/out" ||
        { cat "$tmp/out" >&2; fail "virsh version ($1): not the daemon libvirt $daemon_version"; }
}

# daemon_setup BRIDGE: the clean-up trap and a bridge without uplink for the
# domains' NICs (no "abipin" in link names: probe-real.sh counts those); an
# empty BRIDGE makes none
daemon_setup() {
    br=$1
    daemon_pids=
    made_dirs=
    made_markers=
    bridge_made=
    started=$(date +%s)
    trap daemon_cleanup EXIT
    trap 'exit 1' HUP INT TERM

    # The QEMU driver resolves its default user libvirt-qemu before it reads
    # qemu.conf: if the machine has none, give the namespaces a passwd that has.
    bind_users=:
    if ! getent passwd libvirt-qemu >/dev/null 2>&1; then
        cp /etc/passwd "$tmp/passwd" && cp /etc/group "$tmp/group" || fail "copy /etc/passwd"
        echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$tmp/passwd"
        getent group libvirt-qemu >/dev/null 2>&1 || echo 'libvirt-qemu:x:64055:' >>"$tmp/group"
        bind_users="mount --bind '$tmp/passwd' /etc/passwd; mount --bind '$tmp/group' /etc/group"
    fi
    [ -n "$br" ] || return 0
    ip link add "$br" type bridge || fail "cannot create bridge $br"
    bridge_made=1
    ip link set "$br" up || fail "cannot bring $br up"
}

# domain_xml NAME MAC [EMULATOR [IN-INTERFACE [IN-DOMAIN]]]: an unpinned
# domain, no disk, one virtio NIC on $br; IN-INTERFACE and IN-DOMAIN are
# XML added at the end of <interface> and <domain> (the qemu namespace is
# declared for IN-DOMAIN). <acpi/>: without it libvirt 9.0 passes -no-acpi,
# which QEMU >= 9.0 rejects
domain_xml() {
    cat <<EOF
<domain type='$virt'${5:+ xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'}>
  <name>$1</name>
  <memory unit='KiB'>131072</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <features>
    <acpi/>
  </features>
  <devices>
    <emulator>${3:-$emulator}</emulator>
    <interface type='bridge'>
      <mac address='$2'/>
      <source bridge='$br'/>
      <model type='virtio'/>${4:-}
    </interface>
  </devices>${5:-}
</domain>
EOF
}

# ---- a Linux guest with a virtio NIC, for the live migrations ---------------
# guest_require KDIR FETCH: skip (77) unless a guest can be built: a guest
# kernel in KDIR (FETCH says how to get one: tools/fetch-guest-kernel) and
# busybox-static for its initramfs; sets busybox
guest_require() {
    for c in gzip readelf; do
        command -v $c >/dev/null 2>&1 || skip "no $c (apt-get install gzip binutils)"
    done
    busybox=$(command -v busybox) || skip "no busybox for the guest's initramfs (apt-get install busybox-static)"
    ! readelf -l "$busybox" | grep -q INTERP ||
        skip "$busybox is linked dynamically; the initramfs needs busybox-static (apt-get install busybox-static)"
    [ -s "$1/vmlinuz" ] && [ -s "$1/modules/order" ] ||
        skip "no guest kernel in $1: run $2 (tools/quickstart does)"
}

# guest_initramfs KDIR OUT: after guest_require, a gzipped initramfs for
# KDIR's kernel: busybox and KDIR's modules (virtio_net and what it needs, in
# the order of KDIR/modules/order). Its /init loads them, brings eth0 up and
# prints "tick N features BITS operstate STATE" on the console every second
# (sysfs' negotiated virtio features: character i is bit i;
# tests/migration.py console-features reads the last such line)
guest_initramfs() {
    ir="$tmp/initramfs.d"
    rm -rf "$ir"
    mkdir -p "$ir/bin" "$ir/lib" "$ir/dev" "$ir/proc" "$ir/sys"
    cp "$busybox" "$ir/bin/busybox" || fail "copy busybox"
    while read -r m; do
        cp "$1/modules/$m.ko" "$ir/lib/" || fail "no $m.ko in $1/modules"
    done <"$1/modules/order"
    cp "$1/modules/order" "$ir/lib/order"
    cat >"$ir/init" <<'INIT'
#!/bin/busybox sh
# load virtio_net, bring eth0 up, then print its negotiated virtio features
# (sysfs: character i is bit i) and its state every second
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
while read -r m; do insmod "/lib/$m.ko" || echo "insmod $m failed"; done </lib/order
if ip link set eth0 up; then echo "NIC up"; else echo "NIC failed"; fi
i=0
while :; do
    echo "tick $i features $(cat /sys/class/net/eth0/device/features) operstate $(cat /sys/class/net/eth0/operstate)"
    i=$((i + 1))
    sleep 1
done
INIT
    chmod 755 "$ir/init"
    (cd "$ir" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$2") ||
        fail "cannot pack the initramfs"
    rm -rf "$ir"
}

# ---- commands inside a booted Linux that sees this host's files ---------------
# guest_run_require KDIR FETCH: skip (77) unless guest_run can boot KDIR (a
# kernel directory of tools/fetch-vdpa-sim: vmlinuz, modules/*.ko,
# modules/boot; FETCH says how to get one): busybox-static and cpio for the
# initramfs, qemu-system-x86_64 with virtio-9p; sets busybox
guest_run_require() {
    for c in gzip readelf timeout tail qemu-system-x86_64; do
        command -v $c >/dev/null 2>&1 || skip "no $c (tools/quickstart installs it)"
    done
    busybox=$(command -v busybox) || skip "no busybox for the guest's initramfs (apt-get install busybox-static)"
    ! readelf -l "$busybox" | grep -q INTERP ||
        skip "$busybox is linked dynamically; the initramfs needs busybox-static (apt-get install busybox-static)"
    qemu-system-x86_64 -nodefaults -machine none -device help </dev/null 2>/dev/null | grep -q '"virtio-9p-pci"' ||
        skip "$(command -v qemu-system-x86_64) has no virtio-9p-pci: the guest cannot see this host's files"
    [ -s "$1/vmlinuz" ] && [ -s "$1/modules/boot" ] || skip "no guest kernel in $1: run $2 (tools/quickstart does)"
}

# guest_run KDIR SCRIPT [SECONDS]: after guest_run_require, run the shell
# script SCRIPT (a file) as root inside KDIR's Linux booted under QEMU (TCG,
# 2 vCPUs, 1.5 GiB), in a chroot whose / is this host's / read-only over
# 9p: the same programs, libraries, QEMU, build tree and caches at the same
# paths. The chroot has the guest's own /dev (devtmpfs), /proc, /sys, and
# tmpfs on /run and /tmp, where the paths under /tmp it needs (the build
# and source trees) are bound back, read-only; $tmp is this host's,
# read-write: files written there are how results come back (no unix
# socket there: 9p does not carry one; use /tmp). SCRIPT runs under sh with
# this shell's exported variables (TMPDIR=/tmp); its output is printed as it
# comes, each line prefixed with "guest: ", and kept with the boot's in
# $tmp/guest.console. Returns SCRIPT's exit status, 124 when the guest did
# not finish within SECONDS (default 300), 125 when it gave no status. Sets
# guest_boot_ms (the guest's uptime when SCRIPT started) and guest_ms (the whole
# run). Nothing of this host's /dev is touched: the share is read-only and
# the guest's /dev its own.
guest_run() {
    [ -n "$tmp" ] && [ -d "$tmp" ] || fail "guest_run: no \$tmp"
    gr_ir="$tmp/guest-initramfs.d"
    rm -rf "$gr_ir"
    mkdir -p "$gr_ir/bin" "$gr_ir/lib" "$gr_ir/dev" "$gr_ir/proc" "$gr_ir/sys" "$gr_ir/newroot" "$gr_ir/hosttmp" ||
        fail "mkdir $gr_ir"
    cp "$busybox" "$gr_ir/bin/busybox" || fail "copy busybox"
    while read -r m; do
        cp "$1/modules/$m.ko" "$gr_ir/lib/" || fail "no $m.ko in $1/modules"
    done <"$1/modules/boot"
    cp "$1/modules/boot" "$gr_ir/lib/boot"
    # the paths under /tmp the chroot needs besides $tmp: the trees
    gr_keep=
    for p in "${abs_top_builddir:-}" "${abs_top_srcdir:-}"; do
        case "$p:$gr_keep " in /tmp/?*:*" $p "*) ;; /tmp/?*) gr_keep="$gr_keep $p" ;; esac
    done
    export -p >"$tmp/guest.env"
    printf "gr_tmp='%s'\ngr_keep='%s'\ngr_script='%s'\n" "$tmp" "$gr_keep" "$2" >"$gr_ir/guest.conf"
    cat >"$gr_ir/init" <<'INIT'
#!/bin/busybox sh
# tests/lib.sh guest_run: this host's / over 9p, read-only, as the root of
# a chroot with the guest's own /dev, /proc, /sys, /run, /tmp; $tmp
# read-write; then the script, and its status on the console
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
. /guest.conf
while read -r m; do insmod "/lib/$m.ko" || echo "insmod $m failed"; done </lib/boot
r=/newroot
opts=trans=virtio,version=9p2000.L,msize=262144
if ! mount -t 9p -o "$opts,ro,cache=loose" hostroot $r; then
    echo "guest-run: cannot mount this host's / (9p)"
    poweroff -f
fi
mount --bind $r/tmp /hosttmp
mount -t tmpfs -o mode=1777 tmpfs $r/tmp
for p in $gr_keep; do
    mkdir -p "$r$p" && mount --bind "/hosttmp${p#/tmp}" "$r$p" || echo "guest-run: cannot bind $p"
done
mkdir -p "$r$gr_tmp"
mount -t 9p -o "$opts,rw" hosttmp "$r$gr_tmp" || echo "guest-run: cannot mount $gr_tmp (9p)"
mount -t devtmpfs devtmpfs $r/dev
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t tmpfs tmpfs $r/run
echo "guest-run: start $(cut -d' ' -f1 /proc/uptime)"
chroot $r /bin/sh -c '. "$1/guest.env"; TMPDIR=/tmp; export TMPDIR; cd /tmp && exec /bin/sh "$2"' \
    guest-run "$gr_tmp" "$gr_script"
echo "guest-run: exit $?"
sync
poweroff -f
INIT
    chmod 755 "$gr_ir/init"
    (cd "$gr_ir" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$tmp/guest-initrd.gz") ||
        fail "cannot pack the guest's initramfs"
    rm -rf "$gr_ir"
    : >"$tmp/guest.console"
    gr_t0=$(date +%s%3N)
    # -virtfs of /: multidevs=remap keeps the inode numbers of this host's
    # several file systems apart
    timeout "${3:-300}" qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp 2 -m 1536 \
        -nodefaults -display none -no-reboot -kernel "$1/vmlinuz" -initrd "$tmp/guest-initrd.gz" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1" -serial "file:$tmp/guest.console" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$tmp,mount_tag=hosttmp,security_model=none,multidevs=remap" \
        </dev/null >"$tmp/guest.qemu" 2>&1 &
    gr_pid=$!
    # the console as it comes, until QEMU has gone
    tail -n +1 -s 0.2 --pid=$gr_pid -f "$tmp/guest.console" | sed -u 's/\r$//; s/^/guest: /'
    wait $gr_pid
    gr_rc=$?
    guest_ms=$(($(date +%s%3N) - gr_t0))
    gr_start=$(tr -d '\r' <"$tmp/guest.console" | sed -n 's/^guest-run: start \([0-9.]*\)$/\1/p')
    guest_boot_ms=$(echo "${gr_start:-0}" | awk '{ printf "%d", $1 * 1000 }')
    [ "$gr_rc" != 124 ] || { echo "guest_run: the guest did not finish within ${3:-300} s" >&2; return 124; }
    gr_status=$(tr -d '\r' <"$tmp/guest.console" | sed -n 's/^guest-run: exit \([0-9]*\)$/\1/p')
    [ -n "$gr_status" ] || { cat "$tmp/guest.qemu" >&2; return 125; }
    return "$gr_status"
}

# ---- the QEMUs of this machine ------------------------------------------------
# list_emulators OUT [BINARY...]: NAME=PATH lines in OUT, one per QEMU this
# machine has of the fidelity matrix (as tests/abi-fidelity.py finds them):
# the system's (system-x86_64: bookworm-backports' 10.0), the prefixes of
# tools/fetch-qemu72 (/opt/abipin-qemu-*: Debian 12's 7.2), run through a
# wrapper in $tmp/wrappers that gives them their data, and the chroot
# wrappers of tools/fetch-qemu-chroot (/opt/abipin-chroot-*: Debian 11's
# 5.2, unstable's 11.1). BINARY: qemu-system-x86_64 qemu-system-aarch64
# unless given.
list_emulators() {
    le_out=$1
    shift
    [ $# -gt 0 ] || set -- qemu-system-x86_64 qemu-system-aarch64
    : >"$le_out"
    for name in "$@"; do
        b=$(command -v "$name") && echo "system-${name#qemu-system-}=$b" >>"$le_out"
    done
    for p in /opt/abipin-qemu-*; do
        for name in "$@"; do
            b="$p/usr/bin/$name"
            [ -x "$b" ] || continue
            mkdir -p "$tmp/wrappers"
            w="$tmp/wrappers/$(basename "$p")-${b##*-}"
            cat >"$w" <<WRAPPER
#!/bin/sh
QEMU_MODULE_DIR='$p/usr/lib/x86_64-linux-gnu/qemu' exec '$b' -L '$p/usr/share/qemu' -L /usr/share/seabios -L /usr/lib/ipxe/qemu "\$@"
WRAPPER
            chmod 755 "$w"
            echo "$(basename "$p")-${b##*-}=$w" >>"$le_out"
        done
    done
    for name in "$@"; do
        for w in /opt/abipin-chroot-*/abipin/"$name"; do
            [ -x "$w" ] && echo "$(echo "$w" | cut -d/ -f3)-${w##*-}=$w" >>"$le_out"
        done
    done
}

# ---- vhost-user backends: dpdk-testpmd ------------------------------------------
# testpmd_require: skip (77) unless dpdk-testpmd is here (Debian 12's dpdk-dev
# with the vhost PMD and the ring mempool; tools/quickstart installs them)
testpmd_require() {
    testpmd=$(command -v dpdk-testpmd) ||
        skip "no dpdk-testpmd (apt-get install --no-install-recommends dpdk-dev librte-mempool-ring23 librte-net-vhost23; tools/quickstart does)"
    [ -n "$(find /usr/lib /usr/lib64 -name 'librte_net_vhost.so*' 2>/dev/null | head -n 1)" ] ||
        skip "DPDK has no vhost PMD here (apt-get install librte-net-vhost23)"
    testpmd_pids=
    testpmd_prefixes=
}

# testpmd_start NAME SOCKET [DEVARGS]: a dpdk-testpmd vhost-user backend, the
# server on SOCKET (DEVARGS added to net_vhost0's, e.g. tso=1), no hugepages,
# io forwarding; its output in $tmp/NAME.testpmd. testpmd leaves when its
# stdin closes: that is a pipe whose writer is a sleep of ours. Both pids
# go to $testpmd_pids (testpmd first) for testpmd_stop. Waits (30 s at most)
# until the port is started and SOCKET listens.
testpmd_start() {
    tp_fifo="$tmp/$1.stdin"
    rm -f "$tp_fifo"
    mkfifo "$tp_fifo" || fail "mkfifo $tp_fifo"
    tp_prefix="abipin-$$-$1"
    testpmd_prefixes="$testpmd_prefixes $tp_prefix"
    # testpmd busy-polls its forwarding core (1); core 0 takes its main thread
    "$testpmd" -l 0-1 --no-huge -m 256 --no-pci --file-prefix="$tp_prefix" \
        --vdev "net_vhost0,iface=$2,queues=1${3:+,$3}" -- \
        --total-num-mbufs=4096 --forward-mode=io --auto-start <"$tp_fifo" >"$tmp/$1.testpmd" 2>&1 &
    tp_pid=$!
    sleep 900 >"$tp_fifo" &
    testpmd_pids="$tp_pid $! $testpmd_pids"
    eval "testpmd_pid_$1=$tp_pid"
    tp_end=$(($(date +%s) + 30))
    until [ -S "$2" ] && grep -q '^Checking link statuses' "$tmp/$1.testpmd"; do
        if ! kill -0 "$tp_pid" 2>/dev/null || [ "$(date +%s)" -gt $tp_end ]; then
            cat "$tmp/$1.testpmd" >&2
            [ "$(id -u)" = 0 ] || skip "dpdk-testpmd does not start as $(id -un) (above); root can"
            fail "dpdk-testpmd $1 ($3) did not start listening on $2 within 30 s"
        fi
        sleep 0.1
    done
}

# testpmd_stop: end every backend testpmd_start started (testpmd, then its
# stdin's sleep) and remove DPDK's runtime directories of theirs
testpmd_stop() {
    # shellcheck disable=SC2086
    stop_children ${testpmd_pids:-}
    testpmd_pids=
    for p in ${testpmd_prefixes:-}; do
        rm -rf "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$p"
    done
}

# vhost_user_registers EMULATOR MACHINE SOCKET: the feature vector a paused
# QEMU's virtio-net-pci on a vhost-user netdev connected to SOCKET offers,
# read from the device's registers (tests/qtest_virtio.py), as 0x...; the
# guest's memory is a shared memfd, as vhost-user needs, no hugepages
# (SOCKET may end in chardev options: "PATH,server=on,wait=off" has QEMU
# listen, for a backend that connects, as Open vSwitch's dpdkvhostuserclient)
vhost_user_registers() {
    vr_q="$tmp/qtest-$$.sock"
    rm -f "$vr_q"
    python3 "$abs_top_srcdir/tests/qtest_virtio.py" "$vr_q" "$1" -S \
        -machine "$2,memory-backend=mem0" -object memory-backend-memfd,id=mem0,size=256M,share=on \
        -chardev "socket,id=chr0,path=$3" -netdev vhost-user,id=n0,chardev=chr0 \
        -device virtio-net-pci,netdev=n0,addr=0x3 -accel tcg -nodefaults -display none \
        -qtest "unix:$vr_q" -qtest-log /dev/null </dev/null >"$tmp/registers.out" 2>"$tmp/registers.err" || {
        cat "$tmp/registers.out" "$tmp/registers.err" >&2
        fail "the registers of a virtio-net-pci on $3 ($1, $2) could not be read"
    }
    [ "$(wc -l <"$tmp/registers.out")" = 1 ] || { cat "$tmp/registers.out" >&2; fail "not one virtio-net function ($1, $2)"; }
    cut -d' ' -f2 "$tmp/registers.out"
}

# vdpa_registers EMULATOR MACHINE CHARDEV [MAC [PROPS]]: the feature vector a paused
# QEMU's virtio-net-pci on a vhost-vdpa netdev (CHARDEV: /dev/vhost-vdpa-N)
# offers, read from the device's registers (tests/qtest_virtio.py), as 0x...
# On a vDPA host (a guest_run script: /dev/vhost-vdpa-N is the guest's). QEMU
# writes the NIC's MAC (MAC, default 52:54:00:12:34:56) into the device's
# config at realize (hw/net/virtio-net.c virtio_net_device_realize). PROPS:
# more -device properties, "ctrl_mac_addr=off,..." (tests/pinned_props.py)
vdpa_registers() {
    vr_q="$tmp/qtest-$$.sock"
    rm -f "$vr_q"
    python3 "$abs_top_srcdir/tests/qtest_virtio.py" "$vr_q" "$1" -S -machine "$2" \
        -netdev "vhost-vdpa,vhostdev=$3,id=n0" -device "virtio-net-pci,netdev=n0,addr=0x3${4:+,mac=$4}${5:+,$5}" \
        -accel tcg -nodefaults -display none -qtest "unix:$vr_q" -qtest-log /dev/null \
        </dev/null >"$tmp/registers.out" 2>"$tmp/registers.err" || {
        cat "$tmp/registers.out" "$tmp/registers.err" >&2
        fail "the registers of a virtio-net-pci on $3 ($1, $2) could not be read"
    }
    [ "$(wc -l <"$tmp/registers.out")" = 1 ] || { cat "$tmp/registers.out" >&2; fail "not one virtio-net function ($1, $2)"; }
    cut -d' ' -f2 "$tmp/registers.out"
}

# ---- a guest on a test daemon (migration-default.sh, migration-vhost-user.sh) -----
# The Linux of tools/fetch-guest-kernel ($kdir) with guest_initramfs's
# $tmp/initrd.gz, booted by libvirt with no disk, its console in
# $tmp/NAME.console, where it prints the negotiated features every second.
mig() { python3 "$abs_top_srcdir/tests/migration.py" "$@"; }
ms() { date +%s%3N; }

# guest_xml NAME MAC INTERFACE-XML [MEMORY-BACKING-XML]: the definition, of
# type $virt on $machine with $emulator, one NIC (INTERFACE-XML: its type
# attribute and source element)
guest_xml() {
    cat <<EOF
<domain type='$virt'>
  <name>$1</name>
  <memory unit='KiB'>196608</memory>${4:+
  $4}
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='$machine'>hvm</type>
    <kernel>$kdir/vmlinuz</kernel>
    <initrd>$tmp/initrd.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$emulator</emulator>
    <controller type='usb' model='none'/>
    <interface $3
      <mac address='$2'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='$tmp/$1.console' append='on'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# wait_up NAME SECONDS [TICK]: the guest's console shows eth0 up in a tick
# after TICK (default: any); its last line's features go to $tmp/NAME.features
wait_up() {
    wu_end=$(($(date +%s) + $2))
    while [ "$(date +%s)" -le $wu_end ]; do
        if mig console-features "$tmp/$1.console" >"$tmp/$1.features" 2>/dev/null &&
            [ "$(json_get "$tmp/$1.features" 'd["operstate"]')" = up ] &&
            [ "$(json_get "$tmp/$1.features" 'd["tick"]')" -gt "${3:--1}" ]; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}
tick() { json_get "$tmp/$1.features" 'd["tick"]'; }
bits() { json_get "$tmp/$1.features" '" ".join(str(b) for b in d["bits"])'; }
# has_bits NAME BIT...: the guest's last features line has these (ascending) bits
has_bits() {
    hb_name=$1
    shift
    case " $(bits "$hb_name") " in *" $* "*) return 0 ;; esac
    return 1
}

# boot N NAME: start NAME on daemon N and wait for eth0 up; $boot_ms is how long
boot() {
    t0=$(ms)
    "v$1" start "$2" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" "$tmp/d$1/log/qemu/$2.log" >&2; fail "virsh start $2"; }
    wait_up "$2" 180 || {
        tail -n 5 "$tmp/$2.console" "$tmp/d$1/log/qemu/$2.log" >&2
        fail "$2: the guest's NIC was not up within 180 s"
    }
    boot_ms=$(($(ms) - t0))
}

# qemu_rejected LOG BITS NEGOTIATED: the destination QEMU's log LOG has the
# "Features ... unsupported" line of a failed migration, rejecting exactly
# BITS ("54 55 56") of the guest's NEGOTIATED bits; $features_line is it
qemu_rejected() {
    mig qemu-error "$1" >"$tmp/qerr.json" || { cat "$1" "$tmp/err" >&2; fail "no Features line in $1"; }
    features_line=$(json_get "$tmp/qerr.json" 'd["line"]')
    qr_rejected=$(json_get "$tmp/qerr.json" '" ".join(str(b) for b in d["unsupported"])')
    [ "$qr_rejected" = "$2" ] || fail "the destination rejected bits $qr_rejected, not $2: $features_line"
    [ "$(mig bits "$(json_get "$tmp/qerr.json" 'd["features"]')")" = "$3" ] ||
        fail "QEMU's Features are not the bits the guest negotiated ($3): $features_line"
}

# ---- what the vhost-user and vDPA tests share ----------------------------------------
# vu_features SOCKET | --listen SOCKET: a backend's GET_FEATURES, 0x...
vu_features() { python3 "$abs_top_srcdir/tests/vu_features.py" "$@"; }

# vhost_user_machines EMULATOR: the current q35, an older pc-q35 (7.2, or
# 4.2 on a QEMU whose current is 7.2 or older), pc-i440fx-5.2; the current
# one in $cur, -machine help in $tmp/machines
vhost_user_machines() {
    "$1" -machine help </dev/null >"$tmp/machines" 2>/dev/null || fail "$1 -machine help"
    cur=$(sed -n 's/^q35 .*(alias of \(pc-q35-[0-9.]*\))$/\1/p' "$tmp/machines")
    [ -n "$cur" ] || fail "$1: no q35 alias in -machine help"
    vm_old=pc-q35-7.2
    [ "$cur" != $vm_old ] && grep -q "^$vm_old " "$tmp/machines" || vm_old=pc-q35-4.2
    for vm_m in $vm_old pc-i440fx-5.2; do
        grep -q "^$vm_m " "$tmp/machines" || fail "$1 has no machine type $vm_m"
    done
    echo "$cur $vm_old pc-i440fx-5.2"
}

# vhost_user_dom_xml NAME SOCKET MACHINE EMULATOR [MODE]: a domain with one
# vhost-user NIC (MODE: client, QEMU connects, by default; server), its
# memory a shared memfd as vhost-user needs
vhost_user_dom_xml() {
    cat <<VUDOM
<domain type='qemu'>
  <name>$1</name>
  <memory unit='KiB'>262144</memory>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <os>
    <type arch='x86_64' machine='$3'>hvm</type>
  </os>
  <devices>
    <emulator>$4</emulator>
    <interface type='vhostuser'>
      <mac address='52:54:00:76:75:01'/>
      <source type='unix' path='$2' mode='${5:-client}'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
VUDOM
}

# abi_offered JSON: abipin abi --json's vector and external bits of the one
# interface, "0x... 1,2" ("-" for none)
abi_offered() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["interfaces"]) == 1, d["interfaces"]
i = d["interfaces"][0]
print(i["offered"], ",".join(str(b) for b in i.get("external", [])) or "-")' "$1"
}

# same A B: the same number (hex strings of any width)
same() { [ "$(python3 -c 'import sys; print(int(sys.argv[1], 16) == int(sys.argv[2], 16))' "$1" "$2")" = True ]; }

# bitlist N: the set bits of N, "bits 11, 12" ("no bit" for none)
bitlist() {
    python3 -c 'import sys; n = int(sys.argv[1], 0); b = [str(i) for i in range(n.bit_length()) if n >> i & 1]
print("bits " + ", ".join(b) if b else "no bit")' "$1"
}

# wrong TEXT: one of abipin's disagreements with the real thing, a line in
# $tmp/wrong; a test collects them over its whole matrix and fails at the end
wrong() { echo "$*" | tr '\n' ' ' | sed 's/ *$//' >>"$tmp/wrong" && echo >>"$tmp/wrong"; }

# on_host N COMMAND...: COMMAND as on host N of a migration test: its
# backend's socket directory $tmp/vuN bound at $tmp/vu, in a mount
# namespace of its own
on_host() {
    oh_n=$1
    shift
    # shellcheck disable=SC2016
    unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
        on_host "$tmp/vu$oh_n" "$tmp/vu" "$@"
}
