// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/ssh_command.hpp"

#include "transport/remote_script.hpp"
#include "transport/server_args.hpp"
#include "transport/shlex.hpp"
#include "transport/transport_error.hpp"

namespace sshuttle::transport {

std::string ssh_destination(const RemoteHost& remote) {
    return remote.user.empty() ? remote.host : remote.user + "@" + remote.host;
}

std::vector<std::string> ssh_argv(const LaunchConfig& options, const std::string& remote_command,
                                  const std::vector<std::string>& ssh_options, bool batch_mode) {
    const RemoteHost& remote = options.remote.value();
    std::vector<std::string> argv;
    if (!remote.password.empty()) argv = {"sshpass", "-e"};
    std::vector<std::string> ssh = shlex_split(options.ssh_cmd.empty() ? "ssh" : options.ssh_cmd);
    if (ssh.empty()) throw TransportError("invalid ssh command '" + options.ssh_cmd + "': no program");
    argv.insert(argv.end(), ssh.begin(), ssh.end());
    // Standing in for the libssh2 transport: the ssh program follows the configuration that one was given.
    if (options.ssh_cmd.empty()) {
        for (const auto& [key, value] : options.transport_options)
            if (key == "ssh-config") argv.insert(argv.end(), {"-F", value});
    }
    argv.insert(argv.end(), ssh_options.begin(), ssh_options.end());
    // sshpass answers the password prompt itself, and BatchMode would stop ssh from showing it one.
    if (batch_mode && remote.password.empty()) {
        argv.emplace_back("-o");
        argv.emplace_back("BatchMode=yes");
    }
    if (remote.port != 0) {
        argv.emplace_back("-p");
        argv.push_back(std::to_string(remote.port));
    }
    argv.push_back(ssh_destination(remote));
    if (!options.no_cmd_delimiter) argv.emplace_back("--");
    argv.push_back(remote_command);
    return argv;
}

std::string remote_command(const LaunchConfig& options, const std::string& upload_script_text) {
    const bool posix = options.remote_shell.empty() || options.remote_shell == "posix" || options.remote_shell == "sh";
    if (!options.server_cmd.empty()) {
        std::string script = server_cmd_script(options.server_cmd, server_arguments(options, 0));
        return posix ? sh_command(script) : script;
    }
    if (!posix) {
        throw TransportError("--remote-shell '" + options.remote_shell +
                             "': the uploaded server needs a POSIX /bin/sh on the remote; use --server-cmd");
    }
    return sh_command(upload_script_text);
}

}  // namespace sshuttle::transport
