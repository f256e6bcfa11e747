// SPDX-License-Identifier: LGPL-2.1-or-later
// PfMethod::nat_lookup, the firewall table's nat_lookup member (ABI 1.2): the root manager asks it for a
// client's QUERY_PF_NAT line, since only root may open /dev/pf. Each call opens /dev/pf itself.
#include <algorithm>
#include <string>

#include "pf_ioctl.hpp"
#include "pf_method.hpp"

namespace sshuttle::plugins::pf {

sdk::NatAnswer PfMethod::nat_lookup(const sdk::NatQuery& query) {
    if (query.proto <= 0 || query.proto > 255)
        throw sdk::Error(SSHUTTLE_EINVAL, "pf natlook: invalid protocol " + std::to_string(query.proto));
    NatQuery request;
    request.family = query.family;
    request.proto = static_cast<uint8_t>(query.proto);
    std::copy(std::begin(query.src), std::end(query.src), request.src.begin());
    std::copy(std::begin(query.dst), std::end(query.dst), request.dst.begin());
    request.src_port = query.src_port;
    request.dst_port = query.dst_port;
    const NatAnswer answer = natlook(host_flavor(), request);
    sdk::NatAnswer out;
    std::copy(answer.address.begin(), answer.address.end(), out.address);
    out.port = answer.port;
    return out;
}

}  // namespace sshuttle::plugins::pf
