// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading the sync header over a real socketpair: junk skipped, lines reported, nothing after it consumed.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <algorithm>
#include <unistd.h>

#include "transport/server_launch.hpp"
#include "transport/sync_reader.hpp"

using namespace sshuttle::transport;
using Lines = std::vector<std::string>;

namespace {

// A literal with its embedded NULs.
template <size_t N>
std::string bytes(const char (&literal)[N]) {
    return std::string(literal, N - 1);
}

struct Pair {
    int ours = -1;
    int theirs = -1;
    Pair() {
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        ours = sv[0];
        theirs = sv[1];
    }
    ~Pair() {
        close(ours);
        if (theirs >= 0) close(theirs);
    }
    void send(const std::string& bytes) const { REQUIRE(send_all(theirs, bytes)); }
    void hang_up() {
        close(theirs);
        theirs = -1;
    }
};

}  // namespace

TEST_CASE("sync reader: skips junk lines, reads the header, leaves the rest") {
    Pair pair;
    pair.send(bytes("Welcome to host\r\nlast login\n\0\0SSHUTTLE0001SS\x00\x01"));
    Lines lines;
    CHECK(read_sync_header(pair.ours, [&](const std::string& line) { lines.push_back(line); }));
    CHECK(lines == Lines{"Welcome to host", "last login"});
    char rest[4];
    REQUIRE(read(pair.ours, rest, sizeof rest) == 4);
    CHECK(std::string(rest, 4) == bytes("SS\x00\x01"));
}

TEST_CASE("sync reader: an unterminated junk line is reported; junk between the NULs is skipped") {
    Pair pair;
    pair.send(bytes("no newline\0between\0SSHUTTLE0001"));
    Lines lines;
    CHECK(read_sync_header(pair.ours, [&](const std::string& line) { lines.push_back(line); }));
    CHECK(lines == Lines{"no newline"});
}

TEST_CASE("sync reader: EOF before the header is false, with the last partial line") {
    Pair pair;
    pair.send("sh: 1: exec: not found");
    pair.hang_up();
    Lines lines;
    CHECK_FALSE(read_sync_header(pair.ours, [&](const std::string& line) { lines.push_back(line); }));
    CHECK(lines == Lines{"sh: 1: exec: not found"});
}

TEST_CASE("sync reader: a wrong magic is an error showing what came") {
    Pair pair;
    pair.send(bytes("\0\0SSHUTTLE0002"));
    CHECK_THROWS_WITH_AS(read_sync_header(pair.ours, [](const std::string&) {}),
                         "expected the server's sync header 'SSHUTTLE0001', got 'SSHUTTLE0002'", TransportError);
}

TEST_CASE("sync reader: endless junk without a newline is handed on in pieces, not buffered without bound") {
    std::string junk(1 << 20, 'x');
    junk += std::string("\0\0SSHUTTLE0001", 14);
    std::size_t at = 0;
    std::size_t longest = 0;
    std::size_t total = 0;
    CHECK(read_sync_header(
        [&](char& c) {
            if (at == junk.size()) return false;
            c = junk[at++];
            return true;
        },
        [&](const std::string& line) {
            longest = std::max(longest, line.size());
            total += line.size();
        }));
    CHECK(longest == 4096);
    CHECK(total == std::size_t{1} << 20);
}
