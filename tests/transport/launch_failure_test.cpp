// SPDX-License-Identifier: LGPL-2.1-or-later
// The one-line messages for a server that never sent its header, and the exit-code descriptions.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transport/exit_status.hpp"
#include "transport/launch_failure.hpp"
#include "transport/server_helper.hpp"

using namespace sshuttle::transport;

TEST_CASE("describe_exit: upstream's codes and ours") {
    CHECK(describe_exit(255) ==
          "ssh failed (exit code 255); if the firewall captured the ssh connection itself, exclude the ssh server "
          "with -x <host>");
    CHECK(describe_exit(97).find("(exit code 97)") != std::string::npos);
    CHECK(describe_exit(98).find("(exit code 98)") != std::string::npos);
    CHECK(describe_exit(99) == "the server stopped on a fatal error; see its messages above (exit code 99)");
    CHECK(describe_exit(127) == "/bin/sh, the server or --server-cmd was not found (exit code 127)");
    CHECK(describe_exit(126).find("noexec") != std::string::npos);
    CHECK(describe_exit(90) == "the remote platform does not match the server helper (exit code 90)");
    CHECK(describe_exit(128 + 9) == "killed by signal 9 (Killed)");
    CHECK(describe_exit(3) == "exited (exit code 3)");
}

TEST_CASE("bootstrap log: markers are recognised, other lines kept (last three)") {
    BootstrapLog log;
    for (const char* line : {"motd 1", "motd 2", "", "SSHUTTLE-EXEC /c/sshuttle-server-x", "motd 3", "last words"})
        log.add_line(line);
    CHECK(log.exec_path() == "/c/sshuttle-server-x");
    CHECK(log.error().empty());
    CHECK(log.last_lines() == "motd 2 | motd 3 | last words");
    log.add_line("SSHUTTLE-ERROR cachedir /home/u/.cache/sshuttle");
    CHECK(log.error() == "cachedir /home/u/.cache/sshuttle");
}

TEST_CASE("launch failure: each cause has its own message") {
    BootstrapLog log;
    SUBCASE("platform") {
        log.add_line("SSHUTTLE-ERROR platform FreeBSD amd64");
        CHECK(launch_failure_message(LaunchKind::kUpload, "u@h", log, 90) ==
              "the remote runs 'FreeBSD amd64' but the server helper is built for '" + helper_platform() +
                  "' and no Python fallback could run there: install python3 on the remote, or use --server-cmd to "
                  "run a server installed there");
    }
    SUBCASE("cache dir, with what mkdir said") {
        log.add_line("mkdir: cannot create directory '/ro/sshuttle': Read-only file system");
        log.add_line("SSHUTTLE-ERROR cachedir /ro/sshuttle");
        CHECK(launch_failure_message(LaunchKind::kUpload, "u@h", log, 91) ==
              "cannot write the remote cache directory '/ro/sshuttle' (last output: mkdir: cannot create directory "
              "'/ro/sshuttle': Read-only file system): set XDG_CACHE_HOME on the remote to a writable directory, or "
              "use --server-cmd");
    }
    SUBCASE("exec failed") {
        log.add_line("SSHUTTLE-EXEC /c/sshuttle-server-x");
        CHECK(launch_failure_message(LaunchKind::kUpload, "u@h", log, 126) ==
              "cannot execute the uploaded server '/c/sshuttle-server-x' on the remote (exit code 126; is its file "
              "system mounted noexec?): set XDG_CACHE_HOME on the remote to a directory on another mount, or use "
              "--server-cmd");
    }
    SUBCASE("no /bin/sh") {
        CHECK(launch_failure_message(LaunchKind::kUpload, "u@h", log, 127) ==
              "ssh u@h: /bin/sh or a command it needs is missing on the remote (exit code 127)");
    }
    SUBCASE("--server-cmd missing") {
        log.add_line("sh: 1: sshuttle: not found");
        CHECK(launch_failure_message(LaunchKind::kServerCmd, "u@h", log, 127) ==
              "ssh u@h: the --server-cmd command was not found on the remote (exit code 127) (last output: sh: 1: "
              "sshuttle: not found)");
    }
    SUBCASE("ssh failure") {
        CHECK(launch_failure_message(LaunchKind::kUpload, "u@h", log, 255) ==
              "ssh u@h ended before the server's sync header: " + describe_exit(255));
    }
    SUBCASE("local server") {
        CHECK(launch_failure_message(LaunchKind::kLocal, "/x --server", log, 99) ==
              "the local server '/x --server' ended before the server's sync header: " + describe_exit(99));
    }
}

TEST_CASE("server_alive: running, then exited with its code, reaped once") {
    int gate[2];
    REQUIRE(pipe(gate) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(gate[1]);
        char c;
        (void)!read(gate[0], &c, 1);  // returns at EOF, when the parent closes its end
        _exit(7);
    }
    close(gate[0]);
    int status = 0;
    CHECK(server_alive(pid, &status));
    close(gate[1]);
    siginfo_t info{};
    REQUIRE(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) == 0);  // exited, not yet reaped
    CHECK_FALSE(server_alive(pid, &status));
    CHECK(status == 7);
    CHECK_FALSE(server_alive(pid, &status));
    CHECK(status == -1);
}
