// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/arg_sources.hpp"

#include <sstream>

#include "cli/usage_error.hpp"
#include "util/bounded_file.hpp"
#include "util/shell_words.hpp"

namespace sshuttle::cli {
namespace {

constexpr int kMaxFileDepth = 16;  // argument files including each other in a loop would never end
// A file of arguments is a few lines: these bound what a mistaken `@/dev/zero` or a file including itself
// twice on every level (2^16 reads) could cost.
constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr int kMaxFiles = 256;
constexpr const char* kSpace = " \t\r\n\f\v";

// Upstream's convert_arg_line_to_args, except that blank lines are skipped rather than turned into an
// empty argument (which only ever produced a confusing error).
bool line_to_token(const std::string& line, std::string& token) {
    if (line.empty() || line.front() == '#') return false;
    const auto first = line.find_first_not_of(kSpace);
    if (first == std::string::npos) return false;
    token = line.substr(first, line.find_last_not_of(kSpace) - first + 1);
    const bool is_quoted =
        token.size() >= 2 && token.front() == token.back() && (token.front() == '"' || token.front() == '\'');
    if (is_quoted) token = token.substr(1, token.size() - 2);
    return true;
}

// The whole file, which must be a regular file (not a device, FIFO or directory) of at most kMaxFileBytes.
std::string read_argument_file(const std::string& path) {
    return util::read_named_file<UsageError>(path, kMaxFileBytes, "argument file");
}

void expand_into(const std::vector<std::string>& args, int depth, int& files_read, std::vector<std::string>& out) {
    for (const std::string& arg : args) {
        if (arg.empty() || arg.front() != '@') {
            out.push_back(arg);
            continue;
        }
        const std::string path = arg.substr(1);
        if (depth >= kMaxFileDepth) throw UsageError("argument file '" + path + "' nested too deeply");
        if (++files_read > kMaxFiles)
            throw UsageError("argument file '" + path + "': more than " + std::to_string(kMaxFiles) +
                             " argument files in all");
        std::istringstream file(read_argument_file(path));
        std::vector<std::string> tokens;
        std::string line;
        std::string token;
        while (std::getline(file, line)) {
            if (line_to_token(line, token)) tokens.push_back(token);
        }
        expand_into(tokens, depth + 1, files_read, out);
    }
}

}  // namespace

std::vector<std::string> expand_at_files(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    int files_read = 0;
    expand_into(args, 0, files_read, out);
    return out;
}

std::vector<std::string> split_shell_words(const std::string& text) {
    try {
        return util::split_shell_words(text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("SSHUTTLE_ARGS: ") + e.what());
    }
}

}  // namespace sshuttle::cli
