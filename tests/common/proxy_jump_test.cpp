// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include <stdexcept>

#include "common/proxy_jump.hpp"

using sshuttle::common::parse_proxy_jump;

TEST_CASE("ProxyJump: every hop form, in dialling order") {
    auto hops = parse_proxy_jump("a,bob@b:2200,ssh://c@[2001:db8::1]:22,[2001:db8::2],2001:db8::3");
    REQUIRE(hops.size() == 5);
    CHECK((hops[0].user == "" && hops[0].host == "a" && hops[0].port == 0));
    CHECK((hops[1].user == "bob" && hops[1].host == "b" && hops[1].port == 2200));
    CHECK((hops[2].user == "c" && hops[2].host == "2001:db8::1" && hops[2].port == 22));
    CHECK((hops[3].host == "2001:db8::2" && hops[3].port == 0));
    CHECK((hops[4].host == "2001:db8::3" && hops[4].port == 0));
    hops = parse_proxy_jump("ssh://u@host:22");
    REQUIRE(hops.size() == 1);
    CHECK((hops[0].user == "u" && hops[0].host == "host" && hops[0].port == 22));
    CHECK(parse_proxy_jump("u@2001:db8::7").at(0).host == "2001:db8::7");  // several colons: no port
}

TEST_CASE("ProxyJump: none, and malformed hops named") {
    CHECK(parse_proxy_jump("none").empty());
    CHECK(parse_proxy_jump("").empty());
    CHECK_THROWS_WITH_AS(parse_proxy_jump("a:99999"), "invalid port in ProxyJump hop 'a:99999'", std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_proxy_jump("a:x"), "invalid port in ProxyJump hop 'a:x'", std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_proxy_jump("u@"), "invalid ProxyJump hop 'u@': no host", std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_proxy_jump("a,"), "invalid ProxyJump hop '': no host", std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_proxy_jump("[2001:db8::1"), "invalid ProxyJump hop '[2001:db8::1'",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_proxy_jump("[2001:db8::1]x"), "invalid ProxyJump hop '[2001:db8::1]x'",
                         std::invalid_argument);
}
