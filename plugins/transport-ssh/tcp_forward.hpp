// SPDX-License-Identifier: LGPL-2.1-or-later
// TcpForward: one accepted TCP connection carried on an SSH channel of its own (forward_tcp, ABI 1.4), as
// `ssh -L` carries it: its own window, so a long link is not capped by one channel, and no sshuttle server on the
// path. It lives on the pump thread (channel_pump.hpp), which calls pump() in each pass and polls the socket for
// what poll_events() asks; the socket side needs no host thread at all.
//
// Its life: opening (the channel is asked for; the pump opens one at a time, libssh2 keeps one channel-open state
// per session) -> open (bytes both ways, each side's EOF passed on: the socket's to the channel, the channel's as
// shutdown(SHUT_WR) of the socket) -> closing (the channel freed) -> done. A refusal hands the connection back
// untouched; a broken socket or channel ends it with a message so that the host resets the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "byte_ring.hpp"
#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

/// The SSH channel of one forward; pump thread only. Each call throws sdk::Error when the whole session failed.
class ForwardChannel {
   public:
    /// The channel's own end (the remote closed it, or refused what we sent): the forward ends, the session
    /// goes on.
    struct Broken : std::runtime_error {
        using std::runtime_error::runtime_error;
    };
    /// What read() returns at the remote's EOF.
    static constexpr long kEndOfStream = -1;

    virtual ~ForwardChannel() = default;
    /// Asks for the channel: true once it is open, false while under way (call again). Throws Broken with the
    /// server's reason when it is refused.
    virtual bool open() = 0;
    /// >0 bytes, 0 would block, kEndOfStream; throws Broken.
    virtual long read(void* buf, size_t len) = 0;
    /// >0 bytes taken, 0 would block; throws Broken.
    virtual long write(const void* buf, size_t len) = 0;
    /// True once the EOF is sent.
    virtual bool send_eof() = 0;
    /// Closes and frees the channel: true once done (or when there is nothing to free).
    virtual bool close() = 0;
};

class TcpForward {
   public:
    /// `fd` is the forward's own (a duplicate of the host's socket): closed when the forward is done.
    TcpForward(uint64_t id, int fd, std::unique_ptr<ForwardChannel> channel, sdk::ForwardReport report,
               size_t ring_bytes);
    ~TcpForward();
    TcpForward(const TcpForward&) = delete;
    TcpForward& operator=(const TcpForward&) = delete;

    /// What the pump tells a forward for one pass.
    struct Turn {
        bool may_open = false;  // it is first in line to open its channel
        bool may_send = true;   // no other channel has a packet half sent
        short revents = 0;      // what poll() found on its socket since the last pass
    };
    /// What a pass did.
    struct Outcome {
        bool progress = false;    // a byte, an EOF or a state moved
        bool half_sent = false;   // a send blocked partway: nobody else may send until it is repeated
    };
    /// One pass: opening, bytes both ways, closing. Throws sdk::Error when the session failed (then fail()).
    /// `session_blocked_out`: the session's socket has a packet half sent after a call that returned 0.
    Outcome pump(const Turn& turn, const std::function<bool()>& session_blocked_out);
    /// What to poll the socket for now (0: nothing; the forward waits for the channel).
    short poll_events() const;
    bool opening() const { return state_ == State::kOpening; }
    bool done() const { return state_ == State::kDone; }
    /// The session died: the forward ends now with `why` (the channel goes with the session).
    void fail(const std::string& why);
    int fd() const { return fd_; }
    uint64_t id() const { return id_; }

   private:
    enum class State { kOpening, kOpen, kClosing, kDone };

    bool read_socket();
    bool write_socket();
    bool send_to_channel(const Turn& turn, Outcome& out, const std::function<bool()>& session_blocked_out);
    bool read_channel();
    void break_off(const std::string& why);
    void finish();

    uint64_t id_;
    int fd_;
    std::unique_ptr<ForwardChannel> channel_;
    sdk::ForwardReport report_;
    State state_ = State::kOpening;
    ByteRing to_remote_;    // read from the socket, not yet taken by the channel
    ByteRing from_remote_;  // read from the channel, not yet written to the socket
    bool socket_eof_ = false;      // the application shut its sending side
    bool eof_sent_ = false;        // ... and the channel has been told
    bool remote_eof_ = false;      // the remote's last byte has been read from the channel
    bool socket_shut_ = false;     // ... and the socket's sending side is shut
    bool socket_blocked_ = false;  // the last write to the socket would have blocked
    std::string broken_;           // why it broke; empty at a normal end
};

}  // namespace sshuttle::plugins::transport_ssh
