// SPDX-License-Identifier: LGPL-2.1-or-later
// Which users hold a listening socket on a port, from the kernel's socket tables (/proc/net/tcp, tcp6, udp,
// udp6 of the manager's network namespace, which is the client's). A plain user's PORTS may only name ports its
// own client listens on, so that it cannot point the redirect at somebody else's service or session.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string_view>

namespace sshuttle::fwmgr {

enum class SocketKind { kTcpListen, kUdpBound };

/// The owners (uid column) of the sockets in one /proc/net/{tcp,tcp6,udp,udp6} text whose local port is `port`:
/// TCP sockets in LISTEN state, or UDP sockets not connected to a peer. Lines it cannot read are skipped.
std::set<uid_t> owners_in_table(std::string_view table, uint16_t port, SocketKind kind);

/// owners_in_table over both families' tables of this network namespace.
std::set<uid_t> socket_owners(uint16_t port, SocketKind kind);

}  // namespace sshuttle::fwmgr
