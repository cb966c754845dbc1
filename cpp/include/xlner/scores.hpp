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

/// Reusable per-thread buffers for score computation (no allocation per sentence once warm). Every buffer
/// is linear in the sentence's links: nothing is src_len × tgt_len.
struct ScoreScratch {
  std::vector<uint64_t> links;    ///< links as source << 32 | target, sorted, duplicates removed (the sentence's or an entity's)
  std::vector<int32_t> gathered;  ///< target words of the current entity's links (with multiplicity)
  std::vector<int32_t> aligned;   ///< target words aligned to the current entity, ascending
  std::vector<int32_t> prefix;    ///< prefix sums of the link counts of `aligned` (size + 1)
};

/// Alignment score c(e, t) = 2 · |links between e's words and t's words| / (|e| + |t|) of every
/// (entity, candidate) pair with a positive score, by prefix sums over the target words.
/// Entries are appended in order entity, then candidate order. Duplicate links count once. Time and memory
/// are linear in the sentence's links and emitted entries, up to a log factor (links are sorted by source
/// word; only candidates that contain an aligned word are visited).
/// Candidates: n-grams up to `max_len` (Ngrams), the aligned ranges (AlignedRanges) or the
/// sentence's external spans (External).
void alignment_scores(const SentenceView& s, CandidateMode mode, int32_t max_len, ScoreScratch& scratch,
                      std::vector<ScoreEntry>& out);

}  // namespace xlner
