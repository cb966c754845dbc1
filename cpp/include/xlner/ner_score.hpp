/// @file ner_score.hpp
/// @brief NER-probability score (Shkalikov 2024, eq. "ner_cost"): how likely a target candidate is an
/// entity of the source entity's class, from per-target-word IOB2 class probabilities of a tagger.
///
/// Probabilities of sentence i are the rows offsets[i] .. offsets[i+1] of a flat row-major array
/// [total target words, n_tags]; columns follow the tag ids of xlner.tagging: 0 = O, 2l+1 = B-l,
/// 2l+2 = I-l for label id l (so n_tags = 1 + 2·n_classes).
///
/// For a candidate t = [s, e) of length n = e − s and class l:
///     c_l(t) = α^(n−1) · (p[s, B-l] + Σ_{k=s+1}^{e−1} p[k, I-l]) / n
/// The per-class variant scores entity x against t with c_{label(x)}(t); the spans variant uses
/// max_l c_l(t) for every entity. Scores <= threshold count as zero (not emitted).
///
/// `alpha_predicted_only` reproduces the thesis' released code (NERModelLogitsCandidateEvaluator) instead
/// of the published equation: the factor α^(n−1) is applied to class l only when the candidate's argmax
/// tags read B-l, I-l, …, I-l (the candidate is a prefix of an entity the tagger predicts); every other
/// (candidate, class) gets the plain average.
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/candidates.hpp"
#include "xlner/matching.hpp"
#include "xlner/scores.hpp"

namespace xlner {

/// Which class the score uses.
enum class NerVariant : int {
  PerClass = 0,  ///< the class of the source entity
  Spans = 1,     ///< the maximum over all classes (class-agnostic "is this an entity")
};

/// Non-owning view of per-target-word tag probabilities (CSR over sentences).
struct NerProbView {
  const int64_t* offsets = nullptr;  ///< n + 1 word offsets
  const double* probs = nullptr;     ///< [n_words, n_tags] row-major
  int64_t n_words = 0;
  int32_t n_tags = 0;
};

/// Options of the NER score.
struct NerScoreOptions {
  NerVariant variant = NerVariant::PerClass;
  CandidateMode mode = CandidateMode::Ngrams;  ///< Ngrams or External
  int32_t max_len = 10;                        ///< longest n-gram candidate (Ngrams)
  double alpha = 1.15;                         ///< length scaling α > 0
  double threshold = 0.05;                     ///< scores <= threshold are zero
  bool alpha_predicted_only = false;           ///< α only on argmax-predicted entity prefixes (thesis code)
};

/// Check probabilities against the batch: n_tags odd and >= 3; offsets start at 0, rows of sentence i
/// equal tgt_len[i], last offset equals n_words; every value finite and in [0, 1]; with the per-class
/// variant every entity label id has B-/I- columns. Throws naming the sentence and field.
void validate_ner_probs(const BatchView& b, const NerProbView& p, NerVariant variant);

/// Check options (alpha > 0 finite, threshold >= 0 finite, max_len >= 1, mode Ngrams or External).
void validate_ner_options(const NerScoreOptions& o);

/// The score c_l(t) of one candidate from the sentence's probability rows (direct formula).
double ner_span_score(const double* probs, int32_t n_tags, int32_t label, Span t, double alpha);

/// Reusable per-thread buffers of the NER score.
struct NerScratch {
  std::vector<double> prefix_i;    ///< per class: prefix sums of p[·, I-l], (tgt_len + 1) each
  std::vector<double> class_score; ///< per candidate × class
  std::vector<Span> cands;
  std::vector<int32_t> argmax;  ///< per word: most probable tag id (first maximum)
  std::vector<int32_t> i_run;   ///< per word: length of the run of equal I- argmax tags starting there
};

/// NER scores of one sentence (`probs` points at its first row). Entries are appended in order
/// entity, then candidate order.
void ner_scores(const SentenceView& s, const double* probs, int32_t n_tags, const NerScoreOptions& o,
                NerScratch& scratch, std::vector<ScoreEntry>& out);

/// NER scores of every sentence of a validated batch (validates probabilities and options first).
ScoreBatch ner_scores_batch(const BatchView& b, const NerProbView& p, const NerScoreOptions& o, int threads);

}  // namespace xlner
