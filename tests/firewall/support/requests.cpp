// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/requests.hpp"

#include <stdexcept>

namespace sshuttle::test {
namespace {

int family_of(const std::string& addr) {
    return addr.find(':') != std::string::npos ? SSHUTTLE_AF_INET6 : SSHUTTLE_AF_INET;
}

void parse(int family, const std::string& addr, uint8_t* out) {
    if (inet_pton(family == SSHUTTLE_AF_INET6 ? AF_INET6 : AF_INET, addr.c_str(), out) != 1)
        throw std::invalid_argument("bad test address '" + addr + "'");
}

}  // namespace

sdk::Subnet subnet(const std::string& addr, int prefix, int port_first, int port_last, bool exclude) {
    return {family_of(addr), addr, prefix, port_first, port_last, exclude};
}

sdk::Subnet exclude(const std::string& addr, int prefix, int port_first, int port_last) {
    return subnet(addr, prefix, port_first, port_last, true);
}

sdk::FwRequest request(int family, std::vector<sdk::Subnet> subnets, std::vector<std::string> nameservers) {
    sdk::FwRequest req;
    req.family = family;
    req.port = 12300;
    req.dns_port = nameservers.empty() ? 0 : 12299;
    req.subnets = std::move(subnets);
    req.nameservers = std::move(nameservers);
    return req;
}

CRequest::CRequest(const sdk::FwRequest& req) : tmark_(req.tmark), os_flavor_(req.os_flavor) {
    for (const auto& s : req.subnets) {
        sshuttle_subnet c{};
        c.struct_size = sizeof c;
        c.family = s.family;
        parse(s.family, s.address, c.addr);
        c.prefix = s.prefix;
        c.port_first = static_cast<uint16_t>(s.port_first);
        c.port_last = static_cast<uint16_t>(s.port_last);
        c.exclude = s.exclude ? 1 : 0;
        subnets_.push_back(c);
    }
    for (const auto& ns : req.nameservers) {
        sshuttle_nameserver c{};
        c.struct_size = sizeof c;
        c.family = family_of(ns);
        parse(c.family, ns, c.addr);
        nameservers_.push_back(c);
    }
    req_.struct_size = sizeof req_;
    req_.family = req.family;
    req_.port = static_cast<uint16_t>(req.port);
    req_.dns_port = static_cast<uint16_t>(req.dns_port);
    req_.subnets = subnets_.data();
    req_.subnet_count = subnets_.size();
    req_.nameservers = nameservers_.data();
    req_.nameserver_count = nameservers_.size();
    req_.udp = req.udp ? 1 : 0;
    req_.uid = req.uid;
    req_.gid = req.gid;
    req_.tmark = tmark_.c_str();
    req_.os_flavor = os_flavor_.empty() ? nullptr : os_flavor_.c_str();
    req_.bypass_mark = req.bypass_mark;
}

}  // namespace sshuttle::test
