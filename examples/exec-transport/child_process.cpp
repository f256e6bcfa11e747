// SPDX-License-Identifier: LGPL-2.1-or-later
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>

#include <sshuttle/plugin_sdk.hpp>

extern char** environ;

namespace sshuttle::exec_transport {
namespace {

constexpr int kGraceMillis = 500;      // after stdin EOF, before SIGTERM
constexpr int kTerminateMillis = 2000; // after SIGTERM, before SIGKILL

[[noreturn]] void fail_system(const std::string& what, int error) {
    throw sdk::Error(SSHUTTLE_ESYSTEM, what + ": " + std::strerror(error), error);
}

/// The environment with each NAME=VALUE of extra replacing or adding NAME.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        bool replaced = false;
        for (const auto& x : extra) {
            std::string_view name = std::string_view(x).substr(0, x.find('=') + 1);
            if (entry.substr(0, name.size()) == name) replaced = true;
        }
        if (!replaced) env.emplace_back(entry);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

/// File actions and attributes for posix_spawn, released on every path.
struct SpawnSetup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    SpawnSetup(int stream_fd, int stderr_fd) {
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, stream_fd, STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, stream_fd, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
        posix_spawnattr_init(&attr);
        // The host may block or ignore signals for its own loop; the command must start with the defaults,
        // or e.g. an ignored SIGPIPE/SIGINT would survive exec.
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        sigset_t defaults;
        sigemptyset(&defaults);
        for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM})
            sigaddset(&defaults, sig);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env) {
    if (argv.empty()) throw sdk::Error(SSHUTTLE_EINVAL, "no command to run");
    int stream[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stream) != 0) fail_system("socketpair", errno);
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        int error = errno;
        close(stream[0]);
        close(stream[1]);
        fail_system("pipe", error);
    }
    std::vector<std::string> args = argv;
    std::vector<std::string> env = merged_environment(extra_env);
    int rc;
    {
        SpawnSetup setup(stream[1], err_pipe[1]);
        rc = posix_spawn(&pid_, args[0].c_str(), &setup.actions, &setup.attr, c_strings(args).data(),
                         c_strings(env).data());
    }
    // The child has its copies; ours would keep the stream open after the child is gone.
    close(stream[1]);
    close(err_pipe[1]);
    stream_fd_ = stream[0];
    stderr_fd_ = err_pipe[0];
    if (rc != 0) {
        close_fd(stream_fd_);
        close_fd(stderr_fd_);
        fail_system("cannot run '" + args[0] + "'", rc);
    }
    fcntl(stream_fd_, F_SETFL, fcntl(stream_fd_, F_GETFL) | O_NONBLOCK);
    fcntl(stderr_fd_, F_SETFL, fcntl(stderr_fd_, F_GETFL) | O_NONBLOCK);
}

ChildProcess::~ChildProcess() {
    close_fd(stream_fd_);  // the command's stdin sees EOF: most commands exit on their own now
    if (!wait_exit(kGraceMillis)) {
        kill(pid_, SIGTERM);
        if (!wait_exit(kTerminateMillis)) {
            kill(pid_, SIGKILL);
            wait_exit(-1);
        }
    }
    close_fd(stderr_fd_);
}

std::optional<int> ChildProcess::poll_exit() {
    if (status_ || pid_ <= 0) return status_;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = status;
    } else if (r < 0 && errno == ECHILD) {
        status_ = kStatusUnknown;  // someone else reaped it (a host that waits for any child)
    }
    return status_;
}

std::optional<int> ChildProcess::wait_exit(int timeout_ms) {
    // A short poll interval keeps this simple and portable (no pidfd on the BSDs); it only runs while a
    // transport is ending, never on the data path.
    constexpr int kIntervalMillis = 10;
    for (int waited = 0; !poll_exit(); waited += kIntervalMillis) {
        if (timeout_ms >= 0 && waited >= timeout_ms) break;
        poll(nullptr, 0, kIntervalMillis);
    }
    return status_;
}

std::string describe_wait_status(int status) {
    if (status == kStatusUnknown) return "ended (exit status unknown)";
    // "exit status N" is the form the host reads the remote's exit code from (plugin_abi.h, read()).
    if (WIFEXITED(status)) return "ended with exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        return "was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    }
    return "ended (wait status " + std::to_string(status) + ")";
}

}  // namespace sshuttle::exec_transport
