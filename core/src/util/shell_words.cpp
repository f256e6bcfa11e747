// SPDX-License-Identifier: LGPL-2.1-or-later
#include "util/shell_words.hpp"

#include <cstring>

namespace sshuttle::util {

std::vector<std::string> split_shell_words(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;  // a word has started, even if it is still empty ('' is a word)
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote == '\'') {
            if (c == '\'') quote = 0;
            else word += c;
        } else if (quote == '"') {
            if (c == '"') quote = 0;
            else if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) word += text[++i];
            else word += c;
        } else if (std::strchr(" \t\n\r\f\v", c) != nullptr) {
            if (in_word) words.push_back(word);
            word.clear();
            in_word = false;
        } else {
            in_word = true;
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\') {
                if (i + 1 == text.size()) throw std::invalid_argument("nothing after the final '\\'");
                word += text[++i];
            } else {
                word += c;
            }
        }
    }
    if (quote != 0) throw std::invalid_argument(std::string("no closing ") + quote + " quote");
    if (in_word) words.push_back(word);
    return words;
}

}  // namespace sshuttle::util
