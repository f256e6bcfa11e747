// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/server.hpp"

#include <algorithm>
#include <csignal>

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include "mux/mux.hpp"
#include "mux/payloads.hpp"
#include "mux/tcp_channel.hpp"
#include "server/dns_request.hpp"
#include "server/hostwatch_process.hpp"
#include "server/local_routes.hpp"
#include "server/nameservers.hpp"
#include "server/stdio_stream.hpp"
#include "server/udp_flow.hpp"
#include "util/fd_limit.hpp"
#include "util/log.hpp"

namespace sshuttle::server {

class Server::Impl {
   public:
    Impl(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> stream, ServerOptions options)
        : io_(io), options_(std::move(options)) {
        mux::MuxOptions mux_options;
        mux_options.is_server = true;
        mux_options.latency_control = options_.latency_control;
        mux_options.latency_buffer_size = options_.latency_buffer_size;
        mux_ = mux::Mux::create(io, std::move(stream), mux_options);
    }

    void start(std::function<void(const std::string&, bool)> on_closed) {
        spdlog::debug("latency control: {}, buffer {} bytes", options_.latency_control,
                      options_.latency_buffer_size);
        mux_->on_open = [this](uint16_t channel, mux::Command cmd, std::span<const uint8_t> payload) {
            open_channel(channel, cmd, payload);
        };
        mux_->on_host_req = [this](std::span<const uint8_t> payload) { start_hostwatch(payload); };
        mux_->on_closed = [this, on_closed = std::move(on_closed)](const std::string& reason, bool clean) {
            stop_hostwatch();  // its pending read would keep the event loop running
            if (on_closed) on_closed(reason, clean);
        };
        mux_->start();
        const auto routes = options_.auto_nets ? list_local_routes() : std::vector<mux::RouteLine>{};
        // The client reads only the first ROUTES frame: announce the routes that fit in one.
        std::string payload;
        std::size_t announced = 0;
        for (const auto& route : routes) {
            std::string line = mux::format_routes({route});
            if (payload.size() + line.size() > mux::kMaxPayload) break;
            spdlog::debug("available route: {}/{}", route.address.to_string(), route.width);
            payload += line;
            ++announced;
        }
        if (announced < routes.size())
            spdlog::warn("too many routes for one ROUTES frame: announcing {} of {}", announced, routes.size());
        mux_->send(0, mux::Command::kRoutes, mux::text_bytes(payload));
    }

    void stop(const std::string& reason) {
        stop_hostwatch();
        mux_->close(reason, true);
    }

   private:
    /// HOST_REQ: the payload is the seed names, one per line. Like upstream, the first request starts the
    /// watcher with every source (a client sends HOST_REQ only for -H); a later one changes nothing.
    void start_hostwatch(std::span<const uint8_t> payload) {
        if (hostwatch_) {
            spdlog::debug("host list requested again: the hostwatch is already running");
            return;
        }
        HostwatchConfig config = options_.hostwatch;
        std::string seeds(mux::as_text(payload));
        for (std::size_t start = 0; start < seeds.size();) {
            auto end = std::min(seeds.find('\n', start), seeds.size());
            if (end > start) config.seed_hosts.push_back(seeds.substr(start, end - start));
            start = end + 1;
        }
        spdlog::debug("host list requested: starting the hostwatch with {} seed names", config.seed_hosts.size());
        try {
            hostwatch_ = HostwatchProcess::start(io_, config, mux::kMaxPayload, [this](const std::string& lines) {
                if (!mux_->is_closed()) mux_->send(0, mux::Command::kHostList, mux::text_bytes(lines));
            });
        } catch (const std::exception& e) {
            spdlog::warn("{}", e.what());  // the tunnel works without it
        }
    }

    void stop_hostwatch() {
        if (hostwatch_) hostwatch_->stop();
    }

    void open_channel(uint16_t channel, mux::Command cmd, std::span<const uint8_t> payload) {
        switch (cmd) {
            case mux::Command::kTcpConnect:
                open_tcp(channel, payload);
                return;
            case mux::Command::kDnsReq:
                DnsRequest::start(mux_, channel, payload, dns_servers(options_.to_ns), options_.mark);
                return;
            case mux::Command::kUdpOpen:
                UdpFlow::start(mux_, channel, payload, options_.mark);
                return;
            default:
                return;
        }
    }

    void open_tcp(uint16_t channel, std::span<const uint8_t> payload) {
        std::string error;
        auto request = mux::parse_tcp_connect(payload, error);
        auto tcp = mux::TcpChannel::create(mux_, channel, boost::asio::ip::tcp::socket(io_));
        if (!request) {
            // The channel is the client's: answer it like a refused connection so its application sees EOF.
            spdlog::warn("channel {}: {}", channel, error);
            tcp->refuse();
            return;
        }
        spdlog::debug("channel {}: connecting to [{}]:{}", channel, request->address.to_string(), request->port);
        tcp->connect({request->address, request->port}, options_.mark);
    }

    boost::asio::io_context& io_;
    ServerOptions options_;
    std::shared_ptr<mux::Mux> mux_;
    std::shared_ptr<HostwatchProcess> hostwatch_;
};

Server::Server(boost::asio::io_context& io, std::unique_ptr<stream::ByteStream> stream, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(stream), std::move(options))) {}

Server::~Server() {
    on_closed = nullptr;
    impl_->stop("server destroyed");
}

void Server::start() {
    impl_->start([this](const std::string& reason, bool clean) {
        if (on_closed) on_closed(reason, clean);
    });
}

void Server::stop() { impl_->stop("stopped"); }

int run_server(const ServerOptions& options) {
    util::setup_logging("s", options.verbosity, options.syslog);
    // A client or destination going away must show up as EPIPE on that one socket, not kill the server.
    std::signal(SIGPIPE, SIG_IGN);
    // Every proxied connection costs the server an fd: under the usual soft limit of 1024 a third of 1500
    // connections were refused.
    const long fd_limit = util::raise_fd_limit();
    spdlog::debug("open-file limit: {}", fd_limit);
    boost::asio::io_context io;
    Server server(io, make_stdio_stream(io, 0, 1), options);
    int status = 1;
    server.on_closed = [&status](const std::string& reason, bool clean) {
        status = clean ? 0 : 1;
        if (clean) {
            spdlog::debug("client disconnected");
        } else {
            spdlog::error("fatal: {}", reason);
        }
    };
    server.start();
    io.run();
    return status;
}

}  // namespace sshuttle::server
