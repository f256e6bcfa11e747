// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/ssh_connect.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "common/shell_quote.hpp"
#include "transport/send_descriptor.hpp"

namespace sshuttle::transport {

namespace {

constexpr int kMaxTimeoutS = 24 * 3600;
constexpr int kMaxNotsentLowat = 64 * 1024 * 1024;

// A whole decimal number in [min, max], else nullopt.
std::optional<int> bounded_number(const std::string& text, int min, int max) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
    return value;
}

// ssh expands %-tokens in a ProxyCommand: a literal % in our path must be written %%.
std::string escape_percent(const std::string& text) {
    std::string out;
    for (char c : text) {
        out += c;
        if (c == '%') out += '%';
    }
    return out;
}

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// A non-blocking connect, waited for until the deadline (none: as long as the system's connect takes); 0 or an
// errno.
int connect_within(int fd, const addrinfo* ai, const Deadline& deadline) {
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int error = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        error = errno;
        if (error == EINPROGRESS) {
            pollfd pfd{fd, POLLOUT, 0};
            for (;;) {
                int wait_ms = -1;
                if (deadline) {
                    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        *deadline - std::chrono::steady_clock::now());
                    if (left.count() <= 0) return ETIMEDOUT;
                    wait_ms = static_cast<int>(left.count());
                }
                const int rc = ::poll(&pfd, 1, wait_ms);
                if (rc > 0) break;
                if (rc < 0 && errno != EINTR) return errno;
            }
            socklen_t len = sizeof error;
            if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
        }
    }
    fcntl(fd, F_SETFL, flags);  // ssh gets the socket as a connect() of its own would leave it
    return error;
}

int family_of(const std::string& family) {
    if (family == "inet") return AF_INET;
    if (family == "inet6") return AF_INET6;
    return AF_UNSPEC;
}

}  // namespace

std::vector<std::string> ssh_connect_options(const std::string& self, const SshTarget& settings) {
    if (settings.proxy_command || !settings.proxy_jump.empty() || settings.binds_locally || settings.retries_connect)
        return {};
    if (family_of(settings.address_family) == AF_UNSPEC && settings.address_family != "any") return {};
    if (self.empty() || ::access(self.c_str(), X_OK) != 0) return {};
    std::vector<std::string> words{self, "ssh-connect", "--family", settings.address_family};
    if (settings.connect_timeout_s > 0)
        words.insert(words.end(), {"--timeout", std::to_string(settings.connect_timeout_s)});
    if (!settings.tcp_keep_alive) words.emplace_back("--no-keepalive");
    // %h and %p: ssh's own HostName and Port, after its configuration and canonicalisation.
    const std::string command = escape_percent(common::join_shell_words(words)) + " %h %p";
    return {"-o", "ProxyCommand=" + command, "-o", "ProxyUseFdpass=yes"};
}

std::optional<SshConnectRequest> parse_ssh_connect_args(const std::vector<std::string>& args, std::string& error) {
    SshConnectRequest request;
    std::vector<std::string> positional;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto value = [&]() -> const std::string* {
            if (i + 1 < args.size()) return &args[++i];
            error = "ssh-connect: " + arg + " needs a value";
            return nullptr;
        };
        // The option's value as a whole number in [0, max] into `out`; false, with the error, otherwise.
        const auto number = [&](int& out, int max, const char* unit, const char* note) {
            const std::string* v = value();
            if (!v) return false;
            const auto parsed = bounded_number(*v, 0, max);
            if (!parsed) {
                error = "ssh-connect: bad " + arg + " '" + *v + "' (" + unit + std::to_string(max) + note + ")";
                return false;
            }
            out = *parsed;
            return true;
        };
        if (arg == "--family") {
            const std::string* v = value();
            if (!v) return std::nullopt;
            if (*v != "any" && *v != "inet" && *v != "inet6") {
                error = "ssh-connect: bad --family '" + *v + "' (any, inet or inet6)";
                return std::nullopt;
            }
            request.family = *v;
        } else if (arg == "--timeout") {
            if (!number(request.timeout_s, kMaxTimeoutS, "seconds, 0 to ", "")) return std::nullopt;
        } else if (arg == "--notsent-lowat") {
            if (!number(request.notsent_lowat, kMaxNotsentLowat, "bytes, 0 to ", "; 0: no limit")) return std::nullopt;
        } else if (arg == "--no-keepalive") {
            request.keepalive = false;
        } else if (arg.size() > 1 && arg[0] == '-') {
            error = "ssh-connect: unknown option '" + arg + "'";
            return std::nullopt;
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.size() != 2) {
        error = "ssh-connect: expected HOST PORT, got " + std::to_string(positional.size()) + " argument(s)";
        return std::nullopt;
    }
    request.host = positional[0];
    if (request.host.empty()) {
        error = "ssh-connect: empty host";
        return std::nullopt;
    }
    if (!bounded_number(positional[1], 1, 65535)) {
        error = "ssh-connect: bad port '" + positional[1] + "' (1 to 65535)";
        return std::nullopt;
    }
    request.port = positional[1];
    return request;
}

int run_ssh_connect(const std::vector<std::string>& args, int to_ssh, std::ostream& err) {
    std::string error;
    const std::optional<SshConnectRequest> request = parse_ssh_connect_args(args, error);
    if (!request) {
        err << "sshuttle: " << error << "\n";
        return 255;
    }
    int type = 0;
    socklen_t type_len = sizeof type;
    if (::getsockopt(to_ssh, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0) {
        err << "sshuttle: ssh-connect: standard output is not a socket (it is ssh's ProxyCommand with "
               "ProxyUseFdpass=yes)\n";
        return 255;
    }
    addrinfo hints{};
    hints.ai_family = family_of(request->family);
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (int rc = ::getaddrinfo(request->host.c_str(), request->port.c_str(), &hints, &list); rc != 0) {
        err << "sshuttle: Could not resolve hostname " << request->host << ": " << ::gai_strerror(rc) << "\n";
        return 255;
    }
    // ssh's ConnectTimeout covers the attempts at all the addresses together.
    Deadline deadline;
    if (request->timeout_s > 0) deadline = std::chrono::steady_clock::now() + std::chrono::seconds(request->timeout_s);
    int last_error = 0;
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_error = errno;
            continue;
        }
        if (request->notsent_lowat > 0)
            ::setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &request->notsent_lowat, sizeof request->notsent_lowat);
        last_error = connect_within(fd, ai, deadline);
        if (last_error == 0) {
            ::freeaddrinfo(list);
            const int one = 1;
            if (request->keepalive) ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            // Set here, whatever ssh sets later: the tunnel's small frames (the start-up exchange, pings,
            // interactive bytes) must not wait for an acknowledgement.
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (!send_descriptor(to_ssh, fd)) {
                err << "sshuttle: ssh-connect: cannot pass the connection to ssh: " << std::strerror(errno) << "\n";
                ::close(fd);
                return 255;
            }
            ::close(fd);
            return 0;
        }
        ::close(fd);
        if (last_error == ETIMEDOUT && deadline) break;
    }
    ::freeaddrinfo(list);
    err << "sshuttle: connect to host " << request->host << " port " << request->port << ": "
        << (last_error == ETIMEDOUT ? "Connection timed out" : std::strerror(last_error)) << "\n";
    return 255;
}

}  // namespace sshuttle::transport
