// SPDX-License-Identifier: LGPL-2.1-or-later
// The ssh master's answers on the control socket (transport/ssh_mux_messages.hpp), fed in two arbitrary pieces.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "transport/ssh_mux_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using sshuttle::transport::sshmux::AnswerReader;
    const std::span<const uint8_t> bytes(data, size);
    const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
    AnswerReader reader;
    for (const auto piece : {bytes.first(cut), bytes.subspan(cut)}) {
        reader.feed(piece);
        std::string error;
        while (auto answer = reader.next(error)) {
            if (answer->reason.size() > sshuttle::transport::sshmux::kMaxMessage) __builtin_trap();
        }
        if (!error.empty()) break;  // the forward is given up at the first bad message
    }
    return 0;
}
