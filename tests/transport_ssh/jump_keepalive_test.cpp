// SPDX-License-Identifier: LGPL-2.1-or-later
// ProxyJump through a direct-tcpip channel (the test sshd jumps to itself), with identity files and with
// ssh-agent, and a silent peer detected by the keepalive.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

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

TEST_CASE("transport-ssh: ssh-agent keys log in on both sides of a ProxyJump") {
    Fixture f;
    std::string sock = f.sshd.path("agent.sock");
    sh("ssh-agent -a " + sock + " > " + f.sshd.path("agent.env"));
    // Stopped however the test ends.
    struct AgentStopper {
        std::string env;
        ~AgentStopper() {
            std::string kill = "SSH_AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\).*/\\1/p' " + env +
                               ") ssh-agent -k >/dev/null";
            if (std::system(kill.c_str()) != 0) MESSAGE("could not stop the test's ssh-agent");
        }
    } stopper{f.sshd.path("agent.env")};
    ScopedEnv agent_sock("SSH_AUTH_SOCK", sock);
    sh("ssh-add -q " + f.sshd.path("id_ed25519") + " 2>/dev/null");
    f.sshd.trust_host_key();
    // Neither hop has an IdentityFile that the server knows: only the agent can log in, and on the target its
    // requests must reach the agent, not the carrier channel of the jump host.
    const std::string only_agent =
        "  StrictHostKeyChecking yes\n  IdentitiesOnly no\n  IdentityFile " + f.sshd.path("id_stranger") + "\n";
    std::string config = f.sshd.write_config(only_agent + "  ProxyJump jumphost\n",
                                             "Host jumphost\n" + only_agent + f.sshd.defaults());
    Driver d({{"ssh-config", config}});
    CHECK(d.connect("sshtest", "cat").message == "");
    std::string data(100000, 'a');
    std::string out;
    CHECK(d.exchange(data, out).message == "exit status 0");
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
