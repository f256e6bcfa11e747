// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tcp_connect.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

// Starts a non-blocking connect and waits for it; 0 or an errno (ETIMEDOUT at the deadline).
int connect_one(int fd, const addrinfo* ai, Clock::time_point deadline) {
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return 0;
    if (errno != EINPROGRESS) return errno;
    pollfd pfd{fd, POLLOUT, 0};
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return ETIMEDOUT;
        int rc = ::poll(&pfd, 1, static_cast<int>(left));
        if (rc > 0) break;
        if (rc < 0 && errno != EINTR) return errno;
    }
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    return error;
}

void tune(int fd) {
    int one = 1;
    // Small mux frames (pings, acks, interactive traffic) must not wait behind Nagle.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

}  // namespace

int tcp_connect(const std::string& host, int port, Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
    if (rc != 0)
        throw sdk::Error(SSHUTTLE_ESYSTEM, "cannot resolve host '" + host + "': " + ::gai_strerror(rc));
    int last_error = 0;
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_error = errno;
            continue;
        }
        last_error = connect_one(fd, ai, deadline);
        if (last_error == 0) {
            ::freeaddrinfo(list);
            tune(fd);
            return fd;
        }
        ::close(fd);
        if (last_error == ETIMEDOUT) break;  // the deadline is shared by all addresses
    }
    ::freeaddrinfo(list);
    const std::string where = "cannot connect to " + host + " port " + std::to_string(port);
    if (last_error == ETIMEDOUT) throw sdk::Error(SSHUTTLE_ESYSTEM, where + ": connection timed out", ETIMEDOUT);
    throw sdk::Error(SSHUTTLE_ESYSTEM, where + ": " + std::strerror(last_error), last_error);
}

}  // namespace sshuttle::plugins::transport_ssh
