// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/hostwatch_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/read.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/close_fds.hpp"

namespace sshuttle::server {
namespace {

constexpr int kChildSocketFd = 3;

[[noreturn]] void run_child(int sock, pid_t parent, const HostwatchConfig& config) {
    // Dies with the server even when the server is SIGKILLed (then nobody reads our lines any more).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(0);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_IGN);  // a Ctrl+C for the local server is the server's to handle
    const int moved = fcntl(sock, F_DUPFD_CLOEXEC, kChildSocketFd);
    const int null_fd = open("/dev/null", O_RDWR);
    if (moved < 0 || null_fd < 0) _exit(1);
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    if (moved != kChildSocketFd) dup2(moved, kChildSocketFd);
    fcntl(kChildSocketFd, F_SETFD, FD_CLOEXEC);  // getent must not inherit it
    util::close_fds_from(kChildSocketFd + 1);
    int status = 1;
    try {
        status = run_hostwatch(config, kChildSocketFd, kChildSocketFd);
    } catch (const std::exception& e) {
        spdlog::error("hostwatch: {}", e.what());
    }
    _exit(status);  // not exit(): the parent's atexit handlers and buffers are not ours
}

}  // namespace

std::shared_ptr<HostwatchProcess> HostwatchProcess::start(boost::asio::io_context& io, const HostwatchConfig& config,
                                                          std::size_t max_payload, OnLines on_lines) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        throw std::runtime_error(std::string("hostwatch: socketpair: ") + strerror(errno));
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        throw std::runtime_error(std::string("hostwatch: fork: ") + strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], parent, config);
    }
    close(fds[1]);
    auto process = std::make_shared<HostwatchProcess>(io, max_payload, std::move(on_lines));
    process->pid_ = pid;
    process->socket_.assign(boost::asio::local::stream_protocol(), fds[0]);
    spdlog::debug("hostwatch started: pid {}", pid);
    process->read_more();
    return process;
}

HostwatchProcess::HostwatchProcess(boost::asio::io_context& io, std::size_t max_payload, OnLines on_lines)
    : socket_(io), max_payload_(max_payload), on_lines_(std::move(on_lines)) {}

HostwatchProcess::~HostwatchProcess() { stop(); }

void HostwatchProcess::stop() {
    on_lines_ = nullptr;
    boost::system::error_code ignored;
    socket_.close(ignored);
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
}

void HostwatchProcess::read_more() {
    socket_.async_read_some(boost::asio::buffer(chunk_), [self = shared_from_this()](
                                                             const boost::system::error_code& ec, std::size_t n) {
        if (!self->on_lines_) return;  // stopped
        if (ec) {
            // The watcher only ends by itself after an error; the tunnel keeps working without it.
            spdlog::warn("hostwatch ended: {}", ec == boost::asio::error::eof ? "end of output" : ec.message());
            // Reap it now rather than at stop(), so no zombie stays for the rest of the session.
            if (self->pid_ > 0 && waitpid(self->pid_, nullptr, WNOHANG) == self->pid_) self->pid_ = -1;
            return;
        }
        self->buffer_.append(self->chunk_, n);
        self->deliver();
        self->read_more();
    });
}

void HostwatchProcess::deliver() {
    const auto last_newline = buffer_.rfind('\n');
    if (last_newline == std::string::npos) return;
    std::string complete = buffer_.substr(0, last_newline + 1);
    buffer_.erase(0, last_newline + 1);
    // Whole lines only, so a line never spans two frames (upstream's client parses each frame on its own).
    std::size_t start = 0;
    while (start < complete.size()) {
        std::size_t end = start;
        while (end < complete.size()) {
            const auto next = complete.find('\n', end) + 1;
            if (next - start > max_payload_ && end > start) break;
            end = next;
        }
        on_lines_(complete.substr(start, end - start));
        if (!on_lines_) return;
        start = end;
    }
}

}  // namespace sshuttle::server
