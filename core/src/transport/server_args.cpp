// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/server_args.hpp"

#include "util/process.hpp"

namespace sshuttle::transport {
namespace {

constexpr int kDefaultLatencyBufferSize = 32768;

}  // namespace

std::vector<std::string> server_arguments(const LaunchConfig& options, uint32_t bypass_mark) {
    std::vector<std::string> args{"--server"};
    for (int i = 0; i < options.verbose; ++i) args.emplace_back("-v");
    if (!options.latency_control) args.emplace_back("--no-latency-control");
    if (options.latency_buffer_size != kDefaultLatencyBufferSize) {
        args.emplace_back("--latency-buffer-size");
        args.push_back(std::to_string(options.latency_buffer_size));
    }
    if (options.to_ns) {
        // The mux's DNS target format is ip@port; port 0 means the standard port.
        uint16_t port = options.to_ns->port ? options.to_ns->port : 53;
        args.emplace_back("--to-ns");
        args.push_back(options.to_ns->address.to_string() + "@" + std::to_string(port));
    }
    if (options.auto_nets) args.emplace_back("--auto-nets");
    if (bypass_mark != 0) {
        args.emplace_back("--mark");
        args.push_back(std::to_string(bypass_mark));
    }
    return args;
}

}  // namespace sshuttle::transport
