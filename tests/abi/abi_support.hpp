// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers shared by the ABI tests: a scratch directory and a sample firewall request.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "plugin/plugins.hpp"

namespace abi_test {

/// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
   public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sshuttle-abi-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    /// Copies module to <dir>/sshuttle-<name>.so and returns the new path.
    std::filesystem::path add_module(const std::filesystem::path& module, const std::string& name) const {
        std::filesystem::path target = path_ / ("sshuttle-" + name + ".so");
        std::filesystem::copy_file(module, target, std::filesystem::copy_options::overwrite_existing);
        return target;
    }

   private:
    std::filesystem::path path_;
};

inline sshuttle::net::IpAddress ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    sshuttle::net::IpAddress ip;
    ip.family = sshuttle::net::Family::kIPv4;
    ip.bytes = {a, b, c, d};
    return ip;
}

/// 10.0.0.0/8 tunnelled, 10.1.0.0/16:80-90 excluded, DNS to 192.0.2.53, user 1000.
inline sshuttle::plugin::FirewallRequest sample_request() {
    sshuttle::plugin::FirewallRequest req;
    req.port = 12300;
    req.dns_port = 12353;
    req.subnets.push_back({ipv4(10, 1, 0, 0), 16, 80, 90, true});
    req.subnets.push_back({ipv4(10, 0, 0, 0), 8, 0, 0, false});
    req.nameservers.push_back(ipv4(192, 0, 2, 53));
    req.uid = 1000;
    req.bypass_mark = 0x5353;
    return req;
}

}  // namespace abi_test
