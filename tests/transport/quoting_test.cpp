// SPDX-License-Identifier: LGPL-2.1-or-later
// Quoting round trips through a real /bin/sh: arguments survive the remote command line, also when it is
// quoted twice (the login shell runs "/bin/sh -c '<script>'", which runs the script).
#include <doctest/doctest.h>

#include "common/shell_quote.hpp"
#include "transport/remote_script.hpp"
#include "transport/server_args.hpp"
#include "util/process.hpp"

using namespace sshuttle;
using Words = std::vector<std::string>;

namespace {

const Words kNasty = {"plain", "two words", "", "it's", "\"dq\"", "$HOME", "`id`", "$(id)", "a\\b", "semi;colon",
                      "new\nline", "tab\there", "*", "~", "!bang", "'\\''", "--", "-v", "é ü", "{a,b}", "x=y"};

// Splits printf '%s\0' output back into words.
Words split_nul(const std::string& output) {
    Words words;
    std::string word;
    for (char c : output) {
        if (c == '\0') {
            words.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    return words;
}

}  // namespace

TEST_CASE("quoting: join_shell_words round-trips through /bin/sh -c") {
    const std::string script = "printf '%s\\0' " + common::join_shell_words(kNasty);
    util::RunResult result = util::run_command({"/bin/sh", "-c", script});
    REQUIRE(result.exit_status == 0);
    CHECK(split_nul(result.output) == kNasty);
}

TEST_CASE("quoting: sh_command survives a second shell, as on the remote") {
    const std::string script = "printf '%s\\0' " + common::join_shell_words(kNasty);
    // What sshd does with the command string: the login shell runs it with -c.
    util::RunResult result = util::run_command({"/bin/sh", "-c", transport::sh_command(script)});
    REQUIRE(result.exit_status == 0);
    CHECK(split_nul(result.output) == kNasty);
}

TEST_CASE("quoting: the upload script is valid sh") {
    transport::UploadSpec spec{"0123abcd", 10, "\"Linux \"x86_64|\"Linux \"amd64"};
    const std::string script = transport::upload_script(spec, kNasty);
    util::RunResult result = util::run_command({"/bin/sh", "-n", "-c", script});
    CHECK(result.exit_status == 0);
}
