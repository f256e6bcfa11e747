// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include "app/status/rate_meter.hpp"

using sshuttle::app::status::RateMeter;
using namespace std::chrono_literals;

TEST_CASE("rate meter: bytes over the window's time; none before two samples") {
    RateMeter meter(5s);
    const auto t0 = RateMeter::Clock::time_point{} + 1000s;
    CHECK(meter.rate_up() == 0);
    meter.sample(t0, 0, 0);
    CHECK(meter.rate_down() == 0);
    meter.sample(t0 + 1s, 1000, 4000);
    CHECK(meter.rate_up() == doctest::Approx(1000));
    CHECK(meter.rate_down() == doctest::Approx(4000));
    meter.sample(t0 + 2s, 3000, 4000);
    CHECK(meter.rate_up() == doctest::Approx(1500));
    CHECK(meter.rate_down() == doctest::Approx(2000));
}

TEST_CASE("rate meter: old samples leave the window; a transfer that stopped drops to 0") {
    RateMeter meter(5s);
    const auto t0 = RateMeter::Clock::time_point{} + 1000s;
    meter.sample(t0, 0, 0);
    meter.sample(t0 + 1s, 10'000'000, 0);
    for (int s = 2; s <= 20; ++s) meter.sample(t0 + std::chrono::seconds(s), 10'000'000, 0);
    CHECK(meter.rate_up() == 0);
}

TEST_CASE("rate meter: a sample out of order or at the same time is ignored") {
    RateMeter meter(5s);
    const auto t0 = RateMeter::Clock::time_point{} + 1000s;
    meter.sample(t0, 0, 0);
    meter.sample(t0 + 2s, 2000, 0);
    meter.sample(t0 + 2s, 999'999, 0);
    meter.sample(t0 + 1s, 999'999, 0);
    CHECK(meter.rate_up() == doctest::Approx(1000));
}
