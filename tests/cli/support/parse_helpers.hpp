// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers shared by the option-parsing tests.
#pragma once

#include <string>
#include <vector>

#include "cli/parse_options.hpp"
#include "cli/usage_error.hpp"
#include "net/address.hpp"

namespace sshuttle::test {

/// The UsageError message parse_options gives for args, or "no error".
inline std::string error_of(const std::vector<std::string>& args, const char* env = nullptr) {
    try {
        cli::parse_options(args, env);
    } catch (const cli::UsageError& e) {
        return e.what();
    }
    return "no error";
}

/// Each subnet as text, in order.
inline std::vector<std::string> texts(const std::vector<net::Subnet>& subnets) {
    std::vector<std::string> out;
    for (const auto& s : subnets) out.push_back(s.to_string());
    return out;
}

}  // namespace sshuttle::test
