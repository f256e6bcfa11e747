// SPDX-License-Identifier: LGPL-2.1-or-later
// The control socket's protocol: one request line in, one reply line out, then the connection closes.
//   "status"  -> the SessionStatus as one JSON object (status_model.hpp)
//   "ping"    -> {"ok":"pong"}  (is a client there?)
// Anything else (unknown words, arguments, control bytes, an over-long line) -> {"error":"..."} naming it.
// The request comes from whoever passed the socket's permission and peer check, but is still parsed as
// hostile: a pure function over the bytes, with a bound on the length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sshuttle::app::status {

constexpr std::size_t kMaxRequestBytes = 256;  // with the newline; the longest valid request is 7

enum class RequestKind { kStatus, kPing, kInvalid };

struct ControlRequest {
    RequestKind kind = RequestKind::kInvalid;
    std::string error;  // kInvalid: why, one line, naming the bad value
};

/// `line` without its newline (a trailing '\r' is accepted).
ControlRequest parse_request(std::string_view line);

/// {"error":"<why>"} on one line, without the newline.
std::string error_reply(const std::string& why);
/// The error object's text, or "" when `reply` is not an error reply.
std::string reply_error(const std::string& reply);

}  // namespace sshuttle::app::status
