// SPDX-License-Identifier: LGPL-2.1-or-later
// The usual setup of a transport test: a TestSshd, HOME pointing at its scratch directory, no ssh-agent.
#pragma once

#include "support/test_sshd.hpp"
#include "support/transport_driver.hpp"

namespace ssh_test {

struct Fixture {
    explicit Fixture(const std::string& sshd_extra = "") : sshd(sshd_extra) {}
    TestSshd sshd;
    ScopedEnv home{"HOME", sshd.dir().string()};
    ScopedEnv agent{"SSH_AUTH_SOCK", ""};  // empty: the plugin must not find the developer's agent

    /// A driver whose ssh config has the trusted host key and the default client key, plus `lines`.
    std::unique_ptr<Driver> trusted(const std::string& lines = "") {
        sshd.trust_host_key();
        std::string config = sshd.write_config("  StrictHostKeyChecking yes\n  IdentityFile " +
                                               sshd.path("id_ed25519") + "\n" + lines);
        return std::make_unique<Driver>(std::vector<std::pair<std::string, std::string>>{{"ssh-config", config}});
    }
};

}  // namespace ssh_test
