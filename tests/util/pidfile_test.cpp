// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/pidfile.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

namespace {

using sshuttle::util::PidFile;
using sshuttle::util::PidFileBusy;
using sshuttle::util::read_pidfile;

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

/// The pid of a process that has certainly exited (forked, exited, reaped).
pid_t dead_pid() {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, nullptr, 0);
    return pid;
}

}  // namespace

TEST_CASE("pidfile: created with our pid, removed when its owner is done") {
    TempDir dir;
    const std::string path = dir.path() + "/a.pid";
    {
        PidFile pidfile(path, 4242);
        CHECK(pidfile.path() == path);
        CHECK(read_pidfile(path) == 4242);
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("pidfile: a relative path is resolved against the current directory") {
    TempDir dir;
    const auto old = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    {
        PidFile pidfile("rel.pid", getpid());
        CHECK(pidfile.path() == std::filesystem::canonical(dir.path()).string() + "/rel.pid");
        CHECK(read_pidfile(dir.path() + "/rel.pid") == getpid());
    }
    std::filesystem::current_path(old);
}

TEST_CASE("pidfile: a running process's pidfile is refused, naming the file and the pid") {
    TempDir dir;
    const std::string path = dir.path() + "/busy.pid";
    write_text(path, std::to_string(getppid()) + "\n");
    try {
        PidFile pidfile(path, getpid());
        FAIL("no exception");
    } catch (const PidFileBusy& e) {
        const std::string what = e.what();
        CHECK(what.find("'" + path + "'") != std::string::npos);
        CHECK(what.find(std::to_string(getppid())) != std::string::npos);
    }
    CHECK(read_pidfile(path) == getppid());  // left alone
}

TEST_CASE("pidfile: a stale pidfile (dead pid, garbage, empty) is replaced") {
    TempDir dir;
    const std::string path = dir.path() + "/stale.pid";
    for (const std::string& old : {std::to_string(dead_pid()) + "\n", std::string("not a pid\n"), std::string()}) {
        write_text(path, old);
        {
            PidFile pidfile(path, getpid());
            CHECK(read_pidfile(path) == getpid());
        }
        CHECK_FALSE(std::filesystem::exists(path));
    }
}

TEST_CASE("pidfile: only a file that still holds our pid is removed") {
    TempDir dir;
    const std::string path = dir.path() + "/other.pid";
    {
        PidFile pidfile(path, getpid());
        write_text(path, "1\n");  // someone else's now
    }
    CHECK(read_pidfile(path) == 1);
}

TEST_CASE("pidfile: rewrite, disown and adopt across fork") {
    TempDir dir;
    const std::string path = dir.path() + "/fork.pid";
    PidFile pidfile(path, getpid());
    int release[2];
    REQUIRE(pipe(release) == 0);
    pid_t child = fork();
    if (child == 0) {
        close(release[1]);
        pidfile.adopt();
        char byte;
        (void)!read(release[0], &byte, 1);  // until the parent has rewritten the file
        pidfile.remove();                    // what the daemon does on its way out
        _exit(0);
    }
    close(release[0]);
    pidfile.rewrite(child);
    pidfile.disown();
    CHECK(read_pidfile(path) == child);
    close(release[1]);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("pidfile: an unwritable directory is one error naming the file") {
    CHECK_THROWS_WITH_AS(PidFile("/nonexistent-sshuttle-dir/x.pid", 1),
                         doctest::Contains("cannot create pidfile '/nonexistent-sshuttle-dir/x.pid'"),
                         sshuttle::util::PidFileError);
}
