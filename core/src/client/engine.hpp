// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's data plane: accepts redirected connections, opens one mux channel per connection to the
// server, and moves bytes both ways with flow control. Single-threaded, driven by the caller's io_context.
// With EngineOptions::survive_server_loss the listeners outlive the server stream: after a loss, connections
// that were open are reset, new ones are held (bounded in count and time) until attach() brings a new stream.
// With EngineOptions::max_channels > 1 the TCP connections are spread over several server streams (SSH channels
// of one SSH connection, issue 17): the first ("primary") carries everything else; the extra ones are asked of
// the owner (on_channel_wanted) as the load grows on a path long enough for one window to cap it (growth_rtt),
// carry TCP only, and a loss of one resets only its connections.
#pragma once

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/connection_table.hpp"
#include "client/tcp_handoff.hpp"
#include "client/transparent_udp.hpp"
#include "net/address.hpp"
#include "stream/byte_stream.hpp"

namespace sshuttle::client {

struct EngineOptions {
    bool latency_control = true;
    std::size_t latency_buffer_size = 32768;
    uint16_t wrap = 65535;             // channel numbers wrap here
    bool expect_sync_header = true;    // false when the bootstrap already consumed "\0\0SSHUTTLE0001"
    std::chrono::steady_clock::duration udp_timeout = std::chrono::seconds(30);  // idle UDP flows close
    bool survive_server_loss = false;  // keep listening after the stream ends, for attach()
    std::size_t held_limit = 256;      // connections held while no server is attached; more are reset
    std::chrono::steady_clock::duration held_timeout = std::chrono::seconds(30);  // then a held one is reset
    std::size_t max_channels = 1;      // server streams TCP may be spread over (client/channel_pick.hpp)
    /// Another stream is asked for only once the path's round trip (Mux::path_rtt) is at least this; zero: at
    /// any round trip, measured or not. One SSH channel carries a window per round trip (sshd grants 2 MiB):
    /// at 2 ms that is 8 Gbit/s, more than one SSH connection's cipher moves on a core. Below it, more channels
    /// add only server processes, each a wake-up per hop; measured on the bench lab (veth, libssh2): echo p50
    /// under 8 downloads 8.9 ms with 8 channels against 4.9 ms with one, which also moved 2.86 Gbit/s, not 2.42.
    std::chrono::steady_clock::duration growth_rtt = std::chrono::milliseconds(2);
};

/// One route announced by the server (CMD_ROUTES).
struct Route {
    net::Family family = net::Family::kIPv4;
    net::IpAddress address;
    int prefix = 0;
};

/// Finds where an accepted connection was going (the firewall plugin's original_dst); nullopt = drop it.
using OriginalDst = std::function<std::optional<net::Endpoint>(int accepted_fd)>;

class ClientEngine {
   public:
    ClientEngine(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> server, EngineOptions options);
    ~ClientEngine();
    ClientEngine(const ClientEngine&) = delete;
    ClientEngine& operator=(const ClientEngine&) = delete;

    /// Called once per server stream, with its first CMD_ROUTES (possibly empty).
    std::function<void(const std::vector<Route>&)> on_routes;
    /// Called with each valid "name,ip" line of CMD_HOST_LIST (host_list.hpp), and only after request_hosts().
    std::function<void(const std::string&)> on_host;
    /// Called once per server stream when it ends: server closed, transport error or protocol violation.
    std::function<void(const std::string& reason)> on_closed;

    /// Asks the owner for one more server stream (an extra SSH channel), named by `id`. The owner answers later
    /// with add_channel(id, ...) or channel_failed(id, ...). Without it the engine never grows past one stream.
    std::function<void(uint64_t id)> on_channel_wanted;
    /// An extra stream (one add_channel made) ended; its connections were reset. Also called for each extra when
    /// the primary is lost or replaced, before on_closed.
    std::function<void(uint64_t id, const std::string& reason)> on_channel_closed;

    /// Starts reading from the server (sync header, then frames).
    void start();
    /// Accepts on a listening TCP socket (non-blocking, already bound and listening). Takes ownership.
    void add_tcp_listener(int listen_fd, OriginalDst original_dst);
    /// Forwards the DNS queries arriving on a bound UDP socket (non-blocking) to the server. Takes ownership.
    /// With `transparent` (tproxy), queries carry their original destination and answers leave from it.
    void add_dns_listener(int udp_fd, std::optional<TransparentUdp> transparent = std::nullopt);
    /// Captures UDP on a bound transparent UDP socket (non-blocking): one UDP_OPEN channel per (source,
    /// original destination), replies from the original destination. Takes ownership.
    void add_udp_listener(int udp_fd, TransparentUdp transparent);
    /// Open UDP flows (tests, -v).
    std::size_t udp_flows() const;
    /// Sends CMD_HOST_REQ with the seed hosts (for -H / --seed-hosts).
    void request_hosts(const std::vector<std::string>& seed_hosts);
    /// After on_closed (survive_server_loss): carries on over a new server stream; the held connections go
    /// out first. Call start() semantics apply: reading begins at once.
    void attach(std::unique_ptr<stream::ByteStream> server);
    /// The extra stream asked for by on_channel_wanted(id) is up (its sync header consumed): the connections
    /// waiting for it start. Ignored (the stream closed) when `id` is no longer wanted (the primary went).
    void add_channel(uint64_t id, std::unique_ptr<stream::ByteStream> stream);
    /// The extra stream `id` could not be opened: its waiting connections go to the open streams, and no
    /// further extra stream is asked for on this primary.
    void channel_failed(uint64_t id, const std::string& reason);
    /// Server streams carrying TCP now: the primary (when attached) and the open extras.
    std::size_t server_channels() const;

    /// Offers each new TCP connection to `handoff` before the mux (the ssh program's own forwarding); null:
    /// every connection rides the mux. Connections it gives back ride the mux.
    void set_tcp_handoff(std::shared_ptr<TcpHandoff> handoff);

    /// Stops accepting, closes every channel and the server stream. Does not call on_closed.
    void stop();

    std::size_t open_channels() const;
    /// True when the last stream ended because the server spoke garbage (which a new connection would not mend).
    bool closed_by_protocol_error() const;
    /// Connections accepted while no server was attached, waiting for one.
    std::size_t held_connections() const;

    /// The client's status: TCP connections with their original destination and bytes, session totals.
    TrafficSnapshot traffic();
    /// DNS queries forwarded to the server since start.
    uint64_t dns_queries() const;
    /// Sends a keepalive PING of our own; last_rtt() is its round trip once the PONG is back.
    void probe_rtt();
    std::optional<std::chrono::steady_clock::duration> last_rtt() const;

   private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sshuttle::client
