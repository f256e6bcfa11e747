// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exec_options.hpp"

namespace sshuttle::exec_transport {

ExecOptions parse_options(const sdk::Options& options, std::vector<std::string>& ignored) {
    ExecOptions out;
    for (const auto& [key, value] : options) {
        if (key == "command") {
            out.command = value;
        } else if (key == "remote") {
            if (value == "argv") {
                out.remote = RemoteForm::kArgv;
            } else if (value == "string") {
                out.remote = RemoteForm::kString;
            } else {
                throw sdk::Error(SSHUTTLE_EINVAL, "invalid transport option remote='" + value +
                                                      "': expected 'argv' or 'string'");
            }
        } else {
            ignored.push_back(key);
        }
    }
    return out;
}

bool has_command(const ExecOptions& options) {
    return options.command.find_first_not_of(" \t") != std::string::npos;
}

std::vector<std::string> child_argv(const ExecOptions& options, const sdk::TransportRequest& request) {
    // "$0" is only the name sh uses in its own error messages.
    std::vector<std::string> argv{"/bin/sh", "-c", options.command + " \"$@\"", "sshuttle-exec"};
    if (options.remote == RemoteForm::kString) {
        argv.push_back(request.remote_command);
    } else {
        argv.insert(argv.end(), request.remote_argv.begin(), request.remote_argv.end());
    }
    return argv;
}

std::vector<std::string> child_environment(const sdk::TransportRequest& request) {
    std::vector<std::string> env{"SSHUTTLE_REMOTE_HOST=" + request.host};
    if (!request.user.empty()) env.push_back("SSHUTTLE_REMOTE_USER=" + request.user);
    if (request.port > 0) env.push_back("SSHUTTLE_REMOTE_PORT=" + std::to_string(request.port));
    return env;
}

}  // namespace sshuttle::exec_transport
