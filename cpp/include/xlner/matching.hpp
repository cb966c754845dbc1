/// @file matching.hpp
/// @brief Matching source entities to target candidates: the count constraint and greedy matching.
///
/// Greedy (docs/architecture.md): repeatedly take the highest positive score, assign that candidate to that
/// entity, zero every candidate overlapping it, and zero the entity's row once its projection count
/// reaches the cap (`<n`: n − 1; `<=n`, `=n`: n; `>=n`, `>n`: no cap). Ties are broken
/// deterministically: highest score, then lowest entity index, then candidate order (start
/// ascending, then end ascending). Greedy never forces a lower bound: under `=`, `>=`, `>` it may
/// project an entity fewer times than asked (the exact solvers report such sentences instead).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/candidates.hpp"
#include "xlner/score_matrix.hpp"
#include "xlner/scores.hpp"

namespace xlner {

/// Comparison of the per-entity projection count with n.
enum class ConstraintOp : int { Less = 0, LessEq = 1, Eq = 2, GreaterEq = 3, Greater = 4 };

/// Per-entity projection count constraint, e.g. `<=1`.
struct Constraint {
  /// Largest n accepted by parse(): a million (no sentence has that many words for one entity, and
  /// `>n` stays far from int32 overflow).
  static constexpr int32_t kMaxCount = 1000000;
  ConstraintOp op = ConstraintOp::LessEq;
  int32_t n = 1;
  /// Largest admissible count, or -1 when unbounded.
  int32_t cap() const;
  /// Smallest admissible count.
  int32_t floor() const;
  /// The operator as text: "<", "<=", "=", ">=" or ">".
  const char* symbol() const;
  /// Canonical text, e.g. "<=1" (parse(str()) == *this).
  std::string str() const;
  /// The constraint without its lower bound (`=n` → `<=n`, `>=n` and `>n` → `>=0`); others unchanged.
  Constraint relaxed() const;
  bool operator==(const Constraint& o) const { return op == o.op && n == o.n; }
  /// The one constraint parser (every caller, C++ and Python, goes through it). Grammar, nothing else
  /// (no spaces, no sign): `<n`, `<=n`, `=n`, `==n` (same as `=n`), `>=n`, `>n`, with n decimal digits,
  /// 0 <= n <= kMaxCount, and n >= 1 for `<`. Throws std::invalid_argument naming the text.
  static Constraint parse(const std::string& text);
};

/// Reusable per-thread buffers of greedy matching.
struct GreedyScratch {
  std::vector<uint8_t> occupied;
  std::vector<int32_t> count;
  std::vector<ScoreEntry> chosen;
};

/// Greedy matching of one sentence. `entries` (reordered in place) are the nonzeros of the score
/// matrix; entries with score <= 0 are never chosen. The chosen entries, sorted by span start, are
/// left in `scratch.chosen`; returns the objective (sum of the chosen scores).
double greedy_select(std::vector<ScoreEntry>& entries, int32_t n_ent, int32_t tgt_len, const Constraint& c,
                     GreedyScratch& scratch);

/// Sort entries into greedy order: score descending, entity ascending, span start, span end ascending.
void sort_greedy_order(std::vector<ScoreEntry>& entries);

/// Alignment-score matrices of every sentence of a validated batch (positive entries only).
ScoreBatch alignment_scores_batch(const BatchView& b, CandidateMode mode, int32_t max_len, int threads);

/// Greedy projection with the alignment score. With `Ngrams` the aligned-range reduction is used
/// internally (it provably gives the same assignment, see candidates.hpp).
ProjectionOutput greedy_alignment_batch(const BatchView& b, CandidateMode mode, int32_t max_len,
                                        const Constraint& c, int threads);

/// Greedy projection from arbitrary (e.g. fused) score matrices.
ProjectionOutput greedy_scored_batch(const BatchView& b, const ScoreView& s, const Constraint& c, int threads);

}  // namespace xlner
