// SPDX-License-Identifier: LGPL-2.1-or-later
// Short builders for firewall requests in tests, in both the SDK's C++ form and the C ABI form.
#pragma once

#include <string>
#include <vector>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::test {

/// A subnet "addr/prefix" of the address's family; ports 0 = all.
sdk::Subnet subnet(const std::string& addr, int prefix, int port_first = 0, int port_last = 0, bool exclude = false);
sdk::Subnet exclude(const std::string& addr, int prefix, int port_first = 0, int port_last = 0);

/// A request with port 12300 (DNS 12299 when nameservers are given) for family 4 or 6.
sdk::FwRequest request(int family, std::vector<sdk::Subnet> subnets, std::vector<std::string> nameservers = {});

/// The C ABI form of an sdk::FwRequest; owns the arrays the struct points into.
class CRequest {
   public:
    explicit CRequest(const sdk::FwRequest& req);
    CRequest(const CRequest&) = delete;
    CRequest& operator=(const CRequest&) = delete;
    const sshuttle_fw_request* get() const { return &req_; }

   private:
    std::vector<sshuttle_subnet> subnets_;
    std::vector<sshuttle_nameserver> nameservers_;
    std::string tmark_;
    std::string os_flavor_;
    sshuttle_fw_request req_{};
};

}  // namespace sshuttle::test
