// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/signal_relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace sshuttle::fwmgr {
namespace {

// The handler only writes the signal number; everything else happens in the protocol loop.
volatile sig_atomic_t g_write_fd = -1;

void on_stop_signal(int signo) {
    int saved = errno;
    unsigned char byte = static_cast<unsigned char>(signo);
    if (g_write_fd >= 0) (void)!write(g_write_fd, &byte, 1);
    errno = saved;
}

void install(int signo, void (*handler)(int), struct sigaction& old) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(signo, &action, &old);
}

}  // namespace

SignalRelay::SignalRelay() {
    // Non-blocking write end: a burst of signals must never block the handler on a full pipe.
    if (pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    g_write_fd = pipe_[1];
    install(SIGINT, on_stop_signal, old_int_);
    install(SIGTERM, on_stop_signal, old_term_);
    install(SIGHUP, SIG_IGN, old_hup_);
    install(SIGPIPE, SIG_IGN, old_pipe_);
}

SignalRelay::~SignalRelay() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGHUP, &old_hup_, nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
    g_write_fd = -1;
    close(pipe_[0]);
    close(pipe_[1]);
}

int SignalRelay::take_signal() {
    unsigned char byte = 0;
    ssize_t got = read(pipe_[0], &byte, 1);
    return got == 1 ? byte : 0;
}

}  // namespace sshuttle::fwmgr
