// SPDX-License-Identifier: LGPL-2.1-or-later
// A FirewallBackend that records every call as one line of text (optionally appended to a file, for when it
// runs in another process) and fails setup for one family on request.
#pragma once

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fwmgr/firewall_backend.hpp"
#include "fwmgr/line_protocol.hpp"
#include "sshuttle/plugin_abi.h"

namespace sshuttle::fwmgr::testing {

inline constexpr uint64_t kAllFeatures = SSHUTTLE_FEAT_IPV4 | SSHUTTLE_FEAT_IPV6 | SSHUTTLE_FEAT_TCP |
                                         SSHUTTLE_FEAT_UDP | SSHUTTLE_FEAT_DNS | SSHUTTLE_FEAT_USER |
                                         SSHUTTLE_FEAT_GROUP | SSHUTTLE_FEAT_PORT_RANGES;

/// `setup v4 port=1025 dns=1027 udp=1 uid=-1 gid=-1 tmark=0x01 bypass=0x0 rules=[...] ns=[...]`
inline std::string describe(const char* call, const plugin::FirewallRequest& r) {
    std::string text =
        std::string(call) + (r.family == net::Family::kIPv6 ? " v6" : " v4") + " port=" + std::to_string(r.port) +
        " dns=" + std::to_string(r.dns_port) + " udp=" + (r.udp ? "1" : "0") + " uid=" + std::to_string(r.uid) +
        " gid=" + std::to_string(r.gid) + " tmark=" + r.tmark + " bypass=" + std::to_string(r.bypass_mark) + " rules=[";
    for (const auto& s : r.subnets)
        text += (s.exclude ? "!" : "") + s.address.to_string() + "/" + std::to_string(s.prefix) + ":" +
                std::to_string(s.port_first) + "-" + std::to_string(s.port_last) + " ";
    text += "] ns=[";
    for (const auto& ns : r.nameservers) text += ns.to_string() + " ";
    return text + "]";
}

class RecordingBackend : public FirewallBackend {
   public:
    explicit RecordingBackend(std::string record_file = {}) : record_file_(std::move(record_file)) {}

    std::string name() const override { return "fake"; }
    uint64_t features() const override { return features_; }
    /// Kept apart from calls (whose tests predate it): the families of each preflight, e.g. "v6 v4".
    void preflight(const std::vector<plugin::FirewallRequest>& requests) override {
        std::string families;
        for (const auto& r : requests)
            families += std::string(families.empty() ? "" : " ") + (r.family == net::Family::kIPv6 ? "v6" : "v4");
        preflights.push_back(families);
        if (!fail_preflight_.empty()) throw std::runtime_error(fail_preflight_);
    }
    void setup(const plugin::FirewallRequest& r) override {
        record(describe("setup", r));
        if (fail_setup_family_ && *fail_setup_family_ == r.family) throw std::runtime_error("iptables said no");
    }
    void restore(const plugin::FirewallRequest& r) override {
        record(describe("restore", r));
        if (fail_restore_family_ && *fail_restore_family_ == r.family) throw std::runtime_error("cannot restore");
    }

    bool has_update() const override { return has_update_; }
    void update(const plugin::FirewallRequest& r) override {
        record(describe("update", r));
        if (fail_update_family_ && *fail_update_family_ == r.family) throw std::runtime_error("nft said no");
    }

    bool has_nat_lookup() const override { return has_nat_lookup_; }
    /// Answers 203.0.113.7 with the source's port, as the natfake fixture module does.
    std::optional<net::Endpoint> nat_lookup(int, const net::Endpoint& src, const net::Endpoint&,
                                            std::string&) override {
        net::Endpoint original;
        original.address.family = net::Family::kIPv4;
        original.address.bytes[0] = 203;
        original.address.bytes[2] = 113;
        original.address.bytes[3] = 7;
        original.port = src.port;
        return original;
    }

    std::vector<std::string> calls;
    std::vector<std::string> preflights;
    std::string fail_preflight_;  // non-empty: preflight throws this
    uint64_t features_ = kAllFeatures;
    bool has_update_ = true;
    bool has_nat_lookup_ = false;
    std::optional<net::Family> fail_update_family_;
    std::optional<net::Family> fail_setup_family_;
    std::optional<net::Family> fail_restore_family_;

   private:
    void record(const std::string& line) {
        calls.push_back(line);
        if (record_file_.empty()) return;
        // Appended and closed at once, so the test sees each call even if this process is killed.
        if (FILE* f = std::fopen(record_file_.c_str(), "a")) {
            std::fprintf(f, "%s\n", line.c_str());
            std::fclose(f);
        }
    }
    std::string record_file_;
};

}  // namespace sshuttle::fwmgr::testing
