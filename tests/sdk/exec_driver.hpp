// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the exec transport module through its C table, the way the host's transport does: open, step,
// non-blocking read/write with poll() on poll_fd() for what wants() says.
#pragma once

#include <poll.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "plugin/plugins.hpp"

namespace sdk_test {

class ExecDriver {
   public:
    explicit ExecDriver(const std::vector<std::pair<std::string, std::string>>& options)
        : plugin_(sshuttle::plugin::load_transport_file(SDK_EXEC_MODULE, host_, options)) {}

    const sshuttle_transport_v1& t() const { return plugin_->table(); }
    void* self() const { return plugin_->self(); }

    /// open() + step() until connected; returns the status of the first call that was not OK/AGAIN.
    int open(const std::vector<std::string>& remote_argv, const std::string& remote_command = "",
             const std::string& host = "somewhere", const std::string& user = "", int port = 0) {
        std::vector<const char*> argv;
        for (const auto& a : remote_argv) argv.push_back(a.c_str());
        argv.push_back(nullptr);
        sshuttle_transport_request req{sizeof req, host.c_str(), user.empty() ? nullptr : user.c_str(), port,
                                       argv.data(), remote_command.c_str()};
        int status = t().open(self(), &req, &err);
        while (status == SSHUTTLE_OK || status == SSHUTTLE_AGAIN) {
            status = t().step(self(), &err);
            if (status == SSHUTTLE_OK) return status;
        }
        return status;
    }

    /// Waits until poll_fd() is ready for what the plugin wants.
    void wait() const {
        pollfd p{t().poll_fd(self()), static_cast<short>((t().wants(self()) & SSHUTTLE_WANT_WRITE) ? POLLOUT : POLLIN),
                 0};
        if (poll(&p, 1, -1) != 1) throw std::runtime_error("poll failed");
    }

    /// open(), then read until the end of the stream: the status that ended it (SSHUTTLE_ECLOSED; err says
    /// why), whether step() noticed the command's exit while connecting or read() reached the end.
    long run_to_end(const std::vector<std::string>& remote_argv, std::string& out, const std::string& host = "h",
                    const std::string& user = "", int port = 0) {
        int status = open(remote_argv, "", host, user, port);
        return status == SSHUTTLE_OK ? read_to_end(out) : status;
    }

    /// Reads until the end of the stream; the returned status is SSHUTTLE_ECLOSED then (err says why).
    long read_to_end(std::string& out) {
        char buf[65536];
        while (true) {
            long n = t().read(self(), buf, sizeof buf, &err);
            if (n < 0) return n;
            if (n == 0) wait();
            out.append(buf, static_cast<size_t>(n));
        }
    }

    /// Reads one line (without its newline).
    std::string read_line() {
        std::string line;
        char c;
        while (true) {
            long n = t().read(self(), &c, 1, &err);
            if (n < 0) throw std::runtime_error(std::string("stream ended: ") + err.message);
            if (n == 0) {
                wait();
            } else if (c == '\n') {
                return line;
            } else {
                line += c;
            }
        }
    }

    std::string message() const { return err.message; }

    sshuttle_error err{};

   private:
    sshuttle::plugin::HostServices host_;
    std::unique_ptr<sshuttle::plugin::TransportPlugin> plugin_;
};

}  // namespace sdk_test
