// SPDX-License-Identifier: LGPL-2.1-or-later
// What the native code says about the things the Python fallback server must spell the same way, printed for
// pin_test.py: `pin_dump constants` (wire constants, command numbers and names, exit statuses) and
// `pin_dump resolv-conf` (the nameservers of the resolv.conf text on stdin, as hex bytes, one a line).
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

#include "mux/frame.hpp"
#include "mux/payloads.hpp"
#include "net/resolv_conf.hpp"
#include "util/exit_status.hpp"

namespace {

std::string hex(std::string_view bytes) {
    std::string out;
    char two[3];
    for (unsigned char c : bytes) {
        std::snprintf(two, sizeof two, "%02x", c);
        out += two;
    }
    return out;
}

void print_constants() {
    namespace mux = sshuttle::mux;
    std::cout << "SYNC_HEADER " << hex(mux::kSyncHeader) << "\n";
    std::cout << "HEADER_SIZE " << mux::kHeaderSize << "\n";
    std::cout << "MAX_PAYLOAD " << mux::kMaxPayload << "\n";
    std::cout << "WIRE_FAMILY_IPV4 " << mux::kWireFamilyIPv4 << "\n";
    std::cout << "WIRE_FAMILY_IPV6 " << mux::kWireFamilyIPv6 << "\n";
    std::cout << "EXIT_USAGE " << sshuttle::util::kExitUsage << "\n";
    for (unsigned value = 0x4200; mux::is_known_command(static_cast<uint16_t>(value)); ++value)
        std::cout << "COMMAND " << value << " " << mux::command_name(static_cast<uint16_t>(value)) << "\n";
}

void print_nameservers() {
    const std::string text(std::istreambuf_iterator<char>(std::cin), {});
    for (const auto& address : sshuttle::net::parse_resolv_conf(text)) {
        const std::size_t size = address.family == sshuttle::net::Family::kIPv4 ? 4 : 16;
        std::cout << hex(std::string_view(reinterpret_cast<const char*>(address.bytes.data()), size)) << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc == 2 ? argv[1] : "";
    if (mode == "constants") {
        print_constants();
    } else if (mode == "resolv-conf") {
        print_nameservers();
    } else {
        std::cerr << "usage: pin_dump constants|resolv-conf\n";
        return 2;
    }
    return 0;
}
