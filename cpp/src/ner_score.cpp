#include "xlner/ner_score.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "xlner/fusion.hpp"

namespace xlner {

void validate_ner_options(const NerScoreOptions& o) {
  if (!(std::isfinite(o.alpha) && o.alpha > 0.0))
    throw std::invalid_argument("alpha must be finite and > 0, got " + std::to_string(o.alpha));
  if (!(std::isfinite(o.threshold) && o.threshold >= 0.0))
    throw std::invalid_argument("threshold must be finite and >= 0, got " + std::to_string(o.threshold));
  if (o.max_len < 1) throw std::invalid_argument("max_len must be >= 1, got " + std::to_string(o.max_len));
  if (o.mode != CandidateMode::Ngrams && o.mode != CandidateMode::External)
    throw std::invalid_argument("the NER score takes 'ngrams' or 'external' candidates");
}

void validate_ner_probs(const BatchView& b, const NerProbView& p, NerVariant variant) {
  if (p.n_tags < 3 || p.n_tags % 2 == 0)
    throw std::invalid_argument("field probs: expected 1 + 2·n_classes columns (O, B-l, I-l, ...), got " +
                                std::to_string(p.n_tags));
  if (p.offsets == nullptr) throw std::invalid_argument("field prob_offsets: missing");
  if (p.offsets[0] != 0)
    throw std::invalid_argument("field prob_offsets: first offset must be 0, got " + std::to_string(p.offsets[0]));
  const int32_t n_classes = (p.n_tags - 1) / 2;
  for (int64_t i = 0; i < b.n; ++i) {
    const int64_t rows = p.offsets[i + 1] - p.offsets[i];
    if (rows != b.tgt_len[i])
      throw std::invalid_argument(where(i, "probs") + std::to_string(rows) + " probability rows for a target of " +
                                  std::to_string(b.tgt_len[i]) + " words");
    if (p.offsets[i + 1] > p.n_words)
      throw std::invalid_argument(where(i, "prob_offsets") + "offset " + std::to_string(p.offsets[i + 1]) +
                                  " past the " + std::to_string(p.n_words) + " rows of probs");
    for (int64_t r = p.offsets[i]; r < p.offsets[i + 1]; ++r) {
      const double* row = p.probs + r * p.n_tags;
      for (int32_t c = 0; c < p.n_tags; ++c) {
        const double v = row[c];
        if (!(std::isfinite(v) && v >= 0.0 && v <= 1.0 + 1e-6))
          throw std::invalid_argument(where(i, "probs") + "word " + std::to_string(r - p.offsets[i]) + ", column " +
                                      std::to_string(c) + " is " + (std::isnan(v) ? std::string("NaN") : std::to_string(v)) +
                                      ", not a probability in [0, 1]");
      }
    }
    if (variant == NerVariant::PerClass) {
      for (int64_t k = b.ent_offsets[i]; k < b.ent_offsets[i + 1]; ++k)
        if (b.ent_label[k] >= n_classes)
          throw std::out_of_range(where(i, "ent_label") + "label id " + std::to_string(b.ent_label[k]) +
                                  " has no B-/I- columns in probs (" + std::to_string(n_classes) + " classes)");
    }
  }
  if (p.offsets[b.n] != p.n_words)
    throw std::invalid_argument("field prob_offsets: last offset " + std::to_string(p.offsets[b.n]) +
                                " does not match the " + std::to_string(p.n_words) + " rows of probs");
}

double ner_span_score(const double* probs, int32_t n_tags, int32_t label, Span t, double alpha) {
  const int32_t n = t.length();
  double sum = probs[static_cast<size_t>(t.start) * n_tags + 2 * label + 1];
  for (int32_t k = t.start + 1; k < t.end; ++k) sum += probs[static_cast<size_t>(k) * n_tags + 2 * label + 2];
  return std::pow(alpha, n - 1) * sum / n;
}

void ner_scores(const SentenceView& s, const double* probs, int32_t n_tags, const NerScoreOptions& o,
                NerScratch& sc, std::vector<ScoreEntry>& out) {
  const int32_t tl = s.tgt_len;
  if (s.n_ent == 0 || tl == 0) return;
  const int32_t L = (n_tags - 1) / 2;
  const size_t stride = static_cast<size_t>(tl) + 1;
  // prefix sums of the I- column of every class over the target words
  sc.prefix_i.assign(static_cast<size_t>(L) * stride, 0.0);
  for (int32_t l = 0; l < L; ++l) {
    double* pre = &sc.prefix_i[static_cast<size_t>(l) * stride];
    for (int32_t k = 0; k < tl; ++k) pre[k + 1] = pre[k] + probs[static_cast<size_t>(k) * n_tags + 2 * l + 2];
  }
  if (o.mode == CandidateMode::Ngrams) {
    ngram_candidates(tl, o.max_len, sc.cands);
  } else {
    sc.cands.clear();
    for (int64_t c = 0; c < s.n_cand; ++c) sc.cands.push_back(Span{s.cand_start[c], s.cand_end[c]});
  }
  if (o.alpha_predicted_only) {
    sc.argmax.resize(static_cast<size_t>(tl));
    sc.i_run.assign(static_cast<size_t>(tl) + 1, 0);
    for (int32_t k = 0; k < tl; ++k) {
      const double* row = probs + static_cast<size_t>(k) * n_tags;
      int32_t best = 0;
      for (int32_t c = 1; c < n_tags; ++c)
        if (row[c] > row[best]) best = c;
      sc.argmax[static_cast<size_t>(k)] = best;
    }
    for (int32_t k = tl - 1; k >= 0; --k) {
      const int32_t a = sc.argmax[static_cast<size_t>(k)];
      if (a > 0 && a % 2 == 0)
        sc.i_run[static_cast<size_t>(k)] =
            1 + (k + 1 < tl && sc.argmax[static_cast<size_t>(k) + 1] == a ? sc.i_run[static_cast<size_t>(k) + 1] : 0);
    }
  }
  const size_t nc = sc.cands.size();
  // c_l(t) for every candidate and class (the spans variant keeps the maximum in column 0)
  const int32_t width = o.variant == NerVariant::Spans ? 1 : L;
  sc.class_score.assign(nc * static_cast<size_t>(width), 0.0);
  double pow_len = 1.0;
  int32_t pow_n = 1;
  for (size_t c = 0; c < nc; ++c) {
    const Span t = sc.cands[c];
    const int32_t n = t.length();
    if (n != pow_n) {
      pow_n = n;
      pow_len = std::pow(o.alpha, n - 1);
    }
    double scale = pow_len / n;
    int32_t scaled_class = -1;  // with alpha_predicted_only: the one class that gets α^(n−1)
    if (o.alpha_predicted_only) {
      scale = 1.0 / n;
      const int32_t first = sc.argmax[static_cast<size_t>(t.start)];
      if (first % 2 == 1) {
        const int32_t l = (first - 1) / 2;
        const bool rest_ok = n == 1 || (sc.argmax[static_cast<size_t>(t.start) + 1] == 2 * l + 2 &&
                                        sc.i_run[static_cast<size_t>(t.start) + 1] >= n - 1);
        if (rest_ok) scaled_class = l;
      }
    }
    double best = 0.0;
    for (int32_t l = 0; l < L; ++l) {
      const double* pre = &sc.prefix_i[static_cast<size_t>(l) * stride];
      const double sum = probs[static_cast<size_t>(t.start) * n_tags + 2 * l + 1] + (pre[t.end] - pre[t.start + 1]);
      const double v = (l == scaled_class ? pow_len : 1.0) * scale * sum;
      if (o.variant == NerVariant::Spans) {
        if (l == 0 || v > best) best = v;
      } else {
        sc.class_score[c * static_cast<size_t>(L) + static_cast<size_t>(l)] = v;
      }
    }
    if (o.variant == NerVariant::Spans) sc.class_score[c] = best;
  }
  for (int32_t e = 0; e < s.n_ent; ++e) {
    const size_t col = o.variant == NerVariant::Spans ? 0 : static_cast<size_t>(s.ent_label[e]);
    for (size_t c = 0; c < nc; ++c) {
      const double v = sc.class_score[c * static_cast<size_t>(width) + col];
      if (v > o.threshold) out.push_back(ScoreEntry{v, e, sc.cands[c]});
    }
  }
}

ScoreBatch ner_scores_batch(const BatchView& b, const NerProbView& p, const NerScoreOptions& o, int threads) {
  validate_ner_options(o);
  if (o.mode == CandidateMode::External && b.cand_offsets == nullptr)
    throw std::invalid_argument("external candidates requested but the batch has none");
  validate_ner_probs(b, p, o.variant);
  return collect_scores<NerScratch>(b, threads, [&](const SentenceView& s, NerScratch& sc,
                                                    std::vector<ScoreEntry>& out) {
    ner_scores(s, p.probs + p.offsets[s.index] * p.n_tags, p.n_tags, o, sc, out);
  });
}

}  // namespace xlner
