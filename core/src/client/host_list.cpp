// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/host_list.hpp"

#include <spdlog/spdlog.h>

#include "common/untrusted_text.hpp"
#include "net/host_name.hpp"

namespace sshuttle::client {

std::vector<LearntHost> HostListReader::feed(std::string_view payload) {
    std::vector<LearntHost> out;
    while (!payload.empty()) {
        const auto newline = payload.find('\n');
        const std::string_view piece = payload.substr(0, newline);
        if (!skipping_long_line_) {
            if (partial_.size() + piece.size() > kMaxLineBytes) {
                ++refused_;
                // All that arrived of the line, so that "(N more bytes)" counts it (what follows is dropped uncounted).
                spdlog::warn("ignoring a host line from the server longer than {} bytes: '{}'", kMaxLineBytes,
                             common::escape_untrusted(partial_ + std::string(piece), net::kShownHostBytes));
                partial_.clear();
                skipping_long_line_ = true;
            } else {
                partial_.append(piece);
            }
        }
        if (newline == std::string_view::npos) break;
        if (!skipping_long_line_) take_line(partial_, out);
        partial_.clear();
        skipping_long_line_ = false;
        payload.remove_prefix(newline + 1);
    }
    return out;
}

void HostListReader::take_line(std::string_view line, std::vector<LearntHost>& out) {
    if (line.empty()) return;
    const auto comma = line.rfind(',');
    LearntHost host;
    if (comma != std::string_view::npos) host.name = std::string(line.substr(0, comma));
    const bool address_ok =
        comma != std::string_view::npos && net::IpAddress::parse(std::string(line.substr(comma + 1)), host.ip);
    if (!address_ok || !net::is_valid_host_name(host.name) || net::is_localhost_name(host.name)) {
        ++refused_;
        spdlog::warn("ignoring host '{}' from the server: {}", common::escape_untrusted(line, net::kShownHostBytes),
                     !address_ok ? "not <name>,<address>"
                                 : (net::is_localhost_name(host.name) ? "localhost is never redirected"
                                                                      : "not a valid host name"));
        return;
    }
    out.push_back(std::move(host));
}

}  // namespace sshuttle::client
