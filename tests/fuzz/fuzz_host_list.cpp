// SPDX-License-Identifier: LGPL-2.1-or-later
// The client's reader of the server's CMD_HOST_LIST (-H), whose names reach /etc/hosts through the root manager.
// The first byte picks where the input is cut into frames, as a server may cut its lines anywhere. Whatever the
// bytes, every name that comes out must be a strict host name and never localhost.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/host_list.hpp"
#include "net/host_name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = [] {
        spdlog::set_level(spdlog::level::off);  // one warning per refused line would drown the fuzzer's output
        return true;
    }();
    (void)quiet;
    if (size == 0) return 0;
    const std::size_t cut = 1 + data[0] % 64;
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    sshuttle::client::HostListReader reader;
    while (!rest.empty()) {
        const std::string_view frame = rest.substr(0, cut);
        rest.remove_prefix(frame.size());
        for (const auto& host : reader.feed(frame)) {
            if (!sshuttle::net::is_valid_host_name(host.name) || sshuttle::net::is_localhost_name(host.name))
                __builtin_trap();
        }
    }
    return 0;
}
