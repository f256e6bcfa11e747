// SPDX-License-Identifier: LGPL-2.1-or-later
// Every line parser of the firewall manager's protocol (both directions); a parsed line formats back to a
// line that parses the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fwmgr/line_protocol.hpp"

using namespace sshuttle::fwmgr;

namespace {

std::string_view without_newline(const std::string& line) { return std::string_view(line).substr(0, line.size() - 1); }

template <typename Parse, typename Check>
void try_parse(Parse parse, Check check) {
    try {
        check(parse());
    } catch (const ProtocolError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    try_parse([&] { return parse_route(line); },
              [](const auto& rule) { if (!(parse_route(without_newline(format_route(rule))) == rule)) __builtin_trap(); });
    try_parse([&] { return parse_nameserver(line); }, [](const auto&) {});
    try_parse([&] { return parse_ports(line); },
              [](const Ports& p) { if (parse_ports(without_newline(format_ports(p))) != p) __builtin_trap(); });
    try_parse([&] { return parse_go(line); },
              [](const GoFields& go) { if (parse_go(without_newline(format_go(go))) != go) __builtin_trap(); });
    try_parse([&] { return parse_host(line); }, [](const HostEntry&) {});
    try_parse([&] { return parse_nat_query(line); }, [](const NatQuery&) {});
    try_parse([&] { return parse_nat_reply(line); }, [](const NatReply&) {});
    (void)parse_ready(line);
    (void)parse_error(line);
    return 0;
}
