// SPDX-License-Identifier: LGPL-2.1-or-later
// nft scripts against tests/golden/nft/*.txt (checked by hand against upstream's methods/nft.py).
#include <doctest/doctest.h>

#include "nft_rules.hpp"
#include "support/golden.hpp"
#include "support/requests.hpp"

using namespace sshuttle;
using sshuttle::test::check_golden;
using sshuttle::test::exclude;
using sshuttle::test::request;
using sshuttle::test::subnet;

TEST_CASE("nft golden: ipv4 ports, range, exclude and DNS") {
    sdk::FwRequest req = request(SSHUTTLE_AF_INET,
                                 {subnet("10.9.9.9", 32, 22, 22), subnet("10.0.0.0", 8, 8000, 8080),
                                  exclude("10.1.2.0", 24), subnet("0.0.0.0", 0)},
                                 {"192.0.2.53"});
    check_golden("nft/v4_ports_dns", plugins::nft::render(req));
}

TEST_CASE("nft golden: ipv6 uses ip6 daddr and its own table") {
    sdk::FwRequest req =
        request(SSHUTTLE_AF_INET6, {exclude("2001:db8:1::", 48, 443, 443), subnet("2001:db8::", 32)}, {"2001:db8::53"});
    check_golden("nft/v6_dns", plugins::nft::render(req));
}

TEST_CASE("nft golden: bypass mark returns first, no DNS") {
    sdk::FwRequest req = request(SSHUTTLE_AF_INET, {subnet("192.0.2.0", 24)});
    req.bypass_mark = 0x5353;
    check_golden("nft/v4_bypass", plugins::nft::render(req));
}
