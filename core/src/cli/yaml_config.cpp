// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli/yaml_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "cli/option_table.hpp"
#include "cli/usage_error.hpp"
#include "util/bounded_file.hpp"

namespace sshuttle::cli {
namespace {

constexpr int kMaxCount = 9;  // more -v than anyone means is a typo
// A configuration is a few kilobytes: a mistaken --config /dev/zero or a huge file is refused, not read.
constexpr std::size_t kMaxConfigBytes = 1 << 20;

struct Entry {
    YAML::Node value;
    int line = 0;
    std::string key;
};

class ConfigReader {
public:
    explicit ConfigReader(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
        throw UsageError(path_ + ":" + std::to_string(node.Mark().line + 1) + ": " + message);
    }

    // Later calls (the profile) override earlier ones (the top level), key by key.
    void collect(const YAML::Node& map, std::map<std::size_t, Entry>& entries, bool allow_profiles) const {
        if (!map.IsMap()) fail(map, "expected a mapping of option names to values");
        const auto& table = option_table();
        for (const auto& item : map) {
            std::string key = item.first.Scalar();
            std::replace(key.begin(), key.end(), '_', '-');
            if (allow_profiles && key == "profiles") continue;
            const auto spec = std::find_if(table.begin(), table.end(), [&](const OptionSpec& s) {
                return s.yaml_key != nullptr && key == s.yaml_key;
            });
            if (spec == table.end()) fail(item.first, "unknown key '" + item.first.Scalar() + "'");
            entries[static_cast<std::size_t>(spec - table.begin())] =
                Entry{item.second, item.first.Mark().line + 1, item.first.Scalar()};
        }
    }

    void append_tokens(const OptionSpec& spec, const Entry& entry, std::vector<std::string>& tokens,
                       std::vector<std::string>& positionals) const {
        const std::string option = display_name(spec);
        const YAML::Node& value = entry.value;
        switch (spec.kind) {
            case ValueKind::kFlag:
                if (decode_bool(entry)) tokens.push_back(option);
                break;
            case ValueKind::kCount: {
                const int count = decode_count(entry);
                for (int i = 0; i < count; ++i) tokens.push_back(option);
                break;
            }
            case ValueKind::kValue:
                // Two tokens, not `--opt=value`: CLI11 reads `--opt=` as a missing value, not an empty one.
                tokens.insert(tokens.end(), {option, scalar(entry, value)});
                break;
            case ValueKind::kList:
            case ValueKind::kPositional:
                for (const std::string& item : list(entry)) {
                    if (spec.kind == ValueKind::kPositional) {
                        positionals.push_back(item);
                    } else {
                        tokens.insert(tokens.end(), {option, item});
                    }
                }
                break;
        }
    }

private:
    // `verbose: 2` is -v given twice; true and false are accepted as 1 and 0.
    int decode_count(const Entry& entry) const {
        int count = -1;
        bool flag = false;
        if (entry.value.IsScalar() && !YAML::convert<int>::decode(entry.value, count)) {
            count = YAML::convert<bool>::decode(entry.value, flag) ? static_cast<int>(flag) : -1;
        }
        if (count < 0 || count > kMaxCount) {
            fail(entry.value, "key '" + entry.key + "': expected a count from 0 to " + std::to_string(kMaxCount));
        }
        return count;
    }

    bool decode_bool(const Entry& entry) const {
        bool result = false;
        if (!entry.value.IsScalar() || !YAML::convert<bool>::decode(entry.value, result)) {
            fail(entry.value, "key '" + entry.key + "': expected true or false");
        }
        return result;
    }

    std::string scalar(const Entry& entry, const YAML::Node& node) const {
        if (!node.IsScalar()) fail(node, "key '" + entry.key + "': expected a single value");
        return node.Scalar();
    }

    std::vector<std::string> list(const Entry& entry) const {
        if (!entry.value.IsSequence()) return {scalar(entry, entry.value)};
        std::vector<std::string> items;
        for (const auto& item : entry.value) items.push_back(scalar(entry, item));
        return items;
    }

    std::string path_;
};

YAML::Node load_file(const std::string& path) {
    const std::string text = util::read_named_file<UsageError>(path, kMaxConfigBytes, "config file");
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw UsageError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
}

}  // namespace

ConfigTokens load_config_tokens(const std::string& path, const std::string& profile) {
    const YAML::Node root = load_file(path);
    const ConfigReader reader(path);
    std::map<std::size_t, Entry> entries;
    if (!root.IsNull()) reader.collect(root, entries, true);
    if (!profile.empty()) {
        // A missing key is an invalid node whose IsMap() throws (not a UsageError): test it with its bool first.
        const YAML::Node profiles = root.IsMap() && root["profiles"] ? root["profiles"] : YAML::Node();
        if (!profiles.IsMap() || !profiles[profile]) {
            throw UsageError(path + ": unknown profile '" + profile + "'");
        }
        reader.collect(profiles[profile], entries, false);
    }

    ConfigTokens result;
    std::vector<std::string> positionals;
    for (const auto& [index, entry] : entries) {
        reader.append_tokens(option_table()[index], entry, result.tokens, positionals);
        result.line_of_option[index] = entry.line;
    }
    // After "--" so that a subnet can never be mistaken for an option.
    if (!positionals.empty()) result.tokens.push_back("--");
    result.tokens.insert(result.tokens.end(), positionals.begin(), positionals.end());
    return result;
}

}  // namespace sshuttle::cli
