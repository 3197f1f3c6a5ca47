/* What Open vSwitch's vhost-user ports answer to VHOST_USER_GET_FEATURES,
 * measured, per build, port type and other_config:userspace-tso-enable.
 *
 * Measured 2026-12-07 on Debian's openvswitch-switch-dpdk: 3.1.0-2+deb12u1
 * (bookworm, DPDK 22.11.11) and 3.5.0-1+b1 (trixie, DPDK 24.11.8, in a
 * chroot from tools/fetch-qemu-chroot), ovs-vswitchd-dpdk with
 * dpdk-extra="--no-huge -m 2048 --no-pci --legacy-mem". GET_FEATURES was
 * sent on the port's own connection: to a dpdkvhostuser port's socket (OVS
 * listens), and from a listener on a dpdkvhostuserclient port's
 * vhost-server-path (OVS connects); each port fresh (see the 3.2+ note).
 * The device's registers (tests/qtest_virtio.py, QEMU 10.0.2, the same on
 * pc-q35-10.0, pc-q35-7.2 and pc-i440fx-5.2) agree with QEMU's rule
 * (hw/net/vhost_net.c user_feature_bits):
 *
 *   OVS  TSO    dpdkvhostuserclient           dpdkvhostuser
 *   3.1  false  0xd7c66a7ca  regs 0x178bfa7e6  0xd7c66a7ca  regs 0x178bfa7e6
 *   3.1  true   0xd7c669fcb  regs 0x178bf9fe7  0xd7c66a7cb  regs 0x178bfa7e7
 *   3.5  false  0xd7c66a7cb  regs 0x178bfa7e7  0xd7c66a7ca  regs 0x178bfa7e6
 *   3.5  true   0xd7c669fcb  regs 0x178bf9fe7  0xd7c66a7cb  regs 0x178bfa7e7
 *
 * tests/vhost-user-ovs.sh measures these again. Why they differ, in Open
 * vSwitch's lib/netdev-dpdk.c (github.com/openvswitch/ovs):
 *
 * - dpdkvhostuserclient, v3.1.0 (3c2bea08) netdev_dpdk_vhost_client_reconfigure,
 *   lines 5400-5416: TSO on disables HOST_ECN and HOST_UFO; TSO off
 *   disables CSUM ("and all the features that depends on it"), so the
 *   device offers no CSUM, TSO4/6, ECN or UFO.
 * - From v3.2.0, commit 3337e6d91 ("userspace: Enable L4 checksum
 *   offloading by default"); v3.5.0 (400db974) lines 6413-6425: TSO off
 *   disables HOST_TSO4, HOST_TSO6 and HOST_UFO only, so CSUM (and HOST_ECN)
 *   stay offered: a guest that acked CSUM on 3.2+ cannot move to 3.1.
 * - v3.5.0 lines 6364-6365: TSO is used only while the port's
 *   virtio_features_state is OVS_VIRTIO_F_CLEAN. Commit a5669fd51
 *   ("netdev-dpdk: Drop TSO in case of conflicting virtio features"),
 *   lines 5126-5160 (destroy_connection): a connection that closes before
 *   the device started flips the port to OVS_VIRTIO_F_WORKAROUND, and the
 *   next connection gets the TSO-off offer (measured: a paused QEMU that
 *   quit, then the next one read 0x178bfa7e7). The rows are the clean
 *   state, which a port has when created and keeps once a guest started.
 * - dpdkvhostuser, v3.1.0 lines 1411-1415 and v3.5.0 lines 1684-1688 (the
 *   same code): TSO off disables HOST_TSO4, HOST_TSO6 and CSUM; TSO on
 *   disables nothing, yet the port registers with
 *   RTE_VHOST_USER_LINEARBUF_SUPPORT and without EXTBUF (v3.1.0 line 1391),
 *   and DPDK's rte_vhost_driver_register (lib/vhost/socket.c: "Linear
 *   buffers requested without external buffers, disabling host
 *   segmentation offloading support") then drops HOST_TSO4/6 and UFO: only
 *   CSUM differs.
 *
 * Stable releases: the lines above are the same text in v3.1.7
 * (d0fe55ad) and v3.5.4 (64569a07), so their rows cover 3.1.0-3.1.7 and
 * 3.5.0-3.5.4 with the DPDK series measured. Everything else (3.2-3.4,
 * 3.6, another DPDK) has no row: unknown. */
#include <config.h>

#include "probe/ovs.h"

const AbipinOvsOffer abipin_ovs_offers[] = {
    { 3, 1, 0, 7, "22.11", "dpdkvhostuserclient", false, 0xd7c66a7caULL },
    { 3, 1, 0, 7, "22.11", "dpdkvhostuserclient", true, 0xd7c669fcbULL },
    { 3, 1, 0, 7, "22.11", "dpdkvhostuser", false, 0xd7c66a7caULL },
    { 3, 1, 0, 7, "22.11", "dpdkvhostuser", true, 0xd7c66a7cbULL },
    { 3, 5, 0, 4, "24.11", "dpdkvhostuserclient", false, 0xd7c66a7cbULL },
    { 3, 5, 0, 4, "24.11", "dpdkvhostuserclient", true, 0xd7c669fcbULL },
    { 3, 5, 0, 4, "24.11", "dpdkvhostuser", false, 0xd7c66a7caULL },
    { 3, 5, 0, 4, "24.11", "dpdkvhostuser", true, 0xd7c66a7cbULL },
};
const size_t abipin_ovs_n_offers = sizeof(abipin_ovs_offers) / sizeof(abipin_ovs_offers[0]);
