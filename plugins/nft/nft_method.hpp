// SPDX-License-Identifier: LGPL-2.1-or-later
// The nft firewall method: applies nft_rules as one transaction through a ScriptRunner (libnftables, or the
// nft command run by the host, which --dry-run and tests record).
#pragma once

#include <memory>
#include <string>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::nft {

/// Runs an nft script as one transaction.
class ScriptRunner {
   public:
    virtual ~ScriptRunner() = default;
    /// True on success; otherwise error holds nft's message.
    virtual bool run(const std::string& script, std::string& error) = 0;
};

/// libnftables in this process (nft_libnftables_linux.cpp).
std::unique_ptr<ScriptRunner> make_libnftables_runner();

/// `nft -f -` through the host's command runner.
std::unique_ptr<ScriptRunner> make_command_runner(const sdk::Host& host);

class NftMethod {
   public:
    /// Option "backend": "libnftables" (default) or "command". --dry-run always uses "command".
    NftMethod(const sdk::Host& host, const sdk::Options& options);

    bool is_supported(std::string& reason);
    void setup(const sdk::FwRequest& req);
    void restore(const sdk::FwRequest& req);
    /// Replaces the rules of req's table in one nft transaction (flush the chain and refill it).
    void update(const sdk::FwRequest& req);
    std::string render(const sdk::FwRequest& req);
    bool original_dst(int fd, sockaddr_storage& out, socklen_t& len);

   private:
    sdk::Host host_;
    std::unique_ptr<ScriptRunner> runner_;
};

}  // namespace sshuttle::plugins::nft
