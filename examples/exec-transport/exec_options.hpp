// SPDX-License-Identifier: LGPL-2.1-or-later
// The exec transport's options (--transport-option KEY=VALUE) and the command line they give the child.
#pragma once

#include <string>
#include <vector>

#include <sshuttle/plugin_sdk.hpp>

namespace sshuttle::exec_transport {

/// How the remote command reaches the user's command.
enum class RemoteForm {
    kArgv,    // as separate arguments: right for kubectl exec, docker exec, ip netns exec, env, sudo
    kString,  // as one shell-quoted argument: right for ssh-like wrappers that hand a string to a remote shell
};

struct ExecOptions {
    std::string command;  // shell text, e.g. "kubectl exec -i mypod --"
    RemoteForm remote = RemoteForm::kArgv;
};

/// What open() says when no command was given.
inline constexpr const char* kNeedsCommand =
    "the exec transport needs a command: --transport-option command='kubectl exec -i POD --'";

/// Reads command= and remote=argv|string. Throws sdk::Error(SSHUTTLE_EINVAL) naming a bad value; keys it
/// does not know are reported in `ignored` (the host may pass generic ones such as password). A missing
/// command is not an error here, so that --list-plugins can still load and describe the module.
ExecOptions parse_options(const sdk::Options& options, std::vector<std::string>& ignored);

/// False when command= is missing or blank.
bool has_command(const ExecOptions& options);

/// The child's argv: /bin/sh runs the user's command with the remote command appended as "$@", so the
/// command may use shell syntax (quotes, $VARIABLES) while the appended words are passed through untouched.
std::vector<std::string> child_argv(const ExecOptions& options, const sdk::TransportRequest& request);

/// NAME=VALUE entries added to the child's environment: the -r destination, for commands that pick a pod,
/// container or host from it (SSHUTTLE_REMOTE_HOST, SSHUTTLE_REMOTE_USER, SSHUTTLE_REMOTE_PORT).
std::vector<std::string> child_environment(const sdk::TransportRequest& request);

}  // namespace sshuttle::exec_transport
