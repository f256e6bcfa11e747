// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/stderr_relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/untrusted_lines.hpp"

namespace sshuttle::util {

struct StderrRelay::Shared {
    explicit Shared(int fd) : read_fd(fd) {}
    ~Shared() { ::close(read_fd); }
    Shared(const Shared&) = delete;
    Shared& operator=(const Shared&) = delete;

    const int read_fd;
    std::mutex mutex;
    std::condition_variable changed;
    bool busy = false;  // set before a read takes bytes out of the pipe, cleared once they are shown
    bool ended = false;
};

namespace {

void relay_lines(const std::shared_ptr<StderrRelay::Shared>& shared, int out_fd) {
    common::UntrustedLineWriter lines(out_fd);
    char buf[4096];
    for (;;) {
        pollfd ready{shared->read_fd, POLLIN, 0};
        ssize_t n = -1;
        if (::poll(&ready, 1, -1) < 0 && errno == EINTR) continue;
        {
            std::lock_guard lock(shared->mutex);
            shared->busy = true;
        }
        while ((n = ::read(shared->read_fd, buf, sizeof buf)) < 0 && errno == EINTR) {
        }
        if (n > 0) lines.feed({buf, static_cast<std::size_t>(n)});
        std::lock_guard lock(shared->mutex);
        shared->busy = false;
        if (n <= 0) {  // end of file (every writer gone) or a failure that will not change: show the rest, stop
            lines.finish();
            shared->ended = true;
        }
        shared->changed.notify_all();
        if (shared->ended) return;
    }
}

}  // namespace

StderrRelay::StderrRelay(int out_fd) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    shared_ = std::make_shared<Shared>(fds[0]);
    write_fd_ = fds[1];
    try {
        // Detached: a connection master ssh may hold the pipe for longer than this object lives.
        std::thread([shared = shared_, out_fd] { relay_lines(shared, out_fd); }).detach();
    } catch (...) {
        ::close(write_fd_);
        throw;
    }
}

StderrRelay::~StderrRelay() { ::close(write_fd_); }

void StderrRelay::drain(std::chrono::milliseconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::unique_lock lock(shared_->mutex);
    for (;;) {
        int waiting = 0;
        if (shared_->ended || (!shared_->busy && ::ioctl(shared_->read_fd, FIONREAD, &waiting) == 0 && waiting == 0))
            return;
        // Woken when a read is shown; the short period also covers bytes that arrive while nothing is being read.
        if (shared_->changed.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                                     std::chrono::milliseconds(20))) ==
                std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline)
            return;
    }
}

StderrRelay* process_stderr_relay() {
    // Never destroyed: children that outlive a launch (a connection master) keep writing into it.
    static StderrRelay* const relay = []() -> StderrRelay* {
        try {
            return new StderrRelay(STDERR_FILENO);
        } catch (const std::exception&) {
            return nullptr;
        }
    }();
    return relay;
}

}  // namespace sshuttle::util
