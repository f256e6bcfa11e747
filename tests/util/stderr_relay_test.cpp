// SPDX-License-Identifier: LGPL-2.1-or-later
// The relay thread that shows a child's stderr escaped, and waits until it has.
#include "util/stderr_relay.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace {

using sshuttle::util::StderrRelay;

// A pipe whose read end gives back, without blocking, what has been written so far.
struct Capture {
    int fds[2] = {-1, -1};
    Capture() { REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0); }
    ~Capture() {
        close(fds[0]);
        close(fds[1]);
    }
    std::string take() const {
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
        return out;
    }
};

}  // namespace

TEST_CASE("stderr relay: a child's stderr arrives escaped, and drain() waits until it has been shown") {
    Capture out;
    StderrRelay relay(out.fds[1]);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(relay.write_fd(), STDERR_FILENO);
        execl("/bin/sh", "sh", "-c", "printf 'ssh: \\033]0;owned\\007 said\\nlast words' >&2", static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    relay.drain(std::chrono::seconds(5));
    // "last words" has no newline and the pipe is still open (our write end): it is not shown yet.
    CHECK(out.take() == "ssh: \\x1b]0;owned\\x07 said\n");
}
