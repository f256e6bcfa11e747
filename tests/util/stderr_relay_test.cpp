// SPDX-License-Identifier: LGPL-2.1-or-later
// The relay thread that shows a child's stderr escaped, and waits until it has.
#include "util/stderr_relay.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

using sshuttle::util::StderrRelay;

namespace {

// Whatever the relay has shown so far, waiting up to 5 s for the first bytes.
std::string shown_text(int fd) {
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, 5000) != 1) return "";
    char buf[256];
    const ssize_t n = read(fd, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

}  // namespace

TEST_CASE("stderr relay: a child's stderr arrives escaped; drain() waits for it; the rest comes at the end") {
    int shown[2];
    REQUIRE(pipe2(shown, O_NONBLOCK | O_CLOEXEC) == 0);
    auto relay = std::make_unique<StderrRelay>(shown[1]);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(relay->write_fd(), STDERR_FILENO);
        execl("/bin/sh", "sh", "-c", "printf 'ssh: \\033]0;owned\\007 said\\nlast words' >&2",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    relay->drain(std::chrono::seconds(5));
    // Shown by the time drain() returns; "last words" has no newline yet and our write end is still open.
    char buf[256];
    const ssize_t n = read(shown[0], buf, sizeof buf);
    REQUIRE(n > 0);
    CHECK(std::string(buf, static_cast<size_t>(n)) == "ssh: \\x1b]0;owned\\x07 said\n");
    // Every writer gone: the relay shows the unfinished line and ends (before the pipe it writes to is closed).
    relay.reset();
    CHECK(shown_text(shown[0]) == "last words\n");
    close(shown[0]);
    close(shown[1]);
}
