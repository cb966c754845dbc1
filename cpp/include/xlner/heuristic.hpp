/// @file heuristic.hpp
/// @brief Heuristic projection of source entities through word alignments: the thesis form of
/// docs/architecture.md and an exact reproduction of Easy-Label-Projection (García-Ferrero et al. 2022).
///
/// Per source entity e = [a, b):
///  1. A(e): the sorted set of target words linked to any word of e; with `drop_punct`, target
///     words flagged as punctuation are removed (the links landing on them are dropped).
///  2. Ranges: the maximal runs of consecutive words of A(e).
///  3. Merge, left to right: the next range joins the current one when `merge_distance` d > 0 and
///     - rule Gap: at most d words lie between them (next.start - current.end <= d), or
///     - rule Elp: Easy-Label-Projection's test, last word of next - first word of current <= d + 1
///       (so with d = 1 only pieces spanning at most three words are joined);
///     and, with `only_i`, the next range does not start at a word linked to e's first word a.
///  4. Length ratio: keep ranges with length / |e| > thr (thr < 0: keep all).
///  5. Top-k (k > 0): keep the k longest ranges (ties: leftmost first).
///  6. Entities are visited in `order`: Source (start, end, index ascending) or Shortest
///     (length, start, index ascending), and collisions are resolved by `collisions`:
///     - First: a kept range is labelled only if none of its words is labelled yet.
///     - Elp: each entity with kept ranges becomes one item (the set of its kept words). Pass 1, in
///       visiting order: an item whose last word is >= the first word of the next item absorbs that
///       item when both have the same label (union of words), and the grown item is compared with
///       the following one. Pass 2: of two such colliding neighbours (now of different labels) the
///       one with strictly more words survives, else the later one, and the survivor is compared
///       with the following item (never with the one before it, so survivors may still overlap).
///       Survivors are written in order with B- on their first word and I- on their other words (a
///       united item may have holes), later ones overwriting earlier ones.
///       Inside a united item each word is attributed to the first of its entities (visiting order)
///       whose kept ranges contain it.
///  7. The output spans are read off the resulting IOB2 tag array with seqeval's semantics (a span
///     starts at B-, at I- after O, or at a change of label), so they equal what seqeval extracts
///     from the tags Easy-Label-Projection writes.
///
/// Each output span carries the label, the source entity its first word is attributed to (`entity`,
/// index in the sentence) and `score` = (number of words of the span that are in A(entity)) / span length,
/// i.e. the fraction of the span's words aligned to its entity (1.0 when fully aligned, lower when
/// gaps were filled). The per-sentence objective is the sum of the span scores; status is 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xlner/batch.hpp"

namespace xlner {

/// How two ranges of the same entity are joined (step 3).
enum class MergeRule : int8_t { Gap = 0, Elp = 1 };
/// Order in which entities are visited (step 6).
enum class EntityOrder : int8_t { Source = 0, Shortest = 1 };
/// How projections of different entities that touch the same words are resolved (step 6).
enum class CollisionRule : int8_t { First = 0, Elp = 1 };

/// Parameters of the heuristic. Defaults are the thesis form (docs/architecture.md).
struct HeuristicOptions {
  int32_t merge_distance = 1;  ///< d >= 0 (0: never merge)
  MergeRule merge_rule = MergeRule::Gap;
  int32_t top_k = 0;           ///< 0: keep all ranges
  bool only_i = false;         ///< do not merge a range that starts at a word linked to the entity's first word
  double thr = 0.8;            ///< length-ratio threshold; negative: no threshold
  bool drop_punct = false;     ///< drop links landing on target words flagged as punctuation
  EntityOrder order = EntityOrder::Shortest;
  CollisionRule collisions = CollisionRule::First;

  /// Easy-Label-Projection's defaults: d = 1 (Elp rule), largest part only (k = 1), no threshold,
  /// punctuation dropped, source order, Elp collisions.
  static HeuristicOptions elp();
  /// The thesis form: d = 1 (Gap rule), no k, only_i off, thr = 0.8, punctuation kept, shortest
  /// entities first, a range labelled only if all its words are free.
  static HeuristicOptions thesis();
  /// Throws std::invalid_argument on a negative d or k, or a NaN threshold.
  void validate() const;
};

/// Reusable per-thread work buffers (no allocation per sentence once warm).
struct HeuristicScratch {
  std::vector<int32_t> order, al, bucket_tgt, tag_ent, mark, members;
  std::vector<int64_t> al_off, rg_off, bucket_off, bucket_cur;
  std::vector<Span> ranges, rg;
  std::vector<uint8_t> tag_begin;
  /// One projection in the Elp collision passes: its label, first and last word, word count and
  /// the run [member_begin, member_end) of `members` (entities united into it).
  struct Item {
    int32_t ent, label, first, last, words, member_begin, member_end;
  };
  std::vector<Item> items;
};

/// Project one sentence and append its spans (then close the sentence) to `out`.
/// `s` must come from a validated batch; `punct` points at s.tgt_len flags (non-zero: punctuation)
/// or is null (then nothing counts as punctuation).
void project_heuristic_sentence(const SentenceView& s, const uint8_t* punct, const HeuristicOptions& opt,
                                HeuristicScratch& scratch, ProjectionOutput& out);

/// Project a validated batch on `threads` threads (<= 0: all cores).
/// `punct`: null, or one flag per target word of the batch, sentence after sentence (CSR by tgt_len),
/// `n_punct` flags in all; a wrong size throws std::invalid_argument naming the field.
ProjectionOutput project_heuristic(const BatchView& b, const uint8_t* punct, int64_t n_punct,
                                   const HeuristicOptions& opt, int threads = -1);

/// Parse "gap" / "elp", "source" / "shortest", "first" / "elp" (std::invalid_argument otherwise).
MergeRule parse_merge_rule(const std::string& s);
EntityOrder parse_entity_order(const std::string& s);
CollisionRule parse_collision_rule(const std::string& s);

}  // namespace xlner
