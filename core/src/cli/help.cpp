// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/help.hpp"

#include "cli/option_table.hpp"

namespace sshuttle::cli {
namespace {

constexpr std::size_t kHelpColumn = 36;

std::string option_column(const OptionSpec& spec) {
    std::string names = spec.names;
    if (const auto comma = names.find(','); comma != std::string::npos) names.insert(comma + 1, " ");
    if (spec.value_name != nullptr) names += std::string(" ") + spec.value_name;
    return "  " + names;
}

}  // namespace

std::string help_text() {
    std::string text =
        "usage: sshuttle [-l [ip:]port] -r [user@]sshserver[:port] <subnets...>\n"
        "       sshuttle @FILE ...   (one argument per line)\n"
        "       sshuttle --config FILE [--profile NAME] ...\n"
        "\n"
        "Transparent proxy over ssh. SSHUTTLE_ARGS is read before the command line.\n"
        "\n"
        "positional arguments:\n";
    std::string options = "\noptions:\n";
    for (const OptionSpec& spec : option_table()) {
        const bool is_positional = spec.kind == ValueKind::kPositional;
        std::string line = is_positional ? "  subnets" : option_column(spec);
        line += line.size() < kHelpColumn ? std::string(kHelpColumn - line.size(), ' ')
                                          : "\n" + std::string(kHelpColumn, ' ');
        (is_positional ? text : options) += line + spec.help + "\n";
    }
    return text + options;
}

}  // namespace sshuttle::cli
