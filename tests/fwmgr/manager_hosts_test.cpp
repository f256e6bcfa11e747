// SPDX-License-Identifier: LGPL-2.1-or-later
// The manager session writes HOST lines into the hosts file it is given and removes them on every way out.
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>
#include <set>
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
    explicit Run(const std::string& hosts_path) : Run(options_for(hosts_path)) {}
    explicit Run(const SessionOptions& options) {
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        reader = std::make_unique<LineReader>(fds[0]);
        thread = std::thread(
            [this, options] { status = run_manager_session(backend, fds[1], fds[1], signals, options); });
    }
    static SessionOptions options_for(const std::string& hosts_path) {
        SessionOptions options;
        options.hosts_path = hosts_path;
        return options;
    }
    /// A query the manager answers: everything sent before it has been handled once the answer is here.
    void sync() {
        send("QUERY_PF_NAT 2,6,192.0.2.1,1000,192.0.2.2,12300\n");
        CHECK(next_line().starts_with("QUERY_PF_NAT_FAILURE "));
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
    /// Waits for the session to end by itself.
    int join() {
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

namespace {

const char* const kSetupPrefix = "setup v4 port=12300";

/// Counts the rewrites of the hosts file in dir: each creates a temp file of a new random name (identical
/// consecutive inotify events are merged, so renames onto the same name cannot be counted).
class RewriteCounter {
   public:
    explicit RewriteCounter(const std::string& dir) : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
        REQUIRE(fd_ >= 0);
        REQUIRE(inotify_add_watch(fd_, dir.c_str(), IN_CREATE) >= 0);
    }
    ~RewriteCounter() { close(fd_); }
    int count() {
        alignas(inotify_event) char buffer[65536];
        ssize_t got;
        while ((got = read(fd_, buffer, sizeof buffer)) > 0) {
            for (char* p = buffer; p < buffer + got;) {
                auto* event = reinterpret_cast<inotify_event*>(p);
                const bool temp_file = event->len > 0 && std::string(event->name).starts_with(".sshuttle-hosts-");
                if ((event->mask & IN_CREATE) && temp_file) ++count_;
                if (event->mask & IN_Q_OVERFLOW) count_ += 1000000;  // lost events: certainly too many
                p += sizeof(inotify_event) + event->len;
            }
        }
        return count_;
    }

   private:
    int fd_;
    int count_ = 0;
};

std::set<uid_t> alice_holds_everything(uint16_t, SocketKind) { return {1000}; }

SessionOptions alice_options(const std::string& hosts_path) {
    SessionOptions options;
    options.hosts_path = hosts_path;
    options.caller = Caller{false, 1000, 100, "SUDO_UID"};
    options.port_owners = alice_holds_everything;
    return options;
}

}  // namespace

TEST_CASE("manager session: a bad HOST line is refused and logged; the rules and the session stay") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    const pid_t client = spawn_client();
    Run run(path);
    run.start_session(12300, client);
    run.send("HOST two words,192.0.2.1\nHOST \x1b[31mred,192.0.2.1\nHOST noaddress\nHOST web,203.0.113.10\n");
    run.sync();
    CHECK(read_file(path).find("203.0.113.10 web") != std::string::npos);
    REQUIRE(run.backend.calls.size() == 1);  // still installed: no restore
    CHECK(run.backend.calls.front().starts_with(kSetupPrefix));
    CHECK(run.finish() == 0);
    CHECK(read_file(path) == kOriginal);
    end_client(client);
}

TEST_CASE("manager session: 1000 names arriving together are one rewrite of the hosts file, not 1000") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    const pid_t client = spawn_client();
    Run run(path);
    run.start_session(12300, client);
    RewriteCounter rewrites(dir.path());
    std::string lines;
    for (int i = 0; i < 1000; ++i) lines += "HOST host-" + std::to_string(i) + ".example,192.0.2.9\n";
    run.send(lines);
    run.sync();
    const std::string text = read_file(path);
    CHECK(text.find("host-0.example") != std::string::npos);
    CHECK(text.find("host-999.example") != std::string::npos);
    // One when everything arrives in one go; a few if the socket hands it over in pieces.
    CHECK(rewrites.count() <= 5);
    CHECK(run.finish() == 0);
    CHECK(read_file(path) == kOriginal);
    end_client(client);
}

TEST_CASE("manager session: without --auto-hosts HOST lines are refused, the rules stay") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << kOriginal;
    const pid_t client = spawn_client();
    SessionOptions options = Run::options_for(path);
    options.hosts_allowed = false;
    Run run(options);
    run.start_session(12300, client);
    run.send("HOST github.com,203.0.113.66\n");
    run.sync();
    CHECK(read_file(path) == kOriginal);
    CHECK(run.backend.calls.size() == 1);
    CHECK(run.finish() == 0);
    end_client(client);
}

TEST_CASE("manager session: a plain user's GO for uid 0 is refused before anything is installed") {
    Run run(alice_options({}));
    CHECK(run.next_line() == "READY fake");
    run.send("ROUTES\n2,0,0,0.0.0.0,0,0\nNSLIST\nPORTS 0,12300,0,0\nGO 0 0 - 0x01 " + std::to_string(getpid()) + "\n");
    CHECK(run.next_line() ==
          "ERROR refused: GO names uid 0: only your own traffic may be redirected (caller uid 1000, from SUDO_UID)");
    CHECK(run.finish() == 1);
    CHECK(run.backend.calls.empty());
}

TEST_CASE("manager session: a plain user's ports must be its own listeners") {
    SessionOptions options = alice_options({});
    options.port_owners = [](uint16_t, SocketKind) { return std::set<uid_t>{0}; };  // root's sshd, say
    Run run(options);
    CHECK(run.next_line() == "READY fake");
    run.send("ROUTES\n2,24,0,192.0.2.0,0,0\nNSLIST\nPORTS 0,22,0,0\nGO 0 - - 0x01 " + std::to_string(getpid()) + "\n");
    CHECK(run.next_line() == "ERROR refused: TCP port 22 is held by uid 0, not by the caller (uid 1000)");
    CHECK(run.finish() == 1);
    CHECK(run.backend.calls.empty());
}

TEST_CASE("manager session: a plain user cannot shadow a name the hosts file already has") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    const std::string original = std::string(kOriginal) + "192.0.2.5 GitHub.com # the admin's\n";
    std::ofstream(path) << original;
    const pid_t client = spawn_client();
    Run run(alice_options(path));
    run.start_session(12300, client);
    run.send("HOST github.com,203.0.113.66\nHOST intranet,203.0.113.7\n");
    run.sync();
    const std::string text = read_file(path);
    CHECK(text.find("203.0.113.66") == std::string::npos);
    CHECK(text.find("203.0.113.7 intranet") != std::string::npos);
    CHECK(run.finish() == 0);
    CHECK(read_file(path) == original);
    end_client(client);
}

TEST_CASE("manager session: CLEANUP removes a dead manager's rules and hosts lines, installs nothing") {
    TempDir dir;
    const std::string path = dir.path() + "/hosts";
    std::ofstream(path) << std::string(kOriginal) + "192.0.2.9 left # sshuttle-firewall-12300 AUTOCREATED\n";
    Run run(path);
    CHECK(run.next_line() == "READY fake");
    run.send("ROUTES\n2,24,0,192.0.2.0,0,0\nNSLIST\nPORTS 0,12300,0,0\nCLEANUP 0 - - 0x01 " +
             std::to_string(getpid()) + "\n");
    CHECK(run.next_line() == "RESTORED");
    CHECK(run.join() == 0);
    REQUIRE(run.backend.calls.size() == 1);
    CHECK(run.backend.calls.front().starts_with("restore v4 port=12300"));
    CHECK(read_file(path) == kOriginal);
}

TEST_CASE("manager session: a second session on a port in use is refused; the first keeps its rules") {
    TempDir dir;
    SessionOptions options;
    options.lock_dir = dir.path() + "/locks";
    const pid_t client = spawn_client();
    Run first(options);
    first.start_session(12300, client);
    Run second(options);
    CHECK(second.next_line() == "READY fake");
    second.send("ROUTES\n2,24,0,198.51.100.0,0,0\nNSLIST\nPORTS 0,12300,0,0\nGO 0 - - 0x01 " +
                std::to_string(getpid()) + "\n");
    CHECK(second.next_line() == "ERROR port 12300 is in use by another running sshuttle firewall manager");
    CHECK(second.finish() == 1);
    CHECK(second.backend.calls.empty());
    CHECK(first.backend.calls.size() == 1);  // untouched
    CHECK(first.finish() == 0);
    end_client(client);
}
