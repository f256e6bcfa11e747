// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/status/status_command.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/status/control_request.hpp"
#include "app/status/control_socket.hpp"
#include "app/status/status_model.hpp"
#include "cli/usage_error.hpp"

namespace sshuttle::app::status {
namespace {

constexpr std::size_t kMaxReplyBytes = 64 * 1024 * 1024;  // a client with 65535 connections answers ~15 MiB
constexpr int kTimeoutSeconds = 5;

constexpr const char* kUsage =
    "usage: sshuttle status [--json] [--pid N | --socket PATH]\n"
    "  Shows a running sshuttle client's status: remote, state, traffic, open connections.\n"
    "  --json         print the client's answer as JSON\n"
    "  --pid N        the client with process id N (when several run)\n"
    "  --socket PATH  the control socket at PATH\n";

int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// One client's answer, parsed; prints the error and returns nullopt when it is not a status.
std::optional<SessionStatus> status_from(const std::string& path, const std::string& reply, std::ostream& err) {
    if (const std::string why = reply_error(reply); !why.empty()) {
        err << "sshuttle status: " << path << ": " << why << "\n";
        return std::nullopt;
    }
    std::string why;
    auto status = from_json(reply, why);
    if (!status) err << "sshuttle status: " << path << ": not a status answer (" << why << ")\n";
    return status;
}

}  // namespace

StatusArgs parse_status_args(const std::vector<std::string>& args) {
    StatusArgs result;
    CLI::App app{"", "sshuttle status"};
    app.set_help_flag();
    app.add_flag("-h,--help", result.help);
    app.add_flag("--json", result.json);
    int pid = 0;
    auto* pid_option = app.add_option("--pid", pid)->check(CLI::Range(1, 0x3fffffff));
    auto* socket_option = app.add_option("--socket", result.socket);
    pid_option->excludes(socket_option);
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        throw cli::UsageError(std::string("status: ") + e.what());
    }
    if (pid_option->count() > 0) result.pid = static_cast<pid_t>(pid);
    if (socket_option->count() > 0 && result.socket.empty()) throw cli::UsageError("status: --socket: empty path");
    return result;
}

std::optional<std::string> ask_control_socket(const std::string& path, const std::string& request,
                                              std::string& error) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        error = path + ": path too long for a Unix socket";
        return std::nullopt;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = fmt::format("socket(): {}", std::strerror(errno));
        return std::nullopt;
    }
    // A client that accepts and never answers must not hang us.
    timeval timeout{kTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    auto fail = [&](const char* what) {
        error = fmt::format("{}: {}{}", path, what, std::strerror(errno));
        ::close(fd);
        return std::nullopt;
    };
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return fail("");
    const std::string line = request + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
        return fail("sending the request: ");
    std::string reply;
    char buffer[65536];
    while (reply.find('\n') == std::string::npos) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(errno == EAGAIN ? "no answer: " : "reading the answer: ");
        if (n == 0) break;
        reply.append(buffer, static_cast<std::size_t>(n));
        if (reply.size() > kMaxReplyBytes) {
            errno = EMSGSIZE;
            return fail("answer too long: ");
        }
    }
    ::close(fd);
    const auto newline = reply.find('\n');
    if (newline == std::string::npos) {
        error = path + ": the client closed the connection without an answer";
        return std::nullopt;
    }
    reply.resize(newline);
    return reply;
}

int run_status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const StatusArgs options = parse_status_args(args);
    if (options.help) {
        out << kUsage;
        return 0;
    }
    std::vector<std::string> paths;
    if (!options.socket.empty()) {
        paths.push_back(options.socket);
    } else {
        for (const auto& path : find_control_sockets(::geteuid(), std::getenv("XDG_RUNTIME_DIR"))) {
            const auto pid = pid_of_socket_name(path.substr(path.rfind('/') + 1));
            if (!options.pid || pid == options.pid) paths.push_back(path);
        }
    }
    if (paths.empty()) {
        err << "sshuttle status: "
            << (options.pid ? fmt::format("no sshuttle client with pid {} found", *options.pid)
                            : std::string("no running sshuttle client found"))
            << " (looked in " << fmt::format("{}", fmt::join(socket_dirs_for(::geteuid(), std::getenv("XDG_RUNTIME_DIR")), ", "))
            << (::geteuid() == 0 ? "" : ", /run/sshuttle") << ")\n";
        return 1;
    }

    std::vector<std::pair<std::string, std::string>> answers;  // path, raw JSON
    std::vector<SessionStatus> statuses;
    bool failed = false;
    for (const auto& path : paths) {
        std::string why;
        const auto reply = ask_control_socket(path, "status", why);
        if (!reply) {
            // A socket left by a client that died (SIGKILL) refuses connections: not worth an error in a search.
            if (options.socket.empty() && paths.size() > 1 && why.find("Connection refused") != std::string::npos)
                continue;
            err << "sshuttle status: " << why << "\n";
            failed = true;
            continue;
        }
        auto status = status_from(path, *reply, err);
        if (!status) {
            failed = true;
            continue;
        }
        answers.emplace_back(path, *reply);
        statuses.push_back(std::move(*status));
    }
    if (statuses.empty()) return 1;

    const int64_t now = now_unix_ms();
    if (options.json) {
        // The client's own JSON, re-emitted from the parsed model so that nothing but a status gets printed.
        if (statuses.size() == 1) {
            out << to_json(statuses.front()) << "\n";
        } else {
            out << "[";
            for (std::size_t i = 0; i < statuses.size(); ++i) out << (i ? "," : "") << to_json(statuses[i]);
            out << "]\n";
        }
    } else if (statuses.size() == 1) {
        out << render_human(statuses.front(), now);
    } else {
        out << statuses.size() << " sshuttle clients are running; pick one with --pid N:\n";
        for (std::size_t i = 0; i < statuses.size(); ++i) {
            const auto& s = statuses[i];
            out << fmt::format("  pid {}{}: {} ({})\n", s.pid, s.name.empty() ? "" : " (" + s.name + ")",
                               render_brief(s), answers[i].first);
        }
    }
    return failed ? 1 : 0;
}

}  // namespace sshuttle::app::status
