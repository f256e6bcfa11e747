// SPDX-License-Identifier: LGPL-2.1-or-later
// ipfw commands against tests/golden/ipfw/*.txt (checked by hand against upstream's methods/ipfw.py).
#include <doctest/doctest.h>

#include "ipfw_rules.hpp"
#include "support/golden.hpp"
#include "support/requests.hpp"

using namespace sshuttle;
using sshuttle::test::check_golden;
using sshuttle::test::exclude;
using sshuttle::test::request;
using sshuttle::test::subnet;

TEST_CASE("ipfw golden: ipv4 with DNS; tables filled widest last, ports ignored") {
    sdk::FwRequest req = request(SSHUTTLE_AF_INET,
                                 {subnet("10.9.9.9", 32, 22, 22), subnet("10.0.0.0", 8, 8000, 8080),
                                  exclude("10.1.2.0", 24), subnet("0.0.0.0", 0)},
                                 {"192.0.2.53", "198.51.100.53"});
    check_golden("ipfw/v4_dns", plugins::ipfw::render(req));
}

TEST_CASE("ipfw golden: ipv4 without DNS") {
    check_golden("ipfw/v4_plain", plugins::ipfw::render(request(SSHUTTLE_AF_INET, {subnet("192.0.2.0", 24)})));
}

TEST_CASE("ipfw: an IPv6 request is refused") {
    CHECK_THROWS_WITH(plugins::ipfw::render(request(SSHUTTLE_AF_INET6, {subnet("2001:db8::", 32)})),
                      "ipfw: IPv6 is not supported");
}

TEST_CASE("ipfw update: new table entries are added before the old ones are deleted; kept ones untouched") {
    using plugins::ipfw::Argv;
    const std::vector<sdk::Subnet> installed = {subnet("10.0.0.0", 8), exclude("10.1.2.0", 24),
                                                subnet("192.0.2.0", 24)};
    sdk::FwRequest req = request(SSHUTTLE_AF_INET, {subnet("10.0.0.0", 8), subnet("10.1.2.0", 24),
                                                    subnet("203.0.113.0", 24)});
    const std::vector<Argv> expected = {
        {"ipfw", "-q", "table", "126", "add", "10.1.2.0/24"},
        {"ipfw", "-q", "table", "126", "add", "203.0.113.0/24"},
        {"ipfw", "-q", "table", "125", "delete", "10.1.2.0/24"},
        {"ipfw", "-q", "table", "126", "delete", "192.0.2.0/24"},
    };
    CHECK(plugins::ipfw::update_commands(installed, req) == expected);
    CHECK(plugins::ipfw::update_commands(installed, request(SSHUTTLE_AF_INET, {})).size() == 3);
    CHECK_THROWS(plugins::ipfw::update_commands(installed, request(SSHUTTLE_AF_INET6, {})));
}
