#!/bin/sh
# tests/virt-test-driver.sh again, with abipin loading libvirt 11.3's
# libvirt.so.0 (bookworm-backports) in place of the system's 9.0, as on a
# host whose libvirt is 11.3. tools/quickstart unpacks it
# (tools/fetch-libvirt); skips (77) without it.
ABIPIN_LIBVIRT_PREFIX=/opt/abipin-libvirt-11.3
export ABIPIN_LIBVIRT_PREFIX
exec sh "$abs_top_srcdir/tests/virt-test-driver.sh"
