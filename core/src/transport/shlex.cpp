// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/shlex.hpp"

#include "transport/server_launch.hpp"

namespace sshuttle::transport {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::vector<std::string> shlex_split(const std::string& text) {
    auto unterminated = [&text] { return TransportError("invalid ssh command '" + text + "': no closing quotation"); };
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;  // a word has started, even if it is still empty ('' is a word)
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (is_space(c)) {
            if (in_word) words.push_back(word);
            word.clear();
            in_word = false;
        } else if (c == '\'') {
            size_t end = text.find('\'', i + 1);
            if (end == std::string::npos) throw unterminated();
            word += text.substr(i + 1, end - i - 1);
            in_word = true;
            i = end;
        } else if (c == '"') {
            size_t j = i + 1;
            for (; j < text.size() && text[j] != '"'; ++j) {
                // Inside double quotes Python's shlex only lets a backslash escape '"' and '\'.
                if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\')) ++j;
                word += text[j];
            }
            if (j >= text.size()) throw unterminated();
            in_word = true;
            i = j;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) throw TransportError("invalid ssh command '" + text + "': no escaped character");
            word += text[++i];
            in_word = true;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(word);
    return words;
}

}  // namespace sshuttle::transport
