// SPDX-License-Identifier: LGPL-2.1-or-later
// Host keys: StrictHostKeyChecking yes / accept-new / no / ask (without a terminal), a changed key, hashed
// known_hosts entries.
#include <doctest/doctest.h>

#include "support/fixture.hpp"

using namespace ssh_test;

namespace {

std::unique_ptr<Driver> with_strict(Fixture& f, const std::string& mode) {
    std::string config = f.sshd.write_config("  HashKnownHosts yes\n  StrictHostKeyChecking " + mode + "\n  IdentityFile " +
                                             f.sshd.path("id_ed25519") + "\n");
    return std::make_unique<Driver>(std::vector<std::pair<std::string, std::string>>{{"ssh-config", config}});
}

std::string run_true(Driver& d) {
    Outcome o = d.connect("sshtest", "true");
    if (o.status != SSHUTTLE_OK) return o.message;
    std::string out;
    return d.exchange("", out).message;
}

}  // namespace

TEST_CASE("transport-ssh: an unknown host is refused under StrictHostKeyChecking yes") {
    Fixture f;
    auto d = with_strict(f, "yes");
    Outcome o = d->connect("sshtest", "true");
    CHECK(o.status == SSHUTTLE_EHOSTKEY);
    CHECK(o.message.find("no host key is known for 127.0.0.1 (ssh-ed25519 key SHA256:") == 0);
    CHECK(o.message.find("StrictHostKeyChecking is yes") != std::string::npos);
}

TEST_CASE("transport-ssh: accept-new records the key (hashed), which then satisfies StrictHostKeyChecking yes") {
    Fixture f;
    f.sshd.write_config("");  // creates nothing in known_hosts
    CHECK(run_true(*with_strict(f, "accept-new")) == "exit status 0");
    std::string known = read_file(f.sshd.dir() / "known_hosts");
    CHECK(known.rfind("|1|", 0) == 0);  // HashKnownHosts yes
    CHECK(known.find(" ssh-ed25519 ") != std::string::npos);
    CHECK(run_true(*with_strict(f, "yes")) == "exit status 0");
}

TEST_CASE("transport-ssh: StrictHostKeyChecking no accepts an unknown host") {
    Fixture f;
    CHECK(run_true(*with_strict(f, "no")) == "exit status 0");
}

TEST_CASE("transport-ssh: ask without a terminal refuses and says how to proceed") {
    Fixture f;
    Outcome o = with_strict(f, "ask")->connect("sshtest", "true");
    CHECK(o.status == SSHUTTLE_EHOSTKEY);
    CHECK(o.message.find("is not known") != std::string::npos);
    CHECK(o.message.find("nobody can be asked") != std::string::npos);
}

TEST_CASE("transport-ssh: ask through SSH_ASKPASS accepts on 'yes' and records the key") {
    Fixture f;
    write_file(f.sshd.dir() / "askpass", "#!/bin/sh\necho yes\n");
    sh("chmod +x " + f.sshd.path("askpass"));
    ScopedEnv askpass("SSH_ASKPASS", f.sshd.path("askpass"));
    ScopedEnv force("SSH_ASKPASS_REQUIRE", "force");
    std::string config = f.sshd.write_config("  StrictHostKeyChecking ask\n  BatchMode no\n  IdentityFile " +
                                             f.sshd.path("id_ed25519") + "\n");
    Driver d({{"ssh-config", config}});
    CHECK(run_true(d) == "exit status 0");
    CHECK(read_file(f.sshd.dir() / "known_hosts").find(" ssh-ed25519 ") != std::string::npos);
}

TEST_CASE("transport-ssh: a changed host key is refused naming the file and line, whatever the mode") {
    Fixture f;
    std::string other = read_file(f.sshd.dir() / "id_stranger.pub");  // some other ed25519 key
    write_file(f.sshd.dir() / "known_hosts",
               "# comment\nexample.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH1vYy5mYWtlLWtleS1mb3ItdGVzdHMtb25seQ\n"
               "[127.0.0.1]:" + std::to_string(f.sshd.port()) + " " + other);
    for (const char* mode : {"yes", "no", "accept-new"}) {
        CAPTURE(mode);
        Outcome o = with_strict(f, mode)->connect("sshtest", "true");
        CHECK(o.status == SSHUTTLE_EHOSTKEY);
        CHECK(o.message.find("host key for 127.0.0.1 has changed") == 0);
        CHECK(o.message.find(f.sshd.path("known_hosts") + ":3") != std::string::npos);
    }
}

TEST_CASE("transport-ssh: hashed known_hosts entries written by ssh-keygen are understood") {
    Fixture f;
    f.sshd.trust_host_key();
    sh("ssh-keygen -q -H -f " + f.sshd.path("known_hosts") + " >/dev/null 2>&1");
    CHECK(read_file(f.sshd.dir() / "known_hosts").rfind("|1|", 0) == 0);
    CHECK(run_true(*with_strict(f, "yes")) == "exit status 0");
}

TEST_CASE("transport-ssh: a host key marked @revoked is refused in every mode, even when also listed as known") {
    Fixture f;
    f.sshd.trust_host_key();
    const std::string known = read_file(f.sshd.dir() / "known_hosts");
    write_file(f.sshd.dir() / "known_hosts", known + "@revoked * " + read_file(f.sshd.dir() / "host_ed25519.pub"));
    for (const char* mode : {"yes", "no", "accept-new"}) {
        CAPTURE(mode);
        Outcome o = with_strict(f, mode)->connect("sshtest", "true");
        CHECK(o.status == SSHUTTLE_EHOSTKEY);
        CHECK(o.message.find("is marked @revoked in " + f.sshd.path("known_hosts") + ":2") != std::string::npos);
    }
}
