// SPDX-License-Identifier: LGPL-2.1-or-later
// The core's C++ form of one firewall request (one address family); converted to sshuttle_fw_request at the
// plugin boundary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::plugin {

struct FirewallRequest {
    net::Family family = net::Family::kIPv4;
    uint16_t port = 0;                     // TCP/UDP redirect port
    uint16_t dns_port = 0;                 // 0 = no DNS capture
    std::vector<net::Subnet> subnets;      // already sorted (net::sort_rules), this family only
    std::vector<net::IpAddress> nameservers;
    bool udp = false;
    int64_t uid = -1;
    int64_t gid = -1;
    std::string tmark = "0x01";
    std::string os_flavor;                 // pf only; empty = this host
    uint32_t bypass_mark = 0;              // local mode: the server's own connections carry this mark
};

}  // namespace sshuttle::plugin
