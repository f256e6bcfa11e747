// SPDX-License-Identifier: LGPL-2.1-or-later
// pf anchor rules and command sequences per OS flavour against tests/golden/pf/*.txt (checked by hand against
// upstream's methods/pf.py and its tests).
#include <doctest/doctest.h>

#include "pf_rules.hpp"
#include "support/golden.hpp"
#include "support/requests.hpp"

using namespace sshuttle;
using sshuttle::test::check_golden;
using sshuttle::test::exclude;
using sshuttle::test::request;
using sshuttle::test::subnet;

namespace {

// In the nat/nft order, as the host sends it; pf reverses it (last match wins).
sdk::FwRequest v4_request() {
    return request(SSHUTTLE_AF_INET,
                   {exclude("1.2.3.66", 32, 80, 80), subnet("1.2.3.0", 24, 8000, 9000), subnet("1.2.3.0", 24)},
                   {"1.2.3.33"});
}

sdk::FwRequest v6_request() {
    return request(SSHUTTLE_AF_INET6, {exclude("2001:db8::66", 128, 80, 80), subnet("2001:db8::", 32)},
                   {"2001:db8::33"});
}

}  // namespace

TEST_CASE("pf golden: every flavour, ipv4 and ipv6") {
    for (const std::string flavor : {"darwin", "freebsd", "openbsd", "pfsense"}) {
        CAPTURE(flavor);
        const auto f = plugins::pf::parse_flavor(flavor);
        check_golden("pf/" + flavor + "_v4", plugins::pf::render(v4_request(), f));
        check_golden("pf/" + flavor + "_v6", plugins::pf::render(v6_request(), f));
    }
}

TEST_CASE("pf: without DNS the dns_servers table is empty and no DNS rules are made") {
    sdk::FwRequest req = request(SSHUTTLE_AF_INET, {subnet("1.2.3.0", 24)});
    CHECK(plugins::pf::anchor_rules(req, plugins::pf::Flavor::kFreeBsd) ==
          "table <dns_servers> {}\n"
          "rdr pass on lo0 inet proto tcp from ! 127.0.0.1 to 1.2.3.0/24 -> 127.0.0.1 port 12300\n"
          "pass out route-to lo0 inet proto tcp to 1.2.3.0/24 keep state\n");
}

TEST_CASE("pf: an unknown flavour is named in the error") {
    CHECK_THROWS_WITH(plugins::pf::parse_flavor("solaris"),
                      "invalid pf flavour 'solaris': expected darwin, freebsd, openbsd or pfsense");
}
