// SPDX-License-Identifier: LGPL-2.1-or-later
// What a transparent-proxy firewall method (tproxy) lends the data plane for UDP: reading a captured datagram
// together with where it was going, and opening a socket that answers from that address. The app fills it from
// the firewall plugin (ABI 1.1 recv_udp / open_udp_reply), tests from plain sockets.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

namespace sshuttle::client {

/// One datagram read from a transparent listener.
struct CapturedDatagram {
    std::size_t size = 0;                          // full size; larger than the buffer when it was cut
    boost::asio::ip::udp::endpoint source;         // the application that sent it
    boost::asio::ip::udp::endpoint destination;    // where it was going (the original destination)
};

struct TransparentUdp {
    /// Reads one datagram from the non-blocking socket fd into buffer; nullopt when none is waiting. Throws
    /// std::exception when this one read failed (the socket stays usable).
    std::function<std::optional<CapturedDatagram>(int fd, std::span<uint8_t> buffer)> receive;
    /// A new non-blocking UDP socket that sends from `from` (any address) and, when `to` is given, is connected
    /// to it. The caller owns the fd. Throws std::exception on failure.
    std::function<int(const boost::asio::ip::udp::endpoint& from, const boost::asio::ip::udp::endpoint* to)>
        open_reply;
};

}  // namespace sshuttle::client
