/// @file fusion.hpp
/// @brief Score-matrix utilities shared by every score: parallel per-sentence collection into a
/// ScoreBatch, structural validation of a ScoreView, the weighted sum (fusion) of any number of score
/// matrices over the same batch, and the named fusion presets of Shkalikov's thesis (MasakhaNER2 table).
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/matching.hpp"
#include "xlner/parallel.hpp"
#include "xlner/scores.hpp"

namespace xlner {

/// Concatenate per-chunk score batches (each with its own leading 0 offset) in order; the parts are
/// emptied.
ScoreBatch concat_score_batches(std::vector<ScoreBatch>& parts);

/// Run `fn(sentence, scratch, entries)` for every sentence of `b` on `threads` threads (<= 0: all
/// cores) and collect the entries into one CSR ScoreBatch, in sentence order. `Scratch` is a
/// default-constructible per-thread buffer type; `entries` is cleared before each sentence.
template <class Scratch, class Fn>
ScoreBatch collect_scores(const BatchView& b, int threads, Fn fn) {
  const int64_t chunks = default_chunks(b.n, threads);
  std::vector<ScoreBatch> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(b.n, threads, chunks, [&](int64_t c, int64_t lo, int64_t hi) {
    Scratch scratch;
    std::vector<ScoreEntry> entries;
    ScoreBatch& p = parts[static_cast<size_t>(c)];
    for (int64_t i = lo; i < hi; ++i) {
      entries.clear();
      fn(b.sentence(i), scratch, entries);
      for (const ScoreEntry& en : entries) {
        p.ent.push_back(en.ent);
        p.start.push_back(en.span.start);
        p.end.push_back(en.span.end);
        p.score.push_back(en.score);
      }
      p.offsets.push_back(static_cast<int64_t>(p.ent.size()));
    }
  });
  return concat_score_batches(parts);
}

/// Check a score view on its own (no batch needed): offsets start at 0, never decrease and end at
/// `v.total`; spans are non-empty with start >= 0; entity indices >= 0; scores finite. `name` is the
/// matrix name used in messages ("sentence i, field <name>.score: ...").
void validate_score_structure(int64_t n, const ScoreView& v, const std::string& name);

/// Weighted sum of score matrices over the same n sentences: for every (entity, span) present in any
/// input, fused = Σ_k weights[k] · score_k (absent entries count 0; sums run in input order). Entries
/// whose fused score is exactly 0 are left out. Output entries of a sentence are sorted by entity,
/// then span start, then span end. Inputs with weight 0 are validated but contribute nothing.
/// Throws std::invalid_argument for negative or non-finite weights, for size mismatches, and for an
/// (entity, span) listed twice in one input (naming the sentence and the input's name).
ScoreBatch fuse_scores(int64_t n, const std::vector<ScoreView>& inputs, const std::vector<double>& weights,
                       const std::vector<std::string>& names, int threads);

/// Weights λ of the fused score λ_align·c_align + λ_ner·c_ner + λ_ner_spans·c_ner_spans + λ_nmt·c_nmt.
/// `ner` is the per-class NER score (class of the source entity), `ner_spans` its class-agnostic
/// variant (maximum over classes).
struct FusionWeights {
  double align = 0.0;
  double ner = 0.0;
  double ner_spans = 0.0;
  double nmt = 0.0;
};

/// The pipelines of the thesis' MasakhaNER2 table (Shkalikov 2024, table "ilp_pipeline_explation";
/// Politov, Shkalikov et al. 2025):
///   align 1/0/0/0, ner 0/1/0/0, nmt 0/0/0/1, align_ner 0.5/0.5/0/0, align_ner_spans 0.5/0/0.5/0,
///   align_nmt 0.5/0/0/1, ner_spans_nmt 0/0/0.5/1, all_fusion 0.5/0/0.5/1 (order align/ner/ner_spans/nmt).
/// Throws std::invalid_argument for an unknown name (listing the known ones).
FusionWeights fusion_preset(const std::string& name);

/// Names of all presets, in the order of the thesis' table.
const std::vector<std::string>& fusion_preset_names();

}  // namespace xlner
