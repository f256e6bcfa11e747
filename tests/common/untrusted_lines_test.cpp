// SPDX-License-Identifier: LGPL-2.1-or-later
// A remote's stderr shown on ours: line by line, escaped, bounded.
#include "common/untrusted_lines.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace {

using sshuttle::common::UntrustedLineWriter;

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
