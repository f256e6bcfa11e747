// SPDX-License-Identifier: LGPL-2.1-or-later
// The text formats the hostwatch reads: hosts files, its cache, /proc/net/arp, `ip -6 neigh` and `getent hosts`.
// Pure functions, so every quirk is unit-tested without touching the machine's files.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace sshuttle::server {

/// One address with the names given for it (a hosts-file line, a `getent hosts` line).
struct NamedAddress {
    boost::asio::ip::address address;
    std::vector<std::string> names;
};

/// Lines of a hosts file (or `getent hosts` output): "ip name [aliases...]", '#' comments. Lines with a bad
/// address are skipped.
std::vector<NamedAddress> parse_hosts_text(std::string_view text);

/// The hostwatch cache: "name,ip" lines (the same form as HOST_LIST). Bad lines are skipped.
std::vector<NamedAddress> parse_cache_text(std::string_view text);

/// The IPv4 neighbours of /proc/net/arp (header skipped, incomplete entries with flags 0x0 skipped).
std::vector<boost::asio::ip::address> parse_proc_net_arp(std::string_view text);

/// The neighbours of `ip [-6] neigh show` output, without FAILED and INCOMPLETE entries.
std::vector<boost::asio::ip::address> parse_ip_neigh(std::string_view text);

/// True for a name worth announcing: letters, digits, '-', '_' and '.', not "localhost", at most 253 bytes.
bool is_acceptable_host_name(std::string_view name);

/// True for addresses nobody should be sent to a remote for: loopback, unspecified, multicast, broadcast
/// (upstream drops 127.* and 255.*), and IPv6 link-local (meaningless without the server's interface).
bool is_ignored_address(const boost::asio::ip::address& address);

/// The names to announce for one found name: the name itself and, for a dotted name, its first label too
/// (upstream does the same, so "db.corp.example" is also reachable as "db").
std::vector<std::string> names_to_announce(const std::string& name);

}  // namespace sshuttle::server
