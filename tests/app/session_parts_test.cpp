// SPDX-License-Identifier: LGPL-2.1-or-later
// The client session's pure parts: the reconnect back-off and the state record.
#include <doctest/doctest.h>

#include <chrono>

#include "app/session/backoff.hpp"
#include "app/session/session_state.hpp"

using namespace sshuttle::app;
using std::chrono::milliseconds;

TEST_CASE("backoff: the first retry comes within a second, then the delay doubles up to the cap, jittered") {
    Backoff backoff(milliseconds(1000), milliseconds(8000), 42);
    const milliseconds bases[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000), milliseconds(8000),
                                  milliseconds(8000), milliseconds(8000)};
    for (const auto base : bases) {
        const auto delay = backoff.next();
        CHECK(delay >= base / 2);
        CHECK(delay <= base);
    }
    CHECK(backoff.attempts() == 6);
    backoff.reset();
    CHECK(backoff.next() <= milliseconds(1000));
}

TEST_CASE("backoff: many attempts stay at the cap (no overflow)") {
    Backoff backoff(milliseconds(1000), milliseconds(60000), 7);
    milliseconds delay{};
    for (int i = 0; i < 200; ++i) delay = backoff.next();
    CHECK(delay >= milliseconds(30000));
    CHECK(delay <= milliseconds(60000));
}

TEST_CASE("backoff: two seeds give different delays (jitter)") {
    Backoff a(milliseconds(1000), milliseconds(60000), 1);
    Backoff b(milliseconds(1000), milliseconds(60000), 2);
    bool differ = false;
    for (int i = 0; i < 5; ++i) differ = differ || a.next() != b.next();
    CHECK(differ);
}

TEST_CASE("session state: phases, reconnect count and the last loss in one line") {
    SessionState state;
    CHECK(state.describe() == "starting");
    state.enter(SessionPhase::kUp);
    const auto since = state.since;
    state.enter(SessionPhase::kUp);
    CHECK(state.since == since);  // staying in a phase keeps its start
    state.enter(SessionPhase::kReconnecting);
    state.last_error = "peer closed the stream";
    state.reconnects = 2;
    CHECK(state.describe() == "reconnecting, 2 reconnect(s), last loss: peer closed the stream");
    CHECK(std::string(phase_name(SessionPhase::kStopping)) == "stopping");
}
