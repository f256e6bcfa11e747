// SPDX-License-Identifier: LGPL-2.1-or-later
// The ssh program's TCP connection, made by us (issue 17). ssh runs `sshuttle ssh-connect` as its ProxyCommand
// with ProxyUseFdpass: we connect as ssh itself would, tune the socket, and pass it to ssh through our standard
// output (a socket ssh made for this); ssh then uses it as its own connection. The tuning ssh has no option for
// is TCP_NOTSENT_LOWAT: without it the kernel lets ssh queue megabytes of a bulk upload unsent on the socket,
// and every interactive connection's packets wait behind all of them.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "transport/ssh_config.hpp"

namespace sshuttle::transport {

/// The unsent bytes the kernel may hold on ssh's socket (TCP_NOTSENT_LOWAT). On the bench lab (6 rounds, a
/// 64-byte echo beside an iperf3 upload), 128 KiB took the echo's p99 from 5.7 to 3.7 ms; 64 and 256 KiB did
/// about as well, 512 KiB hardly at all. The price is ssh waking more often: about 8 % more CPU per GB uploaded,
/// which shows as bulk rate only where the CPU is the bottleneck. Bytes sent and not yet acknowledged are not
/// limited, so a long link still fills its window.
inline constexpr int kSshNotsentLowat = 128 * 1024;

/// What `sshuttle ssh-connect` is asked to do.
struct SshConnectRequest {
    std::string host;
    std::string port;
    std::string family = "any";  // ssh's AddressFamily: any, inet or inet6
    int timeout_s = 0;           // ssh's ConnectTimeout; 0: the system's own
    bool keepalive = true;       // ssh's TCPKeepAlive (ssh sets SO_KEEPALIVE only on sockets it connects)
    int notsent_lowat = kSshNotsentLowat;
};

/// The ssh options that make ssh connect through `<self> ssh-connect`, from its `ssh -G` settings. Empty where
/// ssh must connect itself: the configuration has a ProxyCommand or ProxyJump, binds to a local address or
/// interface, asks for more than one ConnectionAttempts (ssh does not retry a ProxyCommand), or `self` (this
/// binary) cannot be run.
std::vector<std::string> ssh_connect_options(const std::string& self, const SshTarget& settings);

/// Parses `ssh-connect` arguments: `[--family F] [--timeout S] [--no-keepalive] [--notsent-lowat N] HOST PORT`.
/// nullopt, with one line in `error` naming the bad value, when they are not that.
std::optional<SshConnectRequest> parse_ssh_connect_args(const std::vector<std::string>& args, std::string& error);

/// `sshuttle ssh-connect ...`: connects to each address of the host in turn and passes the first connected
/// socket over `to_ssh` (standard output, a socket ssh made for this). Returns 0, or 255 (ssh's own status for
/// a failed connection) after one line on `err` ("sshuttle: connect to host H port P: reason").
int run_ssh_connect(const std::vector<std::string>& args, int to_ssh, std::ostream& err);

}  // namespace sshuttle::transport
