// SPDX-License-Identifier: LGPL-2.1-or-later
// A remote's stderr shown on ours: line by line, escaped, bounded; and the relay thread that does it for a child.
#include "util/stderr_relay.hpp"
#include "util/untrusted_lines.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace {

using sshuttle::util::StderrRelay;
using sshuttle::util::UntrustedLineWriter;

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

TEST_CASE("untrusted lines: each complete line is written escaped; the unfinished rest waits") {
    Capture out;
    UntrustedLineWriter lines(out.fds[1]);
    lines.feed("plain line\n\x1b[2J\x1b[31mred");
    CHECK(out.take() == "plain line\n");
    lines.feed("\x1b[0m\r\nfake\rc : Connected\npart");
    CHECK(out.take() == "\\x1b[2J\\x1b[31mred\\x1b[0m\nfake\\x0dc : Connected\n");
    CHECK(lines.last_line() == "fake\\x0dc : Connected");
    lines.finish();
    CHECK(out.take() == "part\n");
    lines.finish();
    CHECK(out.take().empty());
}

TEST_CASE("untrusted lines: a line that never ends is written in pieces, never kept whole") {
    Capture out;
    UntrustedLineWriter lines(out.fds[1], 8);
    lines.feed(std::string(20, 'x'));
    CHECK(out.take() == "xxxxxxxx\nxxxxxxxx\n");
    lines.feed("\n");
    CHECK(out.take() == "xxxx\n");
}

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
