// SPDX-License-Identifier: LGPL-2.1-or-later
// Delays between reconnect attempts: exponential from about a second, capped, with jitter so that many
// clients cut off by the same outage do not all knock on the bastion at the same instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sshuttle::app {

class Backoff {
   public:
    /// `first`: the base of the first delay; `cap`: no delay is longer. The seed makes tests repeatable.
    Backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, uint64_t seed = std::random_device{}());

    /// The delay before the next attempt: a random point in [base/2, base], where base doubles per attempt
    /// from `first` up to `cap`.
    std::chrono::milliseconds next();
    /// After a successful connection: the next loss starts again from `first`.
    void reset() { attempt_ = 0; }
    unsigned attempts() const { return attempt_; }

   private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds cap_;
    std::mt19937_64 random_;
    unsigned attempt_ = 0;
};

}  // namespace sshuttle::app
