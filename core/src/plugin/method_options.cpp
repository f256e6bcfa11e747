// SPDX-License-Identifier: LGPL-2.1-or-later
#include "plugin/method_options.hpp"

namespace sshuttle::plugin {
namespace {

bool belongs_to(const std::string& key, const std::string& method) {
    return key.size() > method.size() + 1 && key.starts_with(method) && key[method.size()] == '-';
}

}  // namespace

PluginOptions options_for_method(const PluginOptions& all, const std::string& method) {
    PluginOptions mine;
    for (const auto& [key, value] : all)
        if (belongs_to(key, method)) mine.emplace_back(key.substr(method.size() + 1), value);
    return mine;
}

std::vector<std::string> options_ignored_by(const PluginOptions& all, const std::string& method) {
    std::vector<std::string> ignored;
    for (const auto& [key, value] : all)
        if (!belongs_to(key, method)) ignored.push_back(key);
    return ignored;
}

}  // namespace sshuttle::plugin
