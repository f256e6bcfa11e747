// SPDX-License-Identifier: LGPL-2.1-or-later
// SocketReader: libssh2's reads from the first hop's socket, served from one large recv() at a time.
//
// Why: libssh2 1.10 asks the socket for at most 16 KiB per call (1.11: one packet), and before every packet it
// sends it first asks whether anything arrived, which during an upload is almost always "no". Each of those is a
// system call, about 1.2 us even when it returns EAGAIN on the bench VM, and together they were 110k calls per GB
// downloaded and 100k per GB uploaded. Here one recv() takes up to kBufferBytes, and libssh2's calls are copies.
//
// Quiet period (only while the pump thread owns the session): after the socket said EAGAIN, further reads answer
// EAGAIN without a system call until the period ends or the pump's poll() says the socket is readable. Nothing
// can wait on a stale "nothing there": whenever the pump runs out of work it polls the socket, which is
// level-triggered and returns at once when bytes are waiting.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <vector>

namespace sshuttle::plugins::transport_ssh {

class SocketReader {
   public:
    using Clock = std::chrono::steady_clock;

    /// Reads from fd (not owned).
    explicit SocketReader(int fd) : fd_(fd) {}

    /// recv() semantics as libssh2 expects them from its callback: bytes copied (at most len), 0 once the peer
    /// closed and everything before was taken, -errno on failure (-EAGAIN when nothing is waiting).
    ssize_t read(void* out, size_t len);
    /// True while bytes read from the socket are waiting for libssh2: the socket may then look idle.
    bool has_buffered() const { return begin_ < end_; }
    /// Zero (the default) asks the kernel every time.
    void set_quiet_period(std::chrono::microseconds period);
    /// The socket was just seen readable: the next read asks the kernel.
    void note_readable() { quiet_until_ = Clock::time_point{}; }

    static constexpr size_t kBufferBytes = 256 * 1024;

   private:
    int fd_;
    std::vector<char> buffer_;  // allocated on the first read
    size_t begin_ = 0;
    size_t end_ = 0;
    std::chrono::microseconds quiet_period_{0};
    Clock::time_point quiet_until_{};
};

}  // namespace sshuttle::plugins::transport_ssh
