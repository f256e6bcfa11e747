// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/nameservers.hpp"

#include <algorithm>

#include "net/resolv_conf.hpp"

namespace sshuttle::app {
namespace {

void add_unique(std::vector<net::IpAddress>& out, const net::IpAddress& address) {
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
}

}  // namespace

std::vector<net::IpAddress> discover_nameservers(const std::vector<std::string>& files) {
    std::vector<net::IpAddress> out;
    for (const auto& path : files)
        for (const auto& address : net::read_resolv_conf(path)) add_unique(out, address);
    return out;
}

std::vector<net::IpAddress> captured_nameservers(const cli::Options& options, const std::vector<std::string>& files) {
    std::vector<net::IpAddress> out;
    for (const auto& address : options.ns_hosts) add_unique(out, address);
    if (options.dns) {
        for (const auto& address : discover_nameservers(files)) add_unique(out, address);
    }
    return out;
}

}  // namespace sshuttle::app
