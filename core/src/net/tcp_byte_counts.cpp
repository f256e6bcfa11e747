// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/tcp_byte_counts.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstring>

namespace sshuttle::net {
namespace {

// Where the kernel's struct tcp_info (include/uapi/linux/tcp.h) keeps tcpi_bytes_acked and tcpi_bytes_received
// (Linux 4.1): after the 104 bytes glibc's struct also has come tcpi_pacing_rate and tcpi_max_pacing_rate (8
// bytes each), then these two.
constexpr std::size_t kBytesAckedAt = 120;
constexpr std::size_t kBytesReceivedAt = 128;
static_assert(sizeof(tcp_info) == 104, "glibc's struct tcp_info is the kernel's first 104 bytes");

}  // namespace

std::optional<TcpByteCounts> tcp_byte_counts(int fd) {
    std::array<uint8_t, 256> info{};
    socklen_t length = info.size();
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, info.data(), &length) != 0 ||
        length < kBytesReceivedAt + sizeof(uint64_t))
        return std::nullopt;
    TcpByteCounts counts;
    std::memcpy(&counts.acked, info.data() + kBytesAckedAt, sizeof counts.acked);
    std::memcpy(&counts.received, info.data() + kBytesReceivedAt, sizeof counts.received);
    return counts;
}

}  // namespace sshuttle::net
