// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/udp_plugin_bridge.hpp"

#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace sshuttle::app {
namespace {

using boost::asio::ip::udp;

udp::endpoint endpoint_of(const sockaddr_storage& ss) {
    udp::endpoint ep;
    const std::size_t size = ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    std::memcpy(ep.data(), &ss, size);
    ep.resize(size);
    return ep;
}

sockaddr_storage sockaddr_of(const udp::endpoint& ep) {
    sockaddr_storage ss{};
    std::memcpy(&ss, ep.data(), ep.size());
    return ss;
}

}  // namespace

client::TransparentUdp transparent_udp_of(const plugin::FirewallPlugin& method) {
    client::TransparentUdp udp;
    udp.receive = [&method](int fd, std::span<uint8_t> buffer) -> std::optional<client::CapturedDatagram> {
        auto datagram = method.recv_udp(fd, buffer);
        if (!datagram) return std::nullopt;
        return client::CapturedDatagram{datagram->size, endpoint_of(datagram->source),
                                        endpoint_of(datagram->destination)};
    };
    udp.open_reply = [&method](const udp::endpoint& from, const udp::endpoint* to) {
        const sockaddr_storage from_ss = sockaddr_of(from);
        if (to == nullptr) return method.open_udp_reply(from_ss, nullptr);
        const sockaddr_storage to_ss = sockaddr_of(*to);
        return method.open_udp_reply(from_ss, &to_ss);
    };
    return udp;
}

}  // namespace sshuttle::app
