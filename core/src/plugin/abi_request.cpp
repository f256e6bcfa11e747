// SPDX-License-Identifier: LGPL-2.1-or-later
#include "plugin/abi_request.hpp"

#include <algorithm>

namespace sshuttle::plugin {

int abi_family(net::Family family) { return family == net::Family::kIPv6 ? SSHUTTLE_AF_INET6 : SSHUTTLE_AF_INET; }

AbiRequest::AbiRequest(const FirewallRequest& request) : tmark_(request.tmark), os_flavor_(request.os_flavor) {
    for (const net::Subnet& s : request.subnets) {
        sshuttle_subnet out{};
        out.struct_size = sizeof out;
        out.family = abi_family(s.address.family);
        std::copy(s.address.bytes.begin(), s.address.bytes.end(), out.addr);
        out.prefix = s.prefix;
        out.port_first = s.port_first;
        out.port_last = s.port_last;
        out.exclude = s.exclude ? 1 : 0;
        subnets_.push_back(out);
    }
    for (const net::IpAddress& ns : request.nameservers) {
        sshuttle_nameserver out{};
        out.struct_size = sizeof out;
        out.family = abi_family(ns.family);
        std::copy(ns.bytes.begin(), ns.bytes.end(), out.addr);
        nameservers_.push_back(out);
    }
    request_.struct_size = sizeof request_;
    request_.family = abi_family(request.family);
    request_.port = request.port;
    request_.dns_port = request.dns_port;
    request_.subnets = subnets_.data();
    request_.subnet_count = subnets_.size();
    request_.nameservers = nameservers_.data();
    request_.nameserver_count = nameservers_.size();
    request_.udp = request.udp ? 1 : 0;
    request_.uid = request.uid;
    request_.gid = request.gid;
    request_.tmark = tmark_.c_str();
    // NULL, not "", means "this host" in the ABI.
    request_.os_flavor = os_flavor_.empty() ? nullptr : os_flavor_.c_str();
    request_.bypass_mark = request.bypass_mark;
}

}  // namespace sshuttle::plugin
