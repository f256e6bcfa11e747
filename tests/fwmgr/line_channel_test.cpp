// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/line_channel.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <system_error>

using namespace sshuttle::fwmgr;

namespace {

struct SocketPair {
    int fds[2] = {-1, -1};
    SocketPair() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0); }
    ~SocketPair() {
        for (int fd : fds)
            if (fd >= 0) close(fd);
    }
    void close_writer() {
        close(fds[0]);
        fds[0] = -1;
    }
};

}  // namespace

TEST_CASE("line channel: lines split across writes and several lines in one write") {
    SocketPair pair;
    LineReader reader(pair.fds[1]);
    write_all(pair.fds[0], "RO");
    write_all(pair.fds[0], "UTES\n2,8,0,10.0.0.0,0,0\nNSLI");
    std::string line;
    REQUIRE(reader.read_line(line) == LineReader::Status::kLine);
    CHECK(line == "ROUTES");
    REQUIRE(reader.read_line(line) == LineReader::Status::kLine);
    CHECK(line == "2,8,0,10.0.0.0,0,0");
    write_all(pair.fds[0], "ST\n\n");
    REQUIRE(reader.read_line(line) == LineReader::Status::kLine);
    CHECK(line == "NSLIST");
    REQUIRE(reader.read_line(line) == LineReader::Status::kLine);
    CHECK(line.empty());
    pair.close_writer();
    CHECK(reader.read_line(line) == LineReader::Status::kEof);
    CHECK(reader.read_line(line) == LineReader::Status::kEof);
}

TEST_CASE("line channel: a partial last line at EOF is dropped") {
    SocketPair pair;
    LineReader reader(pair.fds[1]);
    write_all(pair.fds[0], "HOST a,192.0.2.1\nHOST b,19");
    pair.close_writer();
    std::string line;
    REQUIRE(reader.read_line(line) == LineReader::Status::kLine);
    CHECK(line == "HOST a,192.0.2.1");
    CHECK(reader.read_line(line) == LineReader::Status::kEof);
}

TEST_CASE("line channel: 128 bytes with the newline pass, 129 are an error") {
    SocketPair pair;
    LineReader reader(pair.fds[1]);
    std::string line;
    write_all(pair.fds[0], std::string(127, 'a') + "\n");
    REQUIRE(reader.read_line(line) == LineReader::Status::kLine);
    CHECK(line.size() == 127);

    SUBCASE("terminated") { write_all(pair.fds[0], std::string(128, 'b') + "\n"); }
    SUBCASE("unterminated, the peer still writing") { write_all(pair.fds[0], std::string(200, 'b')); }
    CHECK_THROWS_WITH_AS(reader.read_line(line),
                         ("line longer than 128 bytes: '" + std::string(40, 'b') + "...'").c_str(), ProtocolError);
}

TEST_CASE("line channel: a readable wake fd interrupts a blocked read") {
    SocketPair pair;
    int wake[2];
    REQUIRE(pipe(wake) == 0);
    LineReader reader(pair.fds[1]);
    REQUIRE(write(wake[1], "x", 1) == 1);
    std::string line;
    CHECK(reader.read_line(line, wake[0]) == LineReader::Status::kWoken);
    close(wake[0]);
    close(wake[1]);
}

TEST_CASE("line channel: write_all to a closed peer fails without SIGPIPE") {
    SocketPair pair;
    close(pair.fds[1]);
    pair.fds[1] = -1;
    CHECK_THROWS_AS(write_all(pair.fds[0], "GO 1 - - 0x01 1\n"), std::system_error);
}
