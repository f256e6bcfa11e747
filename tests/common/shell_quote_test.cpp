// SPDX-License-Identifier: LGPL-2.1-or-later
// An argv as the core logs it and the plugins list it: bare where no shell would read anything into a word,
// single-quoted elsewhere. That these words survive a real /bin/sh is checked in tests/transport.
#include "common/shell_quote.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using sshuttle::common::join_shell_words;
using sshuttle::common::shell_quote;

TEST_CASE("shell quote: words no shell reads anything into stay bare") {
    for (const std::string word : {"iptables-restore", "--noflush", "user@host:22,0x1/0x1=a+b%c_d.e"}) {
        CAPTURE(word);
        CHECK(shell_quote(word) == word);
    }
}

TEST_CASE("shell quote: anything else is single-quoted, a quote inside as '\\''") {
    const std::vector<std::pair<std::string, std::string>> quoted = {
        {"", "''"},
        {"two words", "'two words'"},
        {"table(124)", "'table(124)'"},
        {"$HOME", "'$HOME'"},
        {"it's", "'it'\\''s'"},
        {"a\\b", "'a\\b'"},
    };
    for (const auto& [word, shown] : quoted) {
        CAPTURE(word);
        CHECK(shell_quote(word) == shown);
    }
}

TEST_CASE("shell quote: words joined by single spaces") {
    CHECK(join_shell_words({}).empty());
    CHECK(join_shell_words({"ip", "-j", "-4", "rule", "show"}) == "ip -j -4 rule show");
    CHECK(join_shell_words({"sh", "-c", "echo hi", ""}) == "sh -c 'echo hi' ''");
}
