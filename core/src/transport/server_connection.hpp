// SPDX-License-Identifier: LGPL-2.1-or-later
// A started server as the client session sees it, whatever carries it: a child process on a socketpair (the ssh
// program, --server-cmd, the local server; child_server.hpp) or a transport plugin's connection
// (plugin_server.hpp). The session asks for the mux's stream, ends it, and opens more channels through it
// without knowing which.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "stream/byte_stream.hpp"
#include "transport/transport_error.hpp"

namespace sshuttle::transport {

class PluginConnection;
class ServerConnection;

/// How to start one more server on the SSH connection a started one came from (an extra SSH channel, issue 17):
/// `ssh -S <its socket> -o ControlMaster=no ...`, or the transport plugin's open_channel.
class ExtraChannelSource {
   public:
    virtual ~ExtraChannelSource() = default;
    /// Starts the server (no new authentication) and blocks until its sync header has been read. Throws
    /// TransportError. Safe on another thread than the one using the primary connection.
    virtual std::unique_ptr<ServerConnection> open() const = 0;
    /// The socket of the ssh program's connection-sharing master (ours, or the one the user's ssh configuration
    /// names, unless that one asks about each session), for stdio forwards of single connections
    /// (transport/ssh_stdio_forward.hpp); "" = none.
    virtual std::string forward_socket() const { return {}; }
    /// The transport plugin's connection when it forwards single connections itself (ABI 1.4 forward_tcp);
    /// nullptr = it does not (or this is the ssh program).
    virtual std::shared_ptr<PluginConnection> forwarding_plugin() const { return nullptr; }
};

class ServerConnection {
   public:
    virtual ~ServerConnection() = default;
    ServerConnection(const ServerConnection&) = delete;
    ServerConnection& operator=(const ServerConnection&) = delete;

    /// The mux's stream to this server; its first byte is the mux's. Called once.
    virtual std::unique_ptr<stream::ByteStream> stream(boost::asio::io_context& io) = 0;
    /// Ends the server (SIGTERM, then SIGKILL after a second; or closing the plugin's connection) the first time;
    /// returns how it had ended by itself ("exit code 255 ..."), or "" when it was still running. Later calls
    /// return "": the child is reaped once, so a recycled pid is never signalled. The destructor calls it.
    virtual std::string end() = 0;

    /// "ssh user@host", "local server", ... for messages.
    const std::string& description() const { return description_; }
    /// The helper was not in the remote cache and has been sent.
    bool uploaded() const { return uploaded_; }
    /// How to open more channels on this connection; nullptr when it cannot (local mode, a plugin of ABI minor
    /// 1, an -e program that is not OpenSSH's ssh).
    const std::shared_ptr<const ExtraChannelSource>& extra_channels() const { return extra_; }

   protected:
    ServerConnection(std::string description, bool uploaded, std::shared_ptr<const ExtraChannelSource> extra)
        : description_(std::move(description)), uploaded_(uploaded), extra_(std::move(extra)) {}

   private:
    std::string description_;
    bool uploaded_;
    std::shared_ptr<const ExtraChannelSource> extra_;
};

}  // namespace sshuttle::transport
