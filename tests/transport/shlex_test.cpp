// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include "transport/server_launch.hpp"
#include "transport/shlex.hpp"

using sshuttle::transport::shlex_split;
using sshuttle::transport::TransportError;
using Words = std::vector<std::string>;

TEST_CASE("shlex: splits like Python's shlex.split") {
    CHECK(shlex_split("ssh") == Words{"ssh"});
    CHECK(shlex_split("  ssh   -i  key\t-v ") == Words{"ssh", "-i", "key", "-v"});
    CHECK(shlex_split("ssh -o 'ProxyCommand=nc %h %p'") == Words{"ssh", "-o", "ProxyCommand=nc %h %p"});
    CHECK(shlex_split("ssh -i \"/my keys/id\"") == Words{"ssh", "-i", "/my keys/id"});
    CHECK(shlex_split("a\\ b c") == Words{"a b", "c"});
    CHECK(shlex_split("x'y'\"z\"") == Words{"xyz"});
    CHECK(shlex_split("a '' b") == Words{"a", "", "b"});
    CHECK(shlex_split("\"a\\\"b\\\\c\\d\"") == Words{"a\"b\\c\\d"});  // only \" and \\ escape inside "..."
    CHECK(shlex_split("'a\\b'") == Words{"a\\b"});
    CHECK(shlex_split("a#b #c") == Words{"a#b", "#c"});  // no comments
    CHECK(shlex_split("").empty());
}

TEST_CASE("shlex: unterminated quotes are errors naming the text") {
    CHECK_THROWS_WITH_AS(shlex_split("ssh 'oops"), "invalid ssh command 'ssh 'oops': no closing ' quote",
                         TransportError);
    CHECK_THROWS_AS(shlex_split("ssh \"oops"), TransportError);
    CHECK_THROWS_AS(shlex_split("ssh oops\\"), TransportError);
}
