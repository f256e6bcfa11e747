// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for the Python server tests: where its source is, a started Python server speaking the mux, and a
// small stand-in for the launcher that answers the remote script's upload requests (as server_launch does).
#pragma once

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "mux_probe.hpp"
#include "scratch.hpp"
#include "server_py/python_server.hpp"
#include "transport/remote_script.hpp"
#include "transport/sync_reader.hpp"
#include "util/process.hpp"

namespace sshuttle::test {

inline constexpr uint16_t kCmdTcpConnect = 0x4203;
inline constexpr uint16_t kCmdTcpStopSending = 0x4204;
inline constexpr uint16_t kCmdTcpEof = 0x4205;
inline constexpr uint16_t kCmdTcpData = 0x4206;
inline constexpr uint16_t kCmdHostReq = 0x4208;
inline constexpr uint16_t kCmdDnsReq = 0x420a;
inline constexpr uint16_t kCmdDnsResponse = 0x420b;
inline constexpr uint16_t kCmdUdpOpen = 0x420c;
inline constexpr uint16_t kCmdUdpData = 0x420d;
inline constexpr uint16_t kCmdUdpClose = 0x420e;

inline std::string python_server_path() {
    return std::string(SSHUTTLE_TEST_SOURCE_DIR) + "/../core/src/server_py/sshuttle_server.py";
}

/// A broken server must fail the test, not hang it: reads on fd give up after a generous while.
inline void guard_reads(int fd) {
    timeval timeout{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

/// What the remote script printed and what the stand-in launcher answered.
struct ScriptRun {
    util::Child child;
    bool synced = false;
    std::vector<std::string> lines;  // every line before the header, markers included
    int helper_uploads = 0;
    int python_uploads = 0;

    bool saw(const std::string& prefix) const {
        for (const auto& line : lines)
            if (line.rfind(prefix, 0) == 0) return true;
        return false;
    }
};

/// Runs a remote script under /bin/sh on a socketpair, answers "SSHUTTLE-UPLOAD" with helper and
/// "SSHUTTLE-UPLOAD-PY" with the embedded Python source (checking hash and size), and reads the sync header.
inline ScriptRun run_remote_script(const std::string& script, const std::string& helper,
                                   const std::string& helper_hash) {
    ScriptRun run;
    run.child = util::spawn_with_socketpair({"/bin/sh", "-c", script});
    guard_reads(run.child.fd);
    const std::string py_prefix = std::string(transport::kUploadPythonMarker) + " ";
    const std::string helper_prefix = std::string(transport::kUploadMarker) + " ";
    run.synced = transport::read_sync_header(run.child.fd, [&](const std::string& line) {
        run.lines.push_back(line);
        if (line.rfind(py_prefix, 0) == 0) {
            const auto source = server_py::python_server_source();
            CHECK(line == py_prefix + std::string(server_py::python_server_hash()) + " " +
                              std::to_string(source.size()));
            ++run.python_uploads;
            transport::send_all(run.child.fd, std::string(source));
        } else if (line.rfind(helper_prefix, 0) == 0) {
            CHECK(line == helper_prefix + helper_hash + " " + std::to_string(helper.size()));
            ++run.helper_uploads;
            transport::send_all(run.child.fd, helper);
        }
    });
    return run;
}

/// Ends a started server: EOF on its input, drain its output, return its exit status.
inline int end_server(int fd, pid_t pid) {
    shutdown(fd, SHUT_WR);
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
    return util::wait_child(pid);
}

}  // namespace sshuttle::test
