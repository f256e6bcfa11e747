// SPDX-License-Identifier: LGPL-2.1-or-later
// One captured TCP connection handed to the ssh program's connection-sharing master as a stdio forward (what
// `ssh -W host:port` asks of a master; issue 17). sshd opens a direct-tcpip channel to the destination, as for
// `ssh -L`, and ssh itself reads the connection's socket, so the upload never passes through us or the sshuttle
// server: the cost per byte and the per-connection window are those of `ssh -L`.
//
// ssh takes two descriptors, an input and an output: both are the socket, so ssh also writes the download
// straight into it, as ssh -L does. (A pipe of ours in between, spliced into the socket, held the download to
// ssh's writes into 64 KiB of pipe, at more CPU per byte.) ssh only closes its own copies at the end and we keep
// one, so the application's EOF comes from us when the master closes the control connection, which it does once
// the channel is gone; closing that connection ourselves ends the forward.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "mux/channel_traffic.hpp"
#include "net/address.hpp"

namespace sshuttle::transport {

class SshStdioForward {
   public:
    enum class Refusal {
        kNone,      // opened
        kByServer,  // the master asked and sshd (or the destination) said no
        kNoMaster,  // the control socket could not be used: the master is gone or speaks something else
    };
    /// Called once when the forward is open (kNone), or when it is not: then the socket is handed back untouched
    /// (nothing was read from it) as `returned_fd`, for the caller to carry another way; `why` says why.
    using OnOpen = std::function<void(Refusal refusal, const std::string& why, int returned_fd)>;
    /// Called once when an opened forward has ended and its socket is closed.
    using OnEnd = std::function<void()>;

    /// Starts handing `socket_fd` (a connected, accepted TCP socket; owned from here) to the master listening on
    /// `control_socket`, for `target`. The callbacks run on `io`.
    static std::shared_ptr<SshStdioForward> start(boost::asio::io_context& io, const std::string& control_socket,
                                                  int socket_fd, const net::Endpoint& target, OnOpen on_open,
                                                  OnEnd on_end);

    virtual ~SshStdioForward() = default;
    /// Ends the forward now (the master drops its channel); no callback runs after this.
    virtual void close() = 0;
    /// Where to count the connection's bytes from here on, as its socket's TCP_INFO tells (ssh reads and writes
    /// it, not us), at refresh_traffic() and at its end: not on the data's path, where nobody looks at it.
    virtual void count_traffic(std::shared_ptr<mux::ChannelTraffic> traffic) = 0;
    /// Reads the counts now (a status snapshot is taken).
    virtual void refresh_traffic() = 0;
};

}  // namespace sshuttle::transport
