// SPDX-License-Identifier: LGPL-2.1-or-later
// The Python fallback server speaks the same mux as the native one: it is started the way local mode starts a
// --server-cmd (python3 <source>), then driven frame by frame against real loopback sockets.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "common/shell_quote.hpp"
#include "python_test_support.hpp"
#include "started_child.hpp"
#include "transport/server_helper.hpp"
#include "transport/server_launch.hpp"
#include "util/process.hpp"

using namespace sshuttle;
using namespace sshuttle::test;

namespace {

// A loopback socket bound to an ephemeral port; closed on destruction.
struct LoopbackSocket {
    int fd = -1;
    uint16_t port = 0;
    explicit LoopbackSocket(int type) {
        fd = socket(AF_INET, type, 0);
        REQUIRE(fd >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        socklen_t size = sizeof address;
        REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
        port = ntohs(address.sin_port);
        if (type == SOCK_STREAM) REQUIRE(listen(fd, 4) == 0);
        guard_reads(fd);
    }
    ~LoopbackSocket() { close(fd); }
};

// The Python server as a local child, its sync header read.
struct PythonServer {
    test::StartedChild launch;
    explicit PythonServer(transport::LaunchConfig options = {}) {
        options.server_cmd = "python3 " + common::shell_quote(python_server_path());
        launch = test::take_child(transport::start_server(options, transport::LaunchParams{}));
        guard_reads(launch.fd);
        Frame ping = read_frame(launch.fd);  // like the native server: PING first, then ROUTES
        CHECK(ping.command == kCmdPing);
        CHECK(ping.payload == "chicken");
        Frame routes = read_frame(launch.fd);
        CHECK(routes.command == kCmdRoutes);
        routes_payload = routes.payload;
    }
    int fd() const { return launch.fd; }
    int stop() { return end_server(launch.fd, launch.pid); }
    std::string routes_payload;
};

std::string recv_some(int fd) {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    REQUIRE(n >= 0);
    return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("python server: the embedded source is sshuttle_server.py, named by its SHA-1") {
    const std::string file = read_file(python_server_path());
    CHECK(server_py::python_server_source() == file);
    CHECK(server_py::python_server_hash() == transport::content_hash(file));
}

TEST_CASE("python server: starts under --server-cmd, sends PING and an empty ROUTES, answers PING, exits 0") {
    PythonServer server;
    CHECK(server.routes_payload.empty());
    write_frame(server.fd(), 0, kCmdPing, "probe");
    CHECK(read_until(server.fd(), kCmdPong).payload == "probe");
    write_frame(server.fd(), 0, kCmdHostReq, "");  // not supported: ignored, the session goes on
    write_frame(server.fd(), 0, kCmdPing, "again");
    CHECK(read_until(server.fd(), kCmdPong).payload == "again");
    CHECK(server.stop() == 0);
}

TEST_CASE("python server: --auto-nets announces routes in the native format") {
    transport::LaunchConfig options;
    options.auto_nets = true;
    PythonServer server(options);
    // Whatever the host's routes are: each line is family,ip,width and none is loopback or a default route.
    std::string text = server.routes_payload;
    std::size_t start = 0;
    for (auto nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
        const std::string line = text.substr(start, nl - start);
        INFO(line);
        CHECK((line.rfind("2,", 0) == 0 || line.rfind("10,", 0) == 0));
        CHECK(line.find("127.") == std::string::npos);
        CHECK(line.substr(line.rfind(',')) != ",0");
    }
    CHECK(start == text.size());
    CHECK(server.stop() == 0);
}

TEST_CASE("python server: TCP relay both ways with half-close, refused and invalid connects") {
    PythonServer server;
    LoopbackSocket listener(SOCK_STREAM);
    write_frame(server.fd(), 1, kCmdTcpConnect, "2,127.0.0.1," + std::to_string(listener.port));
    int conn = accept(listener.fd, nullptr, nullptr);
    REQUIRE(conn >= 0);
    guard_reads(conn);
    // A payload larger than one frame from the destination arrives complete, split into frames.
    std::string big(200000, 'x');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    REQUIRE(transport::send_all(conn, big));
    std::string got;
    while (got.size() < big.size()) {
        Frame frame = read_frame(server.fd());
        REQUIRE(frame.channel == 1);
        REQUIRE(frame.command == kCmdTcpData);
        got += frame.payload;
    }
    CHECK(got == big);
    write_frame(server.fd(), 1, kCmdTcpData, "hello");
    CHECK(recv_some(conn) == "hello");
    // The client's EOF becomes a FIN at the destination, which can still answer.
    write_frame(server.fd(), 1, kCmdTcpEof, "");
    CHECK(recv_some(conn).empty());
    REQUIRE(transport::send_all(conn, "bye"));
    Frame bye = read_frame(server.fd());
    CHECK(bye.command == kCmdTcpData);
    CHECK(bye.payload == "bye");
    close(conn);
    Frame eof = read_frame(server.fd());
    CHECK(eof.channel == 1);
    CHECK(eof.command == kCmdTcpEof);

    // Nobody listens on the port of a closed listener: EOF and STOP_SENDING, as the native server answers.
    uint16_t closed_port = 0;
    {
        LoopbackSocket gone(SOCK_STREAM);
        closed_port = gone.port;
    }
    write_frame(server.fd(), 2, kCmdTcpConnect, "2,127.0.0.1," + std::to_string(closed_port));
    CHECK(read_frame(server.fd()).command == kCmdTcpEof);
    CHECK(read_frame(server.fd()).command == kCmdTcpStopSending);
    write_frame(server.fd(), 3, kCmdTcpConnect, "not,a,request");
    Frame refused = read_frame(server.fd());
    CHECK(refused.channel == 3);
    CHECK(refused.command == kCmdTcpEof);
    CHECK(read_frame(server.fd()).command == kCmdTcpStopSending);
    // Frames for a finished channel are dropped, and the server still serves.
    write_frame(server.fd(), 3, kCmdTcpData, "late");
    write_frame(server.fd(), 0, kCmdPing, "alive");
    CHECK(read_until(server.fd(), kCmdPong).payload == "alive");
    CHECK(server.stop() == 0);
}

TEST_CASE("python server: DNS_REQ goes to --to-ns and the reply comes back") {
    LoopbackSocket nameserver(SOCK_DGRAM);
    transport::LaunchConfig options;
    net::Endpoint to_ns;
    inet_pton(AF_INET, "127.0.0.1", to_ns.address.bytes.data());
    to_ns.port = nameserver.port;
    options.to_ns = to_ns;
    PythonServer server(options);
    write_frame(server.fd(), 7, kCmdDnsReq, "raw query");
    sockaddr_in from{};
    socklen_t from_size = sizeof from;
    char query[64];
    ssize_t n = recvfrom(nameserver.fd, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
    REQUIRE(n > 0);
    CHECK(std::string(query, static_cast<size_t>(n)) == "raw query");
    REQUIRE(sendto(nameserver.fd, "raw reply", 9, 0, reinterpret_cast<sockaddr*>(&from), from_size) == 9);
    Frame reply = read_frame(server.fd());
    CHECK(reply.channel == 7);
    CHECK(reply.command == kCmdDnsResponse);
    CHECK(reply.payload == "raw reply");
    CHECK(server.stop() == 0);
}

TEST_CASE("python server: UDP flows over IPv4 and IPv6 sockets, replies name their source") {
    LoopbackSocket peer(SOCK_DGRAM);
    PythonServer server;
    for (const auto& [channel, family] : {std::pair<uint16_t, std::string>{5, "2"}, {6, "10"}}) {
        INFO("family " << family);
        write_frame(server.fd(), channel, kCmdUdpOpen, family);
        write_frame(server.fd(), channel, kCmdUdpData, "127.0.0.1," + std::to_string(peer.port) + ",dgram");
        sockaddr_in from{};
        sockaddr_in6 from6{};
        socklen_t from_size = family == "2" ? sizeof from : sizeof from6;
        sockaddr* from_address = family == "2" ? reinterpret_cast<sockaddr*>(&from) : reinterpret_cast<sockaddr*>(&from6);
        char data[64];
        ssize_t n = recvfrom(peer.fd, data, sizeof data, 0, from_address, &from_size);
        REQUIRE(n > 0);
        CHECK(std::string(data, static_cast<size_t>(n)) == "dgram");
        REQUIRE(sendto(peer.fd, "back", 4, 0, from_address, from_size) == 4);
        Frame reply = read_frame(server.fd());
        CHECK(reply.channel == channel);
        CHECK(reply.command == kCmdUdpData);
        CHECK(reply.payload == "127.0.0.1," + std::to_string(peer.port) + ",back");
        write_frame(server.fd(), channel, kCmdUdpClose, "");
    }
    write_frame(server.fd(), 0, kCmdPing, "alive");
    CHECK(read_until(server.fd(), kCmdPong).payload == "alive");
    CHECK(server.stop() == 0);
}

TEST_CASE("python server: a bad frame magic ends the server with status 1") {
    PythonServer server;
    REQUIRE(transport::send_all(server.fd(), std::string("XX\x00\x00\x42\x01\x00\x00", 8)));
    CHECK(server.stop() == 1);
}

TEST_CASE("python server: the same command line errors as the native helper") {
    const std::string py = "python3 " + common::shell_quote(python_server_path());
    auto result = util::run_command({"/bin/sh", "-c", py + " --server --to-ns nowhere 2>&1"});
    CHECK(result.exit_status == 2);
    CHECK(result.output == "sshuttle-server.py: invalid --to-ns 'nowhere': expected a numeric ip[@port]\n");
    result = util::run_command({"/bin/sh", "-c", py + " -v 2>&1"});
    CHECK(result.exit_status == 2);
    CHECK(result.output == "sshuttle-server.py: missing --server (this program only runs the sshuttle server)\n");
    result = util::run_command({"/bin/sh", "-c", py + " --server --bogus 2>&1"});
    CHECK(result.output == "sshuttle-server.py: unknown argument '--bogus'\n");
}
