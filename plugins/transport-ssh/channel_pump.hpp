// SPDX-License-Identifier: LGPL-2.1-or-later
// ChannelPump: once the SSH connection is up, its channel is served by a thread of its own, and the host reads
// and writes two in-process rings instead of calling libssh2.
//
// Why a thread: SSH encryption and MAC cost more CPU than everything else sshuttle does with the bytes. With the
// ssh program that work runs in ssh's own process, in parallel with the client's loop; in-process it would run in
// the client's one loop thread and cap throughput at one core. The pump restores the parallelism at the cost of
// one memcpy per chunk. The rings replaced a socketpair, whose send and recv cost two system calls and two copies
// through the kernel per chunk: 0.16 s per GB on the bench VM, against 0.013 s for a memcpy. Each thread rings the
// other's eventfd only when that one sleeps. libssh2 sessions are not thread-safe: after start() only the pump
// thread touches them, until the destructor has joined it.
//
// Several channels of one session (ABI 1.2 open_channel, issue 17) share the one pump thread: each has a
// PumpPort (its rings and eventfd, for the host thread that uses it), and whatever else must touch the session
// (opening or freeing a channel) is a job the pump runs between its passes, one at a time (libssh2 keeps one
// channel-open state per session). So the session still sees one thread, whatever the number of channels.
#pragma once

#include <poll.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "byte_ring.hpp"
#include "tcp_forward.hpp"

namespace sshuttle::plugins::transport_ssh {

/// The channel side, called only on the pump thread. Each call follows the transport ABI: >0 bytes moved, 0
/// would block (then wait on fd() for wants()); failures and the end of the stream are thrown as sdk::Error
/// (SSHUTTLE_ECLOSED with "exit status N..." at a normal end). fd, wants, input_buffered and readable are the
/// session's: the pump asks them of the first channel (the one it was made with) only.
class PumpedChannel {
   public:
    virtual ~PumpedChannel() = default;
    virtual long channel_read(void* buf, size_t len) = 0;
    virtual long channel_write(const void* buf, size_t len) = 0;
    /// True once the EOF is sent, false to try again later.
    virtual bool channel_send_eof() = 0;
    /// About once a second: keepalive and dead-peer detection.
    virtual void channel_tick() = 0;
    virtual int channel_fd() const = 0;
    /// SSHUTTLE_WANT_* directions the channel's socket is blocked on.
    virtual unsigned channel_wants() const = 0;
    /// True when the channel holds input it read ahead from its socket, so the socket may look idle.
    virtual bool channel_input_buffered() const { return false; }
    /// poll() just found the channel's socket readable.
    virtual void channel_readable() {}
};

class ChannelPump;

/// One channel's host side: what a host thread reads and writes. ABI semantics: read() throws the channel's
/// failure (or its ECLOSED end) once the bytes before it are read, write() as soon as the stream is over.
class PumpPort {
   public:
    /// What poll_fd() gives the host: an eventfd that turns readable when a blocked read() or write() may go on.
    int host_fd() const { return host_wake_fd_; }
    /// Always SSHUTTLE_WANT_READ: whichever call blocked, the host waits for host_fd() to turn readable.
    unsigned wants() const;
    long read(void* buf, size_t len);
    long write(const void* buf, size_t len);
    void shutdown_write();
    /// Throws the channel's failure, if any (called from step(), so a dead path is reported even when idle).
    void check() const;

    PumpPort(ChannelPump& pump, PumpedChannel& channel);
    ~PumpPort();
    PumpPort(const PumpPort&) = delete;
    PumpPort& operator=(const PumpPort&) = delete;

   private:
    friend class ChannelPump;
    struct Outcome {
        bool over = false;
        int status = 0;  // SSHUTTLE_ECLOSED at a normal end
        std::string message;
    };

    // With the pump's mutex held: rings the host if it is blocked in one of `directions` (SSHUTTLE_WANT_*).
    void wake_host(unsigned directions);
    // With the mutex held: drains host_wake_fd_ unless a ring for other_direction is still to be acted on.
    void drain_host_fd(unsigned other_direction);
    [[noreturn]] void throw_outcome() const;  // with the mutex held
    void finish(int status, const std::string& message);  // with the mutex held

    ChannelPump& pump_;
    PumpedChannel& channel_;
    int host_wake_fd_ = -1;  // eventfd: the pump wakes a blocked host

    // Pump thread only.
    bool eof_sent_ = false;
    bool remote_done_ = false;

    // Guarded by the pump's mutex (the rings' counters; their bytes as described in byte_ring.hpp).
    ByteRing to_remote_;
    ByteRing from_remote_;
    bool host_eof_ = false;         // the host shut its sending side
    unsigned host_waits_ = 0;       // directions the host is blocked in and waits to be woken for
    unsigned host_signaled_ = 0;    // directions it was woken for and has not retried yet
    bool host_rung_ = false;        // host_wake_fd_ rang since the host last drained it
    bool removing_ = false;         // remove_channel() waits for the pump to let go of it
    bool released_ = false;         // the pump has let go of it
    Outcome outcome_;
};

class ChannelPump {
   public:
    /// Starts the pump thread serving `channel`, the session's first; channel must outlive the pump.
    explicit ChannelPump(PumpedChannel& channel);
    /// Stops and joins the thread; the channels are then the caller's alone again.
    ~ChannelPump();
    ChannelPump(const ChannelPump&) = delete;
    ChannelPump& operator=(const ChannelPump&) = delete;

    /// The first channel's host side (below: shorthands for it).
    PumpPort& primary() { return *primary_; }
    int host_fd() const { return primary_->host_fd(); }
    unsigned wants() const { return primary_->wants(); }
    long read(void* buf, size_t len) { return primary_->read(buf, len); }
    long write(const void* buf, size_t len) { return primary_->write(buf, len); }
    void shutdown_write() { primary_->shutdown_write(); }
    void check() const { primary_->check(); }

    /// Runs `job` on the pump thread between passes until it returns true (it is called again after the
    /// session's socket was ready or a tick passed); blocks the calling host thread meanwhile. Jobs run one at a
    /// time, in order. What the job throws (sdk::Error) is thrown here; so is the pump's failure when it has
    /// stopped. Any thread.
    void run_on_pump(const std::function<bool()>& job);
    /// Serves one more channel of the session from now on. Any thread; channel must outlive its port.
    PumpPort& add_channel(PumpedChannel& channel);
    /// The pump lets go of the port's channel (it never calls it again) and the port is gone. Any thread.
    void remove_channel(PumpPort& port);

    /// Serves one more forwarded TCP connection (tcp_forward.hpp) from now on: the pump opens its channel
    /// (one at a time, in order), moves its bytes and ends it. Any thread. A pump that has stopped fails it at
    /// once (its report runs on the calling thread then).
    void add_forward(std::unique_ptr<TcpForward> forward);
    /// Forwards not yet done (opening or open), for the host's bound. Any thread.
    size_t forward_count() const;

    /// Bytes each direction holds between the host and the channel.
    static constexpr size_t kRingBytes = 256 * 1024;

   private:
    friend class PumpPort;
    struct Job {
        const std::function<bool()>* step;
        bool done = false;
        std::exception_ptr error;
    };

    void run();
    bool pump_once(PumpPort& port);
    // Every forward, one pass each (new ones taken in first); true when any moved.
    bool pump_forwards();
    // Asks poll() without waiting what the forwards' sockets are ready for (after a pass that moved something,
    // the pump goes on without its blocking poll, which would otherwise have told).
    void probe_forward_sockets();
    void fail_forwards(const std::string& why);
    bool run_job();
    void wait_for_events(int timeout_ms, bool session_busy);
    // With mutex_ held: the host changed the rings or shut down; true when the pump is to be woken now (it sleeps
    // and pump_needs_it: the change gives it work it cannot see from the channel's socket).
    bool host_changed(bool pump_needs_it);
    void wake_pump();
    void fail_all(int status, const std::string& message);

    PumpedChannel& session_;  // the first channel: asked for the session's socket and its state
    PumpPort* primary_ = nullptr;  // its port, first in ports_ until the pump goes
    int pump_wake_fd_ = -1;   // eventfd: the host (or the destructor) wakes a sleeping pump
    std::atomic<bool> stopping_{false};

    // Pump thread only.
    unsigned long seen_changes_ = 0;  // host_changes_ when the pump last looked
    // The channel whose write left a packet half sent (the session blocked outbound): libssh2 keeps one
    // outgoing packet per session and refuses any other send until that same write is repeated, so no other
    // channel writes (and no job runs) until it has gone through.
    // A PumpPort or a TcpForward.
    const void* blocked_writer_ = nullptr;
    std::vector<std::unique_ptr<TcpForward>> forwards_;  // in the order they came: the first opening opens next
    std::vector<pollfd> forward_polls_;                  // parallel to forwards_ after a poll; revents used once
    std::vector<pollfd> poll_set_;                       // wait_for_events' poll() set, kept to reuse its storage
    // libssh2 keeps one channel-open state per session: a job that has begun (it may be opening a channel) and a
    // forward whose channel is being opened exclude each other until it is through.
    bool job_under_way_ = false;
    bool forward_opening_ = false;

    mutable std::mutex mutex_;
    std::condition_variable changed_cv_;  // a job finished, a port was let go of, or the pump stopped
    // Guarded by mutex_.
    std::list<std::unique_ptr<PumpPort>> ports_;  // the first never goes before the pump
    std::list<Job*> jobs_;
    bool running_ = true;           // false once the pump thread has left its loop
    PumpPort::Outcome failure_;     // why it left, when it failed
    unsigned long host_changes_ = 0;  // bumped by every host call that gives the pump work
    bool pump_sleeping_ = false;    // the pump is (about to be) in poll() and wants pump_wake_fd_ rung
    std::vector<std::unique_ptr<TcpForward>> incoming_forwards_;  // added, not yet taken in by the pump
    size_t forward_count_ = 0;      // forwards not yet done, incoming included
    std::thread thread_;
};

}  // namespace sshuttle::plugins::transport_ssh
