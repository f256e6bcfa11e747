// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/area_configs.hpp"

namespace sshuttle::app {

fwmgr::ManagerConfig manager_config_from(const cli::Options& options) {
    fwmgr::ManagerConfig config;
    config.method = options.method;
    config.plugin_dirs = options.plugin_dirs;
    config.verbose = options.verbose;
    config.syslog = options.syslog;
    config.auto_hosts = options.auto_hosts;
    config.method_options = options.method_options;
    return config;
}

transport::LaunchConfig launch_config_from(const cli::Options& options) {
    transport::LaunchConfig config;
    if (options.remote) {
        const cli::Remote& remote = *options.remote;
        config.remote = transport::RemoteHost{remote.user, remote.password, remote.host, remote.port};
    }
    config.ssh_cmd = options.ssh_cmd;
    config.no_cmd_delimiter = options.no_cmd_delimiter;
    config.transport = options.transport;
    config.transport_options = options.transport_options;
    config.plugin_dirs = options.plugin_dirs;
    config.max_channels = options.max_channels;
    config.remote_shell = options.remote_shell;
    config.python = options.python;
    config.server_cmd = options.server_cmd;
    config.verbose = options.verbose;
    config.latency_control = options.latency_control;
    config.latency_buffer_size = options.latency_buffer_size;
    config.to_ns = options.to_ns;
    config.auto_nets = options.auto_nets;
    return config;
}

}  // namespace sshuttle::app
