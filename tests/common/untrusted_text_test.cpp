// SPDX-License-Identifier: LGPL-2.1-or-later
#include "common/untrusted_text.hpp"

#include <doctest/doctest.h>

#include <string>

using sshuttle::common::escape_untrusted;

TEST_CASE("untrusted text: printable ASCII passes unchanged") {
    CHECK(escape_untrusted("server: listening on 10.0.0.1:22 (ok)") == "server: listening on 10.0.0.1:22 (ok)");
}

TEST_CASE("untrusted text: terminal escapes and forged log lines become \\xNN") {
    CHECK(escape_untrusted("\x1b[2Jgone") == "\\x1b[2Jgone");
    CHECK(escape_untrusted("ok\n[c] fake: Connected to server.") == "ok\\x0a[c] fake: Connected to server.");
    CHECK(escape_untrusted(std::string("a\0b\r\x7f", 5)) == "a\\x00b\\x0d\\x7f");
    CHECK(escape_untrusted("caf\xc3\xa9") == "caf\\xc3\\xa9");
}

TEST_CASE("untrusted text: a backslash is doubled so that no \\xNN can be forged") {
    CHECK(escape_untrusted("\\x1b") == "\\\\x1b");
}

TEST_CASE("untrusted text: long text is cut and says how much was left out") {
    CHECK(escape_untrusted(std::string(100, 'a'), 10) == "aaaaaaaaaa... (90 more bytes)");
    CHECK(escape_untrusted("short", 10) == "short");
}
