// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../net/support/addresses.hpp"
#include "app/nameservers.hpp"

using namespace sshuttle;
using test::ip;
using test::texts;

namespace {

/// A scratch directory with resolv.conf-like files, removed at the end.
struct Files {
    std::filesystem::path dir;
    Files() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sst-ns-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
    }
    ~Files() { std::filesystem::remove_all(dir); }
    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    }
};

}  // namespace

TEST_CASE("nameservers: --dns reads every file, skips missing ones and removes duplicates") {
    Files f;
    const auto etc = f.write("resolv.conf", "nameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver 127.0.0.53\n");
    const auto systemd = f.write("systemd.conf", "nameserver 192.0.2.53\nnameserver 2001:db8::1%wlan0\n");
    const auto missing = (f.dir / "missing.conf").string();
    CHECK(texts(app::discover_nameservers({etc, missing, systemd})) ==
          std::vector<std::string>{"127.0.0.53", "192.0.2.53", "2001:db8::1"});
    CHECK(app::discover_nameservers({missing}).empty());
}

TEST_CASE("nameservers: what the client captures for --dns and --ns-hosts") {
    Files f;
    const std::vector<std::string> files{f.write("resolv.conf", "nameserver 192.0.2.53\nnameserver 198.51.100.7\n")};
    cli::Options options;
    CHECK(app::captured_nameservers(options, files).empty());  // neither option: no DNS

    options.ns_hosts = {ip("203.0.113.53"), ip("2001:db8::35")};
    CHECK(texts(app::captured_nameservers(options, files)) == std::vector<std::string>{"203.0.113.53", "2001:db8::35"});

    options.dns = true;
    options.ns_hosts = {ip("198.51.100.7")};
    CHECK(texts(app::captured_nameservers(options, files)) == std::vector<std::string>{"198.51.100.7", "192.0.2.53"});

    options.ns_hosts.clear();
    CHECK(texts(app::captured_nameservers(options, files)) == std::vector<std::string>{"192.0.2.53", "198.51.100.7"});
}

TEST_CASE("nameservers: the default files are /etc/resolv.conf and systemd-resolved's upstream list") {
    CHECK(app::kResolvConfFiles == std::vector<std::string>{"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"});
}
