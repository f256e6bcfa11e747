// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the loaded libssh2 transport module the way the host does: open, step until connected, then
// non-blocking read/write with poll() on poll_fd() in the direction wants() names.
#pragma once

#include <doctest/doctest.h>
#include <poll.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugin/plugins.hpp"

namespace ssh_test {

struct Outcome {
    int status = SSHUTTLE_OK;
    std::string message;
};

class Driver {
   public:
    explicit Driver(std::vector<std::pair<std::string, std::string>> options)
        : host_(false), plugin_(sshuttle::plugin::load_transport_file(SSH_TRANSPORT_MODULE, host_, options)) {}

    const sshuttle_transport_v1& t() const { return plugin_->table(); }
    void* self() const { return plugin_->self(); }

    /// open + step until connected or failed.
    Outcome connect(const std::string& host, const std::string& command) {
        const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
        sshuttle_transport_request req{sizeof req, host.c_str(), nullptr, 0, argv, command.c_str()};
        sshuttle_error err{};
        int rc = t().open(self(), &req, &err);
        while (rc == SSHUTTLE_OK || rc == SSHUTTLE_AGAIN) {
            rc = t().step(self(), &err);
            if (rc == SSHUTTLE_OK) return {};
            if (rc == SSHUTTLE_AGAIN) wait();
        }
        return {rc, err.message};
    }

    void wait() const {
        unsigned w = t().wants(self());
        pollfd p{t().poll_fd(self()), static_cast<short>(((w & SSHUTTLE_WANT_READ) ? POLLIN : 0) |
                                                         ((w & SSHUTTLE_WANT_WRITE) ? POLLOUT : 0)),
                 0};
        poll(&p, 1, 1000);
    }

    /// Writes `input` (then EOF) and reads everything until the stream ends; the end status and message.
    Outcome exchange(const std::string& input, std::string& output, bool send_eof = true) {
        size_t sent = 0;
        bool eof_sent = false;
        std::vector<char> buf(65536);
        sshuttle_error err{};
        for (;;) {
            bool progress = false;
            if (sent < input.size()) {
                long n = t().write(self(), input.data() + sent, input.size() - sent, &err);
                if (n < 0) return {static_cast<int>(n), err.message};
                sent += static_cast<size_t>(n);
                progress = progress || n > 0;
            } else if (send_eof && !eof_sent) {
                REQUIRE(t().shutdown_write(self(), &err) == SSHUTTLE_OK);
                eof_sent = true;
            }
            long n = t().read(self(), buf.data(), buf.size(), &err);
            if (n < 0) return {static_cast<int>(n), err.message};
            output.append(buf.data(), static_cast<size_t>(n));
            progress = progress || n > 0;
            if (!progress) wait();
        }
    }

    /// The module's is_supported() reason ("libssh2 <version it runs with>").
    std::string supported_reason() const {
        std::string reason;
        plugin_->is_supported(reason);
        return reason;
    }

    /// One keepalive tick.
    Outcome step() {
        sshuttle_error err{};
        int rc = t().step(self(), &err);
        return {rc, rc == SSHUTTLE_OK ? "" : err.message};
    }

   private:
    sshuttle::plugin::HostServices host_;
    std::unique_ptr<sshuttle::plugin::TransportPlugin> plugin_;
};

}  // namespace ssh_test
