// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pf_rules.hpp"

namespace sshuttle::plugins::pf {
namespace {

bool is_v6(int family) { return family == SSHUTTLE_AF_INET6; }

// "NET/W" or "NET/W port a:b" (pf wants the range form even for one port).
std::string target(const sdk::Subnet& s) {
    std::string out = s.address + "/" + std::to_string(s.prefix);
    if (s.port_first != 0) out += " port " + std::to_string(s.port_first) + ":" + std::to_string(s.port_last);
    return out;
}

std::vector<std::string> dns_servers(const sdk::FwRequest& req) {
    return req.dns_port != 0 ? req.nameservers : std::vector<std::string>{};
}

bool has_rdr_anchor(Flavor f) { return f != Flavor::kOpenBsd; }

}  // namespace

Flavor parse_flavor(const std::string& name) {
    if (name == "darwin") return Flavor::kDarwin;
    if (name == "freebsd") return Flavor::kFreeBsd;
    if (name == "openbsd") return Flavor::kOpenBsd;
    if (name == "pfsense") return Flavor::kPfSense;
    throw sdk::Error(SSHUTTLE_EINVAL,
                     "invalid pf flavour '" + name + "': expected darwin, freebsd, openbsd or pfsense");
}

std::string flavor_name(Flavor flavor) {
    switch (flavor) {
        case Flavor::kDarwin:
            return "darwin";
        case Flavor::kOpenBsd:
            return "openbsd";
        case Flavor::kPfSense:
            return "pfsense";
        case Flavor::kFreeBsd:
            break;
    }
    return "freebsd";
}

Flavor build_flavor() {
#if defined(__APPLE__)
    return Flavor::kDarwin;
#elif defined(__OpenBSD__)
    return Flavor::kOpenBsd;
#else
    return Flavor::kFreeBsd;
#endif
}

std::string anchor_name(int family, int port) {
    return (is_v6(family) ? "sshuttle6-" : "sshuttle-") + std::to_string(port);
}

std::string anchor_rules(const sdk::FwRequest& req, Flavor flavor) {
    const std::string inet = is_v6(req.family) ? "inet6" : "inet";
    const std::string lo = is_v6(req.family) ? "::1" : "127.0.0.1";
    const std::string port = std::to_string(req.port), dns_port = std::to_string(req.dns_port);
    const std::vector<std::string> servers = dns_servers(req);
    std::string table = "table <dns_servers> {";
    for (size_t i = 0; i < servers.size(); ++i) table += (i ? "," : "") + servers[i];
    table += "}\n";

    // Last-match semantics: the least specific rule first, i.e. the reverse of the request's order.
    const std::vector<sdk::Subnet> subnets(req.subnets.rbegin(), req.subnets.rend());
    const bool openbsd = flavor == Flavor::kOpenBsd;
    std::string translating, filtering;
    for (const auto& s : subnets) {
        if (!s.exclude)
            translating += openbsd ? "pass in on lo0 " + inet + " proto tcp to " + target(s) + " divert-to " + lo +
                                         " port " + port + "\n"
                                   : "rdr pass on lo0 " + inet + " proto tcp from ! " + lo + " to " + target(s) +
                                         " -> " + lo + " port " + port + "\n";
        if (s.exclude)
            filtering += "pass out " + inet + " proto tcp to " + target(s) + "\n";
        else
            filtering += openbsd ? "pass out " + inet + " proto tcp to " + target(s) + " route-to lo0 keep state\n"
                                 : "pass out route-to lo0 " + inet + " proto tcp to " + target(s) + " keep state\n";
    }
    if (!servers.empty()) {
        translating += openbsd ? "pass in on lo0 " + inet + " proto udp to <dns_servers> port 53 rdr-to " + lo +
                                     " port " + dns_port + "\n"
                               : "rdr pass on lo0 " + inet + " proto udp to <dns_servers> port 53 -> " + lo + " port " +
                                     dns_port + "\n";
        filtering += openbsd ? "pass out " + inet + " proto udp to <dns_servers> port 53 route-to lo0 keep state\n"
                             : "pass out route-to lo0 " + inet + " proto udp to <dns_servers> port 53 keep state\n";
    }
    return table + translating + filtering;
}

std::string render(const sdk::FwRequest& req, Flavor flavor) {
    const std::string label = is_v6(req.family) ? "ipv6" : "ipv4";
    const std::string anchor = anchor_name(req.family, req.port);
    const bool freebsd_like = flavor == Flavor::kFreeBsd || flavor == Flavor::kPfSense;
    std::string out = "# " + label + " setup (pf, " + flavor_name(flavor) + "):\n";
    if (freebsd_like) out += "kldload pf    # errors ignored: already loaded\n";
    if (flavor == Flavor::kDarwin || flavor == Flavor::kOpenBsd) {
        out += "pfctl -s Interfaces -i lo -v    # when it shows 'skip', the main ruleset becomes:\n";
        out += "pfctl -f /dev/stdin <<EOF\n" +
               std::string(flavor == Flavor::kDarwin ? "pass on lo\n" : "match on lo\n") + "EOF\n";
    }
    out += "pfctl -s all    # when 'anchor \"" + anchor + "\"'" +
           (has_rdr_anchor(flavor) ? " or 'rdr-anchor \"" + anchor + "\"'" : std::string()) +
           " is missing, DIOCCHANGERULE appends it to the main ruleset\n";
    out += "pfctl -a " + anchor + " -f /dev/stdin <<EOF\n" + anchor_rules(req, flavor) + "EOF\n";
    if (flavor == Flavor::kDarwin)
        out += "pfctl -E    # the 'Token : X' it prints is kept for teardown\n";
    else
        out += "pfctl -s info    # when it shows 'Status: Disabled':\npfctl -e\n";
    out += "# " + label + " teardown:\npfctl -a " + anchor + " -F all\n";
    if (flavor == Flavor::kDarwin)
        out += "pfctl -X <token>\n";
    else
        out += "pfctl -d    # only when sshuttle enabled pf and this is the last instance\n";
    if (freebsd_like) out += "kldunload pf    # only when sshuttle loaded it\n";
    return out;
}

}  // namespace sshuttle::plugins::pf
