// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mux/payloads.hpp"

#include <charconv>

#include <fmt/format.h>

#include "common/untrusted_text.hpp"

namespace sshuttle::mux {
namespace {

// The peer's text as it may appear in an error that ends up in a log: escaped and cut short.
std::string shown(std::string_view text) { return common::escape_untrusted(text, 64); }

// Splits text at the first `count` commas; the last field keeps any further commas.
std::vector<std::string_view> split_fields(std::string_view text, std::size_t count) {
    std::vector<std::string_view> fields;
    while (fields.size() < count) {
        const auto comma = text.find(',');
        if (comma == std::string_view::npos) break;
        fields.push_back(text.substr(0, comma));
        text.remove_prefix(comma + 1);
    }
    fields.push_back(text);
    return fields;
}

template <typename T>
bool parse_number(std::string_view text, T max, T& out) {
    T value{};
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty() || value > max) return false;
    out = value;
    return true;
}

bool parse_port(std::string_view text, uint16_t& out) {
    unsigned value = 0;
    if (!parse_number<unsigned>(text, 65535, value)) return false;
    out = static_cast<uint16_t>(value);
    return true;
}

}  // namespace

int wire_family(const boost::asio::ip::address& address) {
    return address.is_v4() ? kWireFamilyIPv4 : kWireFamilyIPv6;
}

std::string format_tcp_connect(const ConnectRequest& request) {
    return fmt::format("{},{},{}", wire_family(request.address), request.address.to_string(), request.port);
}

std::optional<ConnectRequest> parse_tcp_connect(std::span<const uint8_t> payload, std::string& error) {
    const auto text = as_text(payload);
    const auto fields = split_fields(text, 2);
    int family = 0;
    ConnectRequest request;
    if (fields.size() != 3 || !parse_number<int>(fields[0], 65535, family)) {
        error = fmt::format("invalid TCP_CONNECT '{}': expected 'family,ip,port'", shown(text));
        return std::nullopt;
    }
    auto address = net::parse_address(fields[1]);
    if (!address || address->is_v4() != (family == kWireFamilyIPv4)) {
        error = fmt::format("invalid TCP_CONNECT '{}': bad address for family {}", shown(text), family);
        return std::nullopt;
    }
    if (!parse_port(fields[2], request.port)) {
        error = fmt::format("invalid TCP_CONNECT '{}': bad port", shown(text));
        return std::nullopt;
    }
    request.address = *address;
    return request;
}

std::string format_routes(const std::vector<RouteLine>& routes) {
    std::string out;
    for (const auto& route : routes) {
        out += fmt::format("{},{},{}\n", wire_family(route.address), route.address.to_string(), route.width);
    }
    return out;
}

std::optional<std::vector<RouteLine>> parse_routes(std::span<const uint8_t> payload, std::string& error) {
    std::string text(as_text(payload));
    std::vector<RouteLine> routes;
    for (const auto& line : take_complete_lines(text)) {
        if (line.empty()) continue;
        const auto fields = split_fields(line, 2);
        RouteLine route;
        auto address = fields.size() == 3 ? net::parse_address(fields[1]) : std::nullopt;
        const int max_width = address && address->is_v4() ? 32 : 128;
        if (!address || !parse_number<int>(fields[2], max_width, route.width)) {
            error = fmt::format("invalid route '{}': expected 'family,ip,width'", shown(line));
            return std::nullopt;
        }
        route.address = *address;
        routes.push_back(route);
    }
    if (!text.empty()) {
        error = fmt::format("invalid route '{}': line not terminated", shown(text));
        return std::nullopt;
    }
    return routes;
}

std::vector<std::string> take_complete_lines(std::string& buffer) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n', start)) {
        lines.push_back(buffer.substr(start, nl - start));
        start = nl + 1;
    }
    buffer.erase(0, start);
    return lines;
}

std::vector<uint8_t> format_udp_data(const boost::asio::ip::address& address, uint16_t port,
                                     std::span<const uint8_t> data) {
    const auto prefix = fmt::format("{},{},", address.to_string(), port);
    std::vector<uint8_t> out(prefix.begin(), prefix.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::optional<UdpDatagram> parse_udp_data(std::span<const uint8_t> payload, std::string& error) {
    const auto text = as_text(payload);
    const auto fields = split_fields(text, 2);
    UdpDatagram datagram;
    auto address = fields.size() == 3 ? net::parse_address(fields[0]) : std::nullopt;
    if (!address || !parse_port(fields[1], datagram.port)) {
        error = fmt::format("invalid UDP_DATA header '{}': expected 'ip,port,'", shown(text));
        return std::nullopt;
    }
    datagram.address = *address;
    datagram.data = payload.subspan(payload.size() - fields[2].size());
    return datagram;
}

}  // namespace sshuttle::mux
