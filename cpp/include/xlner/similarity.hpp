/// @file similarity.hpp
/// @brief Embedding-similarity score between a source entity and a target candidate, from word-level
/// cosine similarity matrices (Shkalikov 2024, `compute_cosine_similarity_based_cost`, lifted from
/// subwords-within-words to words-within-spans).
///
/// Word similarities of sentence i are the src_len × tgt_len row-major block starting at offsets[i]
/// of a flat array (S[a, b] = similarity of source word a and target word b). For entity e and
/// candidate t:
///     cs(e, t) = R_{a ∈ e} max_{b ∈ t} S[a, b]     (each entity word's best match inside t)
///     ct(e, t) = R_{b ∈ t} max_{a ∈ e} S[a, b]     (each candidate word's best match inside e)
///     c(e, t)  = max(cs, ct) − θ, emitted only when > 0 (i.e. clipped at 0)
/// with the reduction R = mean (thesis default), max or min, and θ = 0.65 by default (thesis code).
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/candidates.hpp"
#include "xlner/matching.hpp"
#include "xlner/scores.hpp"

namespace xlner {

/// Reduction R over the per-word maxima.
enum class SimReduction : int { Mean = 0, Max = 1, Min = 2 };

/// Non-owning view of word-similarity matrices (CSR over sentences; block i has src_len·tgt_len values).
struct SimilarityView {
  const int64_t* offsets = nullptr;  ///< n + 1
  const double* sim = nullptr;
  int64_t total = 0;
};

/// Options of the similarity score.
struct SimilarityOptions {
  CandidateMode mode = CandidateMode::Ngrams;  ///< Ngrams or External
  int32_t max_len = 10;
  double threshold = 0.65;
  SimReduction reduction = SimReduction::Mean;
};

/// Check matrices against the batch (block sizes, finite values); throws naming sentence and field.
void validate_similarity(const BatchView& b, const SimilarityView& v);

/// c(e, t) of one pair by the direct formula (`sim` = the sentence's block, `tgt_len` its row stride),
/// before thresholding: max(cs, ct).
double similarity_span_score(const double* sim, int32_t tgt_len, Span e, Span t, SimReduction r);

/// Reusable per-thread buffers.
struct SimScratch {
  std::vector<double> colmax;  ///< per target word: max over the entity's words
  std::vector<double> rowmax;  ///< per entity word: max over the candidate's words so far
  std::vector<Span> cands;
};

/// Similarity scores of one sentence (`sim` = its block). Entries in order entity, then candidate.
void similarity_scores(const SentenceView& s, const double* sim, const SimilarityOptions& o, SimScratch& scratch,
                       std::vector<ScoreEntry>& out);

/// Similarity scores of every sentence of a validated batch (validates the matrices and options first).
ScoreBatch similarity_scores_batch(const BatchView& b, const SimilarityView& v, const SimilarityOptions& o,
                                   int threads);

}  // namespace xlner
