// SPDX-License-Identifier: LGPL-2.1-or-later
// The transport runs a remote command over a real sshd: output, exit status, stderr, a 10 MiB round trip, and
// the connection errors that need no network namespace.
#include <doctest/doctest.h>

#include <random>

#include "support/fixture.hpp"

using namespace ssh_test;

TEST_CASE("transport-ssh: runs the remote command and reports its exit status and last stderr line") {
    Fixture f;
    auto d = f.trusted();
    REQUIRE(d->connect("sshtest", "/bin/sh -c 'echo hello; echo first >&2; echo went wrong >&2; exit 3'").message == "");
    std::string out;
    Outcome end = d->exchange("", out);
    CHECK(out == "hello\n");
    CHECK(end.status == SSHUTTLE_ECLOSED);
    CHECK(end.message == "exit status 3: went wrong");
}

TEST_CASE("transport-ssh: 10 MiB go through cat and come back unchanged") {
    Fixture f;
    auto d = f.trusted();
    REQUIRE(d->connect("sshtest", "cat").message == "");
    std::string data(10u << 20, '\0');
    std::mt19937 rng(42);
    for (auto& c : data) c = static_cast<char>(rng());
    std::string out;
    Outcome end = d->exchange(data, out);
    CHECK(end.status == SSHUTTLE_ECLOSED);
    CHECK(end.message == "exit status 0");
    CHECK(out.size() == data.size());
    CHECK(out == data);
}

TEST_CASE("transport-ssh: a refused connection names host and port") {
    Fixture f;
    auto d = f.trusted("  Port 1\n");
    Outcome o = d->connect("sshtest", "true");
    CHECK(o.status == SSHUTTLE_ESYSTEM);
    CHECK(o.message == "cannot connect to 127.0.0.1 port 1: Connection refused");
}

TEST_CASE("transport-ssh: a name that does not resolve is one line naming it") {
    Fixture f;
    auto d = f.trusted("  HostName no-such-host.invalid\n");
    Outcome o = d->connect("sshtest", "true");
    CHECK(o.status == SSHUTTLE_ESYSTEM);
    CHECK(o.message.rfind("cannot resolve host 'no-such-host.invalid': ", 0) == 0);
}

TEST_CASE("transport-ssh: something that is not an SSH server fails the handshake") {
    Fixture f;
    // A listener that closes every connection at once.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    REQUIRE(listen(fd, 1) == 0);
    shutdown(fd, SHUT_RD);  // pending and new connections are reset
    auto d = f.trusted("  Port " + std::to_string(ntohs(a.sin_port)) + "\n");
    Outcome o = d->connect("sshtest", "true");
    close(fd);
    CHECK(o.status == SSHUTTLE_ESYSTEM);
    CHECK(o.message.find("127.0.0.1 port " + std::to_string(ntohs(a.sin_port))) != std::string::npos);
}

TEST_CASE("transport-ssh: ProxyCommand and certificates are left to OpenSSH (EUNSUPPORTED from open)") {
    Fixture f;
    SUBCASE("ProxyCommand") {
        auto d = f.trusted("  ProxyCommand nc %h %p\n");
        Outcome o = d->connect("sshtest", "true");
        CHECK(o.status == SSHUTTLE_EUNSUPPORTED);
        CHECK(o.message == "sshtest: ProxyCommand 'nc %h %p' needs the ssh binary");
    }
    SUBCASE("a certificate next to the identity") {
        sh("cp " + f.sshd.path("id_ed25519.pub") + " " + f.sshd.path("id_ed25519-cert.pub"));
        auto d = f.trusted();
        Outcome o = d->connect("sshtest", "true");
        CHECK(o.status == SSHUTTLE_EUNSUPPORTED);
        CHECK(o.message.find("id_ed25519-cert.pub' exists and libssh2 cannot use certificates") != std::string::npos);
    }
}

TEST_CASE("transport-ssh: unknown options are refused at create") {
    sshuttle::plugin::HostServices host(false);
    CHECK_THROWS_WITH(sshuttle::plugin::load_transport_file(SSH_TRANSPORT_MODULE, host, {{"colour", "blue"}}),
                      doctest::Contains("unknown transport option 'colour'"));
}

TEST_CASE("transport-ssh: a bad option value is refused at create, naming option and value") {
    struct Case {
        const char* key;
        const char* value;
        const char* message;
    };
    const Case cases[] = {
        {"window-bytes", "lots", "invalid transport option window-bytes='lots': not a positive number"},
        {"aes-ctr-read-ahead", "maybe", "invalid transport option aes-ctr-read-ahead='maybe': yes or no"},
        {"batch-mode", "sometimes", "invalid transport option batch-mode='sometimes': yes or no"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.key);
        sshuttle::plugin::HostServices host(false);
        CHECK_THROWS_WITH(sshuttle::plugin::load_transport_file(SSH_TRANSPORT_MODULE, host, {{c.key, c.value}}),
                          doctest::Contains(c.message));
    }
}
