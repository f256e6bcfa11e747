// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server/helper_args.hpp"

#include <charconv>
#include <cstdint>

#include <fmt/format.h>

namespace sshuttle::server {
namespace {

template <typename T>
bool parse_unsigned(std::string_view text, T& out) {
    int base = 10;
    if (text.starts_with("0x") || text.starts_with("0X")) {
        base = 16;
        text.remove_prefix(2);
    }
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::optional<net::Endpoint> parse_to_ns(const std::string& text) {
    net::Endpoint endpoint;
    const auto at = text.rfind('@');
    const std::string host = text.substr(0, at);
    if (at != std::string::npos && !parse_unsigned(std::string_view(text).substr(at + 1), endpoint.port)) {
        return std::nullopt;
    }
    // A numeric address, never getaddrinfo: the helper is static and must not need NSS modules.
    if (!net::IpAddress::parse(host, endpoint.address)) return std::nullopt;
    return endpoint;
}

std::optional<HelperArgs> parse_helper_args(const std::vector<std::string>& args, std::string& error) {
    HelperArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&]() -> const std::string* {
            if (i + 1 < args.size()) return &args[++i];
            error = fmt::format("option '{}' needs a value", arg);
            return nullptr;
        };
        if (arg == "--server") {
            out.server = true;
        } else if (arg == "--version") {
            out.version = true;
        } else if (arg.size() >= 2 && arg[0] == '-' && arg.find_first_not_of('v', 1) == std::string::npos) {
            out.options.verbosity += static_cast<int>(arg.size() - 1);  // -v, -vv, -vvv
        } else if (arg == "--verbose") {
            ++out.options.verbosity;
        } else if (arg == "--no-latency-control") {
            out.options.latency_control = false;
        } else if (arg == "--auto-nets") {
            out.options.auto_nets = true;
        } else if (arg == "--syslog") {
            out.options.syslog = true;
        } else if (arg == "--latency-buffer-size") {
            const auto* text = value();
            if (!text) return std::nullopt;
            if (!parse_unsigned(*text, out.options.latency_buffer_size) || out.options.latency_buffer_size == 0) {
                error = fmt::format("invalid --latency-buffer-size '{}': expected a positive number", *text);
                return std::nullopt;
            }
        } else if (arg == "--to-ns") {
            const auto* text = value();
            if (!text) return std::nullopt;
            out.options.to_ns = parse_to_ns(*text);
            if (!out.options.to_ns) {
                error = fmt::format("invalid --to-ns '{}': expected a numeric ip[@port]", *text);
                return std::nullopt;
            }
        } else if (arg == "--mark") {
            const auto* text = value();
            if (!text) return std::nullopt;
            if (!parse_unsigned(*text, out.options.mark)) {
                error = fmt::format("invalid --mark '{}': expected a 32-bit number", *text);
                return std::nullopt;
            }
        } else {
            error = fmt::format("unknown argument '{}'", arg);
            return std::nullopt;
        }
    }
    if (!out.server && !out.version) {
        error = "missing --server (this helper only runs the sshuttle server)";
        return std::nullopt;
    }
    return out;
}

}  // namespace sshuttle::server
