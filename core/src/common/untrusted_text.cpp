// SPDX-License-Identifier: LGPL-2.1-or-later
#include "common/untrusted_text.hpp"

namespace sshuttle::common {

std::string escape_untrusted(std::string_view text, std::size_t max_bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    const std::size_t kept = text.size() < max_bytes ? text.size() : max_bytes;
    std::string out;
    out.reserve(kept + 16);
    for (std::size_t i = 0; i < kept; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte == '\\') {
            out += "\\\\";
        } else if (byte >= 0x20 && byte < 0x7f) {
            out += static_cast<char>(byte);
        } else {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        }
    }
    if (kept < text.size()) out += "... (" + std::to_string(text.size() - kept) + " more bytes)";
    return out;
}

}  // namespace sshuttle::common
