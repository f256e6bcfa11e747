// SPDX-License-Identifier: LGPL-2.1-or-later
// The sshuttle server: the remote end of the mux. It connects to destinations for TCP_CONNECT, forwards
// DNS_REQ to a nameserver and relays UDP flows, on behalf of the client. Unprivileged; single-threaded.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/address.hpp"
#include "server/hostwatch.hpp"
#include "stream/byte_stream.hpp"

namespace sshuttle::server {

struct ServerOptions {
    int verbosity = 0;
    bool latency_control = true;
    std::size_t latency_buffer_size = 32768;
    std::optional<net::Endpoint> to_ns;  // --to-ns: the nameserver for DNS_REQ (port 0 = 53)
    bool auto_nets = false;              // announce the local routes in ROUTES
    uint32_t mark = 0;                   // non-zero: SO_MARK on every outgoing socket (local mode)
    bool syslog = false;                 // log to syslog instead of stderr (run_server only)
    HostwatchConfig hostwatch;           // where the hostwatch looks, once the client sends HOST_REQ
};

/// One server session over a byte stream; usable in-process (tests, local mode) and by run_server.
class Server {
   public:
    Server(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> stream, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Called once when the session ends; clean = the client closed the stream properly.
    std::function<void(const std::string& reason, bool clean)> on_closed;

    /// Sends the sync header, PING and ROUTES, then serves until the stream ends.
    void start();
    /// Ends the session and closes every connection.
    void stop();

   private:
    class Impl;
    std::shared_ptr<Impl> impl_;
};

/// Serves the mux on fds 0/1 until the client goes away. Returns 0 after a clean EOF, 1 otherwise.
int run_server(const ServerOptions& options);

}  // namespace sshuttle::server
