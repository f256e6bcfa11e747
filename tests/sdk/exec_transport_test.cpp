// SPDX-License-Identifier: LGPL-2.1-or-later
// The exec transport module (examples/exec-transport, built in this tree from the same sources) loaded with
// load_transport_file and driven like the host drives a transport: real child processes, real socketpairs.
#include <doctest/doctest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "exec_driver.hpp"

using sdk_test::ExecDriver;
using Options = std::vector<std::pair<std::string, std::string>>;

namespace {

/// Returns once the (unreaped) process pid has exited: a pidfd becomes readable then.
void wait_for_exit(pid_t pid) {
    // syscall(): glibc 2.36 declares pidfd_open without C linkage for C++.
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0 && errno == ESRCH) return;  // exited and already reaped (by the plugin's step)
    REQUIRE(pidfd >= 0);
    pollfd p{pidfd, POLLIN, 0};
    REQUIRE(poll(&p, 1, -1) == 1);
    close(pidfd);
}

}  // namespace

TEST_CASE("exec transport: the module loads as transport 'exec' and says what it runs") {
    sshuttle::plugin::HostServices host;
    auto plugin = sshuttle::plugin::load_transport_file(SDK_EXEC_MODULE, host, {{"command", "env"}});
    CHECK(plugin->name() == "exec");
    std::string reason;
    CHECK(plugin->is_supported(reason));
    CHECK(reason == "runs 'env'");
}

TEST_CASE("exec transport: without command= the module still loads (--list-plugins), and open says what to pass") {
    sshuttle::plugin::HostServices host;
    auto plugin = sshuttle::plugin::load_transport_file(SDK_EXEC_MODULE, host, {});
    std::string reason;
    CHECK(plugin->is_supported(reason));
    CHECK(reason == "runs the command given with --transport-option command=...");

    ExecDriver d(Options{{"remote", "argv"}});
    CHECK(d.open({"cat"}) == SSHUTTLE_EINVAL);
    CHECK(d.message() == "the exec transport needs a command: --transport-option command='kubectl exec -i POD --'");
}

TEST_CASE("exec transport: cat as the remote command echoes 4 MiB written and read without blocking") {
    ExecDriver d(Options{{"command", "env"}});
    REQUIRE(d.open({"cat"}) == SSHUTTLE_OK);
    std::string sent;
    for (int i = 0; sent.size() < 4u << 20; ++i) sent += "line " + std::to_string(i) + " of the cat test\n";
    std::string got;
    size_t written = 0;
    // Interleaved like the host's loop: cat blocks on its output when nobody reads, so writing everything
    // first would deadlock; the plugin must report "would block" instead of blocking.
    char buf[65536];
    while (got.size() < sent.size()) {
        if (written < sent.size()) {
            long n = d.t().write(d.self(), sent.data() + written, sent.size() - written, &d.err);
            REQUIRE(n >= 0);
            written += static_cast<size_t>(n);
            if (written == sent.size()) REQUIRE(d.t().shutdown_write(d.self(), &d.err) == SSHUTTLE_OK);
        }
        long r = d.t().read(d.self(), buf, sizeof buf, &d.err);
        REQUIRE(r >= 0);
        got.append(buf, static_cast<size_t>(r));
        if (r == 0 && written == sent.size()) d.wait();
    }
    CHECK(got == sent);
    std::string rest;
    CHECK(d.read_to_end(rest) == SSHUTTLE_ECLOSED);
    CHECK(rest.empty());
    CHECK(d.message() == "command 'env' ended with exit status 0");
}

TEST_CASE("exec transport: a full stream is 'would block' + WANT_WRITE; destroy ends a command deaf to EOF") {
    pid_t pid = 0;
    {
        ExecDriver d(Options{{"command", "echo $$; exec sleep 1000 #"}});
        REQUIRE(d.open({"ignored"}) == SSHUTTLE_OK);
        pid = std::stoi(d.read_line());
        std::string block(65536, 'x');
        long n = 1;
        while (n > 0) n = d.t().write(d.self(), block.data(), block.size(), &d.err);
        CHECK(n == 0);
        CHECK(d.t().wants(d.self()) == (SSHUTTLE_WANT_READ | SSHUTTLE_WANT_WRITE));
    }
    // sleep ignores the closed stdin; destroy() must have terminated and reaped it.
    CHECK(kill(pid, 0) == -1);
    CHECK(errno == ESRCH);
}

TEST_CASE("exec transport: at the end of the stream the message has the exit status and the last stderr line") {
    ExecDriver d(Options{{"command", "echo starting >&2; echo 'error: pod \"p\" not found' >&2; exit 3 #"}});
    std::string out;
    CHECK(d.run_to_end({"cat"}, out) == SSHUTTLE_ECLOSED);
    CHECK(d.message() == "command 'echo starting >&2; echo 'error: pod \"p\" not found' >&2; exit 3 #' "
                         "ended with exit status 3: error: pod \"p\" not found");
    // Every later call says the same.
    char c;
    CHECK(d.t().read(d.self(), &c, 1, &d.err) == SSHUTTLE_ECLOSED);
    CHECK(d.t().step(d.self(), &d.err) == SSHUTTLE_ECLOSED);
}

TEST_CASE("exec transport: a command that does not exist ends the stream with sh's reason") {
    ExecDriver d(Options{{"command", "sshuttle-no-such-command --flag"}});
    std::string out;
    CHECK(d.run_to_end({"cat"}, out) == SSHUTTLE_ECLOSED);
    CHECK(d.message().starts_with("command 'sshuttle-no-such-command --flag' ended with exit status 127: "));
    CHECK(d.message().find("sshuttle-no-such-command") != std::string::npos);
}

TEST_CASE("exec transport: step() reports the command's death even while another process holds the stream") {
    // The command prints its pid, leaves a cat behind that keeps the socket open (so no end of file comes),
    // and exits 4. A pidfd tells the test when it has exited, without sleeping.
    ExecDriver d(Options{{"command", "echo $$; exec 3<&0; cat <&3 2>/dev/null & exit 4 #"}});
    REQUIRE(d.open({"ignored"}) == SSHUTTLE_OK);
    wait_for_exit(std::stoi(d.read_line()));
    CHECK(d.t().step(d.self(), &d.err) == SSHUTTLE_ECLOSED);
    CHECK(d.message() == "command 'echo $$; exec 3<&0; cat <&3 2>/dev/null & exit 4 #' ended with exit status 4");
}

TEST_CASE("exec transport: writing to a command that has gone is the end of the stream, not a SIGPIPE") {
    ExecDriver d(Options{{"command", "echo $$; exit 5 #"}});
    REQUIRE(d.open({"cat"}) == SSHUTTLE_OK);
    wait_for_exit(std::stoi(d.read_line()));
    // Nobody holds the other end any more: the write fails with EPIPE inside the plugin.
    CHECK(d.t().write(d.self(), "x", 1, &d.err) == SSHUTTLE_ECLOSED);
    CHECK(d.message() == "command 'echo $$; exit 5 #' ended with exit status 5");
}

TEST_CASE("exec transport: remote=argv keeps each word, remote=string passes one shell-quoted string") {
    ExecDriver argv(Options{{"command", "env"}});
    REQUIRE(argv.open({"printf", "[%s]", "a  b", "c"}) == SSHUTTLE_OK);
    std::string out;
    CHECK(argv.read_to_end(out) == SSHUTTLE_ECLOSED);
    CHECK(out == "[a  b][c]");

    // Like ssh, "sh -c" takes one string and lets a shell split it.
    ExecDriver string(Options{{"command", "sh -c"}, {"remote", "string"}});
    REQUIRE(string.open({"unused"}, "printf '[%s]' 'a  b' c") == SSHUTTLE_OK);
    out.clear();
    CHECK(string.read_to_end(out) == SSHUTTLE_ECLOSED);
    CHECK(out == "[a  b][c]");
}

TEST_CASE("exec transport: the -r destination is in the command's environment") {
    ExecDriver d(Options{{"command", "printf '%s/%s/%s' \"$SSHUTTLE_REMOTE_HOST\" \"$SSHUTTLE_REMOTE_USER\" "
                              "\"$SSHUTTLE_REMOTE_PORT\" #"}});
    REQUIRE(d.open({"cat"}, "", "pod-7", "alice", 2222) == SSHUTTLE_OK);
    std::string out;
    CHECK(d.read_to_end(out) == SSHUTTLE_ECLOSED);
    CHECK(out == "pod-7/alice/2222");
}
