// SPDX-License-Identifier: LGPL-2.1-or-later
#include "net/host_name.hpp"

#include <algorithm>
#include <cctype>

namespace sshuttle::net {
namespace {

constexpr std::size_t kMaxLabelBytes = 63;

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_valid_label(std::string_view label) {
    if (label.empty() || label.size() > kMaxLabelBytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(), is_label_char);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

bool is_valid_host_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxHostNameBytes) return false;
    // "192.0.2.1" as a *name* would be a confusing hosts line; addresses are not names.
    if (std::all_of(name.begin(), name.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }))
        return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        const std::string_view label = name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
        if (!is_valid_label(label)) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

bool is_localhost_name(std::string_view name) {
    constexpr std::string_view kLocal = "localhost";
    if (iequals(name, kLocal)) return true;
    if (name.size() > kLocal.size() && iequals(name.substr(0, kLocal.size()), kLocal) && name[kLocal.size()] == '.')
        return true;
    return name.size() > kLocal.size() && iequals(name.substr(name.size() - kLocal.size()), kLocal) &&
           name[name.size() - kLocal.size() - 1] == '.';
}

}  // namespace sshuttle::net
