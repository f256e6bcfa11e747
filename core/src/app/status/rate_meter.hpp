// SPDX-License-Identifier: LGPL-2.1-or-later
// The current rate up and down, from the session's byte totals sampled about once a second: the bytes moved
// over the last few seconds divided by the time they took. Pure (the caller passes the time), so testable.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

namespace sshuttle::app::status {

class RateMeter {
   public:
    using Clock = std::chrono::steady_clock;
    explicit RateMeter(Clock::duration window = std::chrono::seconds(5)) : window_(window) {}

    /// Records the totals at `now` (totals never go down; a sample older than the last is ignored).
    void sample(Clock::time_point now, uint64_t total_up, uint64_t total_down);
    /// Bytes per second over the window; 0 until two samples exist.
    double rate_up() const;
    double rate_down() const;

   private:
    struct Sample {
        Clock::time_point at;
        uint64_t up = 0;
        uint64_t down = 0;
    };
    double rate(uint64_t Sample::*field) const;

    Clock::duration window_;
    std::deque<Sample> samples_;
};

}  // namespace sshuttle::app::status
