// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/remote.hpp"

#include <doctest/doctest.h>

#include "cli/usage_error.hpp"

using namespace sshuttle::cli;

TEST_CASE("remote: [user[:pass]@]host[:port]") {
    const Remote plain = parse_remote("example.org");
    CHECK(plain.user.empty());
    CHECK(plain.host == "example.org");
    CHECK(plain.port == 0);

    const Remote full = parse_remote("me:s3:cr@t@example.org:2222");
    CHECK(full.user == "me");
    CHECK(full.password == "s3:cr@t");  // user part ends at the last '@', password at the user's first ':'
    CHECK(full.host == "example.org");
    CHECK(full.port == 2222);
    CHECK(full.to_string() == "me:***@example.org:2222");

    const Remote at_user = parse_remote("me@corp@192.0.2.1");
    CHECK(at_user.user == "me@corp");
    CHECK(at_user.host == "192.0.2.1");
    CHECK(at_user.to_string() == "me@corp@192.0.2.1");
}

TEST_CASE("remote: IPv6 hosts") {
    CHECK(parse_remote("[2001:db8::1]:22").host == "2001:db8::1");
    CHECK(parse_remote("[2001:db8::1]:22").port == 22);
    CHECK(parse_remote("[2001:db8::1]:22").to_string() == "[2001:db8::1]:22");
    CHECK(parse_remote("user@2001:db8::1").host == "2001:db8::1");
    CHECK(parse_remote("user@2001:db8::1").port == 0);
    CHECK(parse_remote("[2001:db8::1]").host == "2001:db8::1");
}

TEST_CASE("remote: errors") {
    CHECK_THROWS_WITH_AS(parse_remote("user@"), "invalid remote 'user@': empty host", UsageError);
    CHECK_THROWS_WITH_AS(parse_remote("host:99999"), "invalid remote 'host:99999': bad port '99999'", UsageError);
    CHECK_THROWS_WITH_AS(parse_remote("host:ssh"), "invalid remote 'host:ssh': bad port 'ssh'", UsageError);
    CHECK_THROWS_WITH_AS(parse_remote("[2001:db8::1"), "invalid remote '[2001:db8::1': missing ']'", UsageError);
    CHECK_THROWS_WITH_AS(parse_remote(":22"), "invalid remote ':22': empty host", UsageError);
}
