// SPDX-License-Identifier: LGPL-2.1-or-later
// Which nameservers the client captures for DNS forwarding: --ns-hosts as given, plus, with --dns, every
// "nameserver" of /etc/resolv.conf and of systemd-resolved's upstream list (reference §1.6).
#pragma once

#include <string>
#include <vector>

#include "cli/options.hpp"
#include "net/address.hpp"

namespace sshuttle::app {

/// The files --dns reads, in order; missing ones are skipped.
inline const std::vector<std::string> kResolvConfFiles = {"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"};

/// Every nameserver of the readable files among `files` (net::read_resolv_conf), first occurrence kept.
std::vector<net::IpAddress> discover_nameservers(const std::vector<std::string>& files = kResolvConfFiles);

/// What to capture: options.ns_hosts, then (with --dns) the discovered ones, without duplicates. Empty when
/// DNS forwarding is off.
std::vector<net::IpAddress> captured_nameservers(const cli::Options& options,
                                                 const std::vector<std::string>& files = kResolvConfFiles);

}  // namespace sshuttle::app
