// SPDX-License-Identifier: LGPL-2.1-or-later
// A real sshd on 127.0.0.1 for the transport tests: its own host key, client keys, authorized_keys and an
// ssh_config naming it "sshtest", all in a scratch directory that is also $HOME while the test runs.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ssh_test {

/// Runs a shell command and fails the test setup when it fails.
inline void sh(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("setup command failed: " + command);
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

/// Sets an environment variable for the test's lifetime and restores it afterwards.
class ScopedEnv {
   public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = getenv(name)) old_ = old;
        setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_.empty()) unsetenv(name_);
        else setenv(name_, old_.c_str(), 1);
    }

   private:
    const char* name_;
    std::string old_;
};

class TestSshd {
   public:
    /// extra_config is appended to sshd_config.
    explicit TestSshd(const std::string& extra_config = "") {
        std::string pattern = "/tmp/sshuttle-ssh2-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        std::filesystem::create_directories(dir_ / ".ssh");
        const std::string d = dir_.string();
        sh("ssh-keygen -q -t ed25519 -N '' -C test-host -f " + d + "/host_ed25519");
        sh("ssh-keygen -q -t ed25519 -N '' -C test-client -f " + d + "/id_ed25519");
        sh("ssh-keygen -q -t ed25519 -N 'open sesame' -C test-encrypted -f " + d + "/id_encrypted");
        sh("ssh-keygen -q -t ed25519 -N '' -C test-stranger -f " + d + "/id_stranger");
        sh("cat " + d + "/id_ed25519.pub " + d + "/id_encrypted.pub > " + d + "/authorized_keys");
        write_file(dir_ / "sshd_config", "ListenAddress 127.0.0.1:" + std::to_string(port_ = free_port()) +
                                             "\nHostKey " + d + "/host_ed25519\nAuthorizedKeysFile " + d +
                                             "/authorized_keys\nPermitRootLogin prohibit-password\n"
                                             "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                             "UsePAM no\nStrictModes no\nPidFile none\nLogLevel VERBOSE\n" +
                                             extra_config);
        start();
    }
    ~TestSshd() {
        resume_sessions();
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        if (log_fd_ >= 0) close(log_fd_);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    TestSshd(const TestSshd&) = delete;
    TestSshd& operator=(const TestSshd&) = delete;

    const std::filesystem::path& dir() const { return dir_; }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    int port() const { return port_; }

    /// An ssh_config with Host sshtest (this sshd): host_lines first (ssh takes the first value of a key), then
    /// the defaults, then more_blocks (other Host sections). Returns its path.
    std::string write_config(const std::string& host_lines, const std::string& more_blocks = "") const {
        write_file(dir_ / "ssh_config", "Host sshtest\n" + host_lines + defaults() + more_blocks);
        return path("ssh_config");
    }

    /// The lines every test host gets: this sshd, root, key only, the scratch known_hosts.
    std::string defaults() const {
        return "  HostName 127.0.0.1\n  Port " + std::to_string(port_) +
               "\n  User root\n  IdentitiesOnly yes\n  BatchMode yes\n  GlobalKnownHostsFile /dev/null\n"
               "  UserKnownHostsFile " + path("known_hosts") + "\n";
    }

    /// Records this server's real host key in known_hosts (as [127.0.0.1]:port).
    void trust_host_key() const {
        std::string pub = read_file(dir_ / "host_ed25519.pub");
        write_file(dir_ / "known_hosts", "[127.0.0.1]:" + std::to_string(port_) + " " + pub);
    }

    /// Stops (SIGSTOP) every per-connection sshd process, so the peer goes silent without closing anything.
    void freeze_sessions() {
        for (pid_t child : children_of(pid_)) {
            kill(child, SIGSTOP);
            frozen_.push_back(child);
        }
    }
    void resume_sessions() {
        for (pid_t p : frozen_) kill(p, SIGCONT);
        frozen_.clear();
    }

   private:
    static int free_port() {
        // Bound and released at once; sshd binds it right after (the race only matters with a busy machine).
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        close(fd);
        return ntohs(a.sin_port);
    }

    static std::vector<pid_t> children_of(pid_t parent) {
        std::vector<pid_t> out;
        DIR* proc = opendir("/proc");
        for (dirent* e; proc != nullptr && (e = readdir(proc)) != nullptr;) {
            pid_t pid = atoi(e->d_name);
            if (pid <= 0) continue;
            std::string stat = read_file("/proc/" + std::string(e->d_name) + "/stat");
            auto close_paren = stat.rfind(')');
            if (close_paren == std::string::npos) continue;
            char state = 0;
            int ppid = 0;
            if (sscanf(stat.c_str() + close_paren + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) {
                out.push_back(pid);
                for (pid_t grandchild : children_of(pid)) out.push_back(grandchild);
            }
        }
        if (proc != nullptr) closedir(proc);
        return out;
    }

    // Starts sshd -D -e and waits for its "Server listening" line on stderr.
    void start() {
        int pipefd[2];
        if (pipe(pipefd) != 0) throw std::runtime_error("pipe failed");
        std::filesystem::create_directories("/run/sshd");
        pid_ = fork();
        if (pid_ == 0) {
            dup2(pipefd[1], STDERR_FILENO);
            close(pipefd[0]);
            std::string config = path("sshd_config");
            // Logins free of this machine's shell start-up files, as in the e2e lab (see quiet_sshd.sh).
            execl(QUIET_SSHD, QUIET_SSHD, "-D", "-e", "-f", config.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        close(pipefd[1]);
        log_fd_ = pipefd[0];
        std::string seen;
        char buf[512];
        while (seen.find("Server listening") == std::string::npos) {
            ssize_t n = read(log_fd_, buf, sizeof buf);
            if (n <= 0) throw std::runtime_error("sshd did not start: " + seen);
            seen.append(buf, static_cast<size_t>(n));
        }
        // Later lines stay in the pipe (a few KiB per test, far below its capacity) until the destructor.
    }

    std::filesystem::path dir_;
    int port_ = 0;
    pid_t pid_ = -1;
    int log_fd_ = -1;
    std::vector<pid_t> frozen_;
};

}  // namespace ssh_test
