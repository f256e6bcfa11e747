// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/fast_cipher.hpp"

#include <fstream>
#include <sstream>

namespace sshuttle::transport {

std::vector<std::string> fast_cipher_options(std::string_view configured_ciphers, bool cpu_has_aes) {
    if (!cpu_has_aes || configured_ciphers != kOpenSshDefaultCiphers) return {};
    return {"-c", std::string(kAesFirstCiphers)};
}

bool cpuinfo_has_aes(std::string_view cpuinfo) {
    std::istringstream lines{std::string(cpuinfo)};
    std::string line;
    while (std::getline(lines, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon);
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
        if (key != "flags" && key != "Features") continue;
        std::istringstream words(line.substr(colon + 1));
        std::string word;
        while (words >> word)
            if (word == "aes") return true;
        return false;  // every CPU lists the same instructions: the first such line answers
    }
    return false;
}

bool cpu_has_aes_instructions() {
    std::ifstream file("/proc/cpuinfo");
    std::stringstream text;
    text << file.rdbuf();
    return cpuinfo_has_aes(text.str());
}

}  // namespace sshuttle::transport
