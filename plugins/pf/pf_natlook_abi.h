/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pf-private extra export of sshuttle-pf.so: the DIOCNATLOOK query, called by the root firewall manager for
 * a client's QUERY_PF_NAT line (the client itself cannot open /dev/pf). Not part of sshuttle_firewall_v1 so
 * that the 1.x table stays as it is; the manager finds it with Boost.DLL has()/get() on the module of the
 * method in use, only when that method declares SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER. Any firewall plugin may
 * export it with exactly this signature (core/src/fwmgr/manager_session.cpp declares the same type).
 *
 * family: SSHUTTLE_AF_INET or SSHUTTLE_AF_INET6; proto: IPPROTO_TCP (6). Addresses are 16 bytes in network
 * order (IPv4 in the first 4); ports in host order. src is the connecting peer (getpeername of the accepted
 * socket), dst our listener as reached (getsockname). On SSHUTTLE_OK out_addr/out_port hold the original
 * destination; otherwise a negative SSHUTTLE_E* and err filled. Never throws.
 */
#ifndef SSHUTTLE_PF_NATLOOK_ABI_H
#define SSHUTTLE_PF_NATLOOK_ABI_H

#include "sshuttle/plugin_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SSHUTTLE_SYMBOL_PF_NATLOOK_V1 "sshuttle_pf_natlook_v1"

typedef int (*sshuttle_pf_natlook_v1_fn)(int family, int proto, const uint8_t *src_addr, uint16_t src_port,
                                         const uint8_t *dst_addr, uint16_t dst_port, uint8_t *out_addr,
                                         uint16_t *out_port, sshuttle_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SSHUTTLE_PF_NATLOOK_ABI_H */
