// SPDX-License-Identifier: LGPL-2.1-or-later
// resolv.conf as the client (--dns: which nameservers to capture) and the server (where to send DNS_REQ) read
// it: net::parse_resolv_conf.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/resolv_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const auto& address : sshuttle::net::parse_resolv_conf(text))
        if (address.family != sshuttle::net::Family::kIPv4 && address.family != sshuttle::net::Family::kIPv6)
            __builtin_trap();
    return 0;
}
