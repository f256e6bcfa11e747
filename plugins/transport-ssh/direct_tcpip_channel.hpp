// SPDX-License-Identifier: LGPL-2.1-or-later
// DirectTcpipChannel: a forward's SSH channel (tcp_forward.hpp) as libssh2 makes it: "direct-tcpip" to the
// destination, the channel `ssh -L` opens for each connection, with the receive window the transport grants its
// exec channels (window-bytes). Pump thread only.
#pragma once

#include <libssh2.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "tcp_forward.hpp"

namespace sshuttle::plugins::transport_ssh {

class DirectTcpipChannel final : public ForwardChannel {
   public:
    /// Called with what failed when the whole session did (it throws sdk::Error).
    using SessionFailed = std::function<void(const std::string& what)>;
    /// Why the session's last call failed (libssh2's message).
    using LastError = std::function<std::string()>;
    /// Told how long the open took (request to confirmation: a round trip, plus sshd's connect to the
    /// destination), for the next channels' windows.
    using Opened = std::function<void(std::chrono::microseconds took)>;

    DirectTcpipChannel(LIBSSH2_SESSION* session, const std::string& host, uint16_t port,
                       const std::string& origin_host, uint16_t origin_port, unsigned window_bytes,
                       unsigned packet_bytes, SessionFailed session_failed, LastError last_error, Opened opened);

    bool open() override;
    long read(void* buf, size_t len) override;
    long write(const void* buf, size_t len) override;
    bool send_eof() override;
    bool close() override;

   private:
    // A libssh2 status that is not EAGAIN: Broken when it concerns this channel alone, else the session failed.
    [[noreturn]] void fail(int status, const std::string& what);

    LIBSSH2_SESSION* session_;
    LIBSSH2_CHANNEL* channel_ = nullptr;
    std::string open_message_;  // the channel-open request's type-specific part (RFC 4254 7.2)
    std::string destination_;   // host:port, for messages
    unsigned window_bytes_;
    unsigned packet_bytes_;
    SessionFailed session_failed_;
    LastError last_error_;
    Opened opened_;
    std::chrono::steady_clock::time_point asked_{};  // the first open() call
};

}  // namespace sshuttle::plugins::transport_ssh
