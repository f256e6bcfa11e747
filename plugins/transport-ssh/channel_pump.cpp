// SPDX-License-Identifier: LGPL-2.1-or-later
#include "channel_pump.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

// Several SSH packets (32 KiB each) per pass. Measured in the bench lab (medians of 3-5 rounds): 64 KiB buffers and a
// 64 KiB socketpair made the two threads hand over so often that bulk fell to 0.71x (up) / 0.91x (down) of the
// command transport and, the download being slower, echo p50 under it rose to 12 ms; 128 KiB with the kernel's
// default socketpair buffers gave 0.96x / 0.99x and 4.5 ms; 256 KiB moved no more.
constexpr size_t kBufferBytes = 128 * 1024;
constexpr auto kTickInterval = std::chrono::seconds(1);

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

void ChannelPump::Buffer::consume(size_t n) {
    begin += n;
    if (begin == end) begin = end = 0;
}

ChannelPump::ChannelPump(PumpedChannel& channel) : channel_(channel) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        throw sdk::Error(SSHUTTLE_ESYSTEM, errno_text("socketpair"), errno);
    host_fd_ = fds[0];
    pump_fd_ = fds[1];
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        int saved = errno;
        ::close(host_fd_);
        ::close(pump_fd_);
        throw sdk::Error(SSHUTTLE_ESYSTEM, std::string("eventfd: ") + std::strerror(saved), saved);
    }
    to_remote_.bytes.resize(kBufferBytes);
    from_remote_.bytes.resize(kBufferBytes);
    thread_ = std::thread([this] { run(); });
}

ChannelPump::~ChannelPump() {
    stopping_ = true;
    uint64_t one = 1;
    if (::write(wake_fd_, &one, sizeof one) < 0) { /* the eventfd cannot be full after one write */ }
    thread_.join();
    ::close(wake_fd_);
    ::close(pump_fd_);
    ::close(host_fd_);
}

// ---- host side --------------------------------------------------------------------------------------------

void ChannelPump::throw_outcome() const {
    std::lock_guard lock(mutex_);
    if (outcome_.over) throw sdk::Error(outcome_.status, outcome_.message);
    throw sdk::Error(SSHUTTLE_ESYSTEM, "the SSH channel pump stopped without saying why");
}

void ChannelPump::check() const {
    std::lock_guard lock(mutex_);
    if (outcome_.over && outcome_.status != SSHUTTLE_ECLOSED) throw sdk::Error(outcome_.status, outcome_.message);
}

long ChannelPump::read(void* buf, size_t len) {
    ssize_t n = ::recv(host_fd_, buf, len, MSG_DONTWAIT);
    if (n > 0) return static_cast<long>(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        last_blocked_ = SSHUTTLE_WANT_READ;
        return 0;
    }
    // The pump records how the stream ended before it shuts its end, so everything it delivered is read first.
    throw_outcome();
}

long ChannelPump::write(const void* buf, size_t len) {
    {
        std::lock_guard lock(mutex_);
        if (outcome_.over) throw sdk::Error(outcome_.status, outcome_.message);
    }
    ssize_t n = ::send(host_fd_, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) return static_cast<long>(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        last_blocked_ = SSHUTTLE_WANT_WRITE;
        return 0;
    }
    throw_outcome();
}

void ChannelPump::shutdown_write() { ::shutdown(host_fd_, SHUT_WR); }

// ---- pump thread ------------------------------------------------------------------------------------------

void ChannelPump::finish(int status, const std::string& message) {
    {
        std::lock_guard lock(mutex_);
        if (!outcome_.over) outcome_ = Outcome{true, status, message};
    }
    // After the outcome is recorded: the host reads what is queued, then end-of-stream, then the outcome.
    ::shutdown(pump_fd_, status == SSHUTTLE_ECLOSED ? SHUT_WR : SHUT_RDWR);
}

void ChannelPump::run() {
    bool host_eof = false;     // the host shut its sending side
    bool eof_sent = false;     // ... and that EOF went to the remote
    bool remote_done = false;  // the remote's stdout ended (outcome recorded, waiting to flush)
    auto next_tick = std::chrono::steady_clock::now() + kTickInterval;
    try {
        while (!stopping_) {
            bool progress = pump_once(host_eof, eof_sent, remote_done);
            if (remote_done && from_remote_.size() == 0) {
                ::shutdown(pump_fd_, SHUT_WR);  // the host reads the rest, then the recorded outcome
                return;
            }
            auto now = std::chrono::steady_clock::now();
            if (now >= next_tick) {
                channel_.channel_tick();
                next_tick = now + kTickInterval;
            }
            if (progress) continue;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now).count();
            wait_for_events(host_eof, eof_sent, remote_done, static_cast<int>(left < 1 ? 1 : left));
        }
    } catch (const sdk::Error& e) {
        if (e.status() == SSHUTTLE_ECLOSED && remote_done) return;  // already recorded
        finish(e.status() == SSHUTTLE_ECLOSED ? SSHUTTLE_ESYSTEM : e.status(), e.what());
    } catch (const std::exception& e) {
        finish(SSHUTTLE_EINTERNAL, e.what());
    }
}

// One pass in both directions; true when any byte or the EOF moved.
bool ChannelPump::pump_once(bool& host_eof, bool& eof_sent, bool& remote_done) {
    bool progress = false;
    // Host to remote.
    if (!host_eof && to_remote_.room() > 0) {
        ssize_t n = ::recv(pump_fd_, to_remote_.bytes.data() + to_remote_.end, to_remote_.room(), MSG_DONTWAIT);
        if (n > 0) {
            to_remote_.end += static_cast<size_t>(n);
            progress = true;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            host_eof = true;
            progress = true;
        }
    }
    while (to_remote_.size() > 0) {
        long n = channel_.channel_write(to_remote_.bytes.data() + to_remote_.begin, to_remote_.size());
        if (n <= 0) break;
        to_remote_.consume(static_cast<size_t>(n));
        progress = true;
    }
    if (host_eof && !eof_sent && to_remote_.size() == 0 && channel_.channel_send_eof()) {
        eof_sent = true;
        progress = true;
    }
    // Remote to host.
    if (!remote_done) {
        while (from_remote_.room() > 0) {
            long n = 0;
            try {
                n = channel_.channel_read(from_remote_.bytes.data() + from_remote_.end, from_remote_.room());
            } catch (const sdk::Error& e) {
                if (e.status() != SSHUTTLE_ECLOSED) throw;
                // Recorded now, announced to the host once the bytes before it are delivered.
                std::lock_guard lock(mutex_);
                if (!outcome_.over) outcome_ = Outcome{true, SSHUTTLE_ECLOSED, e.what()};
                remote_done = true;
                progress = true;
                break;
            }
            if (n <= 0) break;
            from_remote_.end += static_cast<size_t>(n);
            progress = true;
        }
    }
    while (from_remote_.size() > 0) {
        ssize_t n = ::send(pump_fd_, from_remote_.bytes.data() + from_remote_.begin, from_remote_.size(),
                           MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            from_remote_.consume(static_cast<size_t>(n));
            progress = true;
            continue;
        }
        if (errno == EAGAIN || errno == EINTR) break;
        // The host closed its end: nobody is left to deliver to.
        throw sdk::Error(SSHUTTLE_ESYSTEM, errno_text("delivering to the client"), errno);
    }
    return progress;
}

void ChannelPump::wait_for_events(bool host_eof, bool eof_sent, bool remote_done, int timeout_ms) {
    // The channel's socket is polled only while the pump has something to do with it: reading stops while the
    // host lags behind (the SSH window then holds the remote back), so a full buffer does not spin.
    const bool channel_busy = (!remote_done && from_remote_.room() > 0) || to_remote_.size() > 0 ||
                              (host_eof && !eof_sent);
    pollfd fds[3] = {};
    fds[0].fd = channel_.channel_fd();
    if (channel_busy) {
        unsigned w = channel_.channel_wants();
        if ((w & SSHUTTLE_WANT_READ) != 0) fds[0].events |= POLLIN;
        if ((w & SSHUTTLE_WANT_WRITE) != 0) fds[0].events |= POLLOUT;
        // Input already read off the socket is not waited for (unless the channel needs to send first).
        if ((w & SSHUTTLE_WANT_WRITE) == 0 && channel_.channel_input_buffered()) timeout_ms = 0;
    }
    fds[1].fd = pump_fd_;
    if (!host_eof && to_remote_.room() > 0) fds[1].events |= POLLIN;
    if (from_remote_.size() > 0) fds[1].events |= POLLOUT;
    fds[2].fd = wake_fd_;
    fds[2].events = POLLIN;
    int ready = ::poll(fds, 3, timeout_ms);
    if (ready < 0 && errno != EINTR) throw sdk::Error(SSHUTTLE_ESYSTEM, errno_text("poll"), errno);
    if (ready > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) channel_.channel_readable();
}

}  // namespace sshuttle::plugins::transport_ssh
