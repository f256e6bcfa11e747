// SPDX-License-Identifier: LGPL-2.1-or-later
#include "prompt.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace sshuttle::plugins::transport_ssh {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? "" : v;
}

std::string strip_newline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

}  // namespace

std::optional<std::string> Prompter::ask(const std::string& prompt, bool secret) const {
    if (batch_mode_) return std::nullopt;
    const std::string askpass = env("SSH_ASKPASS");
    const std::string require = env("SSH_ASKPASS_REQUIRE");
    if (!askpass.empty() && require == "force") return ask_askpass(askpass, prompt);
    if (auto answer = ask_tty(prompt, secret)) return answer;
    // No terminal: like ssh, an askpass program is used when there is a display to show it on.
    if (!askpass.empty() && require != "never" && !env("DISPLAY").empty()) return ask_askpass(askpass, prompt);
    return std::nullopt;
}

std::optional<std::string> Prompter::ask_askpass(const std::string& askpass, const std::string& prompt) const {
    sdk::CommandResult r;
    try {
        r = host_.run({askpass, prompt});
    } catch (const sdk::Error& e) {
        host_.warn("SSH_ASKPASS '" + askpass + "' could not run: " + e.what());
        return std::nullopt;
    }
    if (r.exit_status != 0) return std::nullopt;  // the user cancelled
    return strip_newline(r.output);
}

std::optional<std::string> Prompter::ask_tty(const std::string& prompt, bool secret) const {
    int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    termios saved{};
    bool echo_off = secret && ::tcgetattr(fd, &saved) == 0;
    if (echo_off) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (::write(fd, prompt.data(), prompt.size()) < 0) { /* the answer is read anyway */ }
    std::string answer;
    bool complete = false;
    for (char c; ::read(fd, &c, 1) == 1;) {
        if (c == '\n') {
            complete = true;
            break;
        }
        answer.push_back(c);
    }
    if (echo_off) {
        ::tcsetattr(fd, TCSAFLUSH, &saved);
        if (::write(fd, "\n", 1) < 0) { /* cosmetic only */ }
    }
    ::close(fd);
    if (!complete && answer.empty()) return std::nullopt;
    return strip_newline(answer);
}

}  // namespace sshuttle::plugins::transport_ssh
