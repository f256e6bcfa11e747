// SPDX-License-Identifier: LGPL-2.1-or-later
// A built firewall module (<build>/plugins/sshuttle-<name>.so) loaded with dlopen and driven through the C
// ABI only, exactly as the core does.
#pragma once

#include <sys/socket.h>

#include <string>

#include "sshuttle/plugin_abi.h"
#include "support/requests.hpp"

namespace sshuttle::test {

class LoadedFirewall {
   public:
    /// Loads sshuttle-<name>.so and creates an instance on host with option key=value pairs.
    LoadedFirewall(const std::string& name, const sshuttle_host_v1* host,
                   const std::vector<std::pair<std::string, std::string>>& options = {});
    ~LoadedFirewall();
    LoadedFirewall(const LoadedFirewall&) = delete;
    LoadedFirewall& operator=(const LoadedFirewall&) = delete;

    const sshuttle_firewall_v1& table() const { return *table_; }
    /// The instance create() made, for calling table() members directly.
    void* instance() const { return self_; }
    /// Each returns the status code; error gets the plugin's message.
    int setup(const sdk::FwRequest& req, std::string& error);
    int restore(const sdk::FwRequest& req, std::string& error);
    /// ABI 1.2's update; SSHUTTLE_EUNSUPPORTED when the table has none.
    int update(const sdk::FwRequest& req, std::string& error);
    /// ABI 1.3's preflight over all of requests; SSHUTTLE_EUNSUPPORTED with "no preflight member" without it.
    int preflight(const std::vector<sdk::FwRequest>& requests, std::string& error);
    int render(const sdk::FwRequest& req, std::string& text);
    bool is_supported(std::string& reason);
    int original_dst(int fd, sockaddr_storage& out, std::string& error);
    int prepare_listener(int fd, int family, bool is_udp, std::string& error);

   private:
    void* library_ = nullptr;
    const sshuttle_firewall_v1* table_ = nullptr;
    void* self_ = nullptr;
};

}  // namespace sshuttle::test
