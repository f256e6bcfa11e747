// SPDX-License-Identifier: LGPL-2.1-or-later
#include "common/ssh_g.hpp"

#include <sstream>

namespace sshuttle::common {

SshGValues parse_ssh_g_values(const std::string& output) {
    SshGValues values;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        const std::size_t space = line.find(' ');
        if (space == std::string::npos) continue;
        values[line.substr(0, space)].push_back(line.substr(space + 1));
    }
    return values;
}

}  // namespace sshuttle::common
