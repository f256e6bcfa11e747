// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/ssh_forward_handoff.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

namespace sshuttle::app {

using Refusal = transport::SshStdioForward::Refusal;

SshForwardHandoff::SshForwardHandoff(boost::asio::io_context& io, std::string control_socket, std::size_t max_open)
    : io_(io), control_socket_(std::move(control_socket)), max_open_(max_open) {}

SshForwardHandoff::~SshForwardHandoff() {
    // Closing the control connections makes the master drop their channels.
    for (auto& [id, forward] : forwards_) forward->close();
}

bool SshForwardHandoff::take(int fd, const net::Endpoint& target, Opened opened, GiveBack give_back) {
    if (verdict_.off() || forwards_.size() >= max_open_) return false;
    const uint64_t id = next_id_++;
    spdlog::debug("accept: ssh forwards the connection to {} ({} open)", target.to_string(), forwards_.size() + 1);
    std::weak_ptr<void> alive = alive_;
    auto on_open = [this, alive, id, target, opened = std::move(opened), give_back = std::move(give_back)](
                       Refusal refusal, const std::string& why, int returned_fd) {
        if (alive.expired()) {
            if (returned_fd >= 0) ::close(returned_fd);
            return;
        }
        answered(id, refusal, why);
        if (refusal == Refusal::kNone) {
            if (const auto it = forwards_.find(id); it != forwards_.end())
                it->second->count_traffic(opened(std::weak_ptr<const void>(it->second)));
            return;
        }
        spdlog::debug("ssh did not forward the connection to {} ({}); the sshuttle server carries it",
                      target.to_string(), why);
        give_back(returned_fd);
    };
    auto on_end = [this, alive, id] {
        if (!alive.expired()) forwards_.erase(id);
    };
    forwards_.emplace(id, transport::SshStdioForward::start(io_, control_socket_, fd, target, std::move(on_open),
                                                            std::move(on_end)));
    return true;
}

void SshForwardHandoff::refresh_traffic() {
    for (auto& [id, forward] : forwards_) forward->refresh_traffic();
}

void SshForwardHandoff::answered(uint64_t id, Refusal refusal, const std::string& why) {
    if (refusal == Refusal::kNone) {
        verdict_.opened();
        return;
    }
    forwards_.erase(id);
    if (verdict_.off()) return;
    if (refusal == Refusal::kNoMaster) {
        verdict_.turn_off();
        spdlog::info("the ssh master cannot forward connections ({}); TCP goes through the sshuttle server", why);
        return;
    }
    if (verdict_.refused())
        spdlog::info("the server refused {} forwards in a row and opened none (AllowTcpForwarding no?); TCP goes "
                     "through the sshuttle server", verdict_.refusals_in_a_row());
}

}  // namespace sshuttle::app
