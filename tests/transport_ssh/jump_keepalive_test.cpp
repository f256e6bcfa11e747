// SPDX-License-Identifier: LGPL-2.1-or-later
// ProxyJump through a direct-tcpip channel (the test sshd jumps to itself), and a silent peer detected by the
// keepalive.
#include <doctest/doctest.h>

#include "support/fixture.hpp"

using namespace ssh_test;

TEST_CASE("transport-ssh: ProxyJump carries the session through the jump host") {
    Fixture f;
    f.sshd.trust_host_key();
    // The jump host is the same sshd under another name; the target is reached from it as 127.0.0.1.
    std::string config = f.sshd.write_config(
        "  StrictHostKeyChecking yes\n  IdentityFile " + f.sshd.path("id_ed25519") + "\n  ProxyJump jumphost\n",
        "Host jumphost\n  StrictHostKeyChecking yes\n  IdentityFile " + f.sshd.path("id_ed25519") + "\n" +
            f.sshd.defaults());
    Driver d({{"ssh-config", config}});
    REQUIRE(d.connect("sshtest", "cat").message == "");
    std::string data(1u << 20, 'j');
    std::string out;
    Outcome end = d.exchange(data, out);
    CHECK(end.message == "exit status 0");
    CHECK(out == data);
}

TEST_CASE("transport-ssh: a server that goes silent is declared dead after ServerAliveInterval x CountMax") {
    Fixture f;
    auto d = f.trusted("  ServerAliveInterval 1\n  ServerAliveCountMax 2\n");
    REQUIRE(d->connect("sshtest", "cat").message == "");
    f.sshd.freeze_sessions();
    Outcome o;
    for (int tick = 0; tick < 60 && o.status == SSHUTTLE_OK; ++tick) {
        d->wait();  // at most a second, like the host's tick
        o = d->step();
    }
    CHECK(o.status == SSHUTTLE_ESYSTEM);
    CHECK(o.message == "no answer from 127.0.0.1 for 2 s (ServerAliveInterval 1 x ServerAliveCountMax 2): "
                       "the connection is dead");
    f.sshd.resume_sessions();
}
