// SPDX-License-Identifier: LGPL-2.1-or-later
#include "client/connection_table.hpp"

#include <algorithm>

namespace sshuttle::client {

std::shared_ptr<mux::ChannelTraffic> ConnectionTable::add(uint16_t channel, const net::Endpoint& source,
                                                          const net::Endpoint& destination,
                                                          std::weak_ptr<const void> alive) {
    // Without a status request nothing else folds, so a long session folds here, each time the table doubles.
    if (entries_.size() >= fold_at_) {
        fold_finished();
        fold_at_ = std::max<std::size_t>(64, entries_.size() * 2);
    }
    Entry entry;
    entry.stats.channel = channel;
    entry.stats.source = source;
    entry.stats.destination = destination;
    entry.stats.opened = std::chrono::system_clock::now();
    entry.traffic = std::make_shared<mux::ChannelTraffic>();
    entry.alive = std::move(alive);
    entries_.push_back(std::move(entry));
    ++opened_;
    return entries_.back().traffic;
}

void ConnectionTable::fold_finished() {
    std::erase_if(entries_, [this](const Entry& entry) {
        if (!entry.alive.expired()) return false;
        closed_up_ += entry.traffic->from_socket;
        closed_down_ += entry.traffic->to_socket;
        return true;
    });
}

TrafficSnapshot ConnectionTable::snapshot() {
    fold_finished();
    TrafficSnapshot snapshot;
    snapshot.bytes_up = closed_up_;
    snapshot.bytes_down = closed_down_;
    snapshot.connections_opened = opened_;
    snapshot.open.reserve(entries_.size());
    for (const auto& entry : entries_) {
        ConnectionStats stats = entry.stats;
        stats.bytes_up = entry.traffic->from_socket;
        stats.bytes_down = entry.traffic->to_socket;
        snapshot.bytes_up += stats.bytes_up;
        snapshot.bytes_down += stats.bytes_down;
        snapshot.open.push_back(stats);
    }
    return snapshot;
}

}  // namespace sshuttle::client
