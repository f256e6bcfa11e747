// SPDX-License-Identifier: LGPL-2.1-or-later
// Byte counts of one proxied TCP connection, shared between its TcpChannel (which adds to them) and whoever
// reports on it (the client's status), so the counts outlive the channel. Plain integers: the data plane only
// adds to them, once per socket read or write.
#pragma once

#include <cstdint>

namespace sshuttle::mux {

struct ChannelTraffic {
    uint64_t from_socket = 0;  // read from our socket, sent to the peer (client: upload)
    uint64_t to_socket = 0;    // received from the peer, written to our socket (client: download)
};

}  // namespace sshuttle::mux
