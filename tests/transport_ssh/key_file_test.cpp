// SPDX-License-Identifier: LGPL-2.1-or-later
// Private key files: encrypted or not, and their type, read without a passphrase.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "key_file.hpp"

using namespace sshuttle::plugins::transport_ssh;

namespace {

std::string make_key(const std::string& dir, const std::string& type, const std::string& passphrase) {
    std::string path = dir + "/" + type + (passphrase.empty() ? "" : "-enc");
    std::string cmd = "ssh-keygen -q -t " + type + (type == "rsa" ? " -b 1024" : "") + " -N '" + passphrase +
                      "' -f " + path + " >/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    return path;
}

}  // namespace

TEST_CASE("key file: OpenSSH keys tell their type and whether they are encrypted") {
    std::string dir = "/tmp/sshuttle-keyfile-XXXXXX";
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    KeyFileInfo plain = inspect_key_file(make_key(dir, "ed25519", ""));
    CHECK(plain.readable);
    CHECK_FALSE(plain.encrypted);
    CHECK(plain.key_type == "ssh-ed25519");
    KeyFileInfo enc = inspect_key_file(make_key(dir, "ed25519", "secret"));
    CHECK(enc.encrypted);
    CHECK(enc.key_type == "ssh-ed25519");
    CHECK(inspect_key_file(make_key(dir, "rsa", "")).key_type == "ssh-rsa");
    CHECK(inspect_key_file(make_key(dir, "ecdsa", "x")).key_type == "ecdsa-sha2-nistp256");
    CHECK_FALSE(inspect_key_file(dir + "/missing").readable);
    std::filesystem::remove_all(dir);
}

TEST_CASE("key file: legacy PEM headers") {
    KeyFileInfo info = inspect_key_text("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n");
    CHECK(info.encrypted);
    CHECK(info.key_type == "ssh-rsa");
    CHECK_FALSE(inspect_key_text("-----BEGIN EC PRIVATE KEY-----\nMHc=\n").encrypted);
}

TEST_CASE("key file: base64 both ways") {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
        CAPTURE(s);
        CHECK(base64_decode(base64_encode(s)) == s);
    }
    CHECK(base64_encode("abcd") == "YWJjZA==");
}
