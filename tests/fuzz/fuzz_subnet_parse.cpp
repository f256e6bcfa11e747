// SPDX-License-Identifier: LGPL-2.1-or-later
// Subnet and address syntax (subnets, -x, -l, --to-ns). Inputs that would be looked up as host names are
// skipped: name resolution is the system's, and asking DNS from a fuzzer is slow and not ours to test.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "net/ipport_parse.hpp"
#include "net/parse_error.hpp"
#include "net/subnet_parse.hpp"

namespace {

// Letters other than hex digits (or hex digits without any ':') would make a name to resolve.
bool needs_resolver(const std::string& text) {
    const bool is_v6 = text.find(':') != std::string::npos;
    return std::any_of(text.begin(), text.end(), [&](unsigned char c) {
        return std::isalpha(c) && !(is_v6 && std::isxdigit(c));
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (needs_resolver(text)) return 0;
    std::vector<std::string> warnings;
    try {
        for (const auto& subnet : sshuttle::net::parse_subnetport(text, &warnings)) {
            if (subnet.prefix < 0 || subnet.prefix > subnet.address.max_prefix()) __builtin_trap();
            if (subnet.port_last < subnet.port_first) __builtin_trap();
        }
    } catch (const sshuttle::net::ParseError&) {
    }
    try {
        (void)sshuttle::net::parse_ipport(text, &warnings);
    } catch (const sshuttle::net::ParseError&) {
    }
    try {
        (void)sshuttle::net::parse_to_ns(text, &warnings);
    } catch (const sshuttle::net::ParseError&) {
    }
    return 0;
}
