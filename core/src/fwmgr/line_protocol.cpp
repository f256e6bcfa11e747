// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/line_protocol.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <charconv>
#include <limits>
#include <vector>

#include "common/untrusted_text.hpp"

namespace sshuttle::fwmgr {
namespace {

[[noreturn]] void fail(std::string_view kind, std::string_view line, const std::string& why) {
    // Escaped: the line may come from a local user feeding the root manager.
    throw ProtocolError("invalid " + std::string(kind) + " line '" + common::escape_untrusted(line, 128) + "': " + why);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        size_t end = text.find(separator, start);
        if (end == std::string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
}

/// A plain decimal number in [0, max]: no sign, no spaces, nothing after it.
template <typename T>
bool parse_decimal(std::string_view text, T max, T& out) {
    uint64_t value = 0;
    if (text.empty() || text.size() > 19) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
    if (ec != std::errc() || end != text.data() + text.size() || value > static_cast<uint64_t>(max)) return false;
    out = static_cast<T>(value);
    return true;
}

/// `0x` and 1 to 8 hex digits: a 32-bit netfilter mark.
bool parse_mark(std::string_view text, uint32_t& out) {
    if (text.size() < 3 || text.size() > 10 || text.substr(0, 2) != "0x") return false;
    auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), out, 16);
    return ec == std::errc() && end == text.data() + text.size();
}

int wire_family(net::Family family) { return family == net::Family::kIPv6 ? AF_INET6 : AF_INET; }

bool parse_family(std::string_view text, net::Family& out) {
    int value = 0;
    if (!parse_decimal(text, 255, value)) return false;
    if (value == AF_INET)
        out = net::Family::kIPv4;
    else if (value == AF_INET6)
        out = net::Family::kIPv6;
    else
        return false;
    return true;
}

bool parse_address(net::Family family, std::string_view text, net::IpAddress& out) {
    return net::IpAddress::parse(std::string(text), out) && out.family == family;
}

/// The part after `<keyword> `; fails when the line does not start with it.
std::string_view after_keyword(std::string_view line, std::string_view keyword) {
    if (line.size() <= keyword.size() || line.substr(0, keyword.size()) != keyword || line[keyword.size()] != ' ')
        fail(keyword, line, "expected '" + std::string(keyword) + " ...'");
    return line.substr(keyword.size() + 1);
}

std::string checked_line(std::string line) {
    line += '\n';
    if (line.size() > kMaxLineBytes)
        throw ProtocolError("line longer than " + std::to_string(kMaxLineBytes) + " bytes: '" + line.substr(0, 40) +
                            "...'");
    return line;
}

std::string id_text(int64_t id) { return id < 0 ? "-" : std::to_string(id); }

bool parse_id(std::string_view text, int64_t& out) {
    if (text == "-") {
        out = -1;
        return true;
    }
    return parse_decimal(text, int64_t{std::numeric_limits<uint32_t>::max()}, out);
}

/// "<ip>,<port>" of one family; false when malformed.
bool parse_endpoint(net::Family family, std::string_view ip, std::string_view port, net::Endpoint& out) {
    return parse_address(family, ip, out.address) &&
           parse_decimal(port, std::numeric_limits<uint16_t>::max(), out.port);
}

/// text as the tail of one line: newlines flattened, cut so that `prefix text\n` fits max_bytes.
std::string one_line_tail(std::string_view prefix, const std::string& text, size_t max_bytes = kMaxLineBytes) {
    std::string line = std::string(prefix) + text;
    for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';
    if (line.size() > max_bytes - 1) line = line.substr(0, max_bytes - 4) + "...";
    return line + '\n';
}

}  // namespace

std::string format_route(const net::Subnet& rule) {
    return checked_line(std::to_string(wire_family(rule.address.family)) + "," + std::to_string(rule.prefix) + "," +
                        (rule.exclude ? "1" : "0") + "," + rule.address.to_string() + "," +
                        std::to_string(rule.port_first) + "," + std::to_string(rule.port_last));
}

net::Subnet parse_route(std::string_view line) {
    auto fields = split(line, ',');
    if (fields.size() != 6) fail("route", line, "expected 6 comma-separated fields");
    net::Subnet rule;
    net::Family family{};
    if (!parse_family(fields[0], family))
        fail("route", line, "unknown address family '" + std::string(fields[0]) + "'");
    if (!parse_address(family, fields[3], rule.address))
        fail("route", line, "bad address '" + std::string(fields[3]) + "'");
    if (!parse_decimal(fields[1], rule.address.max_prefix(), rule.prefix))
        fail("route", line, "bad prefix '" + std::string(fields[1]) + "'");
    if (fields[2] != "0" && fields[2] != "1") fail("route", line, "exclude flag must be 0 or 1");
    rule.exclude = fields[2] == "1";
    uint16_t max_port = std::numeric_limits<uint16_t>::max();
    if (!parse_decimal(fields[4], max_port, rule.port_first) || !parse_decimal(fields[5], max_port, rule.port_last))
        fail("route", line, "bad port range");
    if (rule.port_first > rule.port_last) fail("route", line, "first port > last port");
    return rule;
}

std::string format_nameserver(const net::IpAddress& ip) {
    return checked_line(std::to_string(wire_family(ip.family)) + "," + ip.to_string());
}

net::IpAddress parse_nameserver(std::string_view line) {
    auto fields = split(line, ',');
    if (fields.size() != 2) fail("nameserver", line, "expected <family>,<ip>");
    net::Family family{};
    if (!parse_family(fields[0], family))
        fail("nameserver", line, "unknown address family '" + std::string(fields[0]) + "'");
    net::IpAddress ip;
    if (!parse_address(family, fields[1], ip)) fail("nameserver", line, "bad address '" + std::string(fields[1]) + "'");
    return ip;
}

std::string format_ports(const Ports& ports) {
    return checked_line("PORTS " + std::to_string(ports.tcp_v6) + "," + std::to_string(ports.tcp_v4) + "," +
                        std::to_string(ports.dns_v6) + "," + std::to_string(ports.dns_v4));
}

Ports parse_ports(std::string_view line) {
    auto fields = split(after_keyword(line, "PORTS"), ',');
    if (fields.size() != 4) fail("PORTS", line, "expected 4 comma-separated ports");
    Ports ports;
    uint16_t max_port = std::numeric_limits<uint16_t>::max();
    if (!parse_decimal(fields[0], max_port, ports.tcp_v6) || !parse_decimal(fields[1], max_port, ports.tcp_v4) ||
        !parse_decimal(fields[2], max_port, ports.dns_v6) || !parse_decimal(fields[3], max_port, ports.dns_v4))
        fail("PORTS", line, "ports must be numbers 0-65535");
    return ports;
}

std::string format_go(const GoFields& go) {
    std::string line = "GO " + std::string(go.udp ? "1" : "0") + " " + id_text(go.uid) + " " + id_text(go.gid) + " " +
                       go.tmark + " " + std::to_string(go.client_pid);
    if (go.bypass_mark != 0) line += " " + fmt::format("{:#x}", go.bypass_mark);
    return checked_line(line);
}

GoFields parse_go(std::string_view line) {
    auto fields = split(after_keyword(line, "GO"), ' ');
    if (fields.size() != 5 && fields.size() != 6)
        fail("GO", line, "expected <udp> <uid|-> <gid|-> <tmark> <client pid>[ <bypass mark>]");
    GoFields go;
    if (fields[0] != "0" && fields[0] != "1") fail("GO", line, "udp flag must be 0 or 1");
    go.udp = fields[0] == "1";
    if (!parse_id(fields[1], go.uid)) fail("GO", line, "bad uid '" + std::string(fields[1]) + "'");
    if (!parse_id(fields[2], go.gid)) fail("GO", line, "bad gid '" + std::string(fields[2]) + "'");
    uint32_t mark = 0;
    if (!parse_mark(fields[3], mark)) fail("GO", line, "bad tmark '" + std::string(fields[3]) + "'");
    go.tmark = std::string(fields[3]);
    if (!parse_decimal(fields[4], pid_t{std::numeric_limits<pid_t>::max()}, go.client_pid) || go.client_pid == 0)
        fail("GO", line, "bad client pid '" + std::string(fields[4]) + "'");
    if (fields.size() == 6 && (!parse_mark(fields[5], go.bypass_mark) || go.bypass_mark == 0))
        fail("GO", line, "bad bypass mark '" + std::string(fields[5]) + "'");
    return go;
}

std::string format_cleanup(const GoFields& go) {
    return std::string(kCleanupKeyword) + format_go(go).substr(2);  // "GO" -> "CLEANUP", the fields unchanged
}

GoFields parse_cleanup(std::string_view line) {
    return parse_go("GO " + std::string(after_keyword(line, kCleanupKeyword)));
}

std::string format_host(const HostEntry& host) {
    return checked_line("HOST " + host.name + "," + host.ip.to_string());
}

HostEntry parse_host(std::string_view line) {
    std::string_view rest = after_keyword(line, "HOST");
    size_t comma = rest.rfind(',');
    if (comma == std::string_view::npos || comma == 0) fail("HOST", line, "expected <name>,<ip>");
    HostEntry host;
    host.name = std::string(rest.substr(0, comma));
    if (host.name.find_first_of(" \t,") != std::string::npos) fail("HOST", line, "bad host name");
    std::string_view ip = rest.substr(comma + 1);
    if (!parse_address(net::Family::kIPv4, ip, host.ip) && !parse_address(net::Family::kIPv6, ip, host.ip))
        fail("HOST", line, "bad address '" + std::string(ip) + "'");
    return host;
}

std::string format_ready(const std::string& method) { return checked_line("READY " + method); }

std::optional<std::string> parse_ready(std::string_view line) {
    constexpr std::string_view kPrefix = "READY ";
    if (line.size() <= kPrefix.size() || line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    std::string method(line.substr(kPrefix.size()));
    if (method.find_first_of(" \t\r") != std::string::npos) return std::nullopt;
    return method;
}

std::string format_error(const std::string& text) { return one_line_tail("ERROR ", text, kMaxErrorLineBytes); }

std::optional<std::string> parse_error(std::string_view line) {
    constexpr std::string_view kPrefix = "ERROR ";
    if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
    return std::string(line.substr(kPrefix.size()));
}

std::string format_nat_query(const NatQuery& query) {
    if (query.src.address.family != query.dst.address.family)
        throw ProtocolError("QUERY_PF_NAT: source " + query.src.to_string() + " and destination " +
                            query.dst.to_string() + " differ in address family");
    return checked_line(std::string(kNatQueryKeyword) + " " + std::to_string(wire_family(query.src.address.family)) +
                        "," + std::to_string(query.proto) + "," + query.src.address.to_string() + "," +
                        std::to_string(query.src.port) + "," + query.dst.address.to_string() + "," +
                        std::to_string(query.dst.port));
}

NatQuery parse_nat_query(std::string_view line) {
    auto fields = split(after_keyword(line, kNatQueryKeyword), ',');
    if (fields.size() != 6)
        fail(kNatQueryKeyword, line, "expected <family>,<proto>,<src ip>,<src port>,<dst ip>,<dst port>");
    net::Family family{};
    if (!parse_family(fields[0], family))
        fail(kNatQueryKeyword, line, "unknown address family '" + std::string(fields[0]) + "'");
    NatQuery query;
    if (!parse_decimal(fields[1], 255, query.proto) || query.proto == 0)
        fail(kNatQueryKeyword, line, "bad protocol '" + std::string(fields[1]) + "'");
    if (!parse_endpoint(family, fields[2], fields[3], query.src))
        fail(kNatQueryKeyword, line, "bad source '" + std::string(fields[2]) + "," + std::string(fields[3]) + "'");
    if (!parse_endpoint(family, fields[4], fields[5], query.dst))
        fail(kNatQueryKeyword, line,
             "bad destination '" + std::string(fields[4]) + "," + std::string(fields[5]) + "'");
    return query;
}

std::string format_nat_success(const net::Endpoint& original_dst) {
    return checked_line("QUERY_PF_NAT_SUCCESS " + original_dst.address.to_string() + "," +
                        std::to_string(original_dst.port));
}

std::string format_nat_failure(const std::string& text) { return one_line_tail("QUERY_PF_NAT_FAILURE ", text); }

std::string format_update_failure(const std::string& text) {
    return one_line_tail(std::string(kRoutesUpdateFailedKeyword) + " ", text);
}

std::optional<std::string> parse_update_failure(std::string_view line) {
    const std::string prefix = std::string(kRoutesUpdateFailedKeyword) + " ";
    if (!line.starts_with(prefix)) return std::nullopt;
    return std::string(line.substr(prefix.size()));
}

NatReply parse_nat_reply(std::string_view line) {
    constexpr std::string_view kSuccess = "QUERY_PF_NAT_SUCCESS ";
    constexpr std::string_view kFailure = "QUERY_PF_NAT_FAILURE ";
    NatReply reply;
    if (line.starts_with(kFailure)) {
        reply.failure = std::string(line.substr(kFailure.size()));
        return reply;
    }
    if (!line.starts_with(kSuccess)) fail("QUERY_PF_NAT reply", line, "expected QUERY_PF_NAT_SUCCESS or _FAILURE");
    std::string_view rest = line.substr(kSuccess.size());
    size_t comma = rest.rfind(',');
    net::Endpoint dst;
    // The manager answers in the query's family; either is accepted here.
    if (comma == std::string_view::npos ||
        (!parse_endpoint(net::Family::kIPv4, rest.substr(0, comma), rest.substr(comma + 1), dst) &&
         !parse_endpoint(net::Family::kIPv6, rest.substr(0, comma), rest.substr(comma + 1), dst)))
        fail("QUERY_PF_NAT reply", line, "expected <ip>,<port>");
    reply.original_dst = dst;
    return reply;
}

}  // namespace sshuttle::fwmgr
