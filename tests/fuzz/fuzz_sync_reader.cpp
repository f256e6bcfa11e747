// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's preamble as the client's transport reads it byte by byte (motd lines, NULs, the magic).
#include <cstddef>
#include <cstdint>
#include <string>

#include "transport/server_launch.hpp"
#include "transport/sync_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::size_t at = 0;
    const auto read_byte = [&](char& c) {
        if (at == size) return false;
        c = static_cast<char>(data[at++]);
        return true;
    };
    try {
        sshuttle::transport::read_sync_header(read_byte, [](const std::string& line) {
            if (line.find('\n') != std::string::npos) __builtin_trap();
        });
    } catch (const sshuttle::transport::TransportError&) {
    }
    return 0;
}
