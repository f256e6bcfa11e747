// SPDX-License-Identifier: LGPL-2.1-or-later
// What went through a TCP socket each way, as the kernel counts it: for connections whose bytes another process
// or thread moves (ssh's own forwarding, a transport plugin's channel), so the client's status still counts them.
#pragma once

#include <cstdint>
#include <optional>

namespace sshuttle::net {

struct TcpByteCounts {
    uint64_t acked = 0;     // sent and acknowledged by the peer (tcpi_bytes_acked)
    uint64_t received = 0;  // received from the peer (tcpi_bytes_received)
};

/// nullopt when the socket is not TCP or the kernel is older than 4.1.
std::optional<TcpByteCounts> tcp_byte_counts(int fd);

}  // namespace sshuttle::net
