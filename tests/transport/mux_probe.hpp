// SPDX-License-Identifier: LGPL-2.1-or-later
// Speaking a few mux frames to a started real server (our helper or upstream's): the frames after the
// sync header are well-formed, ROUTES comes, and a PING comes back as a PONG. Frame layout from the wire
// protocol: 'S' 'S' u16 channel, u16 command, u16 length (big-endian), then the payload.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <string>

#include "stand_in_server.hpp"

namespace sshuttle::test {

inline constexpr uint16_t kCmdPing = 0x4201;
inline constexpr uint16_t kCmdPong = 0x4202;
inline constexpr uint16_t kCmdRoutes = 0x4207;

struct Frame {
    uint16_t channel = 0;
    uint16_t command = 0;
    std::string payload;
};

inline Frame read_frame(int fd) {
    unsigned char header[8];
    read_exact(fd, reinterpret_cast<char*>(header), sizeof header);
    REQUIRE(header[0] == 'S');
    REQUIRE(header[1] == 'S');
    Frame frame;
    frame.channel = static_cast<uint16_t>(header[2] << 8 | header[3]);
    frame.command = static_cast<uint16_t>(header[4] << 8 | header[5]);
    frame.payload.resize(static_cast<size_t>(header[6] << 8 | header[7]));
    if (!frame.payload.empty()) read_exact(fd, frame.payload.data(), frame.payload.size());
    return frame;
}

inline void write_frame(int fd, uint16_t channel, uint16_t command, const std::string& payload) {
    std::string bytes = {'S', 'S', static_cast<char>(channel >> 8), static_cast<char>(channel & 0xff),
                         static_cast<char>(command >> 8), static_cast<char>(command & 0xff),
                         static_cast<char>(payload.size() >> 8), static_cast<char>(payload.size() & 0xff)};
    bytes += payload;
    REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
}

/// Reads frames until one with command arrives (the server may send others first, e.g. its own PING).
inline Frame read_until(int fd, uint16_t command) {
    for (int i = 0; i < 16; ++i) {
        Frame frame = read_frame(fd);
        if (frame.command == command) return frame;
    }
    FAIL("no frame with command " << command << " among the first 16");
    return {};
}

/// A ROUTES on channel 0 comes, and a PING is answered by a PONG with the same payload.
inline void check_real_server(int fd) {
    Frame routes = read_until(fd, kCmdRoutes);
    CHECK(routes.channel == 0);
    write_frame(fd, 0, kCmdPing, "probe");
    Frame pong = read_until(fd, kCmdPong);
    CHECK(pong.payload == "probe");
}

/// Path of the helper built in this tree (test_transport depends on the target).
inline std::string built_helper() { return std::string(SSHUTTLE_TEST_SERVER_HELPER); }

}  // namespace sshuttle::test
