// SPDX-License-Identifier: LGPL-2.1-or-later
// The known_hosts lines written for accepted keys: plain or hashed, with [host]:port for other ports.
#include <doctest/doctest.h>

#include "host_key_check.hpp"
#include "key_file.hpp"

using namespace sshuttle::plugins::transport_ssh;

TEST_CASE("known_hosts line: plain, with a port, hashed") {
    HostKeyPolicy p;
    p.name = "192.0.2.2";
    CHECK(known_hosts_line(p, "ssh-ed25519", "KEY") == "192.0.2.2 ssh-ed25519 S0VZ\n");
    p.port = 2222;
    CHECK(known_hosts_line(p, "ssh-ed25519", "KEY") == "[192.0.2.2]:2222 ssh-ed25519 S0VZ\n");
    p.hash_new_entries = true;
    std::string hashed = known_hosts_line(p, "ssh-ed25519", "KEY");
    CHECK(hashed.rfind("|1|", 0) == 0);
    CHECK(hashed.find("192.0.2.2") == std::string::npos);
    CHECK(hashed.substr(hashed.find(' ')) == " ssh-ed25519 S0VZ\n");
    CHECK(hashed != known_hosts_line(p, "ssh-ed25519", "KEY"));  // a fresh salt each time
}
