// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/caught_datagrams.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace sshuttle::client {

int read_caught_datagrams(int fd, std::vector<uint8_t>& buffer, const CaughtDatagramHandler& handle, int limit) {
    int count = 0;
    while (count < limit) {
        boost::asio::ip::udp::endpoint sender;
        socklen_t sender_len = static_cast<socklen_t>(sender.capacity());
        const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC, sender.data(),
                                     &sender_len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        ++count;
        // Other errors are per datagram (an ICMP error for an earlier send): the next read goes on.
        if (n < 0 || static_cast<std::size_t>(n) > buffer.size()) continue;
        sender.resize(sender_len);
        if (!handle(sender, std::span<const uint8_t>(buffer.data(), static_cast<std::size_t>(n)))) break;
    }
    return count;
}

}  // namespace sshuttle::client
