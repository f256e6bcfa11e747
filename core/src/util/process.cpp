// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace sshuttle::util {
namespace {

[[noreturn]] void exec_or_die(const std::vector<std::string>& argv) {
    // The parent ignores SIGPIPE (it writes to pipes whose reader may be gone); an ignored disposition
    // survives exec, and the command must not inherit it.
    signal(SIGPIPE, SIG_DFL);
    std::string path = find_program(argv[0]);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    std::string env_path = "PATH=" + search_path();
    putenv(env_path.data());
    if (!path.empty()) execv(path.c_str(), cargv.data());
    std::string msg = "sshuttle: cannot run '" + argv[0] + "': " + (path.empty() ? "not found" : strerror(errno)) + "\n";
    (void)!write(2, msg.data(), msg.size());
    _exit(127);
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

std::string search_path() {
    const char* env = std::getenv("PATH");
    std::string path = env ? env : "";
    for (const char* dir : {"/bin", "/usr/bin", "/sbin", "/usr/sbin"}) {
        if ((":" + path + ":").find(":" + std::string(dir) + ":") == std::string::npos)
            path += (path.empty() ? "" : ":") + std::string(dir);
    }
    return path;
}

std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    std::string path = search_path();
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string candidate = path.substr(start, end - start) + "/" + name;
        struct stat st {};
        if (end > start && stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0)
            return candidate;
        start = end + 1;
    }
    return {};
}

RunResult run_command(const std::vector<std::string>& argv, const std::string* stdin_text) {
    RunResult result;
    if (argv.empty()) {
        result.error = "empty command";
        return result;
    }
    int in_pipe[2] = {-1, -1};
    int out_pipe[2] = {-1, -1};
    if (pipe2(in_pipe, O_CLOEXEC) != 0) {
        result.error = std::string("pipe: ") + strerror(errno);
        return result;
    }
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        result.error = std::string("pipe: ") + strerror(errno);
        close(in_pipe[0]);
        close(in_pipe[1]);
        return result;
    }
    pid_t pid = fork();
    if (pid < 0) {
        result.error = std::string("fork: ") + strerror(errno);
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
        return result;
    }
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        setenv("LC_ALL", "C", 1);
        exec_or_die(argv);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    // Feed stdin and drain stdout together so that neither side can fill a pipe and deadlock.
    std::string input = stdin_text ? *stdin_text : std::string();
    size_t written = 0;
    if (input.empty()) {
        close(in_pipe[1]);
        in_pipe[1] = -1;
    }
    signal(SIGPIPE, SIG_IGN);  // a command that exits without reading its input must not kill us
    char buf[65536];
    while (true) {
        pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
        int n = poll(fds, in_pipe[1] >= 0 ? 2 : 1, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;  // nothing will change: stop rather than spin
        if (in_pipe[1] >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(in_pipe[1], input.data() + written, input.size() - written);
            if (w > 0) written += static_cast<size_t>(w);
            if (w < 0 || written == input.size()) {
                close(in_pipe[1]);
                in_pipe[1] = -1;
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(out_pipe[0], buf, sizeof buf);
            if (r > 0) result.output.append(buf, static_cast<size_t>(r));
            else if (r == 0 || errno != EINTR) break;
        }
    }
    if (in_pipe[1] >= 0) close(in_pipe[1]);
    close(out_pipe[0]);
    result.exit_status = wait_child(pid);
    return result;
}

Child spawn_with_socketpair(const std::vector<std::string>& argv, const std::function<void()>& before_exec) {
    if (argv.empty()) throw std::runtime_error("empty command");
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw std::runtime_error(std::string("socketpair: ") + strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        throw std::runtime_error(std::string("fork: ") + strerror(errno));
    }
    if (pid == 0) {
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        if (before_exec) before_exec();
        exec_or_die(argv);
    }
    close(sv[1]);
    return Child{pid, sv[0]};
}

int wait_child(pid_t pid, bool nohang) {
    int status = 0;
    while (true) {
        pid_t r = waitpid(pid, &status, nohang ? WNOHANG : 0);
        if (r == pid) return decode_status(status);
        if (r == 0) return -1;
        if (errno != EINTR) return -1;
    }
}

}  // namespace sshuttle::util
