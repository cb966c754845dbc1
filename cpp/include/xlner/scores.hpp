/// @file scores.hpp
/// @brief Sparse entity × candidate score matrices. Each sentence's matrix is a list of entries
/// (entity, candidate span, score); absent pairs score 0.
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/candidates.hpp"

namespace xlner {

/// One nonzero of a sentence's score matrix.
struct ScoreEntry {
  double score = 0.0;
  int32_t ent = 0;  ///< entity index within the sentence
  Span span;        ///< target candidate
};

/// Reusable per-thread buffers for score computation (no allocation per sentence once warm).
struct ScoreScratch {
  std::vector<uint8_t> linked;    ///< src_len × tgt_len link marks (duplicates count once)
  std::vector<int32_t> count;     ///< per target word: links to the current entity
  std::vector<int32_t> prefix;    ///< prefix sums of count
  std::vector<int32_t> aligned;   ///< target words aligned to the current entity
  std::vector<Span> cands;        ///< n-gram candidates
};

/// Alignment score c(e, t) = 2 · |links between e's words and t's words| / (|e| + |t|) of every
/// (entity, candidate) pair with a positive score, by prefix sums over the target words.
/// Entries are appended in order entity, then candidate order. Duplicate links count once.
/// Candidates: n-grams up to `max_len` (Ngrams), the aligned ranges (AlignedRanges) or the
/// sentence's external spans (External).
void alignment_scores(const SentenceView& s, CandidateMode mode, int32_t max_len, ScoreScratch& scratch,
                      std::vector<ScoreEntry>& out);

}  // namespace xlner
