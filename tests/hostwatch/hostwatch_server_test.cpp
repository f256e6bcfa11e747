// SPDX-License-Identifier: LGPL-2.1-or-later
// The server answers HOST_REQ with HOST_LIST frames from a real forked watcher, and ends it with the session.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <thread>

#include "../util/temp_dir.hpp"
#include "mux/frame.hpp"
#include "server/server.hpp"
#include "server/stdio_stream.hpp"

using namespace sshuttle;

namespace {

std::string read_exactly(int fd, std::size_t size) {
    std::string out(size, '\0');
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, out.data() + done, size - done);
        if (n <= 0) throw std::runtime_error("peer closed");
        done += static_cast<std::size_t>(n);
    }
    return out;
}

struct Frame {
    uint16_t cmd = 0;
    std::string payload;
};

Frame read_frame(int fd) {
    const std::string header = read_exactly(fd, mux::kHeaderSize);
    auto u16 = [&](std::size_t at) {
        return static_cast<uint16_t>((static_cast<uint8_t>(header[at]) << 8) | static_cast<uint8_t>(header[at + 1]));
    };
    return {u16(4), read_exactly(fd, u16(6))};
}

void write_frame(int fd, mux::Command cmd, const std::string& payload) {
    std::vector<uint8_t> bytes;
    mux::append_frame(bytes, 0, cmd,
                      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
    REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}

}  // namespace

TEST_CASE("server: HOST_REQ starts the hostwatch; its finds arrive as HOST_LIST; EOF ends both") {
    TempDir dir;
    std::ofstream(dir.path() + "/hosts") << "203.0.113.10 only-on-server.example\n";
    server::ServerOptions options;
    options.hostwatch.hosts_path = dir.path() + "/hosts";
    options.hostwatch.cache_path = dir.path() + "/cache";
    options.hostwatch.arp_path.clear();
    options.hostwatch.ipv6_neighbours = false;
    options.hostwatch.lookups.forward = [](const std::string&) { return std::vector<boost::asio::ip::address>{}; };
    options.hostwatch.lookups.reverse = [](const boost::asio::ip::address&) { return std::vector<std::string>{}; };

    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    boost::asio::io_context io;
    server::Server server(io, server::make_stdio_stream(io, fds[1], fds[1]), options);
    bool closed_clean = false;
    server.on_closed = [&](const std::string&, bool clean) { closed_clean = clean; };
    server.start();
    std::thread loop([&] { io.run(); });

    CHECK(read_exactly(fds[0], mux::kSyncHeader.size()) == mux::kSyncHeader);
    write_frame(fds[0], mux::Command::kHostReq, "seed-a\nseed-b");
    std::string hosts;
    while (hosts.find("only-on-server,") == std::string::npos) {
        Frame frame = read_frame(fds[0]);
        if (frame.cmd == static_cast<uint16_t>(mux::Command::kHostList)) hosts += frame.payload;
    }
    CHECK(hosts == "only-on-server.example,203.0.113.10\nonly-on-server,203.0.113.10\n");

    // The client goes away: the session ends and so does the watcher (io.run() returns only without it).
    shutdown(fds[0], SHUT_WR);
    loop.join();
    CHECK(closed_clean);
    close(fds[0]);
}
