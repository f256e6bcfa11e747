// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "mux/frame.hpp"
#include "mux/sync_reader.hpp"

using namespace sshuttle::mux;

namespace {

std::vector<uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

std::vector<FrameView> drain(FrameDecoder& decoder, std::vector<std::vector<uint8_t>>& payloads) {
    std::vector<FrameView> frames;
    while (auto frame = decoder.next()) {
        frames.push_back(*frame);
        payloads.emplace_back(frame->payload.begin(), frame->payload.end());
    }
    return frames;
}

}  // namespace

TEST_CASE("frame: header layout is big-endian 'SS' channel command length") {
    std::vector<uint8_t> out;
    append_frame(out, 0x0102, Command::kTcpData, bytes("abc"));
    CHECK(out == std::vector<uint8_t>{'S', 'S', 0x01, 0x02, 0x42, 0x06, 0x00, 0x03, 'a', 'b', 'c'});
}

TEST_CASE("frame: command names and the known range") {
    CHECK(is_known_command(0x4200));
    CHECK(is_known_command(0x420e));
    CHECK_FALSE(is_known_command(0x420f));
    CHECK_FALSE(is_known_command(0x41ff));
    CHECK(command_name(0x4206) == "TCP_DATA");
    CHECK(command_name(0x1234) == "0x1234");
}

TEST_CASE("frame: decoder round trip survives every split of the input, copied and borrowed") {
    std::vector<uint8_t> stream;
    std::vector<uint8_t> big(kMaxPayload);
    std::mt19937 random(7);
    for (auto& b : big) b = static_cast<uint8_t>(random());
    append_frame(stream, 1, Command::kTcpConnect, bytes("2,10.0.0.1,80"));
    append_frame(stream, 0, Command::kPing, {});
    append_frame(stream, 65535, Command::kTcpData, big);
    append_frame(stream, 7, Command::kTcpEof, {});

    for (const bool borrowed : {false, true}) {
        for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{8}, std::size_t{9},
                                  std::size_t{4096}, std::size_t{40000}, stream.size()}) {
            CAPTURE(borrowed);
            CAPTURE(chunk);
            FrameDecoder decoder;
            std::vector<std::vector<uint8_t>> payloads;
            std::vector<uint16_t> channels;
            for (std::size_t at = 0; at < stream.size(); at += chunk) {
                const auto piece = std::span<const uint8_t>(stream).subspan(at, std::min(chunk, stream.size() - at));
                if (!borrowed) {
                    decoder.feed(piece);
                    for (const auto& frame : drain(decoder, payloads)) channels.push_back(frame.channel);
                    continue;
                }
                // Each read in a buffer of its own, overwritten after keep_rest() as the mux's read buffer is.
                std::vector<uint8_t> read(piece.begin(), piece.end());
                decoder.feed_borrowed(read);
                CHECK(decoder.pending_bytes() >= read.size());
                for (const auto& frame : drain(decoder, payloads)) channels.push_back(frame.channel);
                decoder.keep_rest();
                std::fill(read.begin(), read.end(), uint8_t{0xee});
            }
            CHECK(decoder.error().empty());
            CHECK(decoder.pending_bytes() == 0);
            REQUIRE(channels == std::vector<uint16_t>{1, 0, 65535, 7});
            CHECK(payloads[0] == bytes("2,10.0.0.1,80"));
            CHECK(payloads[1].empty());
            CHECK(payloads[2] == big);
        }
    }
}

TEST_CASE("frame: a borrowed feed hands out whole frames in place and copies only what completes a held one") {
    std::vector<uint8_t> stream;
    append_frame(stream, 1, Command::kTcpData, bytes("held across reads"));
    append_frame(stream, 2, Command::kTcpData, bytes("in place"));
    append_frame(stream, 3, Command::kTcpData, bytes("cut"));
    const std::size_t first_read = 12;  // the header and a few bytes of frame 1
    FrameDecoder decoder;
    decoder.feed_borrowed(std::span<const uint8_t>(stream).first(first_read));
    CHECK_FALSE(decoder.next());
    decoder.keep_rest();
    CHECK(decoder.pending_bytes() == first_read);

    const std::vector<uint8_t> second(stream.begin() + first_read, stream.end() - 1);  // frame 3 one byte short
    decoder.feed_borrowed(second);
    auto one = decoder.next();
    REQUIRE(one);
    CHECK(std::string(one->payload.begin(), one->payload.end()) == "held across reads");
    auto two = decoder.next();
    REQUIRE(two);
    CHECK(std::string(two->payload.begin(), two->payload.end()) == "in place");
    CHECK(two->payload.data() >= second.data());  // not copied: it points into the read itself
    CHECK(two->payload.data() < second.data() + second.size());
    CHECK_FALSE(decoder.next());
    decoder.keep_rest();
    CHECK(decoder.pending_bytes() == kHeaderSize + 3 - 1);

    decoder.feed(std::span<const uint8_t>(stream).last(1));
    auto three = decoder.next();
    REQUIRE(three);
    CHECK(std::string(three->payload.begin(), three->payload.end()) == "cut");
}

TEST_CASE("frame: bad magic after a held tail is the same sticky error with borrowed feeds") {
    std::vector<uint8_t> stream;
    append_frame(stream, 1, Command::kTcpData, bytes("ok"));
    const std::string bad("XY\0\1\x42\x06\0\0", 8);
    stream.insert(stream.end(), bad.begin(), bad.end());
    FrameDecoder decoder;
    decoder.feed_borrowed(std::span<const uint8_t>(stream).first(5));
    CHECK_FALSE(decoder.next());
    decoder.keep_rest();
    decoder.feed_borrowed(std::span<const uint8_t>(stream).subspan(5));
    REQUIRE(decoder.next());
    CHECK_FALSE(decoder.next());
    CHECK(decoder.error() == "bad frame magic 'XY' (expected 'SS')");
    decoder.keep_rest();
}

TEST_CASE("frame: bad magic is a sticky error naming the bytes") {
    FrameDecoder decoder;
    decoder.feed(bytes(std::string("XY\0\1\x42\x06\0\0", 8)));
    CHECK_FALSE(decoder.next());
    CHECK(decoder.error() == "bad frame magic 'XY' (expected 'SS')");
    decoder.feed(bytes(std::string("SS\0\1\x42\x06\0\0", 8)));
    CHECK_FALSE(decoder.next());
}

TEST_CASE("frame: an incomplete frame stays pending") {
    FrameDecoder decoder;
    std::vector<uint8_t> stream;
    append_frame(stream, 3, Command::kTcpData, bytes("hello"));
    stream.pop_back();
    decoder.feed(stream);
    CHECK_FALSE(decoder.next());
    CHECK(decoder.error().empty());
    CHECK(decoder.pending_bytes() == stream.size());
}

TEST_CASE("sync: junk before the NULs is skipped and the rest is left for frames") {
    SyncReader reader;
    const std::string input = std::string("motd line\n") + std::string(kSyncHeader) + "SS";
    for (std::size_t i = 0; i + 2 < input.size(); ++i) {
        CHECK(reader.state() == SyncReader::State::kNeedMore);
        CHECK(reader.feed(bytes(input.substr(i, 1))) == 1);
    }
    CHECK(reader.state() == SyncReader::State::kDone);
    CHECK(reader.feed(bytes("SS")) == 0);
}

TEST_CASE("sync: a wrong tag fails with what was received") {
    SyncReader reader;
    const std::string input = std::string("\0\0SSHUTTLE0002", 14);
    CHECK(reader.feed(bytes(input)) == input.size());
    CHECK(reader.state() == SyncReader::State::kFailed);
    CHECK(reader.error() == "expected the server's sync header 'SSHUTTLE0001', got 'SSHUTTLE0002'");
}

TEST_CASE("sync: junk lines are handed on without their line ends, the one cut by the NUL too") {
    std::vector<std::string> lines;
    SyncReader reader([&](const std::string& line) { lines.push_back(line); });
    const std::string input = std::string("motd\r\n\nhello") + std::string(kSyncHeader);
    CHECK(reader.feed(bytes(input)) == input.size());
    CHECK(reader.state() == SyncReader::State::kDone);
    CHECK(lines == std::vector<std::string>{"motd", "", "hello"});
}

TEST_CASE("sync: a junk line cut by the end of the stream is handed on there") {
    std::vector<std::string> lines;
    SyncReader reader([&](const std::string& line) { lines.push_back(line); });
    reader.feed(bytes("sh: not found"));
    CHECK(lines.empty());
    reader.end_of_stream();
    CHECK(lines == std::vector<std::string>{"sh: not found"});
}

TEST_CASE("frame: a payload longer than a frame can carry is refused, never truncated") {
    std::vector<uint8_t> out;
    std::vector<uint8_t> payload(sshuttle::mux::kMaxPayload + 1, 'x');
    CHECK_THROWS_AS(sshuttle::mux::append_frame(out, 1, sshuttle::mux::Command::kTcpData, payload), std::length_error);
    CHECK(out.empty());
    payload.pop_back();
    sshuttle::mux::append_frame(out, 1, sshuttle::mux::Command::kTcpData, payload);
    CHECK(out.size() == sshuttle::mux::kHeaderSize + sshuttle::mux::kMaxPayload);
}
