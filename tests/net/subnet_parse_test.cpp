// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/subnet_parse.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "net/parse_error.hpp"

using namespace sshuttle::net;

namespace {

std::string one(const std::string& text) {
    const auto subnets = parse_subnetport(text);
    REQUIRE(subnets.size() == 1);
    return subnets.front().to_string();
}

std::string error_of(const std::string& text) {
    try {
        parse_subnetport(text);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("subnet: IPv4 forms, masks and ports") {
    CHECK(one("192.0.2.0/24") == "192.0.2.0/24");
    CHECK(one("192.0.2.7") == "192.0.2.7/32");
    CHECK(one("1.2.3.4/24") == "1.2.3.4/24");  // not masked to the network address (upstream)
    CHECK(one("1.2.3.4/24:8000-9000") == "1.2.3.4/24:8000-9000");
    CHECK(one("1.2.3.4:80") == "1.2.3.4/32:80");
    CHECK(one("1.2.3.4:80-80") == "1.2.3.4/32:80");
    CHECK(one("1.2.3.4:0") == "1.2.3.4/32");  // port 0 = every port
    const Subnet ranged = parse_subnetport("1.2.3.4/24:8000-9000").front();
    CHECK(ranged.port_first == 8000);
    CHECK(ranged.port_last == 9000);
    CHECK_FALSE(ranged.exclude);
}

TEST_CASE("subnet: inet_aton numeric forms (upstream's pinned cases)") {
    CHECK(one("0/0") == "0.0.0.0/0");
    CHECK(one("10.0") == "10.0.0.0/32");
    CHECK(one("3098282570") == "184.172.10.74/32");
    CHECK(one("0xb8.0xac.0x0a.0x4a") == "184.172.10.74/32");
    CHECK(one("0270.0254.0012.0112") == "184.172.10.74/32");
    CHECK(one("172.16/12") == "172.0.0.16/12");
}

TEST_CASE("subnet: 10/8 is 0.0.0.10/8, with a warning") {
    std::vector<std::string> warnings;
    const auto subnets = parse_subnetport("10/8", &warnings);
    REQUIRE(subnets.size() == 1);
    CHECK(subnets.front().to_string() == "0.0.0.10/8");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings.front() ==
          "subnet '10/8' means 0.0.0.10/8 (inet_aton rules); write 10.0.0.0/8 if that is what you meant");
    warnings.clear();
    parse_subnetport("0/0", &warnings);
    parse_subnetport("10.0.0.0/8", &warnings);
    parse_subnetport("3098282570", &warnings);
    CHECK(warnings.empty());
}

TEST_CASE("subnet: IPv6 with and without brackets") {
    CHECK(one("2001:db8::/32") == "2001:db8::/32");
    CHECK(one("[2001:db8::/32]:443") == "[2001:db8::/32]:443");
    CHECK(one("[fc00::/64]:443") == "[fc00::/64]:443");
    CHECK(one("[fc00::1]:8000-9000") == "[fc00::1/128]:8000-9000");
    CHECK(one("[2001:db8::1]") == "2001:db8::1/128");
    CHECK(one("fc00::1:80") == "fc00::1:80/128");  // without brackets the port is part of the address
    CHECK(one("::/0") == "::/0");
}

TEST_CASE("subnet: hostnames expand to every address") {
    const auto subnets = parse_subnetport("localhost:8080");
    REQUIRE_FALSE(subnets.empty());
    bool has_loopback_v4 = false;
    for (const Subnet& s : subnets) {
        CHECK(s.port_first == 8080);
        CHECK(s.prefix == s.address.max_prefix());
        has_loopback_v4 = has_loopback_v4 || s.to_string() == "127.0.0.1/32:8080";
    }
    CHECK(has_loopback_v4);
}

TEST_CASE("subnet: invalid forms are one-line errors naming the value") {
    CHECK(error_of("10.0.0.0/33") == "invalid subnet '10.0.0.0/33': prefix 33 > 32");
    CHECK(error_of("2001:db8::/129") == "invalid subnet '2001:db8::/129': prefix 129 > 128");
    CHECK(error_of("1.2.3.4:70000") == "invalid subnet '1.2.3.4:70000': port 70000 > 65535");
    CHECK(error_of("1.2.3.4:90-80") == "invalid subnet '1.2.3.4:90-80': port range 90-80 is inverted");
    CHECK(error_of("1.2.3.4:0-80") == "invalid subnet '1.2.3.4:0-80': a port range cannot start at 0");
    CHECK(error_of("1.2.3.4/") == "invalid subnet '1.2.3.4/': expected ADDRESS[/PREFIX][:PORT[-PORT]]");
    CHECK(error_of("") == "invalid subnet '': expected ADDRESS[/PREFIX][:PORT[-PORT]]");
    CHECK(error_of("a b") == "invalid subnet 'a b': expected ADDRESS[/PREFIX][:PORT[-PORT]]");
    CHECK(error_of("999.1.1.1").rfind("invalid subnet '999.1.1.1': cannot resolve '999.1.1.1': ", 0) == 0);
    CHECK(error_of("*.invalid").rfind("invalid subnet '*.invalid': cannot resolve '*.invalid': ", 0) == 0);
}

TEST_CASE("subnet: a name with both families cannot take a mask") {
    const auto subnets = parse_subnetport("localhost");
    const bool has_both = subnets.size() >= 2 && subnets.front().address.family != subnets.back().address.family;
    if (has_both) {
        CHECK(error_of("localhost/24") ==
              "invalid subnet 'localhost/24': 'localhost' has IPv4 and IPv6 addresses, so /24 is ambiguous; "
              "give the addresses instead");
    } else {
        CHECK(one("localhost/24").find("/24") != std::string::npos);
    }
}

TEST_CASE("subnet file: one per line, comments and blank lines skipped, errors name the line") {
    char path[] = "/tmp/sshuttle-net-test-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << "# office\n192.0.2.0/24\n\n   \n  # indented comment\n  [2001:db8::/32]:443  \n";
    const auto subnets = read_subnet_file(path, true);
    REQUIRE(subnets.size() == 2);
    CHECK(subnets[0].to_string() == "192.0.2.0/24");
    CHECK(subnets[1].to_string() == "[2001:db8::/32]:443");
    CHECK(subnets[0].exclude);

    std::ofstream(path) << "192.0.2.0/24\n192.0.2.0/24 198.51.100.0/24\n";
    CHECK_THROWS_WITH_AS(read_subnet_file(path, false),
                         (std::string(path) + ":2: invalid subnet '192.0.2.0/24 198.51.100.0/24': "
                                              "expected ADDRESS[/PREFIX][:PORT[-PORT]]")
                             .c_str(),
                         ParseError);
    std::remove(path);
    CHECK_THROWS_WITH_AS(
        read_subnet_file(path, false),
        (std::string("cannot read subnet file '") + path + "': No such file or directory").c_str(), ParseError);
}

TEST_CASE("subnet file: only a regular file of at most 4 MiB is read") {
    CHECK_THROWS_WITH_AS(read_subnet_file("/dev/zero", false), "subnet file '/dev/zero': not a regular file",
                         ParseError);
    CHECK_THROWS_WITH_AS(read_subnet_file("/tmp", false), "subnet file '/tmp': not a regular file", ParseError);
    char path[] = "/tmp/sshuttle-net-test-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(path) << std::string((4 << 20) + 1, '#');
    CHECK_THROWS_WITH_AS(read_subnet_file(path, false),
                         (std::string("subnet file '") + path + "': larger than 4194304 bytes").c_str(), ParseError);
    std::remove(path);
}

TEST_CASE("subnet: a 50 KB argument is one short error, not a stack overflow in the pattern matcher") {
    for (const std::string& huge : {std::string(50000, 'a'), "[" + std::string(50000, ':') + "]",
                                    "10.0.0.0/8:" + std::string(50000, '1')}) {
        const std::string error = error_of(huge);
        CHECK(error.find("bytes long, at most 512") != std::string::npos);
        CHECK(error.find(std::to_string(huge.size()) + " bytes long") != std::string::npos);
        CHECK(error.size() < 200);
        CHECK(error.find('\n') == std::string::npos);
    }
    CHECK(error_of(std::string(512, 'a')).find("bytes long") == std::string::npos);  // the bound itself is fine
}
