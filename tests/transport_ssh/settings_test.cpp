// SPDX-License-Identifier: LGPL-2.1-or-later
// `ssh -G` output, ProxyJump values, and what makes the OpenSSH transport necessary.
#include <doctest/doctest.h>

#include <stdexcept>

#include "ssh_settings.hpp"

using namespace sshuttle::plugins::transport_ssh;

TEST_CASE("ssh settings: the keys of ssh -G that matter, over ssh's defaults") {
    const std::string out =
        "host office\nuser alice\nhostname 192.0.2.7\nport 2222\nidentityfile ~/.ssh/id_ed25519\n"
        "identityfile /keys/other\nproxyjump bastion,carol@gate:2200\nserveraliveinterval 20\n"
        "serveralivecountmax 4\nuserknownhostsfile ~/.ssh/known_hosts /x/known\nglobalknownhostsfile /etc/k\n"
        "stricthostkeychecking accept-new\nconnecttimeout 7\nbatchmode yes\nhashknownhosts yes\n"
        "passwordauthentication no\nidentityagent none\nproxycommand none\n";
    SshSettings s = parse_ssh_g(out, "office", "/home/alice");
    CHECK(s.host_alias == "office");
    CHECK(s.hostname == "192.0.2.7");
    CHECK(s.user == "alice");
    CHECK(s.port == 2222);
    CHECK(s.identity_files == std::vector<std::string>{"/home/alice/.ssh/id_ed25519", "/keys/other"});
    CHECK(s.proxy_jump == "bastion,carol@gate:2200");
    CHECK(s.proxy_command.empty());
    CHECK(s.server_alive_interval_s == 20);
    CHECK(s.server_alive_count_max == 4);
    CHECK(s.user_known_hosts_files == std::vector<std::string>{"/home/alice/.ssh/known_hosts", "/x/known"});
    CHECK(s.global_known_hosts_files == std::vector<std::string>{"/etc/k"});
    CHECK(s.strict == StrictMode::kAcceptNew);
    CHECK(s.connect_timeout_s == 7);
    CHECK(s.batch_mode);
    CHECK(s.hash_known_hosts);
    CHECK_FALSE(s.password_auth);
    CHECK(s.identity_agent == "none");
}

TEST_CASE("ssh settings: StrictHostKeyChecking as ssh -G prints it") {
    CHECK(parse_ssh_g("stricthostkeychecking true\n", "h", "/").strict == StrictMode::kYes);
    CHECK(parse_ssh_g("stricthostkeychecking false\n", "h", "/").strict == StrictMode::kNo);
    CHECK(parse_ssh_g("stricthostkeychecking ask\n", "h", "/").strict == StrictMode::kAsk);
    CHECK(parse_ssh_g("connecttimeout none\n", "h", "/").connect_timeout_s == 0);
}

TEST_CASE("ssh settings: defaults without an ssh binary") {
    SshSettings s = default_settings("host", "bob", 0, "/home/bob");
    CHECK(s.port == 22);
    CHECK(s.user == "bob");
    CHECK(s.identity_files.size() == 4);
    CHECK(s.user_known_hosts_files.front() == "/home/bob/.ssh/known_hosts");
    CHECK(s.strict == StrictMode::kAsk);
}

TEST_CASE("ssh settings: ProxyCommand needs OpenSSH; a plain host does not") {
    SshSettings s = default_settings("host", "bob", 0, "/nonexistent");
    CHECK(unsupported_reason(s) == "");
    s.proxy_command = "nc %h %p";
    CHECK(unsupported_reason(s) == "ProxyCommand 'nc %h %p' needs the ssh binary");
    s.proxy_command.clear();
    s.certificate_files = {"/k-cert.pub"};
    CHECK(unsupported_reason(s) == "CertificateFile '/k-cert.pub' is set and libssh2 cannot use certificates");
}

TEST_CASE("ssh settings: ProxyJump is read by the core's parser (tests/common)") {
    const auto hops = parse_proxy_jump(parse_ssh_g("proxyjump bob@b:2200,c\n", "h", "/").proxy_jump);
    REQUIRE(hops.size() == 2);
    CHECK((hops[0].user == "bob" && hops[0].host == "b" && hops[0].port == 2200));
    CHECK(parse_ssh_g("proxyjump none\n", "h", "/").proxy_jump.empty());
}
