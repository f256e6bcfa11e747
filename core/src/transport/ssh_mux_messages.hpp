// SPDX-License-Identifier: LGPL-2.1-or-later
// The few messages of OpenSSH's connection-sharing protocol ("mux", its PROTOCOL.mux) that a stdio forward
// needs: a hello each way, MUX_C_NEW_STDIO_FWD, and the master's answers. Each message on the control socket is
// a big-endian uint32 length, then that many bytes: a uint32 type, and the fields of that type. This is the one
// parser of the master's side; the master runs as the same user as us, but its bytes are still checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sshuttle::transport::sshmux {

constexpr uint32_t kHello = 0x00000001;
constexpr uint32_t kNewStdioForward = 0x10000008;
constexpr uint32_t kPermissionDenied = 0x80000002;
constexpr uint32_t kFailure = 0x80000003;
constexpr uint32_t kSessionOpened = 0x80000006;
constexpr uint32_t kProtocolVersion = 4;
// Far above any answer we expect; a master sending more is broken and the forward is given up.
constexpr std::size_t kMaxMessage = 64 * 1024;

/// Our hello, framed.
std::vector<uint8_t> hello_message();
/// MUX_C_NEW_STDIO_FWD to host:port, framed. The two descriptors (the forward's input and output) follow it on
/// the socket, each as its own one-byte message with SCM_RIGHTS, as ssh -W sends them.
std::vector<uint8_t> stdio_forward_message(uint32_t request_id, const std::string& host, uint16_t port);

/// One message of the master.
struct Answer {
    enum class Kind { kHello, kOpened, kRefused, kOther };
    Kind kind = Kind::kOther;
    uint32_t type = 0;
    uint32_t request_id = 0;  // kOpened, kRefused
    uint32_t version = 0;     // kHello
    std::string reason;       // kRefused: the master's words (shown escaped)
};

/// Reassembles the master's messages from the bytes read off the control socket.
class AnswerReader {
   public:
    /// Appends bytes as read.
    void feed(std::span<const uint8_t> bytes);
    /// The next whole message, if one is buffered. Sets `error` (and returns nullopt) on a message that cannot be
    /// the master's: over kMaxMessage, shorter than its type, or a known type with missing fields.
    std::optional<Answer> next(std::string& error);

   private:
    std::vector<uint8_t> buffer_;
};

}  // namespace sshuttle::transport::sshmux
