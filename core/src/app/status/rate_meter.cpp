// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/status/rate_meter.hpp"

namespace sshuttle::app::status {

void RateMeter::sample(Clock::time_point now, uint64_t total_up, uint64_t total_down) {
    if (!samples_.empty() && now <= samples_.back().at) return;
    samples_.push_back({now, total_up, total_down});
    // Keep one sample at or before the window's start, so the rate always spans the whole window.
    while (samples_.size() > 2 && samples_[1].at <= now - window_) samples_.pop_front();
}

double RateMeter::rate(uint64_t Sample::*field) const {
    if (samples_.size() < 2) return 0;
    const auto& first = samples_.front();
    const auto& last = samples_.back();
    const double seconds = std::chrono::duration<double>(last.at - first.at).count();
    if (seconds <= 0 || last.*field < first.*field) return 0;
    return static_cast<double>(last.*field - first.*field) / seconds;
}

double RateMeter::rate_up() const { return rate(&Sample::up); }
double RateMeter::rate_down() const { return rate(&Sample::down); }

}  // namespace sshuttle::app::status
