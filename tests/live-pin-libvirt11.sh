#!/bin/sh
# tests/live-pin.sh again, with libvirt 11.3's libvirtd and virtlogd
# (bookworm-backports) in place of the system's 9.0: virsh and abipin stay
# clients of the system's libvirt.so.0, the normal case. tools/quickstart
# unpacks them (tools/fetch-libvirt); skips (77) without them.
ABIPIN_LIBVIRT_PREFIX=/opt/abipin-libvirt-11.3
export ABIPIN_LIBVIRT_PREFIX
exec sh "$abs_top_srcdir/tests/live-pin.sh"
