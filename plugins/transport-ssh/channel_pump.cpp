// SPDX-License-Identifier: LGPL-2.1-or-later
#include "channel_pump.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

constexpr auto kTickInterval = std::chrono::seconds(1);
// Bytes one pass sends for a channel before it reads what came in (pump_once).
constexpr size_t kMaxSendPerPass = 64 * 1024;

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

// ---- ports -----------------------------------------------------------------------------------------------

PumpPort::PumpPort(ChannelPump& pump, PumpedChannel& channel)
    : pump_(pump), channel_(channel), to_remote_(ChannelPump::kRingBytes), from_remote_(ChannelPump::kRingBytes) {
    host_wake_fd_ = make_eventfd();
}

PumpPort::~PumpPort() { ::close(host_wake_fd_); }

// ---- host side --------------------------------------------------------------------------------------------
//
// A host call that would block drains host_wake_fd_ (if it rang since the last drain), so that a level-triggered
// poll() of it does not spin on an old ring, and then asks to be woken. Both run under the lock, under which the
// pump also rings: no ring for this direction can come between them. Both directions share the fd, so the drain
// is skipped while the other direction has been rung and has not retried yet: its edge-triggered waiter would
// otherwise find the fd empty.

unsigned PumpPort::wants() const { return SSHUTTLE_WANT_READ; }

void PumpPort::throw_outcome() const {
    if (outcome_.over) throw sdk::Error(outcome_.status, outcome_.message);
    throw sdk::Error(SSHUTTLE_ESYSTEM, "the SSH channel pump stopped without saying why");
}

void PumpPort::check() const {
    std::lock_guard lock(pump_.mutex_);
    if (outcome_.over && outcome_.status != SSHUTTLE_ECLOSED) throw sdk::Error(outcome_.status, outcome_.message);
}

void PumpPort::drain_host_fd(unsigned other_direction) {
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

void ChannelPump::wake_pump() { ring(pump_wake_fd_); }

long PumpPort::read(void* buf, size_t len) {
    if (len == 0) return 0;
    std::unique_lock lock(pump_.mutex_);
    // The host is here: whatever it waited for in this direction, it now looks for itself.
    host_waits_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_READ);
    host_signaled_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_READ);
    if (from_remote_.size() > 0) {
        // Only a full ring stops the pump from reading the channel: otherwise it already waits on the socket.
        const bool was_full = from_remote_.room() == 0;
        size_t n = copy_out(from_remote_, static_cast<char*>(buf), len);
        bool wake_pump = pump_.host_changed(was_full);
        lock.unlock();
        if (wake_pump) pump_.wake_pump();
        return static_cast<long>(n);
    }
    // The pump records how the stream ended after the bytes before it, which are all read now.
    if (outcome_.over) throw_outcome();
    drain_host_fd(SSHUTTLE_WANT_WRITE);
    host_waits_ |= SSHUTTLE_WANT_READ;
    return 0;
}

long PumpPort::write(const void* buf, size_t len) {
    if (len == 0) return 0;
    std::unique_lock lock(pump_.mutex_);
    host_waits_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_WRITE);
    host_signaled_ &= ~static_cast<unsigned>(SSHUTTLE_WANT_WRITE);
    if (outcome_.over) throw_outcome();
    if (host_eof_) throw sdk::Error(SSHUTTLE_EINVAL, "write() after shutdown_write()");
    if (to_remote_.room() > 0) {
        // Bytes added behind others that wait for the channel change nothing for a sleeping pump.
        const bool was_empty = to_remote_.size() == 0;
        size_t n = copy_in(to_remote_, static_cast<const char*>(buf), len);
        bool wake_pump = pump_.host_changed(was_empty);
        lock.unlock();
        if (wake_pump) pump_.wake_pump();
        return static_cast<long>(n);
    }
    drain_host_fd(SSHUTTLE_WANT_READ);
    host_waits_ |= SSHUTTLE_WANT_WRITE;
    return 0;
}

void PumpPort::shutdown_write() {
    std::unique_lock lock(pump_.mutex_);
    host_eof_ = true;
    bool wake_pump = pump_.host_changed(true);
    lock.unlock();
    if (wake_pump) pump_.wake_pump();
}

void PumpPort::wake_host(unsigned directions) {
    unsigned blocked = host_waits_ & directions;
    if (blocked == 0) return;
    host_waits_ &= ~blocked;
    host_signaled_ |= blocked;
    host_rung_ = true;
    ring(host_wake_fd_);  // under the lock, so that a drain is ordered after it
}

void PumpPort::finish(int status, const std::string& message) {
    if (!outcome_.over) outcome_ = Outcome{true, status, message};
    // A blocked host learns of it now, whichever way it waits.
    wake_host(SSHUTTLE_WANT_READ | SSHUTTLE_WANT_WRITE);
}

// ---- the pump -----------------------------------------------------------------------------------------------

ChannelPump::ChannelPump(PumpedChannel& channel) : session_(channel) {
    pump_wake_fd_ = make_eventfd();
    try {
        ports_.push_back(std::make_unique<PumpPort>(*this, channel));
        primary_ = ports_.front().get();
    } catch (...) {
        ::close(pump_wake_fd_);
        throw;
    }
    thread_ = std::thread([this] { run(); });
}

ChannelPump::~ChannelPump() {
    stopping_ = true;
    ring(pump_wake_fd_);
    thread_.join();
    ports_.clear();
    ::close(pump_wake_fd_);
}

void ChannelPump::run_on_pump(const std::function<bool()>& step) {
    Job job{&step, false, nullptr};
    std::unique_lock lock(mutex_);
    if (!running_) throw sdk::Error(failure_.over ? failure_.status : SSHUTTLE_ECLOSED,
                                    failure_.over ? failure_.message : "the SSH connection is closed");
    jobs_.push_back(&job);
    const bool wake = host_changed(true);
    lock.unlock();
    if (wake) wake_pump();
    lock.lock();
    changed_cv_.wait(lock, [&] { return job.done || !running_; });
    if (!job.done) {
        jobs_.remove(&job);
        throw sdk::Error(failure_.over ? failure_.status : SSHUTTLE_ECLOSED,
                         failure_.over ? failure_.message : "the SSH connection closed");
    }
    if (job.error) std::rethrow_exception(job.error);
}

PumpPort& ChannelPump::add_channel(PumpedChannel& channel) {
    auto port = std::make_unique<PumpPort>(*this, channel);
    PumpPort& added = *port;
    std::unique_lock lock(mutex_);
    // Added to a pump that has stopped, the port reports why at once.
    if (!running_) added.finish(failure_.over ? failure_.status : SSHUTTLE_ECLOSED, failure_.message);
    ports_.push_back(std::move(port));
    const bool wake = host_changed(true);
    lock.unlock();
    if (wake) wake_pump();
    return added;
}

void ChannelPump::remove_channel(PumpPort& port) {
    std::unique_lock lock(mutex_);
    port.removing_ = true;
    const bool wake = host_changed(true);
    lock.unlock();
    if (wake) wake_pump();
    lock.lock();
    // The pump takes the port out at the start of a pass, when it holds no reference to any port.
    changed_cv_.wait(lock, [&] { return !running_ || port.released_; });
    ports_.remove_if([&](const auto& p) { return p.get() == &port; });
}

void ChannelPump::add_forward(std::unique_ptr<TcpForward> forward) {
    std::unique_lock lock(mutex_);
    if (!running_) {
        const std::string why = failure_.over ? failure_.message : "the SSH connection is closed";
        lock.unlock();
        forward->fail(why);
        return;
    }
    incoming_forwards_.push_back(std::move(forward));
    ++forward_count_;
    const bool wake = host_changed(true);
    lock.unlock();
    if (wake) wake_pump();
}

size_t ChannelPump::forward_count() const {
    std::lock_guard lock(mutex_);
    return forward_count_;
}

void ChannelPump::fail_all(int status, const std::string& message) {
    std::unique_lock lock(mutex_);
    failure_ = PumpPort::Outcome{true, status, message};
    for (auto& port : ports_) port->finish(status, message);
}

// Pump thread, once it has left its loop: each forward ends (its host resets the connection); the channels go
// with the session.
void ChannelPump::fail_forwards(const std::string& why) {
    std::unique_lock lock(mutex_);
    for (auto& forward : incoming_forwards_) forwards_.push_back(std::move(forward));
    incoming_forwards_.clear();
    forward_count_ = 0;
    lock.unlock();
    for (auto& forward : forwards_) forward->fail(why);
    forwards_.clear();
}

void ChannelPump::probe_forward_sockets() {
    forward_polls_.resize(forwards_.size());
    bool any = false;
    for (size_t i = 0; i < forwards_.size(); ++i) {
        const short events = forwards_[i]->poll_events();
        forward_polls_[i] = pollfd{events != 0 ? forwards_[i]->fd() : -1, events, 0};
        any = any || events != 0;
    }
    if (any && ::poll(forward_polls_.data(), forward_polls_.size(), 0) < 0 && errno != EINTR)
        throw sdk::Error(SSHUTTLE_ESYSTEM, errno_text("poll"), errno);
}

bool ChannelPump::pump_forwards() {
    {
        std::lock_guard lock(mutex_);
        for (auto& forward : incoming_forwards_) forwards_.push_back(std::move(forward));
        incoming_forwards_.clear();
    }
    if (forwards_.empty()) return false;
    if (forward_polls_.size() != forwards_.size()) probe_forward_sockets();
    bool progress = false;
    bool first_opening = true;
    const auto session_blocked_out = [this] { return (session_.channel_wants() & SSHUTTLE_WANT_WRITE) != 0; };
    for (size_t i = 0; i < forwards_.size(); ++i) {
        TcpForward& forward = *forwards_[i];
        TcpForward::Turn turn;
        turn.may_send = blocked_writer_ == nullptr || blocked_writer_ == &forward;
        turn.may_open = forward.opening() && first_opening && !job_under_way_;
        if (forward.opening()) first_opening = false;
        turn.revents = forward_polls_[i].fd == forward.fd() ? forward_polls_[i].revents : 0;
        forward_polls_[i].revents = 0;
        const bool was_opening = forward.opening();
        const TcpForward::Outcome out = forward.pump(turn, session_blocked_out);
        if (was_opening && turn.may_open) forward_opening_ = forward.opening();
        if (out.half_sent) {
            blocked_writer_ = &forward;
        } else if (blocked_writer_ == &forward) {
            blocked_writer_ = nullptr;
        }
        progress |= out.progress;
    }
    // The ones done go (a done forward never holds the session's half-sent packet).
    size_t before = forwards_.size();
    std::erase_if(forwards_, [](const auto& f) { return f->done(); });
    if (forwards_.size() != before) {
        std::lock_guard lock(mutex_);
        forward_count_ -= before - forwards_.size();
    }
    forward_polls_.clear();  // stale once used: the next pass asks poll() again
    return progress;
}

void ChannelPump::run() {
    auto next_tick = std::chrono::steady_clock::now() + kTickInterval;
    try {
        while (!stopping_) {
            std::vector<PumpPort*> active;
            {
                // At the start of a pass the pump holds no port: the ones asked to go are handed back here.
                std::lock_guard lock(mutex_);
                bool released = false;
                for (auto& port : ports_) {
                    if ((port->removing_ || port->remote_done_) && blocked_writer_ == port.get()) blocked_writer_ = nullptr;
                    if (port->removing_) {
                        released = released || !port->released_;
                        port->released_ = true;
                    } else if (!port->remote_done_) {
                        active.push_back(port.get());
                    }
                }
                if (released) changed_cv_.notify_all();
            }
            bool progress = false;
            for (PumpPort* port : active) progress |= pump_once(*port);
            progress |= pump_forwards();
            progress |= run_job();
            auto now = std::chrono::steady_clock::now();
            if (now >= next_tick) {
                for (PumpPort* port : active)
                    if (!port->remote_done_) port->channel_.channel_tick();
                next_tick = now + kTickInterval;
            }
            if (progress) continue;
            bool jobs_waiting;
            {
                std::lock_guard lock(mutex_);
                jobs_waiting = !jobs_.empty();
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now).count();
            wait_for_events(static_cast<int>(left < 1 ? 1 : left), jobs_waiting);
        }
    } catch (const sdk::Error& e) {
        fail_all(e.status() == SSHUTTLE_ECLOSED ? SSHUTTLE_ESYSTEM : e.status(), e.what());
    } catch (const std::exception& e) {
        fail_all(SSHUTTLE_EINTERNAL, e.what());
    }
    {
        std::lock_guard lock(mutex_);
        running_ = false;  // from here add_forward fails a forward itself
        changed_cv_.notify_all();
    }
    fail_forwards(failure_.over ? failure_.message : "the SSH connection closed");
}

// The first waiting job, one step; true when it finished (with or without an error).
bool ChannelPump::run_job() {
    if (blocked_writer_ != nullptr) return false;  // a channel's packet is half sent: no other send yet
    if (forward_opening_) return false;            // a forward's channel is being opened
    Job* job = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (jobs_.empty()) return false;
        job = jobs_.front();
    }
    bool done = false;
    std::exception_ptr error;
    try {
        done = (*job->step)();
    } catch (const sdk::Error& e) {
        // The job's own failure (a refused channel) is its caller's; the session goes on.
        error = std::current_exception();
        done = true;
    }
    job_under_way_ = !done;
    if (!done) return false;
    std::lock_guard lock(mutex_);
    jobs_.pop_front();
    job->error = std::move(error);  // the pump keeps no reference: the host alone ends the exception
    job->done = true;
    changed_cv_.notify_all();
    return true;
}

// One pass in both directions; true when any byte or the EOF moved.
bool ChannelPump::pump_once(PumpPort& port) {
    PumpedChannel& channel = port.channel_;
    bool progress = false;
    // Host to remote, straight from the ring: libssh2 encrypts the bytes where they lie.
    std::unique_lock lock(mutex_);
    bool host_eof = port.host_eof_;
    auto pending = port.to_remote_.readable();
    lock.unlock();
    if (blocked_writer_ != nullptr && blocked_writer_ != &port) pending = {};  // its turn comes after that write
    // The host refills the ring while we send: without a bound this loop could go on as long as an upload lasts,
    // and nothing the remote sends (an interactive reply, a window adjust) would be read meanwhile.
    size_t sent_this_pass = 0;
    while (!pending.empty() && sent_this_pass < kMaxSendPerPass) {
        long n = channel.channel_write(pending.data(), pending.size());
        if (n <= 0) {
            const bool half_sent = (session_.channel_wants() & SSHUTTLE_WANT_WRITE) != 0;
            blocked_writer_ = half_sent ? &port : nullptr;
            break;
        }
        blocked_writer_ = nullptr;
        progress = true;
        sent_this_pass += static_cast<size_t>(n);
        lock.lock();
        port.to_remote_.consume(static_cast<size_t>(n));
        // A host blocked on a full ring is woken once half of it is free, not for every SSH packet sent: it then
        // writes one large piece instead of ping-ponging a packet's worth (uploading, that was 24k wake-ups per
        // GB, and 5k with the half). The other half keeps the channel busy meanwhile.
        if (port.to_remote_.room() >= kRingBytes / 2) port.wake_host(SSHUTTLE_WANT_WRITE);
        pending = port.to_remote_.readable();
        lock.unlock();
    }
    // host_eof was read before the ring was found empty: every byte written before the shutdown is sent.
    if (host_eof && pending.empty() && blocked_writer_ == nullptr && !port.eof_sent_ && channel.channel_send_eof()) {
        port.eof_sent_ = true;
        progress = true;
    }
    // Remote to host, straight into the ring.
    for (;;) {
        lock.lock();
        auto room = port.from_remote_.writable();
        lock.unlock();
        if (room.empty()) break;
        long n = 0;
        try {
            n = channel.channel_read(room.data(), room.size());
        } catch (const sdk::Error& e) {
            if (e.status() != SSHUTTLE_ECLOSED) throw;
            // The host reads the bytes before it, then this end.
            lock.lock();
            port.finish(SSHUTTLE_ECLOSED, e.what());
            lock.unlock();
            port.remote_done_ = true;
            return true;
        }
        if (n <= 0) break;
        progress = true;
        lock.lock();
        port.from_remote_.commit(static_cast<size_t>(n));
        port.wake_host(SSHUTTLE_WANT_READ);
        lock.unlock();
    }
    return progress;
}

void ChannelPump::wait_for_events(int timeout_ms, bool session_busy) {
    std::unique_lock lock(mutex_);
    // The channel's socket is polled only while the pump has something to do with it: reading stops while the
    // host lags behind (the SSH window then holds the remote back), so a full ring does not spin.
    bool can_read = false;
    bool channel_busy = session_busy;
    for (const auto& port : ports_) {
        if (port->remote_done_ || port->removing_) continue;
        const bool room = port->from_remote_.room() > 0;
        can_read = can_read || room;
        channel_busy = channel_busy || room || port->to_remote_.size() > 0 || (port->host_eof_ && !port->eof_sent_);
    }
    // Open forwards read the channel whenever their ring has room, and an opening one waits for the answer.
    channel_busy = channel_busy || !forwards_.empty();
    if (host_changes_ != seen_changes_) {
        // The host gave work since the last pass looked: no sleep.
        seen_changes_ = host_changes_;
        return;
    }
    pump_sleeping_ = true;
    lock.unlock();
    // The session's socket and the wake-up first, then each forward's socket (forward_polls_ keeps them).
    std::vector<pollfd>& fds = poll_set_;
    fds.assign(2, pollfd{-1, 0, 0});
    // An idle channel's socket is left out altogether: poll() reports a reset socket (POLLHUP, POLLERR) even
    // when asked for no events, and the pump would spin on it until the tick's dead-peer check.
    fds[0].fd = -1;
    if (channel_busy) {
        fds[0].fd = session_.channel_fd();
        unsigned w = session_.channel_wants();
        if ((w & SSHUTTLE_WANT_READ) != 0) fds[0].events |= POLLIN;
        if ((w & SSHUTTLE_WANT_WRITE) != 0) fds[0].events |= POLLOUT;
        // Input already read off the socket is not waited for when the next pass will read it: there is room
        // for it, and the channel does not need to send first.
        if (can_read && (w & SSHUTTLE_WANT_WRITE) == 0 && session_.channel_input_buffered()) timeout_ms = 0;
    }
    fds[1].fd = pump_wake_fd_;
    fds[1].events = POLLIN;
    for (const auto& forward : forwards_) {
        const short events = forward->poll_events();
        fds.push_back(pollfd{events != 0 ? forward->fd() : -1, events, 0});
    }
    int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0 && errno != EINTR) throw sdk::Error(SSHUTTLE_ESYSTEM, errno_text("poll"), errno);
    forward_polls_.assign(fds.begin() + 2, fds.end());
    lock.lock();
    pump_sleeping_ = false;
    seen_changes_ = host_changes_;
    lock.unlock();
    if (ready > 0 && (fds[1].revents & POLLIN) != 0) drain(pump_wake_fd_);
    if (ready > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) session_.channel_readable();
}

}  // namespace sshuttle::plugins::transport_ssh
