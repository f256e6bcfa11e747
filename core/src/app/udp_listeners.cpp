// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/udp_listeners.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "net/sockaddr.hpp"

namespace sshuttle::app {
namespace {

// Bursts of datagrams must not overflow the socket before the event loop drains it (as for DNS).
constexpr int kReceiveBuffer = 4 * 1024 * 1024;

}  // namespace

std::vector<Listener> bind_udp_listeners(const std::vector<net::Endpoint>& addresses, const PrepareSocket& prepare) {
    std::vector<Listener> listeners;
    for (const auto& ep : addresses) {
        const bool v4 = ep.address.family == net::Family::kIPv4;
        const int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        std::string why;
        if (fd < 0) {
            why = std::strerror(errno);
        } else {
            const int one = 1;
            if (!v4) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
            int size = kReceiveBuffer;
            if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
            try {
                if (prepare) prepare(fd, ep.address.family);
                socklen_t len = 0;
                sockaddr_storage ss = net::to_sockaddr(ep, len);
                if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) why = std::strerror(errno);
            } catch (const std::exception& e) {
                why = e.what();
            }
            if (why.empty()) {
                listeners.push_back({fd, ep});
                continue;
            }
            close(fd);
        }
        for (auto& l : listeners) close(l.fd);
        throw std::runtime_error("cannot bind the UDP listener on " + ep.to_string() + ": " + why);
    }
    return listeners;
}

}  // namespace sshuttle::app
