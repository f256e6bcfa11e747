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
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

#include "byte_ring.hpp"

namespace sshuttle::plugins::transport_ssh {

/// The channel side, called only on the pump thread. Each call follows the transport ABI: >0 bytes moved, 0
/// would block (then wait on fd() for wants()); failures and the end of the stream are thrown as sdk::Error
/// (SSHUTTLE_ECLOSED with "exit status N..." at a normal end).
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

class ChannelPump {
   public:
    /// Starts the pump thread; channel must outlive the pump.
    explicit ChannelPump(PumpedChannel& channel);
    /// Stops and joins the thread; the channel is then the caller's alone again.
    ~ChannelPump();
    ChannelPump(const ChannelPump&) = delete;
    ChannelPump& operator=(const ChannelPump&) = delete;

    /// What poll_fd() gives the host: an eventfd that turns readable when a blocked read() or write() may go on.
    int host_fd() const { return host_wake_fd_; }
    /// Always SSHUTTLE_WANT_READ: whichever call blocked, the host waits for host_fd() to turn readable.
    unsigned wants() const;
    /// ABI semantics for the host; read() throws the pump's failure (or its ECLOSED end) once the bytes before
    /// it are read, write() as soon as the stream is over.
    long read(void* buf, size_t len);
    long write(const void* buf, size_t len);
    void shutdown_write();
    /// Throws the pump's failure, if any (called from step(), so a dead path is reported even when idle).
    void check() const;

    /// Bytes each direction holds between the host and the channel.
    static constexpr size_t kRingBytes = 256 * 1024;

   private:
    struct Outcome {
        bool over = false;
        int status = 0;  // SSHUTTLE_ECLOSED at a normal end
        std::string message;
    };

    void run();
    bool pump_once();
    void wait_for_events(int timeout_ms);
    void finish(int status, const std::string& message);
    // With mutex_ held: rings the host if it is blocked in one of `directions` (SSHUTTLE_WANT_*).
    void wake_host(unsigned directions);
    // With mutex_ held: drains host_wake_fd_ unless a ring for other_direction is still to be acted on.
    void drain_host_fd(unsigned other_direction);
    // With mutex_ held: the host changed the rings or shut down; true when the pump is to be woken now (it sleeps
    // and pump_needs_it: the change gives it work it cannot see from the channel's socket).
    bool host_changed(bool pump_needs_it);
    [[noreturn]] void throw_outcome() const;  // with mutex_ held

    PumpedChannel& channel_;
    int host_wake_fd_ = -1;  // eventfd: the pump wakes a blocked host
    int pump_wake_fd_ = -1;  // eventfd: the host (or the destructor) wakes a sleeping pump
    std::atomic<bool> stopping_{false};

    // Pump thread only.
    bool eof_sent_ = false;
    bool remote_done_ = false;
    unsigned long seen_changes_ = 0;  // host_changes_ when the pump last looked

    mutable std::mutex mutex_;
    // Guarded by mutex_ (the rings' counters; their bytes as described in byte_ring.hpp).
    ByteRing to_remote_{kRingBytes};
    ByteRing from_remote_{kRingBytes};
    bool host_eof_ = false;         // the host shut its sending side
    unsigned host_waits_ = 0;       // directions the host is blocked in and waits to be woken for
    unsigned host_signaled_ = 0;    // directions it was woken for and has not retried yet
    bool host_rung_ = false;        // host_wake_fd_ rang since the host last drained it
    unsigned long host_changes_ = 0;  // bumped by every host call that gives the pump work
    bool pump_sleeping_ = false;    // the pump is (about to be) in poll() and wants pump_wake_fd_ rung
    Outcome outcome_;
    std::thread thread_;
};

}  // namespace sshuttle::plugins::transport_ssh
