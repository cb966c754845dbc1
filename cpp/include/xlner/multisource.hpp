/// @file multisource.hpp
/// @brief Multi-source combination: the clusters and threshold of `vote`, and the greedy `joint` matching.
///
/// The rules are documented once, in the docstring of the Python module `xlner.multisource`; this file
/// implements them for a batch of target sentences (threads over sentences, results in sentence order).
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/score_matrix.hpp"

namespace xlner {

/// Tolerance of the vote thresholds and of the joint greedy's comparisons.
constexpr double kMultiEps = 1e-9;

/// One source's projected spans over the batch's target sentences (a ProjectionResult's arrays), CSR over
/// sentences; `label_map[l]` is the united label id of the source's label id l (0 <= l < n_labels).
struct SourceSpansView {
  const int64_t* offsets = nullptr;  ///< n + 1
  const int32_t* start = nullptr;
  const int32_t* end = nullptr;
  const int32_t* label = nullptr;
  const int32_t* entity = nullptr;
  const double* score = nullptr;
  const int32_t* label_map = nullptr;
  int32_t n_labels = 0;
};

/// Boundary rule of a vote cluster.
enum class VoteBoundary { Mode, Median };

/// Combined spans of a batch with their support, CSR over sentences; the support of span k is
/// `support_*[support_offsets[k] .. support_offsets[k+1])`, sorted by (source, entity).
struct MultiSpans {
  std::vector<int64_t> offsets{0};  ///< n + 1
  std::vector<int32_t> start, end, label;
  std::vector<double> score, votes;
  std::vector<int64_t> support_offsets{0};
  std::vector<int32_t> support_source, support_entity;
  std::vector<double> objective;  ///< per sentence (vote_select, priority, joint); empty for vote_clusters

  int64_t n_sentences() const { return static_cast<int64_t>(offsets.size()) - 1; }
  /// Concatenate per-chunk parts (each with its own leading 0 offsets) in order.
  static MultiSpans concat(std::vector<MultiSpans>& parts);
};

/// Check a source's spans for `n` sentences of lengths `tgt_len` (when not null): offsets, spans inside the
/// sentence and non-empty, label ids inside the source's vocabulary, united ids in [0, n_united), finite
/// scores. Throws std::invalid_argument / std::out_of_range naming the source, sentence and field.
void validate_source_spans(const SourceSpansView& s, int64_t n, int64_t total, const int32_t* tgt_len,
                           int32_t n_united, int source);

/// Every vote cluster of every sentence (no threshold): per sentence in order of united label, then start;
/// `weights[l * n_sources + s]` is source s's weight for united label l. `score` is the summed weighted
/// scores of the cluster's spans, `votes` the summed weights of its distinct sources.
MultiSpans vote_clusters(const std::vector<SourceSpansView>& sources, int64_t n, const double* weights,
                         VoteBoundary boundary, int threads);

/// Spans that kept clusters may not overlap, CSR over sentences (`offsets` null: none).
struct BlockedSpans {
  const int64_t* offsets = nullptr;  ///< n + 1
  const int32_t* start = nullptr;
  const int32_t* end = nullptr;
};

/// The clusters whose votes reach `need[label]` (strict: exceed it) and that overlap no blocked span of their
/// sentence, overlaps among them resolved greedily (votes desc, score desc, start, end, label), in text
/// order; objective: their summed scores.
MultiSpans vote_select(const MultiSpans& clusters, const double* need, int32_t n_united, bool strict,
                       const BlockedSpans& blocked, int threads);

/// `priority` (rule in xlner.multisource): source `primary`'s spans, each kept when the other sources with a span
/// of its label overlapping it weigh at least `corroboration` (`weights[s]`: one weight per source), with
/// those spans as its support; then the vote of the other sources among themselves (weights `weights`,
/// threshold `need`, `boundary`) where no kept primary span is; per sentence in text order (primary spans
/// first among equal boundaries), objective: the summed scores.
MultiSpans priority_combine(const std::vector<SourceSpansView>& sources, int64_t n, int primary, const double* weights,
                            double corroboration, double need, int32_t n_united, VoteBoundary boundary, int threads);

/// One source of the joint matching: its score matrix over the batch, its entities' united labels
/// (CSR by `ent_offsets`, the batch's entity offsets) and its weight.
struct JointSourceView {
  ScoreView scores;
  const int64_t* ent_offsets = nullptr;  ///< n + 1
  const int32_t* ent_label = nullptr;    ///< united label id of each entity
  double weight = 1.0;
};

/// The weighted entries (source, entity, start, end, w·score > 0, end - start <= max_len) of every sentence,
/// narrowed to the spans whose first and last words some one-word entry of their label covers when
/// `aligned_only`; CSR over sentences. Entity indices are checked (std::out_of_range naming the source,
/// sentence and field).
struct JointEntries {
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> source, entity, start, end;
  std::vector<double> value;
};
JointEntries joint_entries(const std::vector<JointSourceView>& sources, int64_t n, int32_t max_len,
                           bool aligned_only, int threads);

/// Greedy joint matching of every sentence (rule in xlner.multisource): repeatedly open the labelled span
/// of largest positive value Σ_s (best unused entity of s) − span_cost; `votes` of a span: the summed
/// weights of its sources; objective: Σ (score − span_cost).
MultiSpans joint_greedy(const JointEntries& entries, const std::vector<JointSourceView>& sources, int32_t cap,
                        double span_cost, int threads);

/// Exact joint matching of every sentence: a dynamic program over target positions whose state counts the
/// uses of the *coupled* entities (those with entries on two spans that can both be opened; an entity whose
/// spans all overlap is used at most once anyway). Optimal (within 1e-9 per comparison); among optimal
/// solutions the first one found in a fixed order (keys by end, then start, label; per source the best
/// uncoupled entity before the coupled ones) wins. `status[i]` is 1 for a sentence whose states at one position,
/// or whose option combinations at one span, would exceed `max_states`, or whose back-pointers would exceed
/// 64·max_states (nothing chosen there: the caller solves it otherwise), else 0.
MultiSpans joint_exact(const JointEntries& entries, const std::vector<JointSourceView>& sources, int32_t cap,
                       double span_cost, int64_t max_states, std::vector<int8_t>& status, int threads);

}  // namespace xlner
