// SPDX-License-Identifier: LGPL-2.1-or-later
// Every option in one table: its command-line names, its YAML key, how it takes values, its help line, and
// how its raw values are applied to Options. The command line, SSHUTTLE_ARGS and the YAML config all go
// through this table, so they accept and validate exactly the same things.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cli/options.hpp"

namespace sshuttle::cli {

enum class ValueKind {
    kFlag = 1,    // --dns
    kCount,       // -v, -vv
    kValue,       // --method nat (the last occurrence wins)
    kList,        // -x A -x B (all occurrences, in order)
    kPositional,  // the subnets
};

struct OptionSpec {
    const char* names;     // CLI11 form "-x,--exclude"; "subnets" for the positional
    const char* yaml_key;  // key in a --config file; nullptr = not allowed there
    ValueKind kind;
    const char* value_name;  // for the help text ("SUBNET"); nullptr for flags
    const char* help;
    /// Applies the raw values given on one level (count = how many times the option was given).
    /// Throws UsageError or net::ParseError naming the bad value.
    void (*apply)(Options& options, const std::vector<std::string>& values, std::size_t count);
    /// A flag of one firewall method, named "--<method>-<key>": apply is nullptr, and the flag goes into
    /// Options::method_options as <YAML key>=1 for the method's plugin (see plugin/method_options.hpp).
    bool method_flag = false;
};

/// The table, in help-text order.
const std::vector<OptionSpec>& option_table();

/// Applies one option's raw values to options (spec.apply, or a method flag's entry in method_options).
void apply_option(const OptionSpec& spec, Options& options, const std::vector<std::string>& values,
                  std::size_t count);

/// "--exclude" for "-x,--exclude", the first name otherwise ("subnets" for the positional).
std::string display_name(const OptionSpec& spec);

}  // namespace sshuttle::cli
