// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenSSH's connection-sharing messages: what we send byte for byte, and the master's answers as they may arrive.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "transport/ssh_mux_messages.hpp"

using namespace sshuttle::transport::sshmux;

namespace {

std::vector<uint8_t> u32(uint32_t v) {
    return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
            static_cast<uint8_t>(v)};
}

std::vector<uint8_t> message(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> body;
    for (const auto& part : parts) body.insert(body.end(), part.begin(), part.end());
    auto out = u32(static_cast<uint32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

std::vector<uint8_t> text(const std::string& s) {
    auto out = u32(static_cast<uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

}  // namespace

TEST_CASE("our hello and stdio forward request, byte for byte") {
    CHECK(hello_message() == message({u32(1), u32(4)}));
    CHECK(stdio_forward_message(7, "2001:db8::5", 8080) ==
          message({u32(0x10000008), u32(7), text(""), text("2001:db8::5"), u32(8080)}));
}

TEST_CASE("the master's answers, whole and in pieces") {
    std::vector<uint8_t> stream = message({u32(1), u32(4)});
    const auto opened = message({u32(0x80000006), u32(7), u32(3)});
    const auto refused = message({u32(0x80000003), u32(8), text("Session open refused by peer")});
    stream.insert(stream.end(), opened.begin(), opened.end());
    stream.insert(stream.end(), refused.begin(), refused.end());

    AnswerReader reader;
    std::vector<Answer> answers;
    std::string error;
    for (uint8_t byte : stream) {  // one byte at a time: nothing is taken before its message is whole
        reader.feed(std::span<const uint8_t>(&byte, 1));
        while (auto answer = reader.next(error)) answers.push_back(*answer);
        REQUIRE(error.empty());
    }
    REQUIRE(answers.size() == 3);
    CHECK(answers[0].kind == Answer::Kind::kHello);
    CHECK(answers[0].version == 4);
    CHECK(answers[1].kind == Answer::Kind::kOpened);
    CHECK(answers[1].request_id == 7);
    CHECK(answers[2].kind == Answer::Kind::kRefused);
    CHECK(answers[2].request_id == 8);
    CHECK(answers[2].reason == "Session open refused by peer");
}

TEST_CASE("answers that cannot be the master's are refused") {
    std::string error;
    SUBCASE("too long") {
        AnswerReader reader;
        reader.feed(u32(kMaxMessage + 1));
        CHECK_FALSE(reader.next(error));
        CHECK(error.find("bytes from the ssh master") != std::string::npos);
    }
    SUBCASE("a refusal whose reason runs past the message") {
        AnswerReader reader;
        reader.feed(message({u32(0x80000003), u32(1), u32(100), {'x'}}));
        CHECK_FALSE(reader.next(error));
        CHECK(error == "a malformed message from the ssh master");
    }
    SUBCASE("an empty message") {
        AnswerReader reader;
        reader.feed(message({}));
        CHECK_FALSE(reader.next(error));
        CHECK_FALSE(error.empty());
    }
    SUBCASE("an unknown type is passed on as other") {
        AnswerReader reader;
        reader.feed(message({u32(0x80000009), u32(1)}));
        auto answer = reader.next(error);
        REQUIRE(answer);
        CHECK(answer->kind == Answer::Kind::kOther);
    }
}
