// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/pidfile.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <optional>
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

/// A running process that is not us, with argv[0] = name (what /proc/<pid>/cmdline shows).
pid_t spawn_sleep(const char* name) {
    int exec_done[2];
    REQUIRE(pipe2(exec_done, O_CLOEXEC) == 0);
    const pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sleep", name, "60", static_cast<char*>(nullptr));
        _exit(127);
    }
    // The write end closes at exec (close-on-exec): from then on the cmdline is the new one.
    close(exec_done[1]);
    char byte;
    (void)!read(exec_done[0], &byte, 1);
    close(exec_done[0]);
    return pid;
}

void stop(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
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

TEST_CASE("pidfile: a pidfile held by a running instance is refused, naming the file and the pid") {
    TempDir dir;
    const std::string path = dir.path() + "/busy.pid";
    PidFile running(path, 4242);  // holds the lock, as a running sshuttle does
    try {
        PidFile pidfile(path, getpid());
        FAIL("no exception");
    } catch (const PidFileBusy& e) {
        const std::string what = e.what();
        CHECK(what.find("'" + path + "'") != std::string::npos);
        CHECK(what.find("4242") != std::string::npos);
    }
    CHECK(read_pidfile(path) == 4242);  // left alone
}

TEST_CASE("pidfile: the lock goes with the daemon across fork, and away with its death") {
    TempDir dir;
    const std::string path = dir.path() + "/forked.pid";
    int release[2];
    REQUIRE(pipe(release) == 0);
    std::optional<PidFile> parent_copy(std::in_place, path, getpid());
    const pid_t child = fork();
    if (child == 0) {
        close(release[1]);
        parent_copy->adopt();
        char byte;
        (void)!read(release[0], &byte, 1);
        _exit(0);  // killed, in effect: no destructor runs, the file stays behind
    }
    close(release[0]);
    parent_copy->rewrite(child);
    parent_copy->disown();
    parent_copy.reset();  // the parent has gone; the child's inherited descriptor keeps the lock
    CHECK_THROWS_AS(PidFile(path, getpid()), PidFileBusy);
    close(release[1]);
    waitpid(child, nullptr, 0);
    CHECK(read_pidfile(path) == child);  // left behind, and its pid may be reused by anyone now
    PidFile replacement(path, getpid());
    CHECK(read_pidfile(path) == getpid());
}

TEST_CASE("pidfile: a stale pidfile whose pid now belongs to an unrelated process is replaced") {
    TempDir dir;
    const std::string path = dir.path() + "/reused.pid";
    const pid_t unrelated = spawn_sleep("sleep");
    write_text(path, std::to_string(unrelated) + "\n");
    {
        PidFile pidfile(path, getpid());
        CHECK(read_pidfile(path) == getpid());
    }
    stop(unrelated);
}

TEST_CASE("pidfile: an unlocked pidfile of a running sshuttle (upstream's, or an older one's) is refused") {
    TempDir dir;
    const std::string path = dir.path() + "/upstream.pid";
    const pid_t sshuttle = spawn_sleep("sshuttle-upstream");
    write_text(path, std::to_string(sshuttle) + "\n");
    CHECK_THROWS_AS(PidFile(path, getpid()), PidFileBusy);
    stop(sshuttle);
    CHECK(read_pidfile(path) == sshuttle);
}

TEST_CASE("pidfile: an existing pidfile that is not a regular file is refused, not read") {
    TempDir dir;
    const std::string path = dir.path() + "/fifo.pid";
    REQUIRE(mkfifo(path.c_str(), 0600) == 0);
    CHECK_THROWS_WITH_AS(PidFile(path, getpid()), doctest::Contains("is not a regular file"),
                         sshuttle::util::PidFileError);
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
