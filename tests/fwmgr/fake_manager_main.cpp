// SPDX-License-Identifier: LGPL-2.1-or-later
// A firewall manager with a recording fake method, for testing FirewallClient against real processes:
//   fwmgr_fake_manager <record file> [--fail-setup=4|6] [--fail-update=4]
// Every backend call is appended to the record file; the protocol runs on stdin/stdout like the real one.
#include <cstring>
#include <string>

#include "fwmgr/manager_session.hpp"
#include "support/recording_backend.hpp"
#include "util/log.hpp"

int main(int argc, char** argv) {
    using namespace sshuttle;
    if (argc < 2) return 2;
    // spdlog logs to stdout by default, and stdout is the protocol socket.
    util::setup_logging("fw", 0, false);
    fwmgr::testing::RecordingBackend backend(argv[1]);
    for (int i = 2; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--fail-setup=4")
            backend.fail_setup_family_ = net::Family::kIPv4;
        else if (arg == "--fail-setup=6")
            backend.fail_setup_family_ = net::Family::kIPv6;
        else if (arg == "--fail-update=4")
            backend.fail_update_family_ = net::Family::kIPv4;
        else
            return 2;
    }
    fwmgr::SignalRelay signals;
    return fwmgr::run_manager_session(backend, 0, 1, signals);
}
