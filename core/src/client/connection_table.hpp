// SPDX-License-Identifier: LGPL-2.1-or-later
// What the client's status reports about TCP connections: for each open one its source, original destination,
// opening time and bytes each way; totals over the whole session. The data plane only adds to plain counters
// (mux::ChannelTraffic); the bookkeeping here runs when a connection opens and when a snapshot is taken.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "mux/channel_traffic.hpp"
#include "net/address.hpp"

namespace sshuttle::client {

struct ConnectionStats {
    uint16_t channel = 0;
    net::Endpoint source;
    net::Endpoint destination;  // where the application was going (the firewall's original destination)
    std::chrono::system_clock::time_point opened;
    uint64_t bytes_up = 0;      // application -> server
    uint64_t bytes_down = 0;    // server -> application
};

struct TrafficSnapshot {
    std::vector<ConnectionStats> open;  // oldest first
    uint64_t bytes_up = 0;              // whole session, closed connections included
    uint64_t bytes_down = 0;
    uint64_t connections_opened = 0;
};

class ConnectionTable {
   public:
    /// Records a new connection; `alive` expires when the connection is over (its channel object is gone).
    /// Returns the counters its channel must add to.
    std::shared_ptr<mux::ChannelTraffic> add(uint16_t channel, const net::Endpoint& source,
                                             const net::Endpoint& destination, std::weak_ptr<const void> alive);
    /// Folds finished connections into the totals, then reports.
    TrafficSnapshot snapshot();
    std::size_t tracked() const { return entries_.size(); }

   private:
    struct Entry {
        ConnectionStats stats;
        std::shared_ptr<mux::ChannelTraffic> traffic;
        std::weak_ptr<const void> alive;
    };
    void fold_finished();

    std::vector<Entry> entries_;
    std::size_t fold_at_ = 64;  // entries before add() folds again: keeps the table O(open) amortised
    uint64_t closed_up_ = 0;
    uint64_t closed_down_ = 0;
    uint64_t opened_ = 0;
};

}  // namespace sshuttle::client
