// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/local_routes.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <sstream>

#include "net/asio_address.hpp"
#include "util/process.hpp"

namespace sshuttle::server {
namespace {

bool is_unwanted(const boost::asio::ip::address& address) {
    if (address.is_unspecified() || address.is_loopback() || address.is_multicast()) return true;
    if (address.is_v4()) return (address.to_v4().to_uint() >> 24) == 0;  // 0.x.x.x, like upstream
    return address.to_v6().is_link_local();
}

}  // namespace

std::vector<mux::RouteLine> parse_ip_route_output(const std::string& output) {
    std::vector<mux::RouteLine> routes;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string target;
        words >> target;
        const auto slash = target.find('/');
        auto address = net::parse_address(target.substr(0, slash));
        if (!address || is_unwanted(*address)) continue;  // "default", "local ...", "unreachable ..."
        int width = address->is_v4() ? 32 : 128;
        if (slash != std::string::npos) {
            const auto text = std::string_view(target).substr(slash + 1);
            int parsed = -1;
            auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
            if (ec != std::errc() || ptr != text.data() + text.size() || parsed < 0 || parsed > width) continue;
            width = parsed;
        }
        if (width == 0) continue;  // another spelling of a default route
        routes.push_back({*address, width});
    }
    return routes;
}

std::vector<mux::RouteLine> list_local_routes() {
    std::vector<mux::RouteLine> routes;
    for (const auto& argv : {std::vector<std::string>{"ip", "route", "show"},
                             std::vector<std::string>{"ip", "-6", "route", "show"}}) {
        const auto result = util::run_command(argv);
        if (result.exit_status != 0) {
            spdlog::warn("auto-nets: '{} {}' failed: {}", argv[0], argv[1],
                         result.error.empty() ? "exit status " + std::to_string(result.exit_status) : result.error);
            continue;
        }
        auto found = parse_ip_route_output(result.output);
        routes.insert(routes.end(), found.begin(), found.end());
    }
    return routes;
}

}  // namespace sshuttle::server
