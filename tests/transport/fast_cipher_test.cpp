// SPDX-License-Identifier: LGPL-2.1-or-later
// The ssh program's cipher order: AES-GCM first only where nobody named ciphers and the CPU has AES.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "transport/fast_cipher.hpp"
#include "transport/ssh_config.hpp"

using namespace sshuttle::transport;

TEST_CASE("fast cipher: OpenSSH's default order on a CPU with AES becomes AES-GCM first, same set") {
    const auto options = fast_cipher_options(kOpenSshDefaultCiphers, true);
    REQUIRE(options.size() == 2);
    CHECK(options[0] == "-c");
    CHECK(options[1].rfind("aes128-gcm@openssh.com,", 0) == 0);
    // The same ciphers, only reordered: any server that accepts OpenSSH's default accepts these.
    auto sorted = [](std::string list) {
        std::vector<std::string> names;
        for (std::size_t start = 0;;) {
            const auto comma = list.find(',', start);
            names.push_back(list.substr(start, comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        std::sort(names.begin(), names.end());
        return names;
    };
    CHECK(sorted(options[1]) == sorted(std::string(kOpenSshDefaultCiphers)));
}

TEST_CASE("fast cipher: a configuration that names ciphers, or a CPU without AES, keeps ssh's order") {
    CHECK(fast_cipher_options("aes256-ctr", true).empty());
    CHECK(fast_cipher_options("chacha20-poly1305@openssh.com", true).empty());
    CHECK(fast_cipher_options(kOpenSshDefaultCiphers, false).empty());
    CHECK(fast_cipher_options("", true).empty());  // ssh -G said nothing about ciphers
}

TEST_CASE("fast cipher: the ciphers line of ssh -G is read") {
    const std::string output = std::string("hostname 192.0.2.2\nciphers ") + std::string(kOpenSshDefaultCiphers) +
                               "\ncontrolmaster false\ncontrolpath none\n";
    CHECK(parse_ssh_g(output).ciphers == kOpenSshDefaultCiphers);
    CHECK(parse_ssh_g("hostname h\n").ciphers.empty());
}

TEST_CASE("fast cipher: AES instructions are read from cpuinfo's flags (x86) or Features (ARM)") {
    CHECK(cpuinfo_has_aes("processor\t: 0\nflags\t\t: fpu vme sse2 aes avx\nbogomips\t: 1\n"));
    CHECK_FALSE(cpuinfo_has_aes("processor\t: 0\nflags\t\t: fpu vme sse2 avx aesni-ish\n"));
    CHECK(cpuinfo_has_aes("processor\t: 0\nFeatures\t: fp asimd aes pmull sha1\n"));
    CHECK_FALSE(cpuinfo_has_aes("processor\t: 0\nFeatures\t: fp asimd\n"));
    CHECK_FALSE(cpuinfo_has_aes(""));
}
