// SPDX-License-Identifier: LGPL-2.1-or-later
// Authentication: identity files, an encrypted key through SSH_ASKPASS, ssh-agent, and the failure message.
#include <doctest/doctest.h>

#include <libssh2.h>

#include "support/fixture.hpp"

using namespace ssh_test;

namespace {

std::string run_true(Driver& d) {
    Outcome o = d.connect("sshtest", "true");
    if (o.status != SSHUTTLE_OK) return o.message;
    std::string out;
    return d.exchange("", out).message;
}

}  // namespace

TEST_CASE("transport-ssh: the first usable identity file of the list logs in") {
    Fixture f;
    auto d = f.trusted("  IdentityFile " + f.sshd.path("missing") + "\n");
    CHECK(run_true(*d) == "exit status 0");
}

TEST_CASE("transport-ssh: an encrypted key is unlocked with the passphrase from SSH_ASKPASS") {
    Fixture f;
    write_file(f.sshd.dir() / "askpass", "#!/bin/sh\necho 'open sesame'\n");
    sh("chmod +x " + f.sshd.path("askpass"));
    ScopedEnv askpass("SSH_ASKPASS", f.sshd.path("askpass"));
    ScopedEnv force("SSH_ASKPASS_REQUIRE", "force");
    f.sshd.trust_host_key();
    std::string config = f.sshd.write_config("  StrictHostKeyChecking yes\n  BatchMode no\n  IdentityFile " +
                                             f.sshd.path("id_encrypted") + "\n");
    Driver d({{"ssh-config", config}});
    CHECK(run_true(d) == "exit status 0");
}

TEST_CASE("transport-ssh: an encrypted key under BatchMode is not usable, and the failure says what was tried") {
    Fixture f;
    f.sshd.trust_host_key();
    std::string config = f.sshd.write_config("  StrictHostKeyChecking yes\n  IdentityFile " +
                                             f.sshd.path("id_encrypted") + "\n  IdentityFile " +
                                             f.sshd.path("id_stranger") + "\n");
    Driver d({{"ssh-config", config}});
    Outcome o = d.connect("sshtest", "true");
    CHECK(o.status == SSHUTTLE_EAUTH);
    const std::string tried = "authentication as root@127.0.0.1 failed: tried publickey (" +
                              f.sshd.path("id_encrypted") + "), publickey (" + f.sshd.path("id_stranger") +
                              "); the server offers publickey";
    // libssh2 1.11 reads this key's format and so wants its passphrase, which nobody may be asked for here;
    // 1.10 cannot read it at all.
    CHECK((o.message == tried || o.message == tried + "; nobody could be asked for the passphrase of " +
                                                 f.sshd.path("id_encrypted") + " (no terminal, BatchMode, or no answer)"));
}

TEST_CASE("transport-ssh: keys from ssh-agent log in") {
    Fixture f;
    std::string sock = f.sshd.path("agent.sock");
    sh("ssh-agent -a " + sock + " > " + f.sshd.path("agent.env"));
    ScopedEnv agent_sock("SSH_AUTH_SOCK", sock);
    sh("ssh-add -q " + f.sshd.path("id_ed25519") + " 2>/dev/null");
    f.sshd.trust_host_key();
    // No IdentityFile that the server knows: only the agent can log in.
    std::string config = f.sshd.write_config("  StrictHostKeyChecking yes\n  IdentitiesOnly no\n  IdentityFile " +
                                             f.sshd.path("id_stranger") + "\n");
    Driver d({{"ssh-config", config}});
    CHECK(run_true(d) == "exit status 0");
    sh("SSH_AGENT_PID=$(sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\).*/\\1/p' " + f.sshd.path("agent.env") +
       ") ssh-agent -k >/dev/null");
}

TEST_CASE("transport-ssh: an RSA key logs in with rsa-sha2 (libssh2 1.11), or its refusal explains why (1.10)") {
    Fixture f;
    sh("ssh-keygen -q -t rsa -b 2048 -N '' -C test-rsa -f " + f.sshd.path("id_rsa"));
    sh("cat " + f.sshd.path("id_rsa.pub") + " >> " + f.sshd.path("authorized_keys"));
    f.sshd.trust_host_key();
    std::string config =
        f.sshd.write_config("  StrictHostKeyChecking yes\n  IdentityFile " + f.sshd.path("id_rsa") + "\n");
    Driver d({{"ssh-config", config}});
#if LIBSSH2_VERSION_NUM < 0x010b00
    // OpenSSH 8.8+ refuses ssh-rsa (SHA-1) signatures, the only kind libssh2 1.10 makes.
    Outcome o = d.connect("sshtest", "true");
    CHECK(o.status == SSHUTTLE_EAUTH);
    CHECK(o.message.find("signs RSA keys only with ssh-rsa (SHA-1), which OpenSSH 8.8+ servers refuse: use an "
                         "ed25519 key, or the OpenSSH transport (-e ssh)") != std::string::npos);
#else
    // 1.11 signs with rsa-sha2-512/256, which the server accepts: a whole session, up to the command's end.
    CHECK(run_true(d) == "exit status 0");
#endif
}
