// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/channel_pick.hpp"

#include <algorithm>

namespace sshuttle::client {

ChannelPick pick_channel(std::span<const std::size_t> loads, std::size_t max_channels, bool may_grow) {
    const bool all_busy = std::all_of(loads.begin(), loads.end(), [](std::size_t load) { return load > 0; });
    if (may_grow && all_busy && loads.size() < max_channels) return {loads.size(), true};
    const auto least = std::min_element(loads.begin(), loads.end());  // the first of equal minima
    return {static_cast<std::size_t>(least - loads.begin()), false};
}

}  // namespace sshuttle::client
