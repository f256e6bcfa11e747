// SPDX-License-Identifier: LGPL-2.1-or-later
// The mux byte stream as the peer sends it: the sync preamble (SyncReader), then frames (FrameDecoder), split
// into chunks at places the input chooses.
#include <cstddef>
#include <cstdint>
#include <span>

#include "mux/frame.hpp"
#include "mux/sync_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::size_t chunk = 1 + data[0] % 64;  // how the stream is cut into reads
    std::span<const uint8_t> rest(data + 1, size - 1);
    sshuttle::mux::SyncReader sync;
    while (!rest.empty() && sync.state() == sshuttle::mux::SyncReader::State::kNeedMore) {
        const auto piece = rest.first(std::min(chunk, rest.size()));
        const std::size_t used = sync.feed(piece);
        if (used > piece.size()) __builtin_trap();
        rest = rest.subspan(used == piece.size() ? piece.size() : used);
        if (used < piece.size()) break;
    }
    sshuttle::mux::FrameDecoder decoder;
    while (!rest.empty()) {
        const auto piece = rest.first(std::min(chunk, rest.size()));
        decoder.feed(piece);
        rest = rest.subspan(piece.size());
        while (auto frame = decoder.next()) {
            if (frame->payload.size() > sshuttle::mux::kMaxPayload) __builtin_trap();
            (void)sshuttle::mux::command_name(frame->command);
        }
        if (!decoder.error().empty()) break;
    }
    return 0;
}
