// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/status/status_model.hpp"

#include <ctime>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sshuttle::app::status {
namespace {

using nlohmann::json;

// systemd shows STATUS= on one line of `systemctl status`: the cause is cut short there.
constexpr std::size_t kBriefCauseBytes = 60;

nlohmann::json connection_json(const ConnectionStatus& c) {
    return {{"source", c.source},         {"destination", c.destination}, {"opened_unix_ms", c.opened_unix_ms},
            {"bytes_up", c.bytes_up},     {"bytes_down", c.bytes_down}};
}

/// Reads one key with the type the field has; throws std::runtime_error naming the key.
template <typename T>
void read(const json& object, const char* key, T& into) {
    const auto it = object.find(key);
    if (it == object.end()) throw std::runtime_error(fmt::format("key '{}' is missing", key));
    // nlohmann converts between number kinds silently (-5 into a uint64_t): check the kind first.
    bool right_kind = true;
    if constexpr (std::is_same_v<T, bool>) {
        right_kind = it->is_boolean();
    } else if constexpr (std::is_unsigned_v<T>) {
        right_kind = it->is_number_unsigned();
    } else if constexpr (std::is_integral_v<T>) {
        right_kind = it->is_number_integer();
    } else if constexpr (std::is_floating_point_v<T>) {
        right_kind = it->is_number();
    }
    if (!right_kind) throw std::runtime_error(fmt::format("key '{}' has the wrong type ({})", key, it->type_name()));
    try {
        into = it->template get<T>();
    } catch (const json::exception&) {
        throw std::runtime_error(fmt::format("key '{}' has the wrong type ({})", key, it->type_name()));
    }
}

ConnectionStatus connection_from(const json& c) {
    if (!c.is_object()) throw std::runtime_error("a connection is not an object");
    ConnectionStatus result;
    read(c, "source", result.source);
    read(c, "destination", result.destination);
    read(c, "opened_unix_ms", result.opened_unix_ms);
    read(c, "bytes_up", result.bytes_up);
    read(c, "bytes_down", result.bytes_down);
    return result;
}

nlohmann::json reconnect_json(const ReconnectCause& r) {
    return {{"lost_unix_ms", r.lost_unix_ms}, {"cause", r.cause}, {"back_unix_ms", r.back_unix_ms}};
}

ReconnectCause reconnect_from(const json& r) {
    if (!r.is_object()) throw std::runtime_error("a reconnect cause is not an object");
    ReconnectCause result;
    read(r, "lost_unix_ms", result.lost_unix_ms);
    read(r, "cause", result.cause);
    read(r, "back_unix_ms", result.back_unix_ms);
    if (result.cause.size() > kMaxCauseBytes) result.cause.resize(kMaxCauseBytes);
    return result;
}

std::string utc_time(int64_t unix_ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
}

std::string clean(const std::string& text);

std::string joined(const std::vector<std::string>& items, const char* none) {
    if (items.empty()) return none;
    std::string result;
    for (const auto& item : items) result += (result.empty() ? "" : ", ") + clean(item);
    return result;
}

/// Control bytes out: the text came from another process and goes to a terminal (no escape sequences).
std::string clean(const std::string& text) {
    std::string out = text;
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

std::string rtt_text(const SessionStatus& status) {
    return status.rtt_ms ? fmt::format("{:.1f} ms", *status.rtt_ms) : std::string("not measured yet");
}

}  // namespace

std::string to_json(const SessionStatus& s) {
    json connections = json::array();
    for (const auto& c : s.connections) connections.push_back(connection_json(c));
    json recent = json::array();
    for (const auto& r : s.recent_reconnects) recent.push_back(reconnect_json(r));
    json object = {{"pid", s.pid},
                   {"name", s.name},
                   {"remote", s.remote},
                   {"transport", s.transport},
                   {"method", s.method},
                   {"state", s.state},
                   {"state_since_unix_ms", s.state_since_unix_ms},
                   {"reconnects", s.reconnects},
                   {"last_error", s.last_error},
                   {"recent_reconnects", recent},
                   {"rtt_ms", s.rtt_ms ? json(*s.rtt_ms) : json(nullptr)},
                   {"bytes_up", s.bytes_up},
                   {"bytes_down", s.bytes_down},
                   {"rate_up", s.rate_up},
                   {"rate_down", s.rate_down},
                   {"connections", connections},
                   {"connections_opened", s.connections_opened},
                   {"udp_flows", s.udp_flows},
                   {"ssh_channels", s.ssh_channels},
                   {"dns_queries", s.dns_queries},
                   {"subnets", s.subnets},
                   {"excludes", s.excludes}};
    // Replace, not throw, on invalid UTF-8: a name or an error text must never make the answer fail.
    return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<SessionStatus> from_json(const std::string& text, std::string& error) {
    const json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) {
        error = "not JSON";
        return std::nullopt;
    }
    if (!object.is_object()) {
        error = "not a JSON object";
        return std::nullopt;
    }
    try {
        SessionStatus s;
        read(object, "pid", s.pid);
        read(object, "name", s.name);
        read(object, "remote", s.remote);
        read(object, "transport", s.transport);
        read(object, "method", s.method);
        read(object, "state", s.state);
        read(object, "state_since_unix_ms", s.state_since_unix_ms);
        read(object, "reconnects", s.reconnects);
        read(object, "last_error", s.last_error);
        // Optional: a client from before it was added does not send it.
        if (object.contains("recent_reconnects")) {
            json recent;
            read(object, "recent_reconnects", recent);
            if (!recent.is_array()) throw std::runtime_error("key 'recent_reconnects' is not an array");
            // The newest few only, whatever the other side sent.
            const std::size_t skip = recent.size() > kMaxReconnectCauses ? recent.size() - kMaxReconnectCauses : 0;
            for (std::size_t i = skip; i < recent.size(); ++i) s.recent_reconnects.push_back(reconnect_from(recent[i]));
        }
        const auto rtt = object.find("rtt_ms");
        if (rtt != object.end() && !rtt->is_null()) {
            double value = 0;
            read(object, "rtt_ms", value);
            s.rtt_ms = value;
        }
        read(object, "bytes_up", s.bytes_up);
        read(object, "bytes_down", s.bytes_down);
        read(object, "rate_up", s.rate_up);
        read(object, "rate_down", s.rate_down);
        json connections;
        read(object, "connections", connections);
        if (!connections.is_array()) throw std::runtime_error("key 'connections' is not an array");
        for (const auto& c : connections) s.connections.push_back(connection_from(c));
        read(object, "connections_opened", s.connections_opened);
        read(object, "udp_flows", s.udp_flows);
        if (object.contains("ssh_channels")) read(object, "ssh_channels", s.ssh_channels);  // newer than the rest
        read(object, "dns_queries", s.dns_queries);
        read(object, "subnets", s.subnets);
        read(object, "excludes", s.excludes);
        return s;
    } catch (const std::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

void record_loss(std::vector<ReconnectCause>& causes, int64_t now_unix_ms, const std::string& cause) {
    ReconnectCause entry{now_unix_ms, cause.substr(0, kMaxCauseBytes), 0};
    if (entry.cause.empty()) entry.cause = "unknown";
    causes.push_back(std::move(entry));
    if (causes.size() > kMaxReconnectCauses)
        causes.erase(causes.begin(), causes.begin() + static_cast<std::ptrdiff_t>(causes.size() - kMaxReconnectCauses));
}

void record_back(std::vector<ReconnectCause>& causes, int64_t now_unix_ms) {
    if (!causes.empty() && causes.back().back_unix_ms == 0) causes.back().back_unix_ms = now_unix_ms;
}

std::string human_bytes(double bytes) {
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
    int unit = -1;
    while (bytes >= 1024 && unit < 4) {
        bytes /= 1024;
        ++unit;
    }
    return fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

std::string human_duration(int64_t seconds) {
    if (seconds < 0) seconds = 0;
    const int64_t days = seconds / 86400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60,
                  secs = seconds % 60;
    if (days > 0) return fmt::format("{}d {}h", days, hours);
    if (hours > 0) return fmt::format("{}h {}m", hours, minutes);
    if (minutes > 0) return fmt::format("{}m {}s", minutes, secs);
    return fmt::format("{}s", secs);
}

std::string render_human(const SessionStatus& s, int64_t now_unix_ms) {
    std::string out =
        fmt::format("sshuttle client {}{}\n", s.pid, s.name.empty() ? "" : " (" + clean(s.name) + ")");
    out += fmt::format("  remote       {} via {}, method {}\n", clean(s.remote), clean(s.transport), clean(s.method));
    out += fmt::format("  state        {} since {} ({}), {} reconnect{}\n", clean(s.state), utc_time(s.state_since_unix_ms),
                       human_duration((now_unix_ms - s.state_since_unix_ms) / 1000), s.reconnects,
                       s.reconnects == 1 ? "" : "s");
    out += fmt::format("  last error   {}\n", s.last_error.empty() ? "none" : clean(s.last_error));
    if (!s.recent_reconnects.empty()) out += fmt::format("  reconnects   the last {}:\n", s.recent_reconnects.size());
    for (const auto& r : s.recent_reconnects) {
        const std::string outcome =
            r.back_unix_ms == 0 ? std::string("still reconnecting")
                                : "back after " + human_duration((r.back_unix_ms - r.lost_unix_ms) / 1000);
        out += fmt::format("    {}  {}; {}\n", utc_time(r.lost_unix_ms), clean(r.cause), outcome);
    }
    out += fmt::format("  keepalive    RTT {}\n", rtt_text(s));
    out += fmt::format("  traffic      up {} ({}/s), down {} ({}/s)\n", human_bytes(static_cast<double>(s.bytes_up)),
                       human_bytes(s.rate_up), human_bytes(static_cast<double>(s.bytes_down)),
                       human_bytes(s.rate_down));
    out += fmt::format("  subnets      {}\n", joined(s.subnets, "none yet"));
    out += fmt::format("  excluded     {}\n", joined(s.excludes, "none"));
    out += fmt::format("  SSH channels {}\n", s.ssh_channels);
    out += fmt::format("  UDP flows    {}\n", s.udp_flows);
    out += fmt::format("  DNS queries  {}\n", s.dns_queries);
    out += fmt::format("  connections  {} open, {} since start\n", s.connections.size(), s.connections_opened);
    for (const auto& c : s.connections) {
        out += fmt::format("    {} -> {}  age {}  up {}  down {}\n", clean(c.source), clean(c.destination),
                           human_duration((now_unix_ms - c.opened_unix_ms) / 1000),
                           human_bytes(static_cast<double>(c.bytes_up)),
                           human_bytes(static_cast<double>(c.bytes_down)));
    }
    return out;
}

std::string render_brief(const SessionStatus& s) {
    std::string line;
    if (s.state == "up") {
        line = fmt::format("Connected to {}, {} open connections", clean(s.remote), s.connections.size());
        // Rates and RTT only once there is something to say, so that an idle tunnel's line stays still.
        if (s.rate_up >= 1 || s.rate_down >= 1)
            line += fmt::format(", up {}/s, down {}/s", human_bytes(s.rate_up), human_bytes(s.rate_down));
        if (s.rtt_ms) line += fmt::format(", RTT {:.0f} ms", *s.rtt_ms);
    } else {
        line = fmt::format("{} ({})", clean(s.state), clean(s.remote));
        if (!s.last_error.empty()) line += ", last error: " + clean(s.last_error);
    }
    if (s.reconnects > 0) line += fmt::format(", {} reconnect{}", s.reconnects, s.reconnects == 1 ? "" : "s");
    // Up again: the last cause, short (while reconnecting it is the last error already).
    if (s.state == "up" && !s.recent_reconnects.empty()) {
        std::string cause = clean(s.recent_reconnects.back().cause);
        if (cause.size() > kBriefCauseBytes) cause = cause.substr(0, kBriefCauseBytes - 3) + "...";
        line += " (last: " + cause + ")";
    }
    return line;
}

}  // namespace sshuttle::app::status
