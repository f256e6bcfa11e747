// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/rule_order.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/subnet_parse.hpp"

using namespace sshuttle::net;

namespace {

Subnet rule(const std::string& text, bool exclude = false) {
    Subnet subnet = parse_subnetport(text).front();
    subnet.exclude = exclude;
    return subnet;
}

std::vector<std::string> texts(const std::vector<Subnet>& rules) {
    std::vector<std::string> out;
    for (const Subnet& s : rules) out.push_back(std::string(s.exclude ? "-" : "+") + s.to_string());
    return out;
}

}  // namespace

// The idea of upstream's pinned order (tests/client/test_firewall.py), with our own data: single ports, then
// narrow ranges, then wide ranges, then port-less rules; inside a level longer prefixes first; on a full tie
// the exclude comes first.
TEST_CASE("rule order: port specificity, then prefix, then excludes first") {
    std::vector<Subnet> rules = {
        rule("0.0.0.0/0"),
        rule("198.51.100.0/24", true),
        rule("198.51.100.7/32:22", true),
        rule("198.51.100.0/24:8000-9000"),
        rule("203.0.113.0/24:80-90"),
        rule("198.51.100.0/24"),
        rule("[2001:db8::/32]:443"),
        rule("0.0.0.0/0:443"),
        rule("203.0.113.9", true),
        rule("192.0.2.0/25:443", true),
    };
    sort_rules(rules);
    CHECK(texts(rules) == std::vector<std::string>{
                              "-198.51.100.7/32:22",
                              "+[2001:db8::/32]:443",
                              "-192.0.2.0/25:443",
                              "+0.0.0.0/0:443",
                              "+203.0.113.0/24:80-90",
                              "+198.51.100.0/24:8000-9000",
                              "-203.0.113.9/32",
                              "-198.51.100.0/24",
                              "+198.51.100.0/24",
                              "+0.0.0.0/0",
                          });
}

TEST_CASE("rule order: a port rule outranks a narrower port-less exclude") {
    // Upstream's analysed consequence: `0/0:443 -x 10.0.0.1` still redirects 10.0.0.1:443.
    std::vector<Subnet> rules = {rule("192.0.2.1", true), rule("0/0:443")};
    sort_rules(rules);
    CHECK(texts(rules) == std::vector<std::string>{"+0.0.0.0/0:443", "-192.0.2.1/32"});
}

TEST_CASE("rule order: equal rules keep their input order") {
    std::vector<Subnet> rules = {rule("198.51.100.0/24"), rule("203.0.113.0/24"), rule("192.0.2.0/24")};
    sort_rules(rules);
    CHECK(texts(rules) == std::vector<std::string>{"+198.51.100.0/24", "+203.0.113.0/24", "+192.0.2.0/24"});
}
