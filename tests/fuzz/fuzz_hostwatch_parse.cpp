// SPDX-License-Identifier: LGPL-2.1-or-later
// What the hostwatch reads: hosts files and its cache, /proc/net/arp, `ip neigh` and `getent hosts` output.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/hostwatch_parse.hpp"

using namespace sshuttle::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const auto& entry : parse_hosts_text(text))
        for (const auto& name : entry.names) (void)names_to_announce(name);
    for (const auto& entry : parse_cache_text(text)) (void)is_ignored_address(entry.address);
    for (const auto& address : parse_proc_net_arp(text)) (void)is_ignored_address(address);
    for (const auto& address : parse_ip_neigh(text)) (void)is_ignored_address(address);
    (void)is_acceptable_host_name(text);
    return 0;
}
