// SPDX-License-Identifier: LGPL-2.1-or-later
// ChannelPump: once the SSH connection is up, its channel is served by a thread of its own, and the host talks
// to a local socketpair instead of libssh2.
//
// Why a thread: SSH encryption and MAC cost more CPU than everything else sshuttle does with the bytes. With the
// ssh program that work runs in ssh's own process, in parallel with the client's loop; in-process it would run in
// the client's one loop thread and cap throughput at one core. The pump restores the parallelism at the cost of
// one local copy per chunk. libssh2 sessions are not thread-safe: after start() only the pump thread touches them,
// until the destructor has joined it.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

    /// The host's end of the socketpair: what poll_fd() gives the host.
    int host_fd() const { return host_fd_; }
    /// The direction the last blocked read() or write() waits for.
    unsigned wants() const { return last_blocked_; }
    /// ABI semantics on the host's end; throws the pump's failure (or its ECLOSED end) once the stream is over.
    long read(void* buf, size_t len);
    long write(const void* buf, size_t len);
    void shutdown_write();
    /// Throws the pump's failure, if any (called from step(), so a dead path is reported even when idle).
    void check() const;

   private:
    struct Buffer {
        std::vector<char> bytes;
        size_t begin = 0;
        size_t end = 0;
        size_t size() const { return end - begin; }
        size_t room() const { return bytes.size() - end; }
        void consume(size_t n);
    };
    struct Outcome {
        bool over = false;
        int status = 0;  // SSHUTTLE_ECLOSED at a normal end
        std::string message;
    };

    void run();
    bool pump_once(bool& host_eof, bool& eof_sent, bool& remote_done);
    void wait_for_events(bool host_eof, bool eof_sent, bool remote_done, int timeout_ms);
    void finish(int status, const std::string& message);
    [[noreturn]] void throw_outcome() const;

    PumpedChannel& channel_;
    int host_fd_ = -1;
    int pump_fd_ = -1;
    int wake_fd_ = -1;  // eventfd: the destructor wakes the thread with it
    std::atomic<bool> stopping_{false};
    unsigned last_blocked_ = 1;  // SSHUTTLE_WANT_READ
    Buffer to_remote_;
    Buffer from_remote_;
    mutable std::mutex mutex_;
    Outcome outcome_;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace sshuttle::plugins::transport_ssh
