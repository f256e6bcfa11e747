// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/plugin_forward_handoff.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "net/reset_and_close.hpp"
#include "net/sockaddr.hpp"
#include "net/tcp_byte_counts.hpp"

namespace sshuttle::app {

using Kind = transport::PluginConnection::ForwardEvent::Kind;

PluginForwardHandoff::PluginForwardHandoff(boost::asio::io_context& io,
                                           std::shared_ptr<transport::PluginConnection> plugin, std::size_t max_open)
    : io_(io), plugin_(std::move(plugin)), max_open_(max_open) {
    std::weak_ptr<int> alive = alive_;
    // The plugin reports on its own thread: each report is handled on ours.
    plugin_->set_forward_events([&io = io_, alive, this](transport::PluginConnection::ForwardEvent event) {
        boost::asio::post(io, [alive, this, event = std::move(event)] {
            if (!alive.expired()) report(event);
        });
    });
}

PluginForwardHandoff::~PluginForwardHandoff() {
    plugin_->set_forward_events(nullptr);
    // We go when the connection is lost or the session ends, and the plugin's forwards end with it: the linger,
    // an option of the socket itself, makes whichever close comes last (the plugin's duplicate) a reset, as for
    // the mux's connections at a loss. No shutdown(): its FIN would tell the application that a cut transfer
    // ended normally.
    for (auto& [id, forward] : forwards_) net::reset_and_close(forward.fd);
}

bool PluginForwardHandoff::take(int fd, const net::Endpoint& target, Opened opened, GiveBack give_back) {
    if (verdict_.off() || forwards_.size() >= max_open_) return false;
    const uint64_t id = next_id_++;
    const auto origin = net::peer_endpoint(fd);
    std::string why;
    if (!plugin_->forward_tcp(fd, target.address.to_string(), target.port,
                              origin ? origin->address.to_string() : "127.0.0.1", origin ? origin->port : 0, id,
                              why)) {
        spdlog::debug("the transport did not take the connection to {} ({}); the sshuttle server carries it",
                      target.to_string(), why);
        return false;
    }
    spdlog::debug("accept: the transport forwards the connection to {} ({} open)", target.to_string(),
                  forwards_.size() + 1);
    forwards_.emplace(id, Forward{fd, target, std::move(opened), std::move(give_back), nullptr});
    return true;
}

void PluginForwardHandoff::count(const Forward& forward) {
    if (!forward.traffic) return;
    if (const auto counts = net::tcp_byte_counts(forward.fd)) {
        forward.traffic->to_socket = counts->acked;
        forward.traffic->from_socket = counts->received;
    }
}

void PluginForwardHandoff::refresh_traffic() {
    for (const auto& [id, forward] : forwards_) count(forward);
}

void PluginForwardHandoff::report(const transport::PluginConnection::ForwardEvent& event) {
    const auto it = forwards_.find(event.id);
    if (it == forwards_.end()) return;  // not ours (a plugin's mistake): nothing to act on
    Forward& forward = it->second;
    switch (event.kind) {
        case Kind::kOpened:
            verdict_.opened();
            forward.traffic = forward.opened(std::weak_ptr<const void>(forward.alive));
            return;
        case Kind::kRefused: {
            spdlog::debug("the server did not forward the connection to {} ({}); the sshuttle server carries it",
                          forward.target.to_string(), event.message);
            if (verdict_.refused())
                spdlog::info("the server refused {} forwards in a row and opened none (AllowTcpForwarding no?); TCP "
                             "goes through the sshuttle server", verdict_.refusals_in_a_row());
            GiveBack give_back = std::move(forward.give_back);
            const int fd = forward.fd;
            forwards_.erase(it);
            give_back(fd);
            return;
        }
        case Kind::kEnded:
        case Kind::kBroken:
            count(forward);
            if (event.kind == Kind::kBroken) {
                spdlog::debug("forward to {} broke: {}", forward.target.to_string(), event.message);
                net::reset_and_close(forward.fd);
            } else {
                ::close(forward.fd);
            }
            forwards_.erase(it);  // its `alive` expires: the engine counts it closed
            return;
    }
}

}  // namespace sshuttle::app
