// SPDX-License-Identifier: LGPL-2.1-or-later
// The ipfw firewall method (FreeBSD, IPv4). Rendering works everywhere; setup and restore run ipfw through
// the host on FreeBSD and macOS only.
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::ipfw {

class IpfwMethod {
   public:
    IpfwMethod(const sdk::Host& host, const sdk::Options& options);

    bool is_supported(std::string& reason);
    void setup(const sdk::FwRequest& req);
    void restore(const sdk::FwRequest& req);
    /// ipfw has no transaction: the new table entries are added first, then the old ones deleted, so every
    /// address is captured (or excluded) by the old or the new set at each moment.
    void update(const sdk::FwRequest& req);
    std::string render(const sdk::FwRequest& req);
    /// ipfw fwd keeps the destination address: the local address is the original one.
    bool original_dst(int fd, sockaddr_storage& out, socklen_t& len);

   private:
    sdk::Host host_;
    std::vector<sdk::Subnet> installed_;  // the subnets setup or update put in tables 125/126
};

}  // namespace sshuttle::plugins::ipfw
