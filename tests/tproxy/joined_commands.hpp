// SPDX-License-Identifier: LGPL-2.1-or-later
// Test support: commands as the text a person would type, one a line, for comparing against expected text.
#pragma once

#include <string>
#include <vector>

#include "common/shell_quote.hpp"
#include "tproxy_rules.hpp"

namespace sshuttle::plugins::tproxy::test {

inline std::string joined(const std::vector<Argv>& commands) {
    std::string out;
    for (const auto& argv : commands) out += common::join_shell_words(argv) + "\n";
    return out;
}

}  // namespace sshuttle::plugins::tproxy::test
