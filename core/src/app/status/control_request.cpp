// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/status/control_request.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sshuttle::app::status {
namespace {

/// The bad value quoted for the error line: printable ASCII kept, everything else as \xNN, at most 40 bytes.
std::string quoted(std::string_view text) {
    constexpr std::size_t kShown = 40;
    std::string out = "'";
    for (const char c : text.substr(0, kShown)) {
        const auto byte = static_cast<unsigned char>(c);
        out += (byte >= 0x20 && byte < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", byte);
    }
    out += text.size() > kShown ? "'..." : "'";
    return out;
}

}  // namespace

ControlRequest parse_request(std::string_view line) {
    ControlRequest request;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() + 1 > kMaxRequestBytes) {
        request.error = fmt::format("request too long ({} bytes, at most {})", line.size(), kMaxRequestBytes - 1);
        return request;
    }
    if (std::any_of(line.begin(), line.end(), [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return byte < 0x20 || byte >= 0x7f;
        })) {
        request.error = "request has control or non-ASCII bytes: " + quoted(line);
        return request;
    }
    if (line == "status") {
        request.kind = RequestKind::kStatus;
    } else if (line == "ping") {
        request.kind = RequestKind::kPing;
    } else if (line.empty()) {
        request.error = "empty request (try 'status')";
    } else {
        request.error = "unknown request " + quoted(line) + " (known: status, ping)";
    }
    return request;
}

std::string error_reply(const std::string& why) {
    return nlohmann::json{{"error", why}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string reply_error(const std::string& reply) {
    const auto object = nlohmann::json::parse(reply, nullptr, false);
    if (!object.is_object()) return "";
    const auto it = object.find("error");
    if (it == object.end() || !it->is_string()) return "";
    return it->get<std::string>();
}

}  // namespace sshuttle::app::status
