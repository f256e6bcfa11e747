// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/arg_sources.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/usage_error.hpp"
#include "support/temp_files.hpp"

using namespace sshuttle::cli;
using Tokens = std::vector<std::string>;

TEST_CASE("@file: one token per line, comments, stripping, one pair of quotes") {
    sshuttle::test::TempFiles files;
    const std::string path = files.write("args.conf",
                                         "# a comment\n"
                                         "--remote\n"
                                         "  user@example  \n"
                                         "\n"
                                         " # not a comment: '#' is not the first character\n"
                                         "'--ssh-cmd'\n"
                                         "\"ssh -p 2222\"\n"
                                         "'mismatched\"\n"
                                         "''\n");
    CHECK(expand_at_files({"-v", "@" + path, "192.0.2.0/24"}) ==
          Tokens{"-v", "--remote", "user@example", "# not a comment: '#' is not the first character", "--ssh-cmd",
                 "ssh -p 2222", "'mismatched\"", "", "192.0.2.0/24"});
}

TEST_CASE("@file: nested files expand in place; a missing file is an error naming it") {
    sshuttle::test::TempFiles files;
    const std::string inner = files.write("inner", "-x\n192.0.2.1\n");
    const std::string outer = files.write("outer", "-v\n@" + inner + "\n-N\n");
    CHECK(expand_at_files({"@" + outer, "--dns"}) == Tokens{"-v", "-x", "192.0.2.1", "-N", "--dns"});

    const std::string missing = files.path("missing");
    CHECK_THROWS_WITH_AS(expand_at_files({"@" + missing}),
                         ("cannot read argument file '" + missing + "': No such file or directory").c_str(),
                         UsageError);
    const std::string loop = files.write("loop", "@" + files.path("loop") + "\n");
    CHECK_THROWS_WITH_AS(expand_at_files({"@" + loop}), ("argument file '" + loop + "' nested too deeply").c_str(),
                         UsageError);
}

TEST_CASE("SSHUTTLE_ARGS: shlex-style splitting") {
    CHECK(split_shell_words("") == Tokens{});
    CHECK(split_shell_words("  -v   -r host  ") == Tokens{"-v", "-r", "host"});
    CHECK(split_shell_words("-e 'ssh -p 22' --ns-hosts \"192.0.2.1 192.0.2.2\"") ==
          Tokens{"-e", "ssh -p 22", "--ns-hosts", "192.0.2.1 192.0.2.2"});
    CHECK(split_shell_words(R"(a\ b "q\"x\\y\n" 'no\escape' '' x"y"z)") ==
          Tokens{"a b", "q\"x\\y\\n", "no\\escape", "", "xyz"});
    CHECK_THROWS_WITH_AS(split_shell_words("-e 'ssh"), "SSHUTTLE_ARGS: no closing ' quote", UsageError);
    CHECK_THROWS_WITH_AS(split_shell_words("-v \\"), "SSHUTTLE_ARGS: nothing after the final '\\'", UsageError);
}

TEST_CASE("@file: only regular files of at most 1 MiB are read") {
    sshuttle::test::TempFiles files;
    CHECK_THROWS_WITH_AS(expand_at_files({"@/dev/zero"}), "argument file '/dev/zero': not a regular file",
                         UsageError);
    const std::string dir = files.path("");
    CHECK_THROWS_WITH_AS(expand_at_files({"@" + dir}), ("argument file '" + dir + "': not a regular file").c_str(),
                         UsageError);
    const std::string big = files.write("big", std::string((1 << 20) + 1, '#'));
    CHECK_THROWS_WITH_AS(expand_at_files({"@" + big}),
                         ("argument file '" + big + "': larger than 1048576 bytes").c_str(), UsageError);
    const std::string limit = files.write("limit", "-v\n" + std::string((1 << 20) - 3, '#'));
    CHECK(expand_at_files({"@" + limit}) == Tokens{"-v"});
}

TEST_CASE("@file: at most 256 argument files in all, however shallow (fan-out would grow exponentially)") {
    sshuttle::test::TempFiles files;
    const std::string leaf = files.write("leaf", "-v\n");
    std::string lines;
    for (int i = 0; i < 300; ++i) lines += "@" + leaf + "\n";
    const std::string wide = files.write("wide", lines);
    CHECK_THROWS_WITH_AS(expand_at_files({"@" + wide}),
                         ("argument file '" + leaf + "': more than 256 argument files in all").c_str(), UsageError);
}
