// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/session_state.hpp"

namespace sshuttle::app {

const char* phase_name(SessionPhase phase) {
    switch (phase) {
        case SessionPhase::kStarting: return "starting";
        case SessionPhase::kUp: return "up";
        case SessionPhase::kReconnecting: return "reconnecting";
        case SessionPhase::kStopping: return "stopping";
    }
    return "unknown";
}

void SessionState::enter(SessionPhase next) {
    if (phase == next) return;
    phase = next;
    since = std::chrono::system_clock::now();
}

std::string SessionState::describe() const {
    std::string text = phase_name(phase);
    if (reconnects > 0) text += ", " + std::to_string(reconnects) + " reconnect(s)";
    if (!last_error.empty()) text += ", last loss: " + last_error;
    return text;
}

}  // namespace sshuttle::app
