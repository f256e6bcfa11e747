// SPDX-License-Identifier: LGPL-2.1-or-later
#include "stderr_tail.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace sshuttle::exec_transport {
namespace {

constexpr std::size_t kMaxLine = 4096;  // a longer "line" is passed on in pieces

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (fd >= 0 && done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // our stderr is gone or full: losing diagnostics beats blocking the tunnel
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

bool StderrTail::drain() {
    char buf[4096];
    while (!eof_) {
        ssize_t n = read(fd_, buf, sizeof buf);
        if (n > 0) {
            take(buf, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            eof_ = true;  // end of file, or an error that will not go away
            finish_line();
        }
    }
    return !eof_;
}

void StderrTail::drain_until_eof(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (drain()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd p{fd_, POLLIN, 0};
        poll(&p, 1, static_cast<int>(left.count()));
    }
}

void StderrTail::take(const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == '\n') {
            partial_ += '\n';
            finish_line();
        } else {
            partial_ += data[i];
            if (partial_.size() >= kMaxLine) finish_line();
        }
    }
}

void StderrTail::finish_line() {
    if (partial_.empty()) return;
    // The last piece of a command that ended without a newline still gets one, so our output stays lines.
    write_all(forward_fd_, eof_ && partial_.back() != '\n' ? partial_ + '\n' : partial_);
    std::string line = partial_;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) last_line_ = line;
    partial_.clear();
}

}  // namespace sshuttle::exec_transport
