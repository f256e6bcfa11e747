// SPDX-License-Identifier: LGPL-2.1-or-later
// The exec transport's options and the child command line they make (examples/exec-transport).
#include <doctest/doctest.h>

#include "exec_options.hpp"

using namespace sshuttle::exec_transport;

namespace {

sshuttle::sdk::TransportRequest sample_request() {
    sshuttle::sdk::TransportRequest r;
    r.host = "pod-1";
    r.remote_argv = {"/bin/sh", "-c", "echo 'a  b'"};
    r.remote_command = "/bin/sh -c 'echo '\"'\"'a  b'\"'\"''";
    return r;
}

std::string error_of(const sshuttle::sdk::Options& options) {
    std::vector<std::string> ignored;
    try {
        parse_options(options, ignored);
    } catch (const sshuttle::sdk::Error& e) {
        CHECK(e.status() == SSHUTTLE_EINVAL);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("exec options: command, remote is argv or string, other keys are ignored") {
    std::vector<std::string> none;
    CHECK_FALSE(has_command(parse_options({}, none)));
    CHECK_FALSE(has_command(parse_options({{"command", " \t"}}, none)));
    CHECK(error_of({{"command", "env"}, {"remote", "words"}}) ==
          "invalid transport option remote='words': expected 'argv' or 'string'");

    std::vector<std::string> ignored;
    ExecOptions o = parse_options({{"command", "kubectl exec -i p --"}, {"password", "x"}}, ignored);
    CHECK(o.command == "kubectl exec -i p --");
    CHECK(has_command(o));
    CHECK(o.remote == RemoteForm::kArgv);
    CHECK(ignored == std::vector<std::string>{"password"});
    CHECK(parse_options({{"command", "tsh ssh h"}, {"remote", "string"}}, ignored).remote == RemoteForm::kString);
}

TEST_CASE("exec options: the remote argv is appended as \"$@\", or the remote command as one word") {
    sshuttle::sdk::TransportRequest r = sample_request();
    ExecOptions o{"kubectl exec -i \"$SSHUTTLE_REMOTE_HOST\" --", RemoteForm::kArgv};
    CHECK(child_argv(o, r) == std::vector<std::string>{"/bin/sh", "-c",
                                                       "kubectl exec -i \"$SSHUTTLE_REMOTE_HOST\" -- \"$@\"",
                                                       "sshuttle-exec", "/bin/sh", "-c", "echo 'a  b'"});
    o.remote = RemoteForm::kString;
    CHECK(child_argv(o, r) == std::vector<std::string>{"/bin/sh", "-c",
                                                       "kubectl exec -i \"$SSHUTTLE_REMOTE_HOST\" -- \"$@\"",
                                                       "sshuttle-exec", r.remote_command});
}

TEST_CASE("exec options: the -r destination reaches the command's environment") {
    sshuttle::sdk::TransportRequest r = sample_request();
    CHECK(child_environment(r) == std::vector<std::string>{"SSHUTTLE_REMOTE_HOST=pod-1"});
    r.user = "alice";
    r.port = 2222;
    CHECK(child_environment(r) == std::vector<std::string>{"SSHUTTLE_REMOTE_HOST=pod-1", "SSHUTTLE_REMOTE_USER=alice",
                                                           "SSHUTTLE_REMOTE_PORT=2222"});
}
