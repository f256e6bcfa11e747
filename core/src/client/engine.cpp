// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/engine.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "client/channel_pick.hpp"
#include "client/tcp_handoff.hpp"
#include "net/reset_and_close.hpp"
#include "client/dns_proxy.hpp"
#include "util/fd_limit.hpp"
#include "client/host_list.hpp"
#include "client/tcp_listener.hpp"
#include "client/udp_proxy.hpp"
#include "mux/mux.hpp"
#include "mux/payloads.hpp"
#include "mux/tcp_channel.hpp"
#include "net/asio_address.hpp"
#include "net/sockaddr.hpp"

namespace sshuttle::client {
namespace {

Route to_route(const mux::RouteLine& line) {
    Route route;
    route.address = net::from_asio(line.address);
    route.family = route.address.family;
    route.prefix = line.width;
    return route;
}

using net::reset_and_close;

// The mux names its own protocol violations this way (mux.cpp); a new connection to the same server would
// only hear the same garbage, so those end the session instead of starting a reconnect.
bool is_protocol_error(const std::string& reason) { return reason.rfind("protocol error", 0) == 0; }

}  // namespace

class ClientEngine::Impl {
   public:
    Impl(ClientEngine& owner, boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> server,
         EngineOptions options)
        : owner_(owner), io_(io), options_(options), held_timer_(io) {
        util::raise_fd_limit();
        mux_ = make_mux(std::move(server));
    }

    ~Impl() {
        for (auto& held : held_) reset_and_close(held.fd);
        for (const auto& udp : udp_sockets_) ::close(udp.fd);
    }

    void start() { start_mux(); }

    void attach(std::unique_ptr<stream::ByteStream> server) {
        if (!mux_->is_closed()) {
            mux_->on_closed = nullptr;  // the owner replaced it: not a loss to report
            mux_->close("replaced by a new server stream", true);
            close_extras("the primary server stream was replaced", true);
        }
        mux_ = make_mux(std::move(server));
        routes_seen_ = false;
        growth_failed_ = false;  // a new SSH connection may well take the extra channels the old one refused
        told_short_path_ = false;  // and its path is measured anew
        host_list_ = HostListReader{};  // a line cut off with the old stream must not join the new one
        start_mux();
        start_udp_proxies();
        auto held = std::exchange(held_, {});
        held_timer_.cancel();
        if (!held.empty()) spdlog::info("carrying {} connection(s) held while the server was away", held.size());
        for (auto& connection : held) route({connection.fd, connection.target, connection.protocol});
    }

    void add_channel(uint64_t id, std::unique_ptr<stream::ByteStream> stream) {
        Extra* extra = find_extra(id);
        if (extra == nullptr || extra->mux) {
            stream->close();  // asked for by a primary that is gone: nothing waits for it
            return;
        }
        extra->mux = make_mux(std::move(stream));
        // An extra stream carries TCP only: what the primary already does (routes, hosts) is not asked again.
        // Its first ROUTES says the server is up and has announced (or not) the extension, so connections
        // opened from then on get their credit windows (docs/mux-extension.md).
        extra->mux->on_routes = [this, id](std::span<const uint8_t>) { extra_ready(id); };
        extra->mux->on_host_list = [](std::span<const uint8_t>) {};
        extra->mux->on_closed = [this, id](const std::string& reason, bool /*clean*/) { extra_lost(id, reason); };
        extra->mux->start();
    }

    void channel_failed(uint64_t id, const std::string& reason) {
        const auto it = std::find_if(extras_.begin(), extras_.end(), [id](const Extra& e) { return e.id == id; });
        if (it == extras_.end()) return;
        // Refused once (sshd's MaxSessions, a transport that cannot): asking again for every connection would
        // only repeat the failure, so this primary carries on with what it has.
        spdlog::warn("cannot open another SSH channel ({}); carrying on with {}", reason,
                     server_channels() == 1 ? "one" : std::to_string(server_channels()));
        growth_failed_ = true;
        auto waiting = std::move(it->waiting);
        extras_.erase(it);
        for (auto& connection : waiting) route(connection);
    }

    std::size_t server_channels() const {
        std::size_t count = mux_->is_closed() ? 0 : 1;
        for (const auto& extra : extras_) count += extra.ready ? 1 : 0;
        return count;
    }

    void add_tcp_listener(int listen_fd, OriginalDst original_dst) {
        // The callback needs the listener (for the loop check) but must not keep it alive.
        auto self_ref = std::make_shared<std::weak_ptr<TcpListener>>();
        auto listener = TcpListener::create(io_, listen_fd, [this, self_ref, original_dst](int fd) {
            accepted(fd, self_ref->lock(), original_dst);
        });
        *self_ref = listener;
        listeners_.push_back(listener);
        listener->start();
    }

    void add_dns_listener(int udp_fd, std::optional<TransparentUdp> transparent) {
        udp_sockets_.push_back({udp_fd, true, std::move(transparent)});
        start_udp_proxy(udp_sockets_.back());
    }

    void add_udp_listener(int udp_fd, TransparentUdp transparent) {
        udp_sockets_.push_back({udp_fd, false, std::move(transparent)});
        start_udp_proxy(udp_sockets_.back());
    }

    std::size_t udp_flows() const {
        std::size_t count = 0;
        for (const auto& proxy : udp_proxies_) count += proxy->flow_count();
        return count;
    }

    void request_hosts(const std::vector<std::string>& seed_hosts) {
        hosts_requested_ = true;
        std::string payload;
        for (const auto& host : seed_hosts) payload += (payload.empty() ? "" : "\n") + host;
        mux_->send(0, mux::Command::kHostReq, mux::text_bytes(payload));
    }

    void set_tcp_handoff(std::shared_ptr<TcpHandoff> handoff) { handoff_ = std::move(handoff); }

    void stop(const std::string& reason) {
        stop_listeners();
        // The owner asked for this: on_closed is for endings it did not cause (engine.hpp).
        mux_->on_closed = nullptr;
        mux_->close(reason, true);
        close_extras(reason, false);
        for (auto& held : std::exchange(held_, {})) reset_and_close(held.fd);
        held_timer_.cancel();
        handoff_.reset();  // its connections end with it
    }

    std::size_t open_channels() const {
        std::size_t count = mux_->channel_count();
        for (const auto& extra : extras_) count += extra.mux ? extra.mux->channel_count() : 0;
        return count;
    }
    std::size_t held_connections() const { return held_.size(); }
    bool closed_by_protocol_error() const { return closed_by_protocol_error_; }

    TrafficSnapshot traffic() {
        if (handoff_) handoff_->refresh_traffic();
        return connections_.snapshot();
    }

    uint64_t dns_queries() const {
        uint64_t count = dns_queries_of_stopped_;
        for (const auto& proxy : dns_proxies_) count += proxy->queries();
        return count;
    }

    void probe_rtt() { mux_->send_rtt_probe(); }
    std::optional<std::chrono::steady_clock::duration> last_rtt() const { return mux_->last_rtt(); }

   private:
    // A bound UDP socket (DNS or transparent UDP) that outlives server streams: each stream's proxy reads a
    // duplicate of it, so that while no server is attached the kernel keeps queueing what arrives.
    struct UdpSocket {
        int fd;
        bool dns;
        std::optional<TransparentUdp> transparent;
    };

    // An accepted connection and where it was going, before it has a mux channel.
    struct Connection {
        int fd;
        boost::asio::ip::tcp::endpoint target;
        boost::asio::ip::tcp protocol;
    };

    // An extra server stream (SSH channel): asked of the owner, then open, then ready (its ROUTES came).
    struct Extra {
        uint64_t id = 0;
        std::shared_ptr<mux::Mux> mux;    // null until add_channel
        bool ready = false;
        std::vector<Connection> waiting;  // accepted for this stream before it was ready
        std::size_t load() const { return (ready ? mux->channel_count() : 0) + waiting.size(); }
    };

    // Accepted while no server was attached: kept until attach() or the hold bound.
    struct HeldConnection {
        int fd;
        boost::asio::ip::tcp::endpoint target;
        boost::asio::ip::tcp protocol;
        std::chrono::steady_clock::time_point deadline;
    };

    std::shared_ptr<mux::Mux> make_mux(std::unique_ptr<stream::ByteStream> server) const {
        mux::MuxOptions mux_options;
        mux_options.expect_sync_header = options_.expect_sync_header;
        mux_options.latency_control = options_.latency_control;
        mux_options.latency_buffer_size = options_.latency_buffer_size;
        mux_options.wrap = options_.wrap;
        return mux::Mux::create(io_, std::move(server), mux_options);
    }

    void start_mux() {
        closed_by_protocol_error_ = false;
        mux_->on_routes = [this](std::span<const uint8_t> payload) { got_routes(payload); };
        mux_->on_host_list = [this](std::span<const uint8_t> payload) { got_hosts(payload); };
        mux_->on_closed = [this](const std::string& reason, bool /*clean*/) {
            closed_by_protocol_error_ = is_protocol_error(reason);
            close_extras("the primary server stream ended", options_.survive_server_loss);
            if (options_.survive_server_loss) {
                stop_udp_proxies();  // the sockets stay open and bound (udp_sockets_)
            } else {
                stop_listeners();
            }
            if (owner_.on_closed) owner_.on_closed(reason);
        };
        mux_->start();
    }

    void start_udp_proxy(const UdpSocket& udp) {
        const int fd = ::dup(udp.fd);
        if (fd < 0) {
            spdlog::error("cannot serve a UDP listener: dup: {}", std::strerror(errno));
            return;
        }
        if (udp.dns) {
            auto proxy = DnsProxy::create(mux_, fd, DnsProxy::kExpiry, udp.transparent);
            dns_proxies_.push_back(proxy);
            proxy->start();
        } else {
            auto proxy = UdpProxy::create(mux_, fd, *udp.transparent, options_.udp_timeout);
            udp_proxies_.push_back(proxy);
            proxy->start();
        }
    }

    void start_udp_proxies() {
        for (const auto& udp : udp_sockets_) start_udp_proxy(udp);
    }

    void stop_udp_proxies() {
        for (auto& proxy : dns_proxies_) {
            dns_queries_of_stopped_ += proxy->queries();  // the status counter spans server streams
            proxy->stop();
        }
        dns_proxies_.clear();
        for (auto& proxy : udp_proxies_) proxy->stop();
        udp_proxies_.clear();
    }

    void hold(int fd, const boost::asio::ip::tcp::endpoint& target, boost::asio::ip::tcp protocol) {
        if (held_.size() >= options_.held_limit) {
            spdlog::warn("no server and {} connections already waiting; reset the one to [{}]:{}", held_.size(),
                         target.address().to_string(), target.port());
            reset_and_close(fd);
            return;
        }
        spdlog::debug("no server: holding the connection to [{}]:{}", target.address().to_string(), target.port());
        held_.push_back({fd, target, protocol, std::chrono::steady_clock::now() + options_.held_timeout});
        if (held_.size() == 1) arm_held_timer();
    }

    // Held connections are in deadline order (same timeout for all), so only the front one needs a timer.
    void arm_held_timer() {
        if (held_.empty()) return;
        held_timer_.expires_at(held_.front().deadline);
        held_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            const auto now = std::chrono::steady_clock::now();
            std::size_t expired = 0;
            while (!held_.empty() && held_.front().deadline <= now) {
                reset_and_close(held_.front().fd);
                held_.pop_front();
                ++expired;
            }
            if (expired > 0) spdlog::info("no server for too long: reset {} waiting connection(s)", expired);
            arm_held_timer();
        });
    }

    void accepted(int fd, const std::shared_ptr<TcpListener>& listener, const OriginalDst& original_dst) {
        const auto destination = original_dst ? original_dst(fd) : std::nullopt;
        if (!destination) {
            spdlog::debug("no original destination for accepted connection; dropped");
            ::close(fd);
            return;
        }
        const auto target = net::to_asio<boost::asio::ip::tcp>(*destination);
        if (listener && target == listener->local_endpoint()) {
            spdlog::warn("-- ignored: that's my address! ([{}]:{})", target.address().to_string(), target.port());
            ::close(fd);
            return;
        }
        const auto protocol = listener ? listener->local_endpoint().protocol() : target.protocol();
        if (mux_->is_closed()) {
            hold(fd, target, protocol);
            return;
        }
        if (handoff_ && offer(fd, *destination, protocol)) return;
        route({fd, target, protocol});
    }

    // The handoff first (the ssh program's own forwarding); what it gives back later goes over the mux.
    bool offer(int fd, const net::Endpoint& destination, boost::asio::ip::tcp protocol) {
        const auto target = net::to_asio<boost::asio::ip::tcp>(destination);
        const net::Endpoint source = net::peer_endpoint(fd).value_or(net::Endpoint{});
        auto opened = [this, alive = std::weak_ptr<void>(alive_), source,
                       destination](std::weak_ptr<const void> carried) -> std::shared_ptr<mux::ChannelTraffic> {
            if (alive.expired()) return std::make_shared<mux::ChannelTraffic>();
            return connections_.add(0, source, destination, std::move(carried));
        };
        return handoff_->take(fd, destination, std::move(opened),
                              [this, alive = std::weak_ptr<void>(alive_), target, protocol](int back) {
            if (alive.expired()) {
                ::close(back);
                return;
            }
            if (mux_->is_closed()) {
                hold(back, target, protocol);
                return;
            }
            route({back, target, protocol});
        });
    }

    // True when one SSH channel's window could cap the path (EngineOptions::growth_rtt).
    bool path_is_long() {
        if (options_.growth_rtt <= std::chrono::steady_clock::duration::zero()) return true;
        const auto rtt = mux_->path_rtt();
        const bool is_long = rtt && *rtt >= options_.growth_rtt;
        if (!is_long && !told_short_path_) {
            told_short_path_ = true;
            using std::chrono::microseconds;
            spdlog::debug("no more SSH channels while the round trip ({} us; -1: not measured yet) is under {} us",
                          rtt ? std::chrono::duration_cast<microseconds>(*rtt).count() : -1,
                          std::chrono::duration_cast<microseconds>(options_.growth_rtt).count());
        }
        return is_long;
    }

    Extra* find_extra(uint64_t id) {
        for (auto& extra : extras_)
            if (extra.id == id) return &extra;
        return nullptr;
    }

    // Puts a new connection on the least loaded server stream, asking for one more where the load calls for it.
    void route(const Connection& connection) {
        std::vector<std::size_t> loads{mux_->channel_count()};
        for (const auto& extra : extras_) loads.push_back(extra.load());
        // Never more than one stream to a server without our extension (upstream's): it would not know that
        // the extra streams carry TCP only.
        const bool may_grow = options_.max_channels > 1 && owner_.on_channel_wanted && !growth_failed_ &&
                              mux_->extension_active() && path_is_long();
        const ChannelPick pick = pick_channel(loads, options_.max_channels, may_grow);
        if (pick.open_new) {
            const uint64_t id = next_extra_id_++;
            extras_.push_back(Extra{id, nullptr, false, {connection}});
            spdlog::debug("opening SSH channel {} ({} open, up to {})", id, server_channels(), options_.max_channels);
            owner_.on_channel_wanted(id);
            return;
        }
        if (pick.index == 0) {
            open_channel(mux_, connection);
            return;
        }
        Extra& extra = extras_[pick.index - 1];
        if (extra.ready) {
            open_channel(extra.mux, connection);
        } else {
            extra.waiting.push_back(connection);
        }
    }

    void extra_ready(uint64_t id) {
        Extra* extra = find_extra(id);
        if (extra == nullptr || extra->ready) return;
        extra->ready = true;
        spdlog::debug("SSH channel {} is open ({} open)", id, server_channels());
        for (const auto& connection : std::exchange(extra->waiting, {})) open_channel(extra->mux, connection);
    }

    // An extra stream ended by itself: its connections were reset by its mux (as at any loss); the others go on.
    void extra_lost(uint64_t id, const std::string& reason) {
        const auto it = std::find_if(extras_.begin(), extras_.end(), [id](const Extra& e) { return e.id == id; });
        if (it == extras_.end()) return;
        // We are inside this mux's close(): it must outlive the call, so the last reference goes later.
        boost::asio::post(io_, [keep = it->mux] {});
        for (const auto& connection : it->waiting) reset_and_close(connection.fd);
        extras_.erase(it);
        spdlog::debug("SSH channel {} closed: {} ({} open)", id, reason, server_channels());
        if (owner_.on_channel_closed) owner_.on_channel_closed(id, reason);
    }

    // The primary went (or is replaced, or the engine stops): the extras go with it. Connections still waiting
    // for one are held for the next primary when `hold_waiting`, else reset.
    void close_extras(const std::string& reason, bool hold_waiting) {
        auto extras = std::exchange(extras_, {});
        for (auto& extra : extras) {
            if (extra.mux) {
                extra.mux->on_closed = nullptr;
                extra.mux->close(reason, true);
            }
            for (const auto& connection : extra.waiting) {
                if (hold_waiting) {
                    hold(connection.fd, connection.target, connection.protocol);
                } else {
                    reset_and_close(connection.fd);
                }
            }
            spdlog::debug("SSH channel {} closed: {}", extra.id, reason);
            if (owner_.on_channel_closed) owner_.on_channel_closed(extra.id, reason);
        }
    }

    void open_channel(const std::shared_ptr<mux::Mux>& mux, const Connection& connection) {
        const int fd = connection.fd;
        const auto& target = connection.target;
        const uint16_t channel = mux->allocate_channel();
        if (channel == 0) {
            spdlog::warn("too many open channels; discarded connection to [{}]:{}", target.address().to_string(),
                         target.port());
            ::close(fd);
            return;
        }
        spdlog::debug("accept: channel {} to [{}]:{}", channel, target.address().to_string(), target.port());
        boost::asio::ip::tcp::socket socket(io_, connection.protocol, fd);
        boost::system::error_code no_source;  // a peer already gone shows as 0.0.0.0:0; it ends at once anyway
        const auto source = socket.remote_endpoint(no_source);
        auto tcp = mux::TcpChannel::create(mux, channel, std::move(socket));
        tcp->count_traffic(
            connections_.add(channel, net::endpoint_from_asio(source), net::endpoint_from_asio(target), tcp));
        mux->send(channel, mux::Command::kTcpConnect,
                   mux::text_bytes(mux::format_tcp_connect({target.address(), target.port()})));
        tcp->start();
    }

    void got_routes(std::span<const uint8_t> payload) {
        if (routes_seen_) return;
        routes_seen_ = true;
        std::string error;
        auto lines = mux::parse_routes(payload, error);
        if (!lines) {
            spdlog::warn("ignoring the server's routes: {}", error);
            lines.emplace();
        }
        std::vector<Route> routes;
        for (const auto& line : *lines) routes.push_back(to_route(line));
        if (owner_.on_routes) owner_.on_routes(routes);
    }

    void got_hosts(std::span<const uint8_t> payload) {
        // Hosts only for a client that asked (-H): anything else would be a server writing our /etc/hosts.
        if (!hosts_requested_) {
            if (!warned_unrequested_hosts_)
                spdlog::warn("ignoring a host list the server sent without being asked (no -H)");
            warned_unrequested_hosts_ = true;
            return;
        }
        for (const auto& host : host_list_.feed(mux::as_text(payload))) {
            if (owner_.on_host) owner_.on_host(host.name + "," + host.ip.to_string());
        }
    }

    void stop_listeners() {
        for (auto& listener : listeners_) listener->stop();
        listeners_.clear();
        stop_udp_proxies();
    }

    ClientEngine& owner_;
    boost::asio::io_context& io_;
    EngineOptions options_;
    std::shared_ptr<mux::Mux> mux_;  // the primary server stream
    std::vector<Extra> extras_;       // the extra ones, in the order they were asked for
    uint64_t next_extra_id_ = 1;
    bool growth_failed_ = false;      // an extra stream could not be opened on this primary
    bool told_short_path_ = false;    // the debug line on a path too short for more streams was written
    std::vector<std::shared_ptr<TcpListener>> listeners_;
    std::vector<UdpSocket> udp_sockets_;
    std::vector<std::shared_ptr<DnsProxy>> dns_proxies_;
    std::vector<std::shared_ptr<UdpProxy>> udp_proxies_;
    std::deque<HeldConnection> held_;
    boost::asio::steady_timer held_timer_;
    bool routes_seen_ = false;
    ConnectionTable connections_;
    uint64_t dns_queries_of_stopped_ = 0;
    bool hosts_requested_ = false;
    bool warned_unrequested_hosts_ = false;
    HostListReader host_list_;
    bool closed_by_protocol_error_ = false;
    std::shared_ptr<TcpHandoff> handoff_;  // tried before the mux for each new connection; null = none
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // a handoff's give-back after we are gone is dropped
};

ClientEngine::ClientEngine(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> server,
                           EngineOptions options)
    : impl_(std::make_unique<Impl>(*this, io, std::move(server), options)) {}

ClientEngine::~ClientEngine() {
    // Nobody is listening any more: the owner is going away.
    on_routes = nullptr;
    on_host = nullptr;
    on_closed = nullptr;
    on_channel_wanted = nullptr;
    on_channel_closed = nullptr;
    impl_->stop("client engine destroyed");
}

void ClientEngine::start() { impl_->start(); }

void ClientEngine::add_tcp_listener(int listen_fd, OriginalDst original_dst) {
    impl_->add_tcp_listener(listen_fd, std::move(original_dst));
}

void ClientEngine::add_dns_listener(int udp_fd, std::optional<TransparentUdp> transparent) {
    impl_->add_dns_listener(udp_fd, std::move(transparent));
}

void ClientEngine::add_udp_listener(int udp_fd, TransparentUdp transparent) {
    impl_->add_udp_listener(udp_fd, std::move(transparent));
}

std::size_t ClientEngine::udp_flows() const { return impl_->udp_flows(); }

void ClientEngine::request_hosts(const std::vector<std::string>& seed_hosts) { impl_->request_hosts(seed_hosts); }

void ClientEngine::attach(std::unique_ptr<stream::ByteStream> server) { impl_->attach(std::move(server)); }

void ClientEngine::stop() { impl_->stop("stopped"); }

void ClientEngine::set_tcp_handoff(std::shared_ptr<TcpHandoff> handoff) { impl_->set_tcp_handoff(std::move(handoff)); }

void ClientEngine::add_channel(uint64_t id, std::unique_ptr<stream::ByteStream> stream) {
    impl_->add_channel(id, std::move(stream));
}

void ClientEngine::channel_failed(uint64_t id, const std::string& reason) { impl_->channel_failed(id, reason); }

std::size_t ClientEngine::server_channels() const { return impl_->server_channels(); }

std::size_t ClientEngine::open_channels() const { return impl_->open_channels(); }

TrafficSnapshot ClientEngine::traffic() { return impl_->traffic(); }

uint64_t ClientEngine::dns_queries() const { return impl_->dns_queries(); }

void ClientEngine::probe_rtt() { impl_->probe_rtt(); }

std::optional<std::chrono::steady_clock::duration> ClientEngine::last_rtt() const { return impl_->last_rtt(); }

std::size_t ClientEngine::held_connections() const { return impl_->held_connections(); }

bool ClientEngine::closed_by_protocol_error() const { return impl_->closed_by_protocol_error(); }

}  // namespace sshuttle::client
