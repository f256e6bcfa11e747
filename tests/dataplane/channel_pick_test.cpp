// SPDX-License-Identifier: LGPL-2.1-or-later
// Where a new TCP connection goes among the SSH channels (client/channel_pick.hpp).
#include <doctest/doctest.h>

#include <vector>

#include "client/channel_pick.hpp"

using sshuttle::client::pick_channel;

namespace {
std::vector<std::size_t> loads(std::initializer_list<std::size_t> values) { return values; }
}  // namespace

TEST_CASE("channel pick: the first connection rides the primary, the second asks for a new channel") {
    auto first = pick_channel(loads({0}), 8, true);
    CHECK(first.index == 0);
    CHECK_FALSE(first.open_new);
    auto second = pick_channel(loads({1}), 8, true);
    CHECK(second.open_new);
    CHECK(second.index == 1);
}

TEST_CASE("channel pick: growth only while every channel carries a connection") {
    // One channel idle (its connections ended): it takes the new one, no growth.
    auto pick = pick_channel(loads({3, 0, 2}), 8, true);
    CHECK_FALSE(pick.open_new);
    CHECK(pick.index == 1);
    // All busy: grow.
    pick = pick_channel(loads({3, 1, 2}), 8, true);
    CHECK(pick.open_new);
    CHECK(pick.index == 3);
}

TEST_CASE("channel pick: at the maximum, the least loaded channel; the primary first on a tie") {
    auto pick = pick_channel(loads({2, 1, 1}), 3, true);
    CHECK_FALSE(pick.open_new);
    CHECK(pick.index == 1);
    pick = pick_channel(loads({1, 1, 1}), 3, true);
    CHECK_FALSE(pick.open_new);
    CHECK(pick.index == 0);
    pick = pick_channel(loads({5, 4, 6, 4}), 4, true);
    CHECK(pick.index == 1);
}

TEST_CASE("channel pick: --max-channels 1 and a server without the extension never grow") {
    for (std::size_t load : {1u, 5u, 100u}) {
        auto one = pick_channel(loads({load}), 1, true);
        CHECK_FALSE(one.open_new);
        CHECK(one.index == 0);
        auto upstream = pick_channel(loads({load}), 8, false);
        CHECK_FALSE(upstream.open_new);
        CHECK(upstream.index == 0);
    }
}
