// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/sd_notify.hpp"

#ifdef SSHUTTLE_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <cstdlib>
#include <cstring>

#include "util/log.hpp"

namespace sshuttle::util {
namespace {

void send(const std::string& state) {
    if (!notify_socket_set()) return;
#ifdef SSHUTTLE_HAVE_LIBSYSTEMD
    // unset_environment=0: the variable stays, so a later STATUS or STOPPING still finds the socket.
    int rc = sd_notify(0, state.c_str());
    if (rc < 0) spdlog::debug("sd_notify({}): {}", state, std::strerror(-rc));
#else
    spdlog::debug("NOTIFY_SOCKET is set, but this build has no libsystemd: not sending {}", state);
#endif
}

// STATUS= ends at the newline, so one line only.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

}  // namespace

bool notify_socket_set() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    return socket != nullptr && *socket != '\0';
}

void notify_ready(const std::string& status) { send("READY=1\nSTATUS=" + one_line(status)); }

void notify_status(const std::string& status) { send("STATUS=" + one_line(status)); }

void notify_stopping() { send("STOPPING=1\nSTATUS=Stopping"); }

StatusTicker::StatusTicker(boost::asio::io_context& io, std::function<std::string()> status,
                           std::chrono::milliseconds period)
    : timer_(io), status_(std::move(status)), period_(period) {}

void StatusTicker::start() {
    if (!notify_socket_set() || running_) return;
    last_ = status_();
    running_ = true;
    arm();
}

void StatusTicker::stop() {
    running_ = false;
    timer_.cancel();
}

void StatusTicker::arm() {
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !running_) return;
        std::string now = status_();
        if (now != last_) {
            notify_status(now);
            last_ = std::move(now);
        }
        arm();
    });
}

}  // namespace sshuttle::util
