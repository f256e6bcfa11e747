// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/port_owner.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sshuttle::fwmgr {
namespace {

constexpr std::string_view kTcpListen = "0A";  // TCP_LISTEN in the "st" column
constexpr std::string_view kUdpUnconnected = "07";  // TCP_CLOSE: a UDP socket with no connected peer

bool hex_port(std::string_view local_address, uint16_t& port) {
    const auto colon = local_address.rfind(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view hex = local_address.substr(colon + 1);
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), port, 16);
    return ec == std::errc() && end == hex.data() + hex.size();
}

std::string read_all(const char* path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::set<uid_t> owners_in_table(std::string_view table, uint16_t port, SocketKind kind) {
    std::set<uid_t> owners;
    std::istringstream lines{std::string(table)};
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
        std::istringstream words(line);
        std::vector<std::string> fields;
        for (std::string word; fields.size() < 8 && words >> word;) fields.push_back(word);
        if (fields.size() < 8) continue;
        uint16_t local_port = 0;
        if (!hex_port(fields[1], local_port) || local_port != port) continue;
        if (fields[3] != (kind == SocketKind::kTcpListen ? kTcpListen : kUdpUnconnected)) continue;
        uid_t uid = 0;
        auto [end, ec] = std::from_chars(fields[7].data(), fields[7].data() + fields[7].size(), uid, 10);
        if (ec != std::errc() || end != fields[7].data() + fields[7].size()) continue;
        owners.insert(uid);
    }
    return owners;
}

std::set<uid_t> socket_owners(uint16_t port, SocketKind kind) {
    std::set<uid_t> owners;
    const bool tcp = kind == SocketKind::kTcpListen;
    for (const char* path : {tcp ? "/proc/net/tcp" : "/proc/net/udp", tcp ? "/proc/net/tcp6" : "/proc/net/udp6"})
        owners.merge(owners_in_table(read_all(path), port, kind));
    return owners;
}

}  // namespace sshuttle::fwmgr
