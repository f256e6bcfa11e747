// SPDX-License-Identifier: LGPL-2.1-or-later
// The manager's hosts-file writer, on files in a temp dir (never the machine's /etc/hosts).
#include "fwmgr/hosts_file.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>

#include "../util/temp_dir.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

HostEntry host(const std::string& name, const std::string& ip) {
    HostEntry h;
    h.name = name;
    REQUIRE(net::IpAddress::parse(ip, h.ip));
    return h;
}

const char* const kOriginal = "127.0.0.1 localhost\n# keep me\n192.0.2.5 other # sshuttle-firewall-1234 AUTOCREATED\n";

}  // namespace

TEST_CASE("hosts file: merge keeps other lines and other instances' tags, replaces our own") {
    const std::string tag = hosts_tag(12300);
    CHECK(tag == "# sshuttle-firewall-12300 AUTOCREATED");
    const std::string current = std::string(kOriginal) +
                                "192.0.2.6 stale                # sshuttle-firewall-12300 AUTOCREATED\n"
                                "192.0.2.7 near-miss # sshuttle-firewall-123000 AUTOCREATED";  // no final newline
    const std::string merged =
        merge_hosts_text(current, tag, {{"web", "203.0.113.10"}, {"six.example", "2001:db8::10"}});
    CHECK(merged == std::string(kOriginal) +
                        "192.0.2.7 near-miss # sshuttle-firewall-123000 AUTOCREATED\n"
                        "2001:db8::10 six.example       # sshuttle-firewall-12300 AUTOCREATED\n"
                        "203.0.113.10 web               # sshuttle-firewall-12300 AUTOCREATED\n");
    CHECK(merge_hosts_text(merged, tag, {}) ==
          std::string(kOriginal) + "192.0.2.7 near-miss # sshuttle-firewall-123000 AUTOCREATED\n");
}

TEST_CASE("hosts file: unsafe names are refused") {
    CHECK(is_safe_host_name("db.corp.example"));
    CHECK(is_safe_host_name("under_score-1"));
    CHECK_FALSE(is_safe_host_name(""));
    CHECK_FALSE(is_safe_host_name("localhost"));
    CHECK_FALSE(is_safe_host_name("a.localhost"));
    CHECK_FALSE(is_safe_host_name("LocalHost"));  // the resolver ignores case
    CHECK_FALSE(is_safe_host_name("LOCALHOST.localdomain"));
    CHECK_FALSE(is_safe_host_name("two words"));
    CHECK_FALSE(is_safe_host_name("x#y"));
    CHECK_FALSE(is_safe_host_name("-x"));
    CHECK_FALSE(is_safe_host_name(std::string(254, 'a')));
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    HostsFile file(path, 12300);
    CHECK_THROWS_WITH_AS(file.set(host("bad\tname", "192.0.2.1")), "refusing host name 'bad\\x09name'",
                         std::invalid_argument);
    // Shown as common::escape_untrusted shows any other party's text: a backslash doubled, cut after 80 bytes.
    CHECK_THROWS_WITH_AS(file.set(host("back\\slash" + std::string(300, 'x'), "192.0.2.1")),
                         ("refusing host name 'back\\\\slash" + std::string(70, 'x') + "... (230 more bytes)'").c_str(),
                         std::invalid_argument);
    CHECK(read_file(path) == kOriginal);
}

TEST_CASE("hosts file: set and remove_all rewrite atomically, keeping owner and mode") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    REQUIRE(chmod(path.c_str(), 0640) == 0);
    REQUIRE(chown(path.c_str(), 4321, 8765) == 0);
    struct stat before {};
    REQUIRE(stat(path.c_str(), &before) == 0);
    {
        HostsFile file(path, 12300);
        file.set(host("web", "203.0.113.10"));
        struct stat after {};
        REQUIRE(stat(path.c_str(), &after) == 0);
        CHECK(after.st_ino != before.st_ino);  // a new file renamed into place, not an in-place edit
        CHECK((after.st_mode & 07777) == 0640);
        CHECK(after.st_uid == 4321);
        CHECK(after.st_gid == 8765);
        CHECK(read_file(path) ==
              std::string(kOriginal) + "203.0.113.10 web               # sshuttle-firewall-12300 AUTOCREATED\n");
        file.set(host("web", "203.0.113.11"));
        CHECK(read_file(path).find("203.0.113.11 web") != std::string::npos);
        CHECK(read_file(path).find("203.0.113.10") == std::string::npos);
        CHECK(file.remove_all());
        CHECK(read_file(path) == kOriginal);
        file.set(host("again", "192.0.2.8"));
    }  // the destructor removes what is left
    CHECK(read_file(path) == kOriginal);
    CHECK(std::filesystem::directory_entry(dir.path()).exists());
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
    CHECK(files == 1);  // no temp file left behind
}

TEST_CASE("hosts file: two instances keep each other's lines") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    HostsFile first(path, 12300);
    HostsFile second(path, 12301);
    first.set(host("alpha", "192.0.2.1"));
    second.set(host("beta", "192.0.2.2"));
    first.set(host("gamma", "192.0.2.3"));
    std::string text = read_file(path);
    CHECK(text.find("192.0.2.1 alpha") != std::string::npos);
    CHECK(text.find("192.0.2.2 beta") != std::string::npos);
    CHECK(text.find("192.0.2.3 gamma") != std::string::npos);
    CHECK(first.remove_all());
    text = read_file(path);
    CHECK(text == std::string(kOriginal) + "192.0.2.2 beta                 # sshuttle-firewall-12301 AUTOCREATED\n");
    CHECK(second.remove_all());
    CHECK(read_file(path) == kOriginal);
}

TEST_CASE("hosts file: a file that is a mount point of its own is rewritten in place") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    const std::string source = dir.path() + "/hosts.source";
    std::ofstream(path) << "placeholder\n";
    std::ofstream(source) << kOriginal;
    // A private mount namespace in a child, so the bind mount (docker's /etc/hosts) vanishes with it.
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0)
            _exit(10);
        try {
            HostsFile file(path, 12300);
            file.set(host("web", "203.0.113.10"));
            if (read_file(path).find("203.0.113.10 web") == std::string::npos) _exit(11);
            if (!file.remove_all() || read_file(path) != kOriginal) _exit(12);
        } catch (const std::exception&) {
            _exit(13);
        }
        _exit(0);
    }
    int status = -1;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // 10: no mount namespace (needs root); 11-13: the fallback failed
    CHECK(read_file(path) == "placeholder\n");
    CHECK(read_file(source) == kOriginal);
}
