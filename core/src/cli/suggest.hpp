// SPDX-License-Identifier: LGPL-2.1-or-later
// "did you mean ...?" for a mistyped option or method name.
#pragma once

#include <string>
#include <vector>

namespace sshuttle::cli {

/// The candidate closest to `word` by edit distance (a swap of two neighbours counts once), or "" when none is
/// close enough to be a plausible typo (at most a third of the word's length, and at least 1 edit allowed).
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

/// "; did you mean X?" for nearest_name, or "" when there is none.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace sshuttle::cli
