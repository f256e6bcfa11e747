// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/listeners.hpp"

#include <fcntl.h>
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

/// Returns the listening fd, or -1 with errno set.
int try_bind(const net::Endpoint& ep, const PrepareSocket& prepare) {
    int family = ep.address.family == net::Family::kIPv4 ? AF_INET : AF_INET6;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (prepare) prepare(fd, ep.address.family);
    socklen_t len = 0;
    sockaddr_storage ss = net::to_sockaddr(ep, len);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

void close_all(std::vector<Listener>& listeners) {
    for (auto& l : listeners) close(l.fd);
    listeners.clear();
}

}  // namespace

std::vector<net::Endpoint> default_listen_addresses(bool ipv6) {
    std::vector<net::Endpoint> out;
    net::Endpoint v4;
    net::IpAddress::parse("127.0.0.1", v4.address);
    out.push_back(v4);
    if (ipv6) {
        net::Endpoint v6;
        net::IpAddress::parse("::1", v6.address);
        out.push_back(v6);
    }
    return out;
}

std::vector<Listener> bind_tcp_listeners(const std::vector<net::Endpoint>& addresses, const PrepareSocket& prepare) {
    std::vector<Listener> listeners;
    uint16_t fixed_port = 0;
    for (const auto& a : addresses) fixed_port = a.port != 0 ? a.port : fixed_port;
    if (fixed_port != 0) {
        for (auto ep : addresses) {
            if (ep.port == 0) ep.port = fixed_port;
            int fd = try_bind(ep, prepare);
            if (fd < 0) {
                std::string why = strerror(errno);
                close_all(listeners);
                std::string hint = ep.address.family == net::Family::kIPv6 ? " (use --disable-ipv6?)" : "";
                throw std::runtime_error("cannot listen on " + ep.to_string() + ": " + why + hint);
            }
            listeners.push_back({fd, ep});
        }
        return listeners;
    }
    // Search one port that is free on every address, like upstream.
    for (uint16_t port = kFirstSearchPort; port >= kLastSearchPort; --port) {
        bool ok = true;
        for (auto ep : addresses) {
            ep.port = port;
            int fd = try_bind(ep, prepare);
            if (fd < 0) {
                if (errno != EADDRINUSE) {
                    std::string why = strerror(errno);
                    close_all(listeners);
                    std::string hint = ep.address.family == net::Family::kIPv6 ? " (use --disable-ipv6?)" : "";
                    throw std::runtime_error("cannot listen on " + ep.to_string() + ": " + why + hint);
                }
                ok = false;
                break;
            }
            listeners.push_back({fd, ep});
        }
        if (ok) return listeners;
        close_all(listeners);
    }
    throw std::runtime_error("no free port between 9001 and 12300 to listen on");
}

}  // namespace sshuttle::app
