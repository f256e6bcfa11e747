// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include <string>

#include "cli/help.hpp"
#include "cli/parse_options.hpp"

using namespace sshuttle::cli;

TEST_CASE("help: usage line first, every option listed") {
    const std::string help = help_text();
    CHECK(help.rfind("usage: sshuttle [-l [ip:]port] -r [user@]sshserver[:port] <subnets...>\n", 0) == 0);
    for (const char* option : {"-l, --listen [IP:]PORT", "-x, --exclude SUBNET", "--dns", "--no-latency-control",
                               "-t, --tmark MARK", "--server-cmd CMD", "--plugin-dir DIR", "--config FILE",
                               "--profile NAME", "--dry-run", "--list-plugins", "-V, --version", "--no-reconnect",
                               "--reconnect-max-wait SECONDS", "--max-channels N"}) {
        CAPTURE(option);
        CHECK(help.find(option) != std::string::npos);
    }
}

// The defaults in brackets are what the code does: -r alone takes the built-in libssh2 transport when it can honour
// the ssh configuration (transport/libssh2_fit.hpp), else the ssh program (upstream's "[ssh]" for -e would say
// otherwise).
TEST_CASE("help: the default transport is the built-in one where it can honour the ssh configuration") {
    const std::string help = help_text();
    CHECK(help.find("[ssh when libssh2 can honour the ssh configuration, else command; command with -e]") !=
          std::string::npos);
    CHECK(help.find("instead of the built-in transport") != std::string::npos);
    CHECK(help.find("remote [ssh]") == std::string::npos);
}

TEST_CASE("describe: resolved options, rules in firewall order, password masked") {
    const Options o = parse_options({"--dry-run", "-r", "me:secret@example.org", "198.51.100.0/24", "0/0:443",
                                     "-x", "198.51.100.7", "--method", "nft", "-vv", "-e", "ssh -o 'A=b'"},
                                    nullptr);
    const std::string text = describe_options(o);
    CHECK(text.find("mode: client\n") != std::string::npos);
    CHECK(text.find("remote: 'me:***@example.org'\n") != std::string::npos);
    CHECK(text.find("secret") == std::string::npos);
    CHECK(text.find("method: nft\n") != std::string::npos);
    CHECK(text.find("reconnect: true\nreconnect-max-wait: 60\nmax-channels: 8\n") != std::string::npos);
    CHECK(text.find("subnets:\n  - 0.0.0.0/0:443\n  - 198.51.100.0/24\n") != std::string::npos);
    CHECK(text.find("excludes:\n  - 198.51.100.7/32\n") != std::string::npos);
    CHECK(text.find("rule-order:\n  - include 0.0.0.0/0:443\n  - exclude 198.51.100.7/32\n"
                    "  - include 198.51.100.0/24\n") != std::string::npos);
    CHECK(text.find("listen: auto") != std::string::npos);
    CHECK(text.find("verbose: 2\n") != std::string::npos);
    CHECK(text.find("tmark: 0x01\n") != std::string::npos);
    CHECK(text.find("dry-run: true\n") != std::string::npos);
    CHECK(text.find("ssh-cmd: 'ssh -o ''A=b'''\n") != std::string::npos);
}
