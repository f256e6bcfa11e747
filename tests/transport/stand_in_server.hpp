// SPDX-License-Identifier: LGPL-2.1-or-later
// A stand-in for the sshuttle-server helper (a shell script), and checks on a started server's stream.
// The script records its arguments in $STAND_IN_ARGV, prints a junk line, the sync header and "HELLO" in one
// write, then echoes stdin: so a test sees whether any byte after the header was consumed by the launcher.
#pragma once

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "started_child.hpp"
#include "transport/exit_status.hpp"

namespace sshuttle::test {

inline constexpr const char* kStandInServer = R"(#!/bin/sh
printf '%s\n' "$@" > "$STAND_IN_ARGV"
printf 'stand-in server starting\n\0\0SSHUTTLE0001HELLO'
exec cat
)";

inline void read_exact(int fd, char* data, size_t size) {
    for (size_t got = 0; got < size;) {
        ssize_t n = read(fd, data + got, size - got);
        REQUIRE(n > 0);
        got += static_cast<size_t>(n);
    }
}

/// The first bytes after the header are still there, and the stream echoes through the server.
inline void check_stream_intact(const StartedChild& launch) {
    char hello[5];
    read_exact(launch.fd, hello, sizeof hello);
    CHECK(std::string(hello, 5) == "HELLO");
    REQUIRE(write(launch.fd, "ping", 4) == 4);
    char echo[4];
    read_exact(launch.fd, echo, sizeof echo);
    CHECK(std::string(echo, 4) == "ping");
}

/// Ends the echoing server (EOF on its stdin makes cat, and its parents, exit) and returns the exit status.
/// Unread data is drained first: closing a socket with unread bytes would reset it under cat.
inline int finish(const StartedChild& launch) {
    shutdown(launch.fd, SHUT_WR);
    char buf[256];
    while (read(launch.fd, buf, sizeof buf) > 0) {
    }
    close(launch.fd);
    int status = -2;
    while (transport::server_alive(launch.pid, &status)) {
        siginfo_t info{};
        waitid(P_PID, static_cast<id_t>(launch.pid), &info, WEXITED | WNOWAIT);  // blocks until it has exited
    }
    return status;
}

}  // namespace sshuttle::test
