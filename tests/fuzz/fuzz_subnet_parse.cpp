// SPDX-License-Identifier: LGPL-2.1-or-later
// Subnet and address syntax (subnets, -x, -l, --to-ns). Inputs that would be looked up as host names are
// skipped: name resolution is the system's, and asking DNS from a fuzzer is slow and not ours to test. Longer
// inputs than any address can be are always tried (with letters too): each parser must refuse them before it
// matches a pattern (std::regex recursed once per character: a 50 KB subnet crashed the client). run with
// -max_len beyond the bound (tests/fuzz/CMakeLists.txt).
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "net/ipport_parse.hpp"
#include "net/parse_error.hpp"
#include "net/subnet_parse.hpp"
#include "net/text_limit.hpp"

namespace {

// Letters other than hex digits (or hex digits without any ':') would make a name to resolve.
bool needs_resolver(const std::string& text) {
    const bool is_v6 = text.find(':') != std::string::npos;
    return std::any_of(text.begin(), text.end(), [&](unsigned char c) {
        return std::isalpha(c) && !(is_v6 && std::isxdigit(c));
    });
}

// Text longer than any address can be must be refused, whatever it holds.
template <class Parse>
void expect_refused(Parse parse) {
    try {
        parse();
    } catch (const sshuttle::net::ParseError&) {
        return;
    }
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const bool over_bound = text.size() > sshuttle::net::kMaxAddressText;
    if (!over_bound && needs_resolver(text)) return 0;
    std::vector<std::string> warnings;
    if (over_bound) {
        expect_refused([&] { (void)sshuttle::net::parse_subnetport(text, &warnings); });
        expect_refused([&] { (void)sshuttle::net::parse_ipport(text, &warnings); });
        expect_refused([&] { (void)sshuttle::net::parse_to_ns(text, &warnings); });
        return 0;
    }
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
