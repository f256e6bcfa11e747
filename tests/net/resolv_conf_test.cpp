// SPDX-License-Identifier: LGPL-2.1-or-later
// resolv.conf's nameservers as glibc's resolver reads them (net/resolv_conf.hpp). The same cases are fed to the
// Python fallback server's copy by resolv_conf_pin_test.py: keep the two in step.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "net/resolv_conf.hpp"
#include "support/addresses.hpp"

using namespace sshuttle;
using test::texts;

namespace {

std::vector<std::string> parsed(const std::string& text) { return texts(net::parse_resolv_conf(text)); }

using Texts = std::vector<std::string>;

}  // namespace

TEST_CASE("resolv.conf: numeric nameservers in order, duplicates kept, other lines ignored") {
    CHECK(parsed("# generated\n"
                 "search example.test\n"
                 "nameserver 192.0.2.53\n"
                 "nameserver\t2001:db8::53   # trailing words are ignored\n"
                 "options edns0\n"
                 "nameserver 192.0.2.53\n") == Texts{"192.0.2.53", "2001:db8::53", "192.0.2.53"});
    CHECK(parsed("").empty());
    CHECK(parsed("nameserver 203.0.113.7") == Texts{"203.0.113.7"});  // no final newline
    CHECK(parsed("nameserver 203.0.113.7\r\n") == Texts{"203.0.113.7"});  // a CRLF file
}

TEST_CASE("resolv.conf: the keyword as glibc matches it: first on the line, lower case, then a blank") {
    CHECK(parsed("NAMESERVER 198.51.100.53\n").empty());
    CHECK(parsed("Nameserver 198.51.100.53\n").empty());
    CHECK(parsed("  nameserver 198.51.100.53\n").empty());
    CHECK(parsed(";nameserver 203.0.113.9\n#nameserver 203.0.113.9\n").empty());
    CHECK(parsed("nameservers 203.0.113.9\n").empty());
    CHECK(parsed("nameserver\n").empty());
    CHECK(parsed("nameserver  \t \n").empty());
    CHECK(parsed("nameserver \t 203.0.113.9\n") == Texts{"203.0.113.9"});
}

TEST_CASE("resolv.conf: the value must be a numeric address; an IPv6 zone id is dropped") {
    CHECK(parsed("nameserver fe80::1%eth0\n") == Texts{"fe80::1"});
    CHECK(parsed("nameserver ns.example.test\n").empty());
    CHECK(parsed("nameserver 127.1\n").empty());  // inet_aton's shorthand is not taken
    CHECK(parsed("nameserver 192.0.2.53#x\n").empty());
    CHECK(parsed("nameserver 192.0.2.53;x\n").empty());
}

TEST_CASE("resolv.conf: a file that cannot be read has no nameservers") {
    CHECK(net::read_resolv_conf("/nonexistent/resolv.conf").empty());
    std::string pattern = (std::filesystem::temp_directory_path() / "sst-resolv-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    close(fd);
    std::ofstream(pattern) << "nameserver 192.0.2.1\nnameserver 2001:db8::1\n";
    CHECK(texts(net::read_resolv_conf(pattern)) == Texts{"192.0.2.1", "2001:db8::1"});
    std::filesystem::remove(pattern);
}
