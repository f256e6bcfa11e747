// SPDX-License-Identifier: LGPL-2.1-or-later
// Asking the user for a passphrase, a password or a host key confirmation, the way ssh does: through the
// SSH_ASKPASS program when SSH_ASKPASS_REQUIRE=force (or when there is no terminal but a DISPLAY), else on
// /dev/tty with echo off for secrets. BatchMode never asks.
#pragma once

#include <optional>
#include <string>

#include "sshuttle/plugin_sdk.hpp"

namespace sshuttle::plugins::transport_ssh {

class Prompter {
   public:
    Prompter(const sdk::Host& host, bool batch_mode) : host_(host), batch_mode_(batch_mode) {}

    /// The user's answer without the newline; nullopt when nobody can be asked or the user gave up (EOF).
    std::optional<std::string> ask(const std::string& prompt, bool secret) const;

   private:
    std::optional<std::string> ask_askpass(const std::string& askpass, const std::string& prompt) const;
    std::optional<std::string> ask_tty(const std::string& prompt, bool secret) const;

    sdk::Host host_;
    bool batch_mode_;
};

}  // namespace sshuttle::plugins::transport_ssh
