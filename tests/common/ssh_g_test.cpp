// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include "common/ssh_g.hpp"

using sshuttle::common::parse_ssh_g_values;
using Values = std::vector<std::string>;

TEST_CASE("ssh -G: every value of each key, in order; the value is all after the first space") {
    const auto values = parse_ssh_g_values(
        "user alice\nidentityfile ~/.ssh/id_ed25519\nproxycommand nc %h %p\nidentityfile ~/.ssh/id_rsa\n"
        "nokeyhere\n\nhostname 192.0.2.9");
    CHECK(values.at("user") == Values{"alice"});
    CHECK(values.at("identityfile") == Values{"~/.ssh/id_ed25519", "~/.ssh/id_rsa"});
    CHECK(values.at("proxycommand") == Values{"nc %h %p"});
    CHECK(values.at("hostname") == Values{"192.0.2.9"});  // no final newline
    CHECK(values.count("nokeyhere") == 0);
    CHECK(values.size() == 4);
    CHECK(parse_ssh_g_values("").empty());
}
