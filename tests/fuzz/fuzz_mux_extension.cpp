// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target for the mux extension's parsers (docs/mux-extension.md): the hello in a PING payload and
// the WINDOW payload, plus the receive window driven by the fuzzed increments. What is accepted must
// re-encode to the same bytes (one spelling per value), and nothing may crash or exceed its bounds.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <span>

#include "mux/extension.hpp"
#include "mux/receive_window.hpp"

using namespace sshuttle::mux;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> bytes(data, size);
    if (const auto hello = parse_hello(bytes)) {
        const auto again = encode_hello(*hello);
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
        if (hello->initial_window < kMinInitialWindow || hello->initial_window > kMaxWindow) std::abort();
    }
    if (const auto increment = parse_window(bytes)) {
        if (*increment == 0 || *increment > kMaxWindow || encode_window(*increment).size() != size) std::abort();
    }
    // Every 4 bytes as received and delivered amounts: what is granted never exceeds delivered + window.
    const auto start = ReceiveWindow::Clock::time_point{};
    ReceiveWindow window(kMinInitialWindow, kMaxWindow, start);
    uint64_t delivered = 0;
    uint64_t granted = kMinInitialWindow;
    for (std::size_t i = 0; i + 4 <= size; i += 4) {
        const std::size_t received = (std::size_t{data[i]} << 8) | data[i + 1];
        const std::size_t taken = (std::size_t{data[i + 2]} << 8) | data[i + 3];
        window.on_received(received);
        delivered += taken;
        const auto now = start + std::chrono::milliseconds(i);
        granted += window.on_delivered(taken, now, std::chrono::milliseconds(data[i] % 64));
        if (window.window() > kMaxWindow || granted > delivered + window.window()) std::abort();
    }
    return 0;
}
