// SPDX-License-Identifier: LGPL-2.1-or-later
// The text of `sshuttle --list-plugins`.
#include <algorithm>
#include <array>
#include <utility>

#include "plugin/plugins.hpp"

namespace sshuttle::plugin {
namespace {

constexpr std::array<std::pair<uint64_t, const char*>, 10> kFeatureNames = {{
    {SSHUTTLE_FEAT_IPV4, "ipv4"},
    {SSHUTTLE_FEAT_IPV6, "ipv6"},
    {SSHUTTLE_FEAT_TCP, "tcp"},
    {SSHUTTLE_FEAT_UDP, "udp"},
    {SSHUTTLE_FEAT_DNS, "dns"},
    {SSHUTTLE_FEAT_USER, "user"},
    {SSHUTTLE_FEAT_GROUP, "group"},
    {SSHUTTLE_FEAT_PORT_RANGES, "port-ranges"},
    {SSHUTTLE_FEAT_TRANSPARENT_LISTENER, "transparent-listener"},
    {SSHUTTLE_FEAT_NAT_LOOKUP_BY_MANAGER, "nat-lookup-by-manager"},
}};

using Row = std::array<std::string, 7>;

std::string pad(const std::string& text, size_t width) {
    return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

}  // namespace

std::string feature_names(uint64_t features) {
    std::string out;
    for (const auto& [bit, name] : kFeatureNames) {
        if ((features & bit) != 0) out += (out.empty() ? "" : ",") + std::string(name);
    }
    return out.empty() ? "-" : out;
}

std::string format_plugin_table(const std::vector<PluginInfo>& plugins) {
    if (plugins.empty()) return "no plugins found\n";
    std::vector<Row> rows = {{"NAME", "KIND", "ABI", "USABLE", "FEATURES", "FILE", "REASON"}};
    for (const PluginInfo& p : plugins) {
        rows.push_back({p.name, p.kind, p.abi_version.empty() ? "-" : p.abi_version, p.usable ? "yes" : "no",
                        p.feature_names.empty() ? feature_names(p.features) : p.feature_names, p.file.string(),
                        p.reason.empty() ? "-" : p.reason});
    }
    std::array<size_t, 7> widths{};
    for (const Row& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    std::string out;
    for (const Row& row : rows) {
        // The last column is not padded so that lines carry no trailing blanks.
        for (size_t i = 0; i + 1 < row.size(); ++i) out += pad(row[i], widths[i]) + "  ";
        out += row.back() + "\n";
    }
    return out;
}

}  // namespace sshuttle::plugin
