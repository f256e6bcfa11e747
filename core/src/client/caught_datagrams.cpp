// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/caught_datagrams.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

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

void send_reply_once(const TransparentUdp& udp, const boost::asio::ip::udp::endpoint& from,
                     const boost::asio::ip::udp::endpoint& to, std::span<const uint8_t> data,
                     std::vector<uint8_t>& buffer, const CaughtDatagramHandler& caught) {
    const int fd = udp.open_reply(from, &to);
    if (::send(fd, data.data(), data.size(), MSG_DONTWAIT) < 0)
        spdlog::debug("UDP reply from [{}]:{} to [{}]:{} lost: {}", from.address().to_string(), from.port(),
                      to.address().to_string(), to.port(), std::strerror(errno));
    read_caught_datagrams(fd, buffer, caught);
    ::close(fd);
}

}  // namespace sshuttle::client
