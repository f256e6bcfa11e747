// SPDX-License-Identifier: LGPL-2.1-or-later
// The exec transport: any command that gives a stdin/stdout pipe to the remote side (kubectl exec -i, docker
// exec -i, ip netns exec, a wrapper such as tsh ssh) carries sshuttle's stream. The remote command the host
// asks for is appended to the user's command; the host then talks to it through a socketpair.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <sshuttle/plugin_sdk.hpp>

#include "child_process.hpp"
#include "exec_options.hpp"
#include "stderr_tail.hpp"

namespace sshuttle::exec_transport {

class ExecTransport {
   public:
    ExecTransport(const sdk::Host& host, const sdk::Options& options);

    bool is_supported(std::string& reason);
    void open(const sdk::TransportRequest& request);
    bool step();
    int poll_fd() const;
    unsigned wants() const;
    long read(void* buf, std::size_t len);
    long write(const void* buf, std::size_t len);
    void shutdown_write();

   private:
    /// The stream has ended: collect the exit status and the last stderr line, then throw
    /// sdk::Error(SSHUTTLE_ECLOSED) saying why. Every later call throws the same.
    [[noreturn]] void end_of_stream();
    ChildProcess& child();

    sdk::Host host_;
    ExecOptions options_;
    std::unique_ptr<ChildProcess> child_;
    std::unique_ptr<StderrTail> stderr_;
    std::string end_message_;    // set once the stream has ended
    bool write_blocked_ = false; // the last write would have blocked: the host should wait for POLLOUT
};

}  // namespace sshuttle::exec_transport
