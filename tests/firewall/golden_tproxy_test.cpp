// SPDX-License-Identifier: LGPL-2.1-or-later
// tproxy rule text against tests/golden/tproxy/*.txt (checked by hand against upstream's methods/tproxy.py).
#include <doctest/doctest.h>

#include "support/golden.hpp"
#include "support/requests.hpp"
#include "tproxy_rules.hpp"

using namespace sshuttle;
using sshuttle::test::check_golden;
using sshuttle::test::exclude;
using sshuttle::test::request;
using sshuttle::test::subnet;

namespace {

sdk::FwRequest v4_request() {
    return request(SSHUTTLE_AF_INET,
                   {subnet("10.9.9.9", 32, 22, 22), subnet("10.0.0.0", 8, 8000, 8080), exclude("10.1.2.0", 24),
                    subnet("0.0.0.0", 0)},
                   {"192.0.2.53"});
}

}  // namespace

TEST_CASE("tproxy golden: ipv4 TCP only") { check_golden("tproxy/v4_tcp", plugins::tproxy::render(v4_request())); }

TEST_CASE("tproxy golden: ipv4 with UDP and tmark 0x2a") {
    sdk::FwRequest req = v4_request();
    req.udp = true;
    req.tmark = "0x2a";
    check_golden("tproxy/v4_udp", plugins::tproxy::render(req));
}

TEST_CASE("tproxy golden: ipv6 with UDP; nameservers match /128, not upstream's /32") {
    sdk::FwRequest req =
        request(SSHUTTLE_AF_INET6, {exclude("2001:db8:1::", 48), subnet("2001:db8::", 32)}, {"2001:db8::53"});
    req.udp = true;
    const std::string text = plugins::tproxy::render(req);
    CHECK(text.find("--dest 2001:db8::53/128") != std::string::npos);
    check_golden("tproxy/v6_udp_dns", text);
}

TEST_CASE("tproxy golden: bypass mark returns first in both chains") {
    sdk::FwRequest req = request(SSHUTTLE_AF_INET, {subnet("192.0.2.0", 24)});
    req.bypass_mark = 0x5353;
    check_golden("tproxy/v4_bypass", plugins::tproxy::render(req));
}
