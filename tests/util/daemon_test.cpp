// SPDX-License-Identifier: LGPL-2.1-or-later
// run_as_daemon forks: the body runs in a child of this test process, which therefore can still reap it. The
// child never returns into doctest: whatever run_as_daemon returns there, it _exits with it.
#include "util/daemon.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"
#include "util/pidfile.hpp"

namespace {

using sshuttle::util::daemon_ready;
using sshuttle::util::read_pidfile;
using sshuttle::util::run_as_daemon;

/// run_as_daemon, with the child side ended by _exit (42 for an exception escaping it).
int run_forked(const std::string& pidfile, const std::function<int()>& body) {
    const pid_t me = getpid();
    int rc = -1;
    try {
        rc = run_as_daemon(pidfile, body);
    } catch (const std::exception&) {
        if (getpid() != me) _exit(42);
        throw;
    }
    if (getpid() != me) _exit(rc);
    return rc;
}

std::string link_target(const std::string& path) {
    std::error_code ec;
    return std::filesystem::read_symlink(path, ec).string();
}

int reap(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("daemon: the parent returns 0 once the child is ready; the child is detached and owns the pidfile") {
    TempDir dir;
    const std::string path = dir.path() + "/d.pid";
    int release[2];
    REQUIRE(pipe(release) == 0);
    const int rc = run_forked(path, [&] {
        close(release[1]);
        daemon_ready();
        char byte;
        (void)!read(release[0], &byte, 1);  // runs until the test has looked at it
        return 0;
    });
    close(release[0]);
    CHECK(rc == 0);
    const pid_t daemon = read_pidfile(path);
    REQUIRE(daemon > 0);
    CHECK(daemon != getpid());
    CHECK(getsid(daemon) == daemon);  // its own session
    CHECK(link_target("/proc/" + std::to_string(daemon) + "/cwd") == "/");
    for (int fd = 0; fd <= 1; ++fd)
        CHECK(link_target("/proc/" + std::to_string(daemon) + "/fd/" + std::to_string(fd)) == "/dev/null");
    // stderr: the pipe to the syslog forwarder (what ssh and the firewall manager inherited).
    CHECK(link_target("/proc/" + std::to_string(daemon) + "/fd/2").rfind("pipe:", 0) == 0);
    close(release[1]);
    CHECK(reap(daemon) == 0);
    CHECK_FALSE(std::filesystem::exists(path));  // removed on the way out
}

TEST_CASE("daemon: the child's stderr reaches the parent's stderr until ready, and no longer afterwards") {
    TempDir dir;
    const std::string path = dir.path() + "/relay.pid";
    const std::string captured = dir.path() + "/stderr.txt";
    int release[2];
    REQUIRE(pipe(release) == 0);
    // Our stderr becomes a file for the duration (the child inherits that as the terminal it relays to).
    const int saved = dup(STDERR_FILENO);
    const int file = open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(file, STDERR_FILENO);
    close(file);
    const int rc = run_forked(path, [&] {
        close(release[1]);
        (void)!write(STDERR_FILENO, "before ready\n", 13);
        daemon_ready();
        (void)!write(STDERR_FILENO, "after ready\n", 12);  // to the forwarder, i.e. syslog
        char byte;
        (void)!read(release[0], &byte, 1);
        return 0;
    });
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(release[0]);
    CHECK(rc == 0);
    const pid_t daemon = read_pidfile(path);
    REQUIRE(daemon > 0);
    close(release[1]);
    CHECK(reap(daemon) == 0);
    std::ifstream in(captured);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "before ready\n");
}

TEST_CASE("daemon: a failed start-up's stderr is shown, however late it comes") {
    TempDir dir;
    const std::string path = dir.path() + "/late.pid";
    const std::string captured = dir.path() + "/stderr.txt";
    const int saved = dup(STDERR_FILENO);
    const int file = open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(file, STDERR_FILENO);
    close(file);
    const int rc = run_forked(path, [] {
        // A grandchild (like the firewall manager) that reports after the child has exited.
        if (fork() == 0) {
            usleep(100000);
            (void)!write(STDERR_FILENO, "grandchild\n", 11);
            _exit(0);
        }
        (void)!write(STDERR_FILENO, "child\n", 6);
        return 7;
    });
    dup2(saved, STDERR_FILENO);
    close(saved);
    CHECK(rc == 7);
    std::ifstream in(captured);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "child\ngrandchild\n");
}

TEST_CASE("daemon: a start-up failure is the parent's exit status, and no pidfile is left") {
    TempDir dir;
    const std::string path = dir.path() + "/fail.pid";
    CHECK(run_forked(path, [] { return 3; }) == 3);
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK(run_forked(path, []() -> int { throw std::runtime_error("boom"); }) == 42);
    CHECK_FALSE(std::filesystem::exists(path));
    // Ending without ready but with status 0 (e.g. a signal during start-up) is still not a success.
    CHECK(run_forked(path, [] { return 0; }) == 99);
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("daemon: a child killed during start-up gives 128+signal and the parent removes the pidfile") {
    TempDir dir;
    const std::string path = dir.path() + "/killed.pid";
    CHECK(run_forked(path, [] {
              raise(SIGKILL);
              return 0;
          }) == 128 + SIGKILL);
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("daemon: a pidfile held by a running instance refuses to start (status 5), without forking") {
    TempDir dir;
    const std::string path = dir.path() + "/busy.pid";
    sshuttle::util::PidFile running(path, getppid());  // holds the lock as a running sshuttle does
    bool ran = false;
    CHECK(run_forked(path, [&] {
              ran = true;
              return 0;
          }) == sshuttle::util::kExitDaemonRunning);
    CHECK_FALSE(ran);
    CHECK(read_pidfile(path) == getppid());
}

TEST_CASE("daemon: daemon_ready outside a daemon does nothing") {
    const pid_t sid = getsid(0);
    daemon_ready();
    CHECK(getsid(0) == sid);
}
