// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/ssh_mux_messages.hpp"

#include "common/big_endian.hpp"

namespace sshuttle::transport::sshmux {
namespace {

using common::append_be32;

void put_string(std::vector<uint8_t>& out, const std::string& text) {
    append_be32(out, static_cast<uint32_t>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
}

// The length prefix in front of a body.
std::vector<uint8_t> framed(const std::vector<uint8_t>& body) {
    std::vector<uint8_t> out;
    out.reserve(body.size() + 4);
    append_be32(out, static_cast<uint32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

// Reads the fields of one body in order; any read past its end makes the whole body bad.
class Fields {
   public:
    explicit Fields(std::span<const uint8_t> body) : body_(body) {}
    bool u32(uint32_t& value) {
        if (body_.size() - at_ < 4) return false;
        value = common::load_be32(body_.data() + at_);
        at_ += 4;
        return true;
    }
    bool string(std::string& value) {
        uint32_t length = 0;
        if (!u32(length) || body_.size() - at_ < length) return false;
        value.assign(body_.begin() + static_cast<std::ptrdiff_t>(at_),
                     body_.begin() + static_cast<std::ptrdiff_t>(at_ + length));
        at_ += length;
        return true;
    }

   private:
    std::span<const uint8_t> body_;
    std::size_t at_ = 0;
};

}  // namespace

std::vector<uint8_t> hello_message() {
    std::vector<uint8_t> body;
    append_be32(body, kHello);
    append_be32(body, kProtocolVersion);
    return framed(body);
}

std::vector<uint8_t> stdio_forward_message(uint32_t request_id, const std::string& host, uint16_t port) {
    std::vector<uint8_t> body;
    append_be32(body, kNewStdioForward);
    append_be32(body, request_id);
    put_string(body, "");  // reserved
    put_string(body, host);
    append_be32(body, port);
    return framed(body);
}

void AnswerReader::feed(std::span<const uint8_t> bytes) { buffer_.insert(buffer_.end(), bytes.begin(), bytes.end()); }

std::optional<Answer> AnswerReader::next(std::string& error) {
    if (buffer_.size() < 4) return std::nullopt;
    const std::size_t length = common::load_be32(buffer_.data());
    if (length > kMaxMessage) {
        error = "a message of " + std::to_string(length) + " bytes from the ssh master";
        return std::nullopt;
    }
    if (buffer_.size() - 4 < length) return std::nullopt;
    const std::span<const uint8_t> body(buffer_.data() + 4, length);
    Fields fields(body);
    Answer answer;
    bool complete = fields.u32(answer.type);
    if (complete) {
        switch (answer.type) {
            case kHello:
                answer.kind = Answer::Kind::kHello;
                complete = fields.u32(answer.version);  // extensions may follow: none is used
                break;
            case kSessionOpened: {
                uint32_t session = 0;
                answer.kind = Answer::Kind::kOpened;
                complete = fields.u32(answer.request_id) && fields.u32(session);
                break;
            }
            case kFailure:
            case kPermissionDenied:
                answer.kind = Answer::Kind::kRefused;
                complete = fields.u32(answer.request_id) && fields.string(answer.reason);
                break;
            default:
                answer.kind = Answer::Kind::kOther;
                break;
        }
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(4 + length));
    if (!complete) {
        error = "a malformed message from the ssh master";
        return std::nullopt;
    }
    return answer;
}

}  // namespace sshuttle::transport::sshmux
