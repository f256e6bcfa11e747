// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/parse_options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>

#include "cli/arg_sources.hpp"
#include "cli/option_table.hpp"
#include "cli/suggest.hpp"
#include "cli/usage_error.hpp"
#include "cli/yaml_config.hpp"

namespace sshuttle::cli {
namespace {

/// One source of tokens and what one parse of it found, per option_table() entry.
struct Level {
    std::string origin;                    // "" = command line, "SSHUTTLE_ARGS", or the config file path
    std::map<std::size_t, int> key_lines;  // config file only: option index -> line
    std::vector<std::string> tokens;
    std::vector<std::size_t> counts;
    std::vector<std::vector<std::string>> values;

    std::string error_prefix(std::size_t index) const {
        if (origin.empty()) return "";
        const auto line = key_lines.find(index);
        if (line == key_lines.end()) return origin + ": ";
        return origin + ":" + std::to_string(line->second) + ": key '" + option_table()[index].yaml_key + "': ";
    }
};

// Every long option name with whether it takes a value.
std::map<std::string, bool> long_options() {
    std::map<std::string, bool> names;
    for (const OptionSpec& spec : option_table()) {
        const std::string all = spec.names;
        const bool takes_value = spec.kind == ValueKind::kValue || spec.kind == ValueKind::kList;
        for (std::size_t start = 0; start < all.size();) {
            const auto comma = std::min(all.find(',', start), all.size());
            const std::string name = all.substr(start, comma - start);
            if (name.rfind("--", 0) == 0) names[name] = takes_value;
            start = comma + 1;
        }
    }
    return names;
}

std::vector<std::string> long_names() {
    std::vector<std::string> names;
    for (const auto& [name, takes_value] : long_options()) names.push_back(name);
    return names;
}

// argparse gives `--opt=` the value ''; CLI11 would take the next argument instead, so the empty value becomes a
// token of its own.
void split_empty_values(std::vector<std::string>& tokens) {
    static const std::map<std::string, bool> options = long_options();
    for (std::size_t i = 0; i < tokens.size() && tokens[i] != "--"; ++i) {
        const std::string& token = tokens[i];
        if (token.size() < 4 || token.rfind("--", 0) != 0 || token.back() != '=') continue;
        const std::string name = token.substr(0, token.size() - 1);
        if (auto it = options.find(name); it != options.end() && it->second) {
            tokens[i] = name;
            tokens.insert(tokens.begin() + static_cast<std::ptrdiff_t>(i) + 1, "");
            ++i;
        }
    }
}

// argparse accepts any unique prefix of a long option (`--excl` for `--exclude`); CLI11 does not.
void expand_abbreviations(std::vector<std::string>& tokens, const std::string& origin) {
    static const std::vector<std::string> names = long_names();
    for (std::string& token : tokens) {
        if (token == "--") return;
        if (token.rfind("--", 0) != 0) continue;
        const auto equals = token.find('=');
        const std::string name = token.substr(0, equals);
        if (std::find(names.begin(), names.end(), name) != names.end()) continue;
        std::vector<std::string> matches;
        std::copy_if(names.begin(), names.end(), std::back_inserter(matches),
                     [&](const std::string& n) { return n.rfind(name, 0) == 0; });
        if (matches.size() > 1) {
            std::string list;
            for (const auto& m : matches) list += (list.empty() ? "" : ", ") + m;
            throw UsageError("ambiguous option: " + name + " could match " + list);
        }
        if (matches.size() == 1)
            token = matches.front() + (equals == std::string::npos ? "" : token.substr(equals));
        else
            throw UsageError(origin + "unrecognized option '" + name + "'" + did_you_mean(name, names));
    }
}

// --config and --profile must be known before anything else is parsed; the last occurrence wins.
void find_config(const std::vector<std::string>& tokens, std::string& config, std::string& profile) {
    for (std::size_t i = 0; i < tokens.size() && tokens[i] != "--"; ++i) {
        for (auto [name, target] : {std::pair{"--config", &config}, std::pair{"--profile", &profile}}) {
            const std::string option = name;
            if (tokens[i] == option && i + 1 < tokens.size()) {
                *target = tokens[i + 1];
            } else if (tokens[i].rfind(option + "=", 0) == 0) {
                *target = tokens[i].substr(option.size() + 1);
            }
        }
    }
}

void parse_level(Level& level) {
    const auto& table = option_table();
    level.values.assign(table.size(), {});
    CLI::App app{"", "sshuttle"};
    app.set_help_flag();  // -h is an ordinary option of ours
    std::vector<CLI::Option*> options;
    for (std::size_t i = 0; i < table.size(); ++i) {
        const OptionSpec& spec = table[i];
        if (spec.kind == ValueKind::kFlag || spec.kind == ValueKind::kCount) {
            options.push_back(app.add_flag(spec.names)->disable_flag_override());
        } else if (spec.kind == ValueKind::kPositional) {
            options.push_back(app.add_option(spec.names, level.values[i]));
        } else {
            options.push_back(app.add_option(spec.names, level.values[i])->allow_extra_args(false));
        }
    }
    std::vector<std::string> reversed(level.tokens.rbegin(), level.tokens.rend());  // CLI11 wants them so
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        throw UsageError((level.origin.empty() ? "" : level.origin + ": ") + e.what());
    }
    level.counts.clear();
    for (const CLI::Option* option : options) level.counts.push_back(option->count());
}

Options merge_levels(const std::vector<Level>& levels) {
    Options options;
    const auto& table = option_table();
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto level =
            std::find_if(levels.rbegin(), levels.rend(), [&](const Level& l) { return l.counts[i] > 0; });
        if (level == levels.rend()) continue;
        try {
            apply_option(table[i], options, level->values[i], level->counts[i]);
        } catch (const std::runtime_error& e) {
            throw UsageError(level->error_prefix(i) + e.what());
        }
    }
    return options;
}

void check_combinations(const Options& o) {
    if (!o.namespace_name.empty() && o.namespace_pid != 0) {
        throw UsageError("--namespace and --namespace-pid cannot be used together");
    }
    if (o.mode == Mode::kFirewall && !o.subnets.empty()) throw UsageError("--firewall takes no subnets");
    if (o.mode == Mode::kClient && !o.dry_run && o.subnets.empty() && !o.auto_nets) {
        throw UsageError("at least one subnet, subnet file, or -N expected");
    }
}

}  // namespace

Options parse_options(const std::vector<std::string>& argv_without_program, const char* sshuttle_args_env) {
    Level env{"SSHUTTLE_ARGS", {}, {}, {}, {}};
    if (sshuttle_args_env != nullptr) env.tokens = expand_at_files(split_shell_words(sshuttle_args_env));
    Level command_line{"", {}, expand_at_files(argv_without_program), {}, {}};
    expand_abbreviations(env.tokens, "SSHUTTLE_ARGS: ");
    expand_abbreviations(command_line.tokens, "");
    split_empty_values(env.tokens);
    split_empty_values(command_line.tokens);

    std::string config;
    std::string profile;
    find_config(env.tokens, config, profile);
    find_config(command_line.tokens, config, profile);
    if (!profile.empty() && config.empty()) throw UsageError("--profile '" + profile + "' needs --config");

    std::vector<Level> levels;
    if (!config.empty()) {
        ConfigTokens from_file = load_config_tokens(config, profile);
        levels.push_back(Level{config, std::move(from_file.line_of_option), std::move(from_file.tokens), {}, {}});
    }
    levels.push_back(std::move(env));
    levels.push_back(std::move(command_line));
    for (Level& level : levels) parse_level(level);

    Options options = merge_levels(levels);
    if (options.show_help || options.mode == Mode::kVersion) return options;
    check_combinations(options);
    return options;
}

}  // namespace sshuttle::cli
