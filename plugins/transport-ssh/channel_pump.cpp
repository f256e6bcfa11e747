// SPDX-License-Identifier: LGPL-2.1-or-later
#include "channel_pump.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

constexpr auto kTickInterval = std::chrono::seconds(1);

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

int make_eventfd() {
    int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) throw sdk::Error(SSHUTTLE_ESYSTEM, errno_text("eventfd"), errno);
    return fd;
}

void ring(int fd) {
    uint64_t one = 1;
    if (::write(fd, &one, sizeof one) < 0) { /* only a full counter (2^64 - 1 rings) fails: still readable */ }
}

void drain(int fd) {
    uint64_t count;
    if (::read(fd, &count, sizeof count) < 0) { /* EAGAIN: nothing rang */ }
}

// Copies up to len bytes out of ring (both pieces when its bytes wrap around the end of its storage).
size_t copy_out(ByteRing& ring, char* out, size_t len) {
    size_t done = 0;
    while (done < len && ring.size() > 0) {
        auto piece = ring.readable();
        size_t n = std::min(len - done, piece.size());
        std::memcpy(out + done, piece.data(), n);
        ring.consume(n);
        done += n;
    }
    return done;
}

size_t copy_in(ByteRing& ring, const char* in, size_t len) {
    size_t done = 0;
    while (done < len && ring.room() > 0) {
        auto piece = ring.writable();
        size_t n = std::min(len - done, piece.size());
        std::memcpy(piece.data(), in + done, n);
        ring.commit(n);
        done += n;
    }
    return done;
}

}  // namespace

ChannelPump::ChannelPump(PumpedChannel& channel) : channel_(channel) {
    host_wake_fd_ = make_eventfd();
    try {
        pump_wake_fd_ = make_eventfd();
    } catch (...) {
        ::close(host_wake_fd_);
        throw;
    }
    thread_ = std::thread([this] { run(); });
}

ChannelPump::~ChannelPump() {
    stopping_ = true;
    ring(pump_wake_fd_);
    thread_.join();
    ::close(pump_wake_fd_);
    ::close(host_wake_fd_);
}

// ---- host side --------------------------------------------------------------------------------------------
//
// A host call that would block drains host_wake_fd_ (if it rang since the last drain), so that a level-triggered
// poll() of it does not spin on an old ring, and then asks to be woken. Both run under the lock, under which the
// pump also rings: no ring for this direction can come between them. Both directions share the fd, so the drain
// is skipped while the other direction has been rung and has not retried yet: its edge-triggered waiter would
// otherwise find the fd empty.

unsigned ChannelPump::wants() const { return SSHUTTLE_WANT_READ; }

void ChannelPump::throw_outcome() const {
    if (outcome_.over) throw sdk::Error(outcome_.status, outcome_.message);
    throw sdk::Error(SSHUTTLE_ESYSTEM, "the SSH channel pump stopped without saying why");
}

void ChannelPump::check() const {
    std::lock_guard lock(mutex_);
    if (outcome_.over && outcome_.status != SSHUTTLE_ECLOSED) throw sdk::Error(outcome_.status, outcome_.message);
}

void ChannelPump::drain_host_fd(unsigned other_direction) {
    if (!host_rung_ || (host_signaled_ & other_direction) != 0) return;
    drain(host_wake_fd_);
    host_rung_ = false;
}

bool ChannelPump::host_changed(bool pump_needs_it) {
    ++host_changes_;
    if (!pump_needs_it || !pump_sleeping_) return false;
    pump_sleeping_ = false;  // one ring per sleep
    return true;
}

long ChannelPump::read(void* buf, size_t len) {
    if (len == 0) return 0;
    std::unique_lock lock(mutex_);
    // The host is here: whatever it waited for in this direction, it now looks for itself.
    host_waits_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_READ);
    host_signaled_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_READ);
    if (from_remote_.size() > 0) {
        // Only a full ring stops the pump from reading the channel: otherwise it already waits on the socket.
        const bool was_full = from_remote_.room() == 0;
        size_t n = copy_out(from_remote_, static_cast<char*>(buf), len);
        bool wake_pump = host_changed(was_full);
        lock.unlock();
        if (wake_pump) ring(pump_wake_fd_);
        return static_cast<long>(n);
    }
    // The pump records how the stream ended after the bytes before it, which are all read now.
    if (outcome_.over) throw_outcome();
    drain_host_fd(SSHUTTLE_WANT_WRITE);
    host_waits_ |= SSHUTTLE_WANT_READ;
    return 0;
}

long ChannelPump::write(const void* buf, size_t len) {
    if (len == 0) return 0;
    std::unique_lock lock(mutex_);
    host_waits_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_WRITE);
    host_signaled_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_WRITE);
    if (outcome_.over) throw_outcome();
    if (host_eof_) throw sdk::Error(SSHUTTLE_EINVAL, "write() after shutdown_write()");
    if (to_remote_.room() > 0) {
        // Bytes added behind others that wait for the channel change nothing for a sleeping pump.
        const bool was_empty = to_remote_.size() == 0;
        size_t n = copy_in(to_remote_, static_cast<const char*>(buf), len);
        bool wake_pump = host_changed(was_empty);
        lock.unlock();
        if (wake_pump) ring(pump_wake_fd_);
        return static_cast<long>(n);
    }
    drain_host_fd(SSHUTTLE_WANT_READ);
    host_waits_ |= SSHUTTLE_WANT_WRITE;
    return 0;
}

void ChannelPump::shutdown_write() {
    std::unique_lock lock(mutex_);
    host_eof_ = true;
    bool wake_pump = host_changed(true);
    lock.unlock();
    if (wake_pump) ring(pump_wake_fd_);
}

// ---- pump thread ------------------------------------------------------------------------------------------

void ChannelPump::wake_host(unsigned directions) {
    unsigned blocked = host_waits_ & directions;
    if (blocked == 0) return;
    host_waits_ &= ~blocked;
    host_signaled_ |= blocked;
    host_rung_ = true;
    ring(host_wake_fd_);  // under the lock, so that a drain is ordered after it
}

void ChannelPump::finish(int status, const std::string& message) {
    std::unique_lock lock(mutex_);
    if (!outcome_.over) outcome_ = Outcome{true, status, message};
    // A blocked host learns of it now, whichever way it waits.
    wake_host(SSHUTTLE_WANT_READ | SSHUTTLE_WANT_WRITE);
}

void ChannelPump::run() {
    auto next_tick = std::chrono::steady_clock::now() + kTickInterval;
    try {
        while (!stopping_ && !remote_done_) {
            bool progress = pump_once();
            auto now = std::chrono::steady_clock::now();
            if (now >= next_tick) {
                channel_.channel_tick();
                next_tick = now + kTickInterval;
            }
            if (progress || remote_done_) continue;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now).count();
            wait_for_events(static_cast<int>(left < 1 ? 1 : left));
        }
    } catch (const sdk::Error& e) {
        finish(e.status() == SSHUTTLE_ECLOSED ? SSHUTTLE_ESYSTEM : e.status(), e.what());
    } catch (const std::exception& e) {
        finish(SSHUTTLE_EINTERNAL, e.what());
    }
}

// One pass in both directions; true when any byte or the EOF moved.
bool ChannelPump::pump_once() {
    bool progress = false;
    // Host to remote, straight from the ring: libssh2 encrypts the bytes where they lie.
    std::unique_lock lock(mutex_);
    bool host_eof = host_eof_;
    auto pending = to_remote_.readable();
    lock.unlock();
    while (!pending.empty()) {
        long n = channel_.channel_write(pending.data(), pending.size());
        if (n <= 0) break;
        progress = true;
        lock.lock();
        to_remote_.consume(static_cast<size_t>(n));
        // A host blocked on a full ring is woken once half of it is free, not for every SSH packet sent: it then
        // writes one large piece instead of ping-ponging a packet's worth (uploading, that was 24k wake-ups per
        // GB, and 5k with the half). The other half keeps the channel busy meanwhile.
        if (to_remote_.room() >= kRingBytes / 2) wake_host(SSHUTTLE_WANT_WRITE);
        pending = to_remote_.readable();
        lock.unlock();
    }
    // host_eof was read before the ring was found empty: every byte written before the shutdown is sent.
    if (host_eof && pending.empty() && !eof_sent_ && channel_.channel_send_eof()) {
        eof_sent_ = true;
        progress = true;
    }
    // Remote to host, straight into the ring.
    for (;;) {
        lock.lock();
        auto room = from_remote_.writable();
        lock.unlock();
        if (room.empty()) break;
        long n = 0;
        try {
            n = channel_.channel_read(room.data(), room.size());
        } catch (const sdk::Error& e) {
            if (e.status() != SSHUTTLE_ECLOSED) throw;
            // The host reads the bytes before it, then this end.
            finish(SSHUTTLE_ECLOSED, e.what());
            remote_done_ = true;
            return true;
        }
        if (n <= 0) break;
        progress = true;
        lock.lock();
        from_remote_.commit(static_cast<size_t>(n));
        wake_host(SSHUTTLE_WANT_READ);
        lock.unlock();
    }
    return progress;
}

void ChannelPump::wait_for_events(int timeout_ms) {
    std::unique_lock lock(mutex_);
    // The channel's socket is polled only while the pump has something to do with it: reading stops while the
    // host lags behind (the SSH window then holds the remote back), so a full ring does not spin.
    const bool can_read = from_remote_.room() > 0;
    const bool channel_busy = can_read || to_remote_.size() > 0 || (host_eof_ && !eof_sent_);
    if (host_changes_ != seen_changes_) {
        // The host gave work since the last pass looked: no sleep.
        seen_changes_ = host_changes_;
        return;
    }
    pump_sleeping_ = true;
    lock.unlock();
    pollfd fds[2] = {};
    // An idle channel's socket is left out altogether: poll() reports a reset socket (POLLHUP, POLLERR) even
    // when asked for no events, and the pump would spin on it until the tick's dead-peer check.
    fds[0].fd = -1;
    if (channel_busy) {
        fds[0].fd = channel_.channel_fd();
        unsigned w = channel_.channel_wants();
        if ((w & SSHUTTLE_WANT_READ) != 0) fds[0].events |= POLLIN;
        if ((w & SSHUTTLE_WANT_WRITE) != 0) fds[0].events |= POLLOUT;
        // Input already read off the socket is not waited for when the next pass will read it: there is room
        // for it, and the channel does not need to send first.
        if (can_read && (w & SSHUTTLE_WANT_WRITE) == 0 && channel_.channel_input_buffered()) timeout_ms = 0;
    }
    fds[1].fd = pump_wake_fd_;
    fds[1].events = POLLIN;
    int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) throw sdk::Error(SSHUTTLE_ESYSTEM, errno_text("poll"), errno);
    lock.lock();
    pump_sleeping_ = false;
    seen_changes_ = host_changes_;
    lock.unlock();
    if (ready > 0 && (fds[1].revents & POLLIN) != 0) drain(pump_wake_fd_);
    if (ready > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) channel_.channel_readable();
}

}  // namespace sshuttle::plugins::transport_ssh
