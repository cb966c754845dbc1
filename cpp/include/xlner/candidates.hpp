/// @file candidates.hpp
/// @brief Target candidate spans: bounded n-grams, aligned ranges, external spans.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xlner/span.hpp"

namespace xlner {

/// How the candidate spans of a sentence are chosen.
enum class CandidateMode : int {
  /// All n-grams of length 1..M.
  Ngrams = 0,
  /// Per entity, the n-grams (length <= M) whose first and last word are aligned to that entity.
  /// For the alignment score every other n-gram is dominated (same links, longer), so greedy and the
  /// `<`/`<=` optima are unchanged; see matching.hpp.
  AlignedRanges = 1,
  /// The batch's external candidate spans.
  External = 2,
};

/// Parse "ngrams", "aligned" or "external" (throws std::invalid_argument naming the accepted values).
CandidateMode parse_candidate_mode(const std::string& name);

/// All n-grams of a sentence of `tgt_len` words up to length `max_len`, in candidate order
/// (start ascending, then end ascending).
void ngram_candidates(int32_t tgt_len, int32_t max_len, std::vector<Span>& out);

}  // namespace xlner
