// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/request_plan.hpp"

#include <doctest/doctest.h>

#include "support/addresses.hpp"
#include "support/recording_backend.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;
using testing::ip;
using testing::rule;

TEST_CASE("request plan: only families with a TCP or DNS port get a request, IPv6 first") {
    InstallOrder order;
    order.routes = {rule("10.0.0.0", 8), rule("2001:db8::", 32)};
    order.nameservers = {ip("192.0.2.53"), ip("2001:db8::53")};
    order.go.client_pid = 1;

    SUBCASE("IPv4 only") {
        order.ports = Ports{0, 12300, 0, 0};
        auto requests = plan_requests(order);
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].family == net::Family::kIPv4);
        CHECK(requests[0].subnets == std::vector<net::Subnet>{rule("10.0.0.0", 8)});
        CHECK(requests[0].nameservers == std::vector<net::IpAddress>{ip("192.0.2.53")});
    }
    SUBCASE("DNS only on IPv6") {
        order.ports = Ports{0, 0, 12299, 0};
        auto requests = plan_requests(order);
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].family == net::Family::kIPv6);
        CHECK(requests[0].port == 0);
        CHECK(requests[0].dns_port == 12299);
    }
    SUBCASE("both") {
        order.ports = Ports{1, 2, 3, 4};
        auto requests = plan_requests(order);
        REQUIRE(requests.size() == 2);
        CHECK(requests[0].family == net::Family::kIPv6);
        CHECK(requests[1].family == net::Family::kIPv4);
    }
    SUBCASE("none") { CHECK(plan_requests(order).empty()); }
}

TEST_CASE("request plan: features the method lacks are named") {
    InstallOrder order;
    order.ports = Ports{0, 12300, 0, 12299};
    order.go.client_pid = 1;
    uint64_t all = testing::kAllFeatures;
    CHECK(unsupported_reason(plan_requests(order), "nat", all).empty());
    CHECK(unsupported_reason(plan_requests(order), "nat", all & ~uint64_t{SSHUTTLE_FEAT_DNS}) ==
          "method 'nat' does not support DNS");
    order.go.udp = true;
    CHECK(unsupported_reason(plan_requests(order), "nat", all & ~uint64_t{SSHUTTLE_FEAT_UDP}) ==
          "method 'nat' does not support UDP");
    order.go.udp = false;
    order.go.gid = 5;
    CHECK(unsupported_reason(plan_requests(order), "pf", all & ~uint64_t{SSHUTTLE_FEAT_GROUP}) ==
          "method 'pf' does not support --group");
}
