// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/backoff.hpp"

#include <algorithm>

namespace sshuttle::app {

Backoff::Backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap, uint64_t seed)
    : first_(std::max(first, std::chrono::milliseconds(1))), cap_(std::max(cap, first_)), random_(seed) {}

std::chrono::milliseconds Backoff::next() {
    // Doubling stops at the cap, which also keeps the shift from overflowing after many attempts.
    int64_t base = first_.count();
    for (unsigned i = 0; i < attempt_ && base < cap_.count(); ++i) base *= 2;
    base = std::min(base, static_cast<int64_t>(cap_.count()));
    ++attempt_;
    std::uniform_int_distribution<int64_t> jitter(base / 2, base);
    return std::chrono::milliseconds(jitter(random_));
}

}  // namespace sshuttle::app
