// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/sudoers.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace sshuttle::app;

TEST_CASE("sudoers: user names and %groups pass") {
    for (const char* good : {"alice", "%wheel", "svc_sshuttle", "a.b-c", "User1"}) {
        CAPTURE(good);
        CHECK(why_bad_sudoers_user(good).empty());
    }
}

TEST_CASE("sudoers: a newline or sudoers syntax in --sudoers-user is refused, naming the value") {
    CHECK(why_bad_sudoers_user("alice\nALL ALL=(ALL) NOPASSWD: ALL") ==
          "invalid --sudoers-user 'alice?ALL ALL=(ALL) NOPASSWD: ALL': expected a user name or %group (letters, "
          "digits, '_', '-', '.')");
    for (const char* bad : {"", "%", "-x", "a b", "a,b", "a:b", "a=b", "#1000x", "a\\b", "%g\n"}) {
        CAPTURE(bad);
  
        CHECK_FALSE(why_bad_sudoers_user(bad).empty());
    }
}

TEST_CASE("sudoers: the fragment allows the --auto-hosts variants and never --plugin-dir") {
    const std::string fragment = sudoers_fragment("alice", "/usr/bin/sshuttle", {"nat"});
    CHECK(fragment.find("/usr/bin/sshuttle --firewall --method nat -v --syslog --auto-hosts") != std::string::npos);
    CHECK(fragment.find("/usr/bin/sshuttle --firewall --method nat --auto-hosts") != std::string::npos);
    CHECK(fragment.find("--plugin-dir ") == std::string::npos);
}
