#!/bin/sh
# tests/migration.sh for issue 17's failure: UDP-tunnel GSO (virtio bits
# 65-68) with QEMU 11.1 and a Linux 7.x guest, to a destination whose tap
# rejects TUN_F_UDP_TUNNEL_GSO as Linux < 6.17 does. See tests/migration.sh.
ABIPIN_MIGRATION_CASE=tunnel
export ABIPIN_MIGRATION_CASE
exec "$abs_top_srcdir/tests/migration.sh" "$@"
