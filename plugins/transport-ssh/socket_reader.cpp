// SPDX-License-Identifier: LGPL-2.1-or-later
#include "socket_reader.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sshuttle::plugins::transport_ssh {

void SocketReader::set_quiet_period(std::chrono::microseconds period) {
    quiet_period_ = period;
    quiet_until_ = Clock::time_point{};
}

ssize_t SocketReader::read(void* out, size_t len) {
    if (len == 0) return 0;
    if (begin_ == end_) {
        if (quiet_period_.count() > 0 && Clock::now() < quiet_until_) return -EAGAIN;
        if (buffer_.empty()) buffer_.resize(kBufferBytes);
        ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (n <= 0) {
            if (n == 0) return 0;
            int error = errno;
            if (error == EAGAIN && quiet_period_.count() > 0) quiet_until_ = Clock::now() + quiet_period_;
            return -error;
        }
        begin_ = 0;
        end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(len, end_ - begin_);
    std::memcpy(out, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
}

}  // namespace sshuttle::plugins::transport_ssh
