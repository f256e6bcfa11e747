// SPDX-License-Identifier: LGPL-2.1-or-later
// The line protocol between the client and the root firewall manager (upstream-compatible, plus two
// additions of ours: an optional bypass mark after GO's client pid, and `ERROR <text>` from the manager).
//
//   manager -> client   READY <method>
//   client  -> manager  ROUTES
//                       <family>,<width>,<exclude 0|1>,<ip>,<first port>,<last port>   (one per rule)
//                       NSLIST
//                       <family>,<ip>                                                (one per nameserver)
//                       PORTS <tcp v6>,<tcp v4>,<dns v6>,<dns v4>                    (0 = none)
//                       GO <udp 0|1> <uid|-> <gid|-> <tmark> <client pid>[ <bypass mark>]
//   manager -> client   STARTED   or   ERROR <one line>
//   (ours, instead of GO)   CLEANUP <GO's fields>: install nothing, remove what a manager that died left for
//   these ports (rules, hosts lines); the answer is RESTORED or ERROR <one line>, then the manager exits
//   client  -> manager  HOST <name>,<ip>   (any number, until EOF)
//   client  -> manager  QUERY_PF_NAT <family>,<proto>,<src ip>,<src port>,<dst ip>,<dst port>   (pf: after
//   manager -> client   QUERY_PF_NAT_SUCCESS <ip>,<port>  or  QUERY_PF_NAT_FAILURE <text>  STARTED, any number)
//   (ours, after STARTED, any number: -N's routes changed after a reconnect)
//   client  -> manager  ROUTES_UPDATE
//                       <route lines, as after ROUTES>
//                       ROUTES_END
//   manager -> client   ROUTES_UPDATED   or   ROUTES_UPDATE_FAILED <one line>  (the previous rules stay then)
//   The manager replaces each family's rules in one transaction of the method; nameservers, ports and GO's
//   fields stay as GO set them, and a caller who is not root is checked again as for GO.
//
// <family> is this platform's AF_INET/AF_INET6 value (2/10 on Linux), as upstream sends it. Every line,
// newline included, is at most kMaxLineBytes long: upstream's manager reads with readline(128). Only ERROR, which
// upstream has not and only our client reads, may be longer (kMaxErrorLineBytes): it may have to carry the exact
// commands that fix the machine (tproxy's policy routing).
// Parsers take one line without its '\n' and throw ProtocolError naming the bad line; formatters return the
// line with its '\n'.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/address.hpp"

namespace sshuttle::fwmgr {

/// Longest line either side may send, '\n' included.
inline constexpr size_t kMaxLineBytes = 128;
/// Longest `ERROR <text>` line, '\n' included (the client reads lines of up to 4096 bytes).
inline constexpr size_t kMaxErrorLineBytes = 1024;

class ProtocolError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

/// The four ports of the PORTS line; 0 means "not redirected".
struct Ports {
    uint16_t tcp_v6 = 0;
    uint16_t tcp_v4 = 0;
    uint16_t dns_v6 = 0;
    uint16_t dns_v4 = 0;
    auto operator<=>(const Ports&) const = default;
};

/// The fields of the GO line.
struct GoFields {
    bool udp = false;
    int64_t uid = -1;  // -1 = any user ("-")
    int64_t gid = -1;  // -1 = any group ("-")
    std::string tmark = "0x01";
    pid_t client_pid = 0;      // gets SIGINT when the manager is told to stop
    uint32_t bypass_mark = 0;  // ours; 0 = not sent
    auto operator<=>(const GoFields&) const = default;
};

/// One HOST line (--auto-hosts).
struct HostEntry {
    std::string name;
    net::IpAddress ip;
    auto operator<=>(const HostEntry&) const = default;
};

std::string format_route(const net::Subnet& rule);
net::Subnet parse_route(std::string_view line);

std::string format_nameserver(const net::IpAddress& ip);
net::IpAddress parse_nameserver(std::string_view line);

std::string format_ports(const Ports& ports);
/// Parses `PORTS a,b,c,d`.
Ports parse_ports(std::string_view line);

std::string format_go(const GoFields& go);
/// Parses `GO ...`.
GoFields parse_go(std::string_view line);

/// `CLEANUP <fields as GO>`.
std::string format_cleanup(const GoFields& go);
/// Parses `CLEANUP ...`.
GoFields parse_cleanup(std::string_view line);

/// Throws ProtocolError when the line would exceed kMaxLineBytes (a very long host name).
std::string format_host(const HostEntry& host);
/// Parses `HOST name,ip`.
HostEntry parse_host(std::string_view line);

std::string format_ready(const std::string& method);
/// The method of a `READY <method>` line; nullopt for anything else (the client skips such junk).
std::optional<std::string> parse_ready(std::string_view line);

/// `ERROR <text>`, with newlines flattened and the text cut to fit one line.
std::string format_error(const std::string& text);
/// The text of an `ERROR <text>` line; nullopt for anything else.
std::optional<std::string> parse_error(std::string_view line);

/// One QUERY_PF_NAT: an accepted connection as the client sees it (src = the peer, dst = our listener).
struct NatQuery {
    int proto = 6;  // IPPROTO_TCP
    net::Endpoint src;
    net::Endpoint dst;
    auto operator<=>(const NatQuery&) const = default;
};

/// The manager's answer: the original destination, or why there is none.
struct NatReply {
    std::optional<net::Endpoint> original_dst;
    std::string failure;  // set when original_dst is empty
};

/// `QUERY_PF_NAT <family>,<proto>,<src ip>,<src port>,<dst ip>,<dst port>`; src and dst of one family.
std::string format_nat_query(const NatQuery& query);
/// Parses a `QUERY_PF_NAT ...` line; both addresses must be of the family given.
NatQuery parse_nat_query(std::string_view line);

/// `QUERY_PF_NAT_SUCCESS <ip>,<port>`.
std::string format_nat_success(const net::Endpoint& original_dst);
/// `QUERY_PF_NAT_FAILURE <text>`, flattened to one line and cut to fit.
std::string format_nat_failure(const std::string& text);
/// Parses either answer; throws ProtocolError for any other line.
NatReply parse_nat_reply(std::string_view line);

inline constexpr std::string_view kNatQueryKeyword = "QUERY_PF_NAT";

/// `ROUTES_UPDATE_FAILED <text>`, flattened to one line and cut to fit.
std::string format_update_failure(const std::string& text);
/// The text of a `ROUTES_UPDATE_FAILED <text>` line; nullopt for anything else.
std::optional<std::string> parse_update_failure(std::string_view line);

inline constexpr std::string_view kRoutesUpdateLine = "ROUTES_UPDATE";
inline constexpr std::string_view kRoutesEndLine = "ROUTES_END";
inline constexpr std::string_view kRoutesUpdatedLine = "ROUTES_UPDATED";
inline constexpr std::string_view kRoutesUpdateFailedKeyword = "ROUTES_UPDATE_FAILED";

inline constexpr std::string_view kRoutesLine = "ROUTES";
inline constexpr std::string_view kNslistLine = "NSLIST";
inline constexpr std::string_view kStartedLine = "STARTED";
inline constexpr std::string_view kRestoredLine = "RESTORED";
inline constexpr std::string_view kCleanupKeyword = "CLEANUP";

}  // namespace sshuttle::fwmgr
