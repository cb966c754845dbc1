/// @file exact.hpp
/// @brief Exact matching of source entities to target candidates: the problem's columns, an exact
/// dynamic program over target positions × entity count vectors, and the ILP model (for HiGHS).
///
/// Problem (docs/architecture.md): binary x[e,t] for source entity e and target candidate t; maximise Σ c(e,t)·x;
/// each entity's count Σ_t x[e,t] satisfies the constraint (`<n`, `<=n`, `=n`, `>=n`, `>n`); chosen
/// candidates are pairwise disjoint (overlapping candidates, and the same candidate for two entities,
/// are never both chosen).
///
/// Columns: the (entity, candidate, score) triples that enter the models.
///   * Lower bound 0 (`<`, `<=`, `>=0`): only positive scores (a non-positive column can be dropped from
///     any solution without breaking a constraint or lowering the objective).
///   * Lower bound > 0 (`=`, `>=`, `>`): every pair can be needed to meet the count, so zero (and, for
///     external scores, negative) entries stay.
///   * Alignment score over n-grams: per entity the aligned ranges (first and last word aligned, length
///     <= M) carry every positive score; with a lower bound, any word left uncovered can serve any
///     entity as a zero-score unigram ("free fill", handled by a counter instead of E·T columns).
///     This is exact for every constraint type: trimming the unaligned ends of a chosen n-gram keeps its
///     links, shortens it (higher score) and keeps the spans disjoint; a chosen zero-score n-gram can be
///     shrunk to its first word (score >= 0). Counts are unchanged, so the optimum over all n-grams
///     <= M equals the optimum over these columns (checked against brute force in tests).
///   * External candidates with the alignment score: the candidates themselves (all pairs when a lower
///     bound exists).
///   * External score matrices: the listed entries; with a lower bound, every entity may also take any
///     span listed in the sentence's matrix at score 0.
///
/// Optimality certificate (`exact_select`, before the DP; ExactOptions::certificate): greedy
/// (`greedy_select`, matching.hpp) is run on the columns. For every entity e let k_e = min(cap, p_e)
/// (p_e when there is no cap), p_e its number of positive columns. Any feasible assignment gives e at
/// most cap columns, whose sum is at most the sum of e's k_e largest positive scores, so
///     optimum <= Σ_e (sum of the k_e largest positive scores of row e)   (overlaps and sharing ignored).
/// Greedy attains this bound exactly when, for every e, it chose k_e columns of e and no unchosen column
/// of e scores above the smallest chosen one (its chosen scores are a top-k_e multiset of the row).
/// This is checked with counts and comparisons only — never by comparing floating sums, so rounding
/// cannot accept a suboptimal greedy. Greedy's assignment must also be feasible: under a lower bound
/// every entity has >= floor greedy spans, or, with free fill, fill_lower_bound completes it with
/// zero-score words (which changes no score). When both hold, greedy's assignment (plus the fill) is
/// optimal and is returned; no size limit applies. Otherwise the DP below runs.
/// Where it is tried: with cap 1 (`<=1`, `<2`, `=1`) on every sentence, first. With other caps, or none,
/// only where the DP needs count states (a tracked entity, or the uncovered-word counter) — elsewhere
/// the DP is a plain weighted interval scheduling, cheaper than greedy — and only when a necessary
/// condition holds: every entity has k_e pairwise disjoint positive columns, and when its largest score
/// belongs to one column u, k_e − 1 of them disjoint from u. So "the certificate holds" below means:
/// it was tried there and held. Instruction counts on the 12 conll2003-deepl test files, 1 thread
/// (exact / greedy): `<=1` 1.4× (2.5× with the DP alone), `=1` 1.5× (2.8×), `>=1` 1.6× (1.6×),
/// `<=2` 1.8× (1.7×).
///
/// Dynamic program (`exact_select`): the target positions j = 0..T are the stages; the state is the
/// vector of projection counts of the *tracked* entities that are *live* at j, each a digit of a
/// mixed-radix code. An entity is tracked only when its count can matter: a lower bound exists, or the
/// cap is smaller than the largest number of pairwise disjoint columns the entity has (for `<=1` an
/// entity whose candidates all overlap each other needs no state). It is live at stage j when its
/// window [first column start, last column end) contains j strictly inside (a frontier DP: outside
/// its window an entity's count is 0 or final, so local entities — the usual case — cost little).
/// A digit runs over 0..min(cap, that maximum) — or, without a cap, saturates at the lower bound; a
/// lower bound is checked when the entity's window closes. f[j][s] = best objective of the words before j:
///     f[j][s] = max( f[j-1][s'],  max over columns (e,[a,j)) of f[a][s''] + c(e,[a,j)) ),
/// with s', s'' the states mapped onto stage j's live entities (count of e + 1).
/// The answer is the best f[T][s] over states meeting every lower bound. With free fill the state also
/// holds g = uncovered words − shortfall of the closed windows (in [−E·floor, E·floor], clamped above,
/// which is safe: once g reaches E·floor every shortfall fits), and a final state is feasible when
/// g >= 0; the shortfall is then filled with the leftmost uncovered words, entity by entity in index
/// order. Time O((T + columns)·S·live), memory Σ_j S_j cells. Above ExactOptions::max_states states at
/// one stage or max_cells cells in all the sentence is reported as Status::TooLarge (the Python layer
/// solves those with HiGHS); sentences settled by the certificate never are.
///
/// Tie-breaking (deterministic, independent of threads) — the one rule of both `exact` and `ilp`: among
/// tied optima the spans are those exact_select returns. Where the certificate holds, greedy's
/// assignment, so greedy's documented order decides (highest score, then lowest entity, then start, then
/// end ascending; matching.hpp), followed by the leftmost-words fill. Otherwise (and always with
/// ExactOptions::certificate = false) the DP decides: columns are tried in the order end ascending,
/// start ascending, entity ascending; leaving word j-1 unprojected is preferred over a span ending at j,
/// an earlier column over a later one with the same value, a smaller source state over a larger one
/// (strict improvement only); among final states of equal value the smallest code wins. Sentences above
/// the DP's size limits are solved by HiGHS on a model of those sentences alone. The `ilp` method
/// (python/xlner/ilp.py) solves every sentence with HiGHS, checks that its optimum equals this one, and
/// returns these spans, so `exact` and `ilp` return identical spans (tested on the 12 conll2003-deepl
/// files, where HiGHS's own choice differs on up to 74 of 3,684 sentences of a file).
/// Objectives are the sums of the chosen scores in span order (the same sum the ILP decoder forms).
///
/// Infeasible sentences (a lower bound no disjoint choice meets, e.g. `=1` with more entities than
/// target words): Status::Infeasible and nothing projected; with `relax`, the sentence is solved again
/// without the lower bound (`=n` → `<=n`, `>=n`/`>n` → no constraint) and reported as Status::Relaxed.
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/candidates.hpp"
#include "xlner/matching.hpp"
#include "xlner/scores.hpp"

namespace xlner {

/// Per-sentence status codes in ProjectionOutput::status.
enum class Status : int8_t {
  Solved = 0,      ///< optimal
  Infeasible = 1,  ///< the constraint admits no assignment; nothing projected
  TimeLimit = 2,   ///< stopped by the time limit (best assignment found so far, possibly none)
  Relaxed = 3,     ///< infeasible as asked; solved optimally without the lower bound
  TooLarge = 4,    ///< above the dynamic program's size limit (internal: handed to HiGHS)
};

/// Size limits of the dynamic program.
struct ExactOptions {
  int64_t max_states = int64_t{1} << 16;  ///< count-vector states S
  int64_t max_cells = int64_t{1} << 21;   ///< (T + 1) · S table cells (16 MiB of values per thread)
  bool relax = false;                     ///< solve infeasible sentences without the lower bound
  bool certificate = true;                ///< try greedy's optimality certificate before the DP (false: always DP)
};

/// The constraint without its lower bound (see Constraint::relaxed).
inline Constraint relaxed(const Constraint& c) { return c.relaxed(); }

/// Columns of one sentence for the alignment score (see the file comment). `mode` Ngrams and
/// AlignedRanges both use the aligned-range reduction; under a lower bound the zero-score unigrams are
/// not listed: the function returns true ("free fill"), meaning any target word left uncovered may
/// serve any entity as a span of score 0 (every unigram is a candidate of every entity, score >= 0).
bool alignment_columns(const SentenceView& s, CandidateMode mode, int32_t max_len, const Constraint& c,
                       ScoreScratch& scratch, std::vector<ScoreEntry>& out);

/// Columns of sentence `s.index` of an external score matrix (see the file comment).
void scored_columns(const SentenceView& s, const ScoreView& v, const Constraint& c, std::vector<ScoreEntry>& out);

/// Reusable per-thread buffers of the dynamic program.
struct ExactScratch {
  std::vector<double> value;
  std::vector<int32_t> choice, pred;
  std::vector<int32_t> tracked, radix, lo, hi;
  std::vector<int64_t> stage_base, stage_size, stage_stride;
  std::vector<int32_t> ent_slot;
  std::vector<int32_t> tmp;
  std::vector<ScoreEntry> chosen;
  // optimality certificate
  GreedyScratch greedy;
  std::vector<ScoreEntry> work;
  std::vector<int32_t> cert_k, cert_q, cert_pos, cert_above, cert_top;
  std::vector<double> cert_min;
};

/// Solve one sentence exactly: greedy's optimality certificate first (unless opt.certificate is false),
/// else the dynamic program. `cols` (reordered in place) are its columns; the chosen ones, sorted by
/// span, are left in `scratch.chosen`. Returns Solved, Infeasible or TooLarge; `objective` is the sum of
/// the chosen scores in span order (0 unless Solved).
Status exact_select(std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t tgt_len, const Constraint& c,
                    bool free_fill, const ExactOptions& opt, ExactScratch& scratch, double& objective);

/// Free fill: give each entity of `chosen` (sorted by span) that has fewer than `floor` spans the
/// leftmost uncovered words (entity index order), as zero-score unigrams; re-sorts by span.
/// Returns false when there are not enough uncovered words.
bool fill_lower_bound(std::vector<ScoreEntry>& chosen, int32_t n_ent, int32_t tgt_len, int32_t floor);

/// Exact projection of a validated batch with the alignment score.
ProjectionOutput exact_alignment_batch(const BatchView& b, CandidateMode mode, int32_t max_len,
                                       const Constraint& c, const ExactOptions& opt, int threads);

/// Exact projection from external score matrices (validated with validate_scores).
ProjectionOutput exact_scored_batch(const BatchView& b, const ScoreView& v, const Constraint& c,
                                    const ExactOptions& opt, int threads);

}  // namespace xlner

// The ILP model for HiGHS (built from the same columns) lives in its own header.
#include "xlner/ilp_model.hpp"  // IWYU pragma: export
