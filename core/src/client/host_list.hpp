// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's CMD_HOST_LIST (-H): "name,ip" lines, possibly split across frames. Everything in it is the
// server's say-so, and ends up in the client machine's /etc/hosts through the root manager, so only strict
// host names (net::is_valid_host_name, never localhost) with a numeric address get through; anything else is
// dropped with one warning line that names the value, escaped. A partial line is bounded: a server that never
// sends a newline cannot grow the client's memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace sshuttle::client {

struct LearntHost {
    std::string name;
    net::IpAddress ip;
};

class HostListReader {
   public:
    /// A line longer than this (a name is at most 253 bytes, an address 45) is dropped.
    static constexpr std::size_t kMaxLineBytes = 512;

    /// Appends one frame's payload; returns the valid entries of the lines it completed.
    std::vector<LearntHost> feed(std::string_view payload);

    /// Entries refused so far (tests, -v).
    std::size_t refused() const { return refused_; }

   private:
    void take_line(std::string_view line, std::vector<LearntHost>& out);

    std::string partial_;
    bool skipping_long_line_ = false;  // inside a line that went over kMaxLineBytes: dropped up to its '\n'
    std::size_t refused_ = 0;
};

}  // namespace sshuttle::client
