// SPDX-License-Identifier: LGPL-2.1-or-later
// The manager session writes HOST lines into the hosts file it is given and removes them on every way out.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>
#include <thread>

#include "../fwmgr/support/recording_backend.hpp"
#include "../util/temp_dir.hpp"
#include "fwmgr/line_channel.hpp"
#include "fwmgr/manager_session.hpp"

using namespace sshuttle::fwmgr;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

const char* const kOriginal = "127.0.0.1 localhost\n";

/// One session in a thread on a socketpair; the test speaks for the client.
struct Run {
    explicit Run(const std::string& hosts_path) {
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        reader = std::make_unique<LineReader>(fds[0]);
        thread = std::thread(
            [this, hosts_path] { status = run_manager_session(backend, fds[1], fds[1], signals, hosts_path); });
    }
    ~Run() {
        if (thread.joinable()) {
            shutdown(fds[0], SHUT_WR);
            thread.join();
        }
        close(fds[0]);
        close(fds[1]);
    }
    std::string next_line() {
        std::string line;
        REQUIRE(reader->read_line(line) == LineReader::Status::kLine);
        return line;
    }
    void send(const std::string& text) { write_all(fds[0], text); }
    /// GO names `client_pid`: the process the manager relays SIGINT to when it gets a signal.
    void start_session(int port, pid_t client_pid) {
        CHECK(next_line() == "READY fake");
        send("ROUTES\n2,24,0,192.0.2.0,0,0\nNSLIST\nPORTS 0," + std::to_string(port) + ",0,0\nGO 0 - - 0x01 " +
             std::to_string(client_pid) + "\n");
        CHECK(next_line() == "STARTED");
    }
    int finish() {
        shutdown(fds[0], SHUT_WR);
        thread.join();
        return status;
    }

    int fds[2] = {-1, -1};
    sshuttle::fwmgr::testing::RecordingBackend backend;
    SignalRelay signals;
    std::unique_ptr<LineReader> reader;
    std::thread thread;
    int status = -1;
};

/// A stand-in client for the SIGINT relay, so that the test process itself is never signalled.
pid_t spawn_client() {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);  // not doctest's crash handler
        pause();
        _exit(0);
    }
    return pid;
}

void end_client(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
}

}  // namespace

TEST_CASE("manager session: HOST lines go into the hosts file and are removed at EOF") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    const pid_t client = spawn_client();
    Run run(path);
    run.start_session(12300, client);
    run.send("HOST web,203.0.113.10\nHOST bad#name,192.0.2.1\nHOST six,2001:db8::6\n");
    CHECK(run.finish() == 0);
    CHECK(read_file(path) == kOriginal);
    end_client(client);
}

TEST_CASE("manager session: the hosts file holds the lines while the session runs, also after a signal") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    const pid_t client = spawn_client();
    Run run(path);
    run.start_session(12301, client);
    run.send("HOST web,203.0.113.10\n");
    // The manager answers nothing to HOST lines: poll the file (bounded) for the line to appear.
    const std::string expected =
        std::string(kOriginal) + "203.0.113.10 web               # sshuttle-firewall-12301 AUTOCREATED\n";
    for (int i = 0; i < 2000 && read_file(path) != expected; ++i) usleep(5000);
    CHECK(read_file(path) == expected);
    SUBCASE("EOF") { CHECK(run.finish() == 0); }
    SUBCASE("SIGTERM") {
        kill(getpid(), SIGTERM);  // the session's relay turns it into a wake-up
        run.thread.join();
        CHECK(run.status == 0);
    }
    CHECK(read_file(path) == kOriginal);
    end_client(client);
}
