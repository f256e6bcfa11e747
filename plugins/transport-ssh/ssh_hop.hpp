// SPDX-License-Identifier: LGPL-2.1-or-later
// One libssh2 session: either over a TCP socket (the first hop) or carried inside a direct-tcpip channel of the
// previous hop (ProxyJump). A carried session reads and writes through libssh2's send/recv callbacks, so the
// whole chain stays on one socket that the host polls, without a pump or a thread.
// Sessions are always non-blocking; during the connect phase `wait_until` turns that into a bounded wait.
#pragma once

#include <libssh2.h>

#include <chrono>
#include <memory>
#include <string>

#include "socket_reader.hpp"

namespace sshuttle::plugins::transport_ssh {

using Clock = std::chrono::steady_clock;

class SshHop {
   public:
    /// A session over the connected socket fd (not owned). label names the hop in messages ("root@host:22").
    SshHop(int fd, std::string label);
    /// A session inside carrier, a channel of the previous hop that uses socket fd.
    SshHop(int fd, LIBSSH2_CHANNEL* carrier, std::string label);
    ~SshHop();
    SshHop(const SshHop&) = delete;
    SshHop& operator=(const SshHop&) = delete;

    LIBSSH2_SESSION* session() const { return session_; }
    int fd() const { return fd_; }
    const std::string& label() const { return label_; }
    /// When bytes last arrived for this session (dead-peer detection).
    Clock::time_point last_received() const { return last_received_; }
    /// libssh2's last error message, for "... failed: <why>" lines.
    std::string last_error() const;
    /// The first hop's socket reads (see socket_reader.hpp); NULL for a hop carried in a channel.
    SocketReader* socket_reader() const { return reader_.get(); }
    /// Anything the authentication callbacks need (keyboard-interactive answers).
    void* auth_context = nullptr;

   private:
    static LIBSSH2_RECV_FUNC(recv_socket);
    static LIBSSH2_SEND_FUNC(send_socket);
    static LIBSSH2_RECV_FUNC(recv_channel);
    static LIBSSH2_SEND_FUNC(send_channel);
    void init_session();

    int fd_;
    LIBSSH2_CHANNEL* carrier_ = nullptr;
    std::unique_ptr<SocketReader> reader_;  // the first hop only
    std::string label_;
    LIBSSH2_SESSION* session_ = nullptr;
    Clock::time_point last_received_ = Clock::now();
    std::string socket_failure_;  // why the socket last failed: libssh2 itself keeps only "transport read"
};

/// Runs a non-blocking libssh2 call until it stops returning LIBSSH2_ERROR_EAGAIN, polling fd in the
/// directions `outer` (the session that owns the socket) is blocked on. Returns the call's last result, or
/// LIBSSH2_ERROR_TIMEOUT when the deadline passes.
template <typename Call>
long wait_until(LIBSSH2_SESSION* outer, int fd, Clock::time_point deadline, Call&& call);

/// Polls fd for the directions outer is blocked on, until the deadline. False on timeout.
bool wait_socket(LIBSSH2_SESSION* outer, int fd, Clock::time_point deadline);

template <typename Call>
long wait_until(LIBSSH2_SESSION* outer, int fd, Clock::time_point deadline, Call&& call) {
    for (;;) {
        long rc = static_cast<long>(call());
        if (rc != LIBSSH2_ERROR_EAGAIN) return rc;
        if (!wait_socket(outer, fd, deadline)) return LIBSSH2_ERROR_TIMEOUT;
    }
}

/// Same, for calls that return a pointer (NULL with LIBSSH2_ERROR_EAGAIN as the session's last error).
template <typename Call>
auto wait_for_pointer(LIBSSH2_SESSION* session, LIBSSH2_SESSION* outer, int fd, Clock::time_point deadline,
                      Call&& call) -> decltype(call()) {
    for (;;) {
        auto* p = call();
        if (p != nullptr || libssh2_session_last_errno(session) != LIBSSH2_ERROR_EAGAIN) return p;
        if (!wait_socket(outer, fd, deadline)) return nullptr;
    }
}

}  // namespace sshuttle::plugins::transport_ssh
