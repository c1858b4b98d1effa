// "Did you mean ...?": the choice closest to a mistyped word.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace redundancy {

// Levenshtein distance of two words.
size_t EditDistance(std::string_view a, std::string_view b);

// The choice at most `max_distance` edits from `word` (the nearest; the first
// of equals), or "" when none is that close.
std::string Closest(std::string_view word, const std::vector<std::string_view>& choices, size_t max_distance = 2);

// " (did you mean 'x'?)" or "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& choices);

}  // namespace redundancy
