// SPDX-License-Identifier: LGPL-2.1-or-later
// What the client session is doing, in one place: its phase, since when, how often it has reconnected and why
// the last server connection ended. The session writes it; status reporting (sd_notify, a status socket) reads it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sshuttle::app {

enum class SessionPhase {
    kStarting,      // firewall manager, listeners, first server connection; no rules yet
    kUp,            // a server is attached and the rules are in
    kReconnecting,  // the server connection was lost; rules and listeners stay, new connections are held
    kStopping,      // a signal or a fatal error: undoing everything
};

/// "starting", "up", "reconnecting", "stopping".
const char* phase_name(SessionPhase phase);

struct SessionState {
    SessionPhase phase = SessionPhase::kStarting;
    std::chrono::system_clock::time_point since = std::chrono::system_clock::now();
    uint64_t reconnects = 0;     // server connections made after the first
    std::string last_error;      // why the last server connection ended (or the last attempt failed)

    /// Moves to `next` (and restamps `since`) unless already there.
    void enter(SessionPhase next);
    /// One line for logs and systemd's STATUS=.
    std::string describe() const;
};

}  // namespace sshuttle::app
