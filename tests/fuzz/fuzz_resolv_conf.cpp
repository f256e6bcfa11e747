// SPDX-License-Identifier: LGPL-2.1-or-later
// resolv.conf as the client (--dns: which nameservers to capture) and the server (where to send DNS_REQ)
// read it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/nameservers.hpp"
#include "server/nameservers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    for (const auto& endpoint : sshuttle::server::parse_resolv_conf(text))
        if (endpoint.port() != 53) __builtin_trap();
    (void)sshuttle::app::parse_nameservers(text);
    return 0;
}
