// SPDX-License-Identifier: LGPL-2.1-or-later
// The ASCII payloads of the mux commands (TCP_CONNECT, ROUTES, HOST_LIST lines, UDP_DATA); what parses must
// format back to something that parses the same.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "mux/payloads.hpp"

using namespace sshuttle::mux;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> payload(data, size);
    std::string error;
    if (auto connect = parse_tcp_connect(payload, error)) {
        const std::string again = format_tcp_connect(*connect);
        auto reparsed = parse_tcp_connect(text_bytes(again), error);
        // A zone id ("::%-2") does not come back as written: only the text without one is compared.
        const bool has_zone = as_text(payload).find('%') != std::string_view::npos;
        if (!has_zone && (!reparsed || reparsed->address != connect->address || reparsed->port != connect->port))
            __builtin_trap();
    }
    if (auto routes = parse_routes(payload, error)) {
        const std::string again = format_routes(*routes);
        auto reparsed = parse_routes(text_bytes(again), error);
        if (!reparsed || reparsed->size() != routes->size()) __builtin_trap();
    }
    std::string buffer(as_text(payload));
    for (const auto& line : take_complete_lines(buffer)) {
        if (line.find('\n') != std::string::npos) __builtin_trap();
    }
    if (auto datagram = parse_udp_data(payload, error)) {
        if (datagram->data.data() < data || datagram->data.data() + datagram->data.size() > data + size)
            __builtin_trap();
    }
    return 0;
}
