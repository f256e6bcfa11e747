// SPDX-License-Identifier: LGPL-2.1-or-later
// ssh_server_addresses: the addresses the firewall must leave alone so ssh keeps reaching its server
// (upstream #1191: `ssh -G` for the real HostName and ProxyJump; a ProxyCommand hides it, so only warn).
#include "transport/ssh_addresses.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

#include "net/sockaddr.hpp"
#include "transport/shlex.hpp"
#include "transport/transport_error.hpp"
#include "util/process.hpp"

namespace sshuttle::transport {
namespace {

constexpr int kSshGTimeoutMs = 2000;

// Numeric addresses need no lookup; names go through getaddrinfo (every address of both families).
std::vector<net::IpAddress> resolve(const std::string& host) {
    std::vector<net::IpAddress> out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result); rc != 0) {
        spdlog::warn("cannot resolve the ssh server '{}' to exclude it from the tunnel: {}", host, gai_strerror(rc));
        return out;
    }
    for (addrinfo* ai = result; ai; ai = ai->ai_next) {
        const auto endpoint = net::endpoint_from_sockaddr(ai->ai_addr);
        if (endpoint && std::find(out.begin(), out.end(), endpoint->address) == out.end())
            out.push_back(endpoint->address);
    }
    freeaddrinfo(result);
    return out;
}

// `ssh -G`, through the user's -e command when that is ssh itself (so its -F/-o options count).
std::vector<std::string> ssh_g_argv(const LaunchConfig& options, const std::string& host) {
    std::vector<std::string> argv{"ssh"};
    if (!options.ssh_cmd.empty()) {
        try {
            std::vector<std::string> words = shlex_split(options.ssh_cmd);
            if (!words.empty()) {
                std::string base = words[0].substr(words[0].rfind('/') + 1);
                if (base == "ssh") argv = words;
            }
        } catch (const TransportError&) {
            // start_server reports the bad -e; here plain ssh will do.
        }
    }
    // The libssh2 transport's ssh-config option is the -F of the configuration it follows.
    if (options.ssh_cmd.empty() && options.transport != "command") {
        for (const auto& [key, value] : options.transport_options)
            if (key == "ssh-config") argv.insert(argv.end(), {"-F", value});
    }
    if (options.remote->port) argv.insert(argv.end(), {"-p", std::to_string(options.remote->port)});
    argv.insert(argv.end(), {"-G", host});
    return argv;
}

}  // namespace

std::optional<SshTarget> ssh_program_settings(const LaunchConfig& options) {
    if (!options.remote || options.remote->host.empty()) return std::nullopt;
    std::vector<std::string> argv = ssh_g_argv(options, options.remote->host);
    // Only OpenSSH's ssh takes -S and ControlMaster: another -e program (sshpass, a wrapper) gets none.
    if (!options.ssh_cmd.empty()) {
        std::vector<std::string> words;
        try {
            words = shlex_split(options.ssh_cmd);
        } catch (const TransportError&) {
            return std::nullopt;
        }
        if (words.empty() || words[0].substr(words[0].rfind('/') + 1) != "ssh") return std::nullopt;
    }
    std::string output;
    if (util::find_program(argv[0]).empty() || !run_with_timeout(argv, kSshGTimeoutMs, output)) return std::nullopt;
    return parse_ssh_g(output);
}

std::vector<net::IpAddress> ssh_server_addresses(const LaunchConfig& options) {
    if (!options.remote || options.remote->host.empty()) return {};
    // Other transport plugins (exec: kubectl, docker...) do not connect to -r over the network at all.
    if (!options.transport.empty() && options.transport != "ssh" && options.transport != "command") return {};
    const std::string& host = options.remote->host;
    std::vector<std::string> argv = ssh_g_argv(options, host);
    std::string output;
    if (util::find_program(argv[0]).empty() || !run_with_timeout(argv, kSshGTimeoutMs, output)) {
        return resolve(host);
    }
    SshTarget target = parse_ssh_g(output);
    if (target.proxy_command) {
        spdlog::warn("ssh uses a ProxyCommand for '{}': only '{}' itself is excluded from the tunnel", host, host);
        return resolve(host);
    }
    if (!target.proxy_jump.empty()) return resolve(target.proxy_jump);
    return resolve(target.hostname.empty() ? host : target.hostname);
}

}  // namespace sshuttle::transport
