// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading as root (the firewall manager): the module file and every directory above it are checked through the
// descriptors that are then used, so swapping a symlink or renaming a directory meanwhile never gets another
// user's module mapped. These cases need root: the checks only apply to root.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "abi_support.hpp"
#include "plugin/module.hpp"
#include "util/log.hpp"

using namespace sshuttle::plugin;
namespace fs = std::filesystem;

namespace {

constexpr uid_t kOtherUser = 65534;  // nobody: the "attacker"

void require_root() { REQUIRE_MESSAGE(geteuid() == 0, "run as root: the loader's ownership checks apply to root"); }

void make_dir(const fs::path& dir, mode_t mode, uid_t owner = 0) {
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    REQUIRE(::chown(dir.c_str(), owner, owner) == 0);
    REQUIRE(::chmod(dir.c_str(), mode) == 0);  // after mkdir: the umask would drop bits such as o+w
}

fs::path put_module(const fs::path& fixture, const fs::path& dir, const std::string& name, uid_t owner = 0) {
    fs::path file = dir / ("sshuttle-" + name + ".so");
    fs::copy_file(fixture, file, fs::copy_options::overwrite_existing);
    REQUIRE(::chown(file.c_str(), owner, owner) == 0);
    REQUIRE(::chmod(file.c_str(), 0644) == 0);
    return file;
}

std::string load_error(const std::string& name, const fs::path& dir) {
    HostServices host(true);
    try {
        load_firewall_file(dir / ("sshuttle-" + name + ".so"), host);
    } catch (const PluginError& e) {
        return e.what();
    }
    return "loaded";
}

/// Sets an environment variable for the scope.
struct ScopedEnv {
    ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
    ~ScopedEnv() { ::unsetenv(name_); }
    const char* name_;
};

}  // namespace

TEST_CASE("root loading: root-owned directories all the way down load; a sticky directory like /tmp may be passed") {
    require_root();
    abi_test::TempDir scratch;
    REQUIRE(::chmod(scratch.path().c_str(), 0755) == 0);
    fs::path sticky = scratch.path() / "sticky";
    make_dir(sticky, 01777);
    fs::path dir = sticky / "plugins";
    make_dir(dir, 0755);
    put_module(ABI_FIXTURE_GOOD, dir, "ok");
    CHECK(load_error("ok", dir) == "loaded");
    // A symlink of the installation (merged /usr's /lib -> usr/lib) is resolved first and is fine.
    fs::create_directory_symlink(dir, scratch.path() / "link");
    CHECK(load_error("ok", scratch.path() / "link") == "loaded");
}

TEST_CASE("root loading: a directory above the module that another user owns or may write is refused, by name") {
    require_root();
    abi_test::TempDir scratch;
    REQUIRE(::chmod(scratch.path().c_str(), 0755) == 0);
    fs::path theirs = scratch.path() / "theirs";
    make_dir(theirs, 0755, kOtherUser);
    fs::path below = theirs / "plugins";
    make_dir(below, 0755);
    fs::path file = put_module(ABI_FIXTURE_GOOD, below, "x");
    CHECK(load_error("x", below) == "plugin " + file.string() + ": directory " + theirs.string() +
                                        " is owned by uid 65534; running as root, refusing it");

    fs::path group_writable = scratch.path() / "group";
    make_dir(group_writable, 0775);
    fs::path inner = group_writable / "plugins";
    make_dir(inner, 0755);
    file = put_module(ABI_FIXTURE_GOOD, inner, "y");
    CHECK(load_error("y", inner) == "plugin " + file.string() + ": directory " + group_writable.string() +
                                        " is writable by group or others; running as root, refusing it");
    // Searching skips it too (with a warning), so it is not listed.
    HostServices host(true);
    CHECK(discover({inner}, host).empty());
}

TEST_CASE("root loading: a module file of another user, or writable by others, is refused") {
    require_root();
    abi_test::TempDir scratch;
    REQUIRE(::chmod(scratch.path().c_str(), 0755) == 0);
    fs::path file = put_module(ABI_FIXTURE_GOOD, scratch.path(), "theirs", kOtherUser);
    CHECK(load_error("theirs", scratch.path()) ==
          "plugin " + file.string() + ": the file is owned by uid 65534; running as root, refusing it");
}

TEST_CASE("module loading: a FIFO named like a module is refused at once, not waited on") {
    abi_test::TempDir scratch;
    fs::path fifo = scratch.path() / "sshuttle-fifo.so";
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    CHECK(load_error("fifo", scratch.path()) == "plugin " + fifo.string() + ": not a regular file");
}

// The attack of the security report: the plugin directory's parent belongs to another user, who flips the
// directory between a root-owned one (which passes any check by name) and their own, while root loads. The
// old loader (stat of the file and its parent, then dlopen by name) ran the attacker's module here.
TEST_CASE("root loading: flipping a symlink or renaming directories while root loads never runs the other user's "
          "module") {
    require_root();
    abi_test::TempDir scratch;
    REQUIRE(::chmod(scratch.path().c_str(), 0755) == 0);
    const fs::path mark = scratch.path() / "attacker-ran";
    ScopedEnv mark_env("SSHUTTLE_TEST_ATTACKER_MARK", mark.string());
    fs::path theirs = scratch.path() / "theirs";
    make_dir(theirs, 0755, kOtherUser);
    fs::path good = theirs / "good";
    make_dir(good, 0755);
    put_module(ABI_FIXTURE_GOOD, good, "x");
    fs::path evil = theirs / "evil";
    make_dir(evil, 0755, kOtherUser);
    put_module(ABI_FIXTURE_ATTACKER, evil, "x", kOtherUser);
    const fs::path link = theirs / "plugins";
    const fs::path renamed = theirs / "renamed";
    fs::create_directory_symlink(good, link);

    std::atomic<bool> stop{false};
    std::thread attacker([&] {
        // Mostly atomic exchanges of two symlinks (one system call per flip, the link always present), now and
        // then real directories renamed into place.
        const fs::path other = theirs / "other";
        fs::create_directory_symlink(evil, other);
        for (unsigned round = 0; !stop; ++round) {
            if (round % 64 != 0) {
                ::renameat2(AT_FDCWD, other.c_str(), AT_FDCWD, link.c_str(), RENAME_EXCHANGE);
                continue;
            }
            const fs::path& target = (round % 128 == 0) ? evil : good;
            ::rename(link.c_str(), renamed.c_str());
            ::rename(target.c_str(), link.c_str());
            std::this_thread::yield();
            ::rename(link.c_str(), target.c_str());
            ::rename(renamed.c_str(), link.c_str());
        }
    });
    HostServices host(true);
    int loaded = 0;
    int refused = 0;
    // The old check-by-name-then-dlopen-by-name lost this race about once in 1000-3000 loads on a 2-core
    // machine; 20000 loads take well under a second with the new loader.
    constexpr int kRounds = 20000;
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::off);  // each refused candidate is a warning
    for (int i = 0; i < kRounds; ++i) {
        try {
            load_firewall("x", {link}, host);
            ++loaded;
        } catch (const PluginError&) {
            ++refused;
        }
    }
    spdlog::set_level(level);
    stop = true;
    attacker.join();
    std::error_code ec;
    const auto attacker_runs = fs::exists(mark, ec) ? fs::file_size(mark) : 0;
    MESSAGE(kRounds << " loads: " << loaded << " loaded, " << refused << " refused; the attacker's module ran "
                    << attacker_runs << " times");
    CHECK(attacker_runs == 0);
}
