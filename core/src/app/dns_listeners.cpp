// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/dns_listeners.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "net/sockaddr.hpp"

namespace sshuttle::app {
namespace {

constexpr uint16_t kFirstSearchPort = 12300;
constexpr uint16_t kLastSearchPort = 9001;
// A burst of queries (a browser opening a page, a resolver test) must not overflow the socket before the
// event loop drains it; the kernel caps this at net.core.rmem_max for unprivileged clients.
constexpr int kReceiveBuffer = 4 * 1024 * 1024;

/// Returns the bound fd, or -1 with errno set.
int try_bind_udp(const net::Endpoint& ep, const PrepareSocket& prepare) {
    const bool v4 = ep.address.family == net::Family::kIPv4;
    int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    if (!v4) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    int size = kReceiveBuffer;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (prepare) prepare(fd, ep.address.family);
    socklen_t len = 0;
    sockaddr_storage ss = net::to_sockaddr(ep, len);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

}  // namespace

std::vector<Listener> bind_dns_listeners(const std::vector<net::Endpoint>& addresses, uint16_t skip_port,
                                         const PrepareSocket& prepare) {
    std::vector<Listener> listeners;
    auto close_all = [&] {
        for (auto& l : listeners) close(l.fd);
        listeners.clear();
    };
    for (uint16_t port = kFirstSearchPort; port >= kLastSearchPort; --port) {
        if (port == skip_port) continue;
        bool ok = true;
        for (auto ep : addresses) {
            ep.port = port;
            int fd = try_bind_udp(ep, prepare);
            if (fd < 0) {
                if (errno != EADDRINUSE) {
                    std::string why = strerror(errno);
                    close_all();
                    throw std::runtime_error("cannot bind the DNS listener on " + ep.to_string() + ": " + why);
                }
                ok = false;
                break;
            }
            listeners.push_back({fd, ep});
        }
        if (ok) return listeners;
        close_all();
    }
    throw std::runtime_error("no free UDP port between 9001 and 12300 for the DNS listener");
}

}  // namespace sshuttle::app
