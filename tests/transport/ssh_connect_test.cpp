// SPDX-License-Identifier: LGPL-2.1-or-later
// `sshuttle ssh-connect`, the ProxyCommand that makes ssh's TCP connection: when ssh is given it, its argument
// checks, and a real connection passed over a socket as ssh receives it (one byte with SCM_RIGHTS).
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "receive_descriptor.hpp"
#include "transport/ssh_config.hpp"
#include "transport/ssh_connect.hpp"

using namespace sshuttle::transport;

namespace {

// The value of `-o ProxyCommand=...` in options, or "" when there is none.
std::string proxy_command(const std::vector<std::string>& options) {
    for (const auto& word : options)
        if (word.rfind("ProxyCommand=", 0) == 0) return word.substr(std::strlen("ProxyCommand="));
    return "";
}

// A listening TCP socket on 127.0.0.1; its port in `port`.
int listen_loopback(int& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
    return fd;
}

}  // namespace

TEST_CASE("ssh-connect: ssh is given it where its configuration lets us connect in its place") {
    const SshTarget plain = parse_ssh_g("hostname 192.0.2.9\nport 22\naddressfamily any\nconnecttimeout none\n"
                                        "tcpkeepalive yes\n");
    const auto options = ssh_connect_options("/bin/true", plain);
    REQUIRE(options.size() == 4);
    CHECK(options[0] == "-o");
    CHECK(options[2] == "-o");
    CHECK(options[3] == "ProxyUseFdpass=yes");
    // ssh's own HostName and Port, through its %-tokens.
    CHECK(proxy_command(options) == "/bin/true ssh-connect --family any %h %p");

    const SshTarget tuned = parse_ssh_g("hostname h\naddressfamily inet6\nconnecttimeout 7\ntcpkeepalive no\n");
    CHECK(proxy_command(ssh_connect_options("/bin/true", tuned)) ==
          "/bin/true ssh-connect --family inet6 --timeout 7 --no-keepalive %h %p");
}

TEST_CASE("ssh-connect: ssh connects itself through a ProxyCommand or ProxyJump, from a bound address, or retrying") {
    CHECK(ssh_connect_options("/bin/true", parse_ssh_g("proxycommand nc %h %p\n")).empty());
    CHECK(ssh_connect_options("/bin/true", parse_ssh_g("proxyjump bastion\n")).empty());
    CHECK(ssh_connect_options("/bin/true", parse_ssh_g("bindaddress 192.0.2.1\n")).empty());
    CHECK(ssh_connect_options("/bin/true", parse_ssh_g("bindinterface eth0\n")).empty());
    CHECK(ssh_connect_options("/bin/true", parse_ssh_g("addressfamily unix\n")).empty());
    CHECK(ssh_connect_options("/bin/true", parse_ssh_g("connectionattempts 3\n")).empty());
    CHECK_FALSE(ssh_connect_options("/bin/true", parse_ssh_g("connectionattempts 1\n")).empty());
    // This binary cannot be run (deleted by an upgrade, unreadable): ssh must not be handed a command that fails.
    CHECK(ssh_connect_options("", parse_ssh_g("hostname h\n")).empty());
    CHECK(ssh_connect_options("/nonexistent/sshuttle", parse_ssh_g("hostname h\n")).empty());
}

TEST_CASE("ssh-connect: a path with spaces or % is quoted for the shell and escaped for ssh's tokens") {
    // Not executable, so ssh_connect_options would refuse it: the quoting is seen through a real file instead.
    char dir_template[] = "/tmp/sshuttle ssh-connect %XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    const std::string self = std::string(dir_template) + "/sshuttle";
    REQUIRE(::symlink("/bin/true", self.c_str()) == 0);
    const std::string command = proxy_command(ssh_connect_options(self, parse_ssh_g("hostname h\n")));
    CHECK(command == "'" + std::string(dir_template).replace(std::string(dir_template).find('%'), 1, "%%") +
                         "/sshuttle' ssh-connect --family any %h %p");
    ::unlink(self.c_str());
    ::rmdir(dir_template);
}

TEST_CASE("ssh-connect: arguments") {
    std::string error;
    auto request = parse_ssh_connect_args({"--family", "inet", "--timeout", "5", "--notsent-lowat", "0",
                                           "--no-keepalive", "192.0.2.1", "2222"},
                                          error);
    REQUIRE(request);
    CHECK(request->host == "192.0.2.1");
    CHECK(request->port == "2222");
    CHECK(request->family == "inet");
    CHECK(request->timeout_s == 5);
    CHECK(request->notsent_lowat == 0);
    CHECK_FALSE(request->keepalive);

    request = parse_ssh_connect_args({"h", "22"}, error);
    REQUIRE(request);
    CHECK(request->family == "any");
    CHECK(request->timeout_s == 0);
    CHECK(request->notsent_lowat == kSshNotsentLowat);
    CHECK(request->keepalive);

    const auto refused = [](const std::vector<std::string>& args) {
        std::string why;
        CHECK_FALSE(parse_ssh_connect_args(args, why));
        return why;
    };
    CHECK(refused({"h"}) == "ssh-connect: expected HOST PORT, got 1 argument(s)");
    CHECK(refused({"h", "22", "x"}) == "ssh-connect: expected HOST PORT, got 3 argument(s)");
    CHECK(refused({"h", "0"}) == "ssh-connect: bad port '0' (1 to 65535)");
    CHECK(refused({"h", "22x"}) == "ssh-connect: bad port '22x' (1 to 65535)");
    CHECK(refused({"", "22"}) == "ssh-connect: empty host");
    CHECK(refused({"--family", "unix", "h", "22"}) == "ssh-connect: bad --family 'unix' (any, inet or inet6)");
    CHECK(refused({"--timeout", "-1", "h", "22"}) == "ssh-connect: bad --timeout '-1' (seconds, 0 to 86400)");
    CHECK(refused({"--notsent-lowat", "1e9", "h", "22"}).rfind("ssh-connect: bad --notsent-lowat '1e9'", 0) == 0);
    CHECK(refused({"h", "22", "--timeout"}) == "ssh-connect: --timeout needs a value");
    CHECK(refused({"--bogus", "h", "22"}) == "ssh-connect: unknown option '--bogus'");
}

TEST_CASE("ssh-connect: the connected socket reaches ssh, with the unsent-bytes limit, keepalive and no Nagle") {
    int port = 0;
    const int listener = listen_loopback(port);
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    std::ostringstream err;
    REQUIRE(run_ssh_connect({"--notsent-lowat", "65536", "127.0.0.1", std::to_string(port)}, pair[1], err) == 0);
    CHECK(err.str().empty());
    const int fd = receive_descriptor(pair[0]);
    REQUIRE(fd >= 0);
    int lowat = 0, keepalive = 0;
    socklen_t len = sizeof lowat;
    REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, &len) == 0);
    CHECK(lowat == 65536);
    len = sizeof keepalive;
    REQUIRE(::getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &len) == 0);
    CHECK(keepalive == 1);
    int nodelay = 0;
    len = sizeof nodelay;
    REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
    CHECK(nodelay == 1);
    // It is the connection to the listener: bytes written on it arrive there.
    const int accepted = ::accept(listener, nullptr, nullptr);
    REQUIRE(accepted >= 0);
    REQUIRE(::write(fd, "ssh", 3) == 3);
    char buf[3];
    REQUIRE(::read(accepted, buf, 3) == 3);
    CHECK(std::string(buf, 3) == "ssh");
    for (int f : {fd, accepted, listener, pair[0], pair[1]}) ::close(f);
}

TEST_CASE("ssh-connect: a refused connection is one line in ssh's words, and no descriptor is passed") {
    int port = 0;
    const int listener = listen_loopback(port);
    ::close(listener);  // nothing listens there now
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    std::ostringstream err;
    CHECK(run_ssh_connect({"127.0.0.1", std::to_string(port)}, pair[1], err) == 255);
    CHECK(err.str() == "sshuttle: connect to host 127.0.0.1 port " + std::to_string(port) + ": Connection refused\n");
    ::close(pair[1]);
    char byte;
    CHECK(::read(pair[0], &byte, 1) == 0);  // ssh sees the end: "proxy dialer did not pass back a connection"
    ::close(pair[0]);
}

TEST_CASE("ssh-connect: run by hand (standard output not a socket), it says what it is for") {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    std::ostringstream err;
    CHECK(run_ssh_connect({"127.0.0.1", "22"}, pipe_fds[1], err) == 255);
    CHECK(err.str().find("standard output is not a socket") != std::string::npos);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    err.str("");
    CHECK(run_ssh_connect({"--family", "x", "h", "22"}, -1, err) == 255);
    CHECK(err.str() == "sshuttle: ssh-connect: bad --family 'x' (any, inet or inet6)\n");
}
