// SPDX-License-Identifier: LGPL-2.1-or-later
// FirewallRequest -> sshuttle_fw_request. The C struct points into arrays owned by this object, so it is valid
// for as long as the AbiRequest lives (the ABI only borrows them for the duration of one call).
#pragma once

#include <string>
#include <vector>

#include "plugin/firewall_request.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::plugin {

class AbiRequest {
   public:
    explicit AbiRequest(const FirewallRequest& request);
    // The C struct points into this object's own members.
    AbiRequest(const AbiRequest&) = delete;
    AbiRequest& operator=(const AbiRequest&) = delete;

    const sshuttle_fw_request* get() const { return &request_; }

   private:
    std::vector<sshuttle_subnet> subnets_;
    std::vector<sshuttle_nameserver> nameservers_;
    std::string tmark_;
    std::string os_flavor_;
    sshuttle_fw_request request_{};
};

/// SSHUTTLE_AF_INET or SSHUTTLE_AF_INET6.
int abi_family(net::Family family);

}  // namespace sshuttle::plugin
