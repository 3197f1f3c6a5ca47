/* TUNSETOFFLOAD flags newer than the kernel headers of some build hosts
 * (Linux 6.2 for USO, about 6.17 for UDP tunnel GSO; include/uapi/linux/if_tun.h). */
#pragma once

#include <linux/if_tun.h>

#ifndef TUN_F_USO4
# define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
# define TUN_F_USO6 0x40
#endif
#ifndef TUN_F_UDP_TUNNEL_GSO
# define TUN_F_UDP_TUNNEL_GSO 0x080
#endif
#ifndef TUN_F_UDP_TUNNEL_GSO_CSUM
# define TUN_F_UDP_TUNNEL_GSO_CSUM 0x100
#endif
