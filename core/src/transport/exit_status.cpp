// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/exit_status.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "transport/remote_script.hpp"

namespace sshuttle::transport {

bool server_alive(pid_t pid, int* exit_status) {
    int status = 0;
    while (true) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == 0) return true;
        if (r < 0 && errno == EINTR) continue;
        if (exit_status) {
            if (r < 0) *exit_status = -1;  // not our child (already reaped)
            else if (WIFSIGNALED(status)) *exit_status = 128 + WTERMSIG(status);
            else *exit_status = WEXITSTATUS(status);
        }
        return false;
    }
}

std::string describe_exit(int exit_status) {
    const std::string code = " (exit code " + std::to_string(exit_status) + ")";
    switch (exit_status) {
        case -1: return "the server process is gone (already reaped)";
        case 0: return "the server exited normally";
        case kExitPlatform: return "the remote platform does not match the server helper" + code;
        case kExitCacheDir: return "the remote cache directory is not writable" + code;
        case kExitUpload: return "the server upload was cut short" + code;
        case kExitExecFailed: return "the uploaded server could not be executed" + code;
        case util::kExitNoPython: return "the remote shell could not exec the server's interpreter" + code;
        case util::kExitBootstrapReturned: return "the server's bootstrap returned without running the server" + code;
        case util::kExitFatal: return "the server stopped on a fatal error; see its messages above" + code;
        case util::kExitCannotExecute:
            return "the server could not be executed (permission denied or a noexec file system)" + code;
        case util::kExitNotFound: return "/bin/sh, the server or --server-cmd was not found" + code;
        case util::kExitSshFailed:
            return "ssh failed" + code +
                   "; if the firewall captured the ssh connection itself, exclude the ssh server with -x <host>";
        default: break;
    }
    if (exit_status > 128 && exit_status < 128 + 65) {
        int signal = exit_status - 128;
        return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    }
    return "exited" + code;
}

}  // namespace sshuttle::transport
