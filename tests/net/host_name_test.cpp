// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/host_name.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace sshuttle::net;

TEST_CASE("host name: DNS-style names pass") {
    for (const char* good : {"db", "db.corp.example", "under_score-1", "x1.y2", "A.B.c", "2nd.example"}) {
        CAPTURE(good);
        CHECK(is_valid_host_name(good));
    }
    CHECK(is_valid_host_name(std::string(63, 'a') + ".example"));
}

TEST_CASE("host name: anything that could change a hosts line or a terminal is refused") {
    for (const char* bad : {"", "two words", "tab\there", "new\nline", "esc\x1b[31mred", "a,b", "#comment", ".lead",
                            "trail.", "dou..ble", "-dash", "dash-.x", "x.-y", "192.0.2.1", "1.2", "caf\xc3\xa9",
                            "semi;colon", "slash/x", "a:b"}) {
        CAPTURE(bad);
        CHECK_FALSE(is_valid_host_name(bad));
    }
    CHECK_FALSE(is_valid_host_name(std::string(64, 'a') + ".example"));  // label over 63
    std::string long_name;
    while (long_name.size() <= kMaxHostNameBytes) long_name += "abcdefgh.";
    long_name += "x";
    CHECK_FALSE(is_valid_host_name(long_name));
}

TEST_CASE("host name: localhost in any letter case") {
    for (const char* local : {"localhost", "LocalHost", "LOCALHOST.localdomain", "a.LocalHost", "localhost.x"}) {
        CAPTURE(local);
        CHECK(is_localhost_name(local));
    }
    for (const char* other : {"localhostx", "mylocalhost", "localhost-1.example", "db"}) {
        CAPTURE(other);
        CHECK_FALSE(is_localhost_name(other));
    }
}
