// SPDX-License-Identifier: LGPL-2.1-or-later
// Everything `sshuttle status` shows about one running client, as plain data, and its three renderings: JSON
// (what the control socket answers and `status --json` prints), a human page, and one brief line (systemd's
// STATUS= and the -v log). The JSON is also read back (`sshuttle status` renders the client's answer), so
// from_json treats it as untrusted: a wrong type or a missing key is an error naming the key, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sshuttle::app::status {

struct ConnectionStatus {
    std::string source;          // "192.0.2.1:40000"
    std::string destination;     // the original destination, "198.51.100.2:80"
    int64_t opened_unix_ms = 0;  // when it was accepted
    uint64_t bytes_up = 0;       // application -> server
    uint64_t bytes_down = 0;     // server -> application
};

/// One loss of the server connection that the session reconnected (or is reconnecting) from.
struct ReconnectCause {
    int64_t lost_unix_ms = 0;  // when the connection was lost
    std::string cause;         // why: the transport's or the server's reason
    int64_t back_unix_ms = 0;  // when a new connection was up; 0 while still reconnecting
    auto operator<=>(const ReconnectCause&) const = default;
};

/// How many recent causes the status keeps (the oldest goes first).
inline constexpr std::size_t kMaxReconnectCauses = 5;
/// A cause is cut to this many bytes: it is for a status page, the whole text is in the log.
inline constexpr std::size_t kMaxCauseBytes = 200;

/// Appends a loss at `now`, keeping at most kMaxReconnectCauses (newest last) and the cause within kMaxCauseBytes.
void record_loss(std::vector<ReconnectCause>& causes, int64_t now_unix_ms, const std::string& cause);
/// Marks the newest loss as recovered at `now` (once; no-op without an open loss).
void record_back(std::vector<ReconnectCause>& causes, int64_t now_unix_ms);

struct SessionStatus {
    int64_t pid = 0;
    std::string name;                  // --profile, when given: tells several clients apart
    std::string remote;                // "user@host:port", or "local" without -r
    std::string transport;             // "ssh (libssh2)", "ssh command", "local", a plugin's name
    std::string method;                // firewall method
    std::string state = "starting";    // starting, up, reconnecting, stopping
    int64_t state_since_unix_ms = 0;
    uint64_t reconnects = 0;
    std::string last_error;            // empty: none
    std::vector<ReconnectCause> recent_reconnects;  // the last kMaxReconnectCauses losses, oldest first
    std::optional<double> rtt_ms;      // keepalive PING -> PONG; none before the first answer
    uint64_t bytes_up = 0;             // whole session
    uint64_t bytes_down = 0;
    double rate_up = 0;                // bytes per second, over the last few seconds
    double rate_down = 0;
    std::vector<ConnectionStatus> connections;  // open TCP connections, oldest first
    uint64_t connections_opened = 0;   // since start
    uint64_t udp_flows = 0;            // open
    uint64_t ssh_channels = 0;         // server streams carrying TCP (--max-channels)
    uint64_t dns_queries = 0;          // since start
    std::vector<std::string> subnets;  // captured, as the rules have them
    std::vector<std::string> excludes;
};

/// One JSON object on one line (no newline inside).
std::string to_json(const SessionStatus& status);
/// Parses what to_json wrote; nullopt with `error` set ("key 'pid': ...") when it is not that.
std::optional<SessionStatus> from_json(const std::string& text, std::string& error);

/// The page `sshuttle status` prints; `now_unix_ms` is the reader's clock (ages, "since").
std::string render_human(const SessionStatus& status, int64_t now_unix_ms);
/// One line: "Connected to R, N open connections, up X/s, down Y/s, RTT Z ms" (or the state when not up).
std::string render_brief(const SessionStatus& status);

/// 1536 -> "1.5 KiB"; below 1 KiB in bytes ("512 B").
std::string human_bytes(double bytes);
/// 75 -> "1m 15s".
std::string human_duration(int64_t seconds);

}  // namespace sshuttle::app::status
