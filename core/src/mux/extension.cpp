// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/extension.hpp"

#include <charconv>
#include <string_view>

#include <fmt/format.h>

#include "common/big_endian.hpp"

namespace sshuttle::mux {
namespace {

constexpr std::string_view kHelloPrefix = "SSHUTTLE-CPP-EXT/";
constexpr std::string_view kWindowKey = " window=";

/// Parses all of text as a decimal number without sign or leading zeros (one spelling per value).
std::optional<uint64_t> parse_decimal(std::string_view text) {
    if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string encode_hello(const ExtensionHello& hello) {
    return fmt::format("{}{}{}{}", kHelloPrefix, hello.version, kWindowKey, hello.initial_window);
}

std::optional<ExtensionHello> parse_hello(std::span<const uint8_t> payload) {
    const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
    if (!text.starts_with(kHelloPrefix)) return std::nullopt;
    const auto rest = text.substr(kHelloPrefix.size());
    const auto key = rest.find(kWindowKey);
    if (key == std::string_view::npos) return std::nullopt;
    const auto version = parse_decimal(rest.substr(0, key));
    const auto window = parse_decimal(rest.substr(key + kWindowKey.size()));
    if (!version || *version != kExtensionVersion || !window) return std::nullopt;
    if (*window < kMinInitialWindow || *window > kMaxWindow) return std::nullopt;
    return ExtensionHello{static_cast<uint32_t>(*version), static_cast<uint32_t>(*window)};
}

std::vector<uint8_t> encode_window(uint32_t increment) {
    std::vector<uint8_t> payload;
    common::append_be32(payload, increment);
    return payload;
}

std::optional<uint32_t> parse_window(std::span<const uint8_t> payload) {
    if (payload.size() != 4) return std::nullopt;
    const uint32_t value = common::load_be32(payload.data());
    if (value == 0 || value > kMaxWindow) return std::nullopt;
    return value;
}

}  // namespace sshuttle::mux
