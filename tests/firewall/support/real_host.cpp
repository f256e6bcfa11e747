// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/real_host.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sshuttle::test {
namespace {

int run_for_host(void*, const char* const* argv, const char* stdin_text, void (*out)(void*, const char*, size_t),
                 void* out_ctx, sshuttle_error* err) {
    std::vector<std::string> args;
    for (const char* const* a = argv; *a != nullptr; ++a) args.emplace_back(*a);
    const std::string text = stdin_text != nullptr ? stdin_text : "";
    Ran r = run_real(args, stdin_text != nullptr ? &text : nullptr);
    if (r.status < 0) {
        std::snprintf(err->message, sizeof err->message, "cannot run '%s'", argv[0]);
        return SSHUTTLE_ECOMMAND;
    }
    if (out != nullptr) out(out_ctx, r.output.data(), r.output.size());
    return r.status;
}

}  // namespace

Ran run_real(const std::vector<std::string>& argv, const std::string* stdin_text) {
    // stdin comes from an unlinked temporary file, so a child that writes before reading cannot deadlock us.
    std::FILE* input = std::tmpfile();
    if (input == nullptr) return {};
    if (stdin_text != nullptr) std::fwrite(stdin_text->data(), 1, stdin_text->size(), input);
    std::fflush(input);
    std::rewind(input);
    int out_pipe[2];
    if (pipe(out_pipe) != 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fileno(input), 0);
        dup2(out_pipe[1], 1);
        close(out_pipe[0]);
        close(out_pipe[1]);
        const std::string path = std::string(std::getenv("PATH") ? std::getenv("PATH") : "/bin:/usr/bin") +
                                 ":/sbin:/usr/sbin:/usr/local/sbin";
        setenv("PATH", path.c_str(), 1);
        setenv("LC_ALL", "C", 1);
        std::vector<char*> cargv;
        for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
        cargv.push_back(nullptr);
        execvp(cargv[0], cargv.data());
        _exit(127);
    }
    close(out_pipe[1]);
    std::fclose(input);
    Ran result;
    char buf[4096];
    for (ssize_t n; (n = read(out_pipe[0], buf, sizeof buf)) != 0;) {
        if (n > 0)
            result.output.append(buf, static_cast<size_t>(n));
        else if (errno != EINTR)
            break;
    }
    close(out_pipe[0]);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return result;
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

const sshuttle_host_v1* real_host() {
    static const sshuttle_host_v1 host = [] {
        sshuttle_host_v1 h{};
        h.struct_size = sizeof h;
        h.run = &run_for_host;
        return h;
    }();
    return &host;
}

}  // namespace sshuttle::test
