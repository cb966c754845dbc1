#include "xlner/similarity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "xlner/fusion.hpp"

namespace xlner {

namespace {

void validate_options(const SimilarityOptions& o) {
  if (!std::isfinite(o.threshold)) throw std::invalid_argument("threshold must be finite");
  if (o.max_len < 1) throw std::invalid_argument("max_len must be >= 1, got " + std::to_string(o.max_len));
  if (o.mode != CandidateMode::Ngrams && o.mode != CandidateMode::External)
    throw std::invalid_argument("the similarity score takes 'ngrams' or 'external' candidates");
}

/// Running reduction of a sequence of values.
struct Reducer {
  SimReduction r;
  double acc = 0.0;
  int64_t n = 0;
  void reset() {
    acc = 0.0;
    n = 0;
  }
  void add(double v) {
    if (n == 0) acc = v;
    else if (r == SimReduction::Mean) acc += v;
    else if (r == SimReduction::Max) acc = std::max(acc, v);
    else acc = std::min(acc, v);
    ++n;
  }
  double value() const { return r == SimReduction::Mean ? acc / static_cast<double>(n) : acc; }
};

}  // namespace

void validate_similarity(const BatchView& b, const SimilarityView& v) {
  if (v.offsets == nullptr) throw std::invalid_argument("field sim_offsets: missing");
  if (v.offsets[0] != 0)
    throw std::invalid_argument("field sim_offsets: first offset must be 0, got " + std::to_string(v.offsets[0]));
  for (int64_t i = 0; i < b.n; ++i) {
    const int64_t want = static_cast<int64_t>(b.src_len[i]) * b.tgt_len[i];
    const int64_t got = v.offsets[i + 1] - v.offsets[i];
    if (got != want)
      throw std::invalid_argument(where(i, "sim") + std::to_string(got) + " similarities for a " +
                                  std::to_string(b.src_len[i]) + " x " + std::to_string(b.tgt_len[i]) +
                                  " sentence pair (expected " + std::to_string(want) + ")");
    if (v.offsets[i + 1] > v.total)
      throw std::invalid_argument(where(i, "sim_offsets") + "offset " + std::to_string(v.offsets[i + 1]) +
                                  " past the array size " + std::to_string(v.total));
    for (int64_t k = v.offsets[i]; k < v.offsets[i + 1]; ++k)
      if (!std::isfinite(v.sim[k])) {
        const int64_t r = (k - v.offsets[i]) / std::max<int32_t>(b.tgt_len[i], 1);
        const int64_t c = (k - v.offsets[i]) % std::max<int32_t>(b.tgt_len[i], 1);
        throw std::invalid_argument(where(i, "sim") + "similarity of source word " + std::to_string(r) +
                                    " and target word " + std::to_string(c) + " is " +
                                    (std::isnan(v.sim[k]) ? std::string("NaN") : std::string("infinite")));
      }
  }
  if (v.offsets[b.n] != v.total)
    throw std::invalid_argument("field sim_offsets: last offset " + std::to_string(v.offsets[b.n]) +
                                " does not match the array size " + std::to_string(v.total));
}

double similarity_span_score(const double* sim, int32_t tgt_len, Span e, Span t, SimReduction r) {
  Reducer cs{r}, ct{r};
  for (int32_t a = e.start; a < e.end; ++a) {
    double m = -std::numeric_limits<double>::infinity();
    for (int32_t b = t.start; b < t.end; ++b) m = std::max(m, sim[static_cast<size_t>(a) * tgt_len + b]);
    cs.add(m);
  }
  for (int32_t b = t.start; b < t.end; ++b) {
    double m = -std::numeric_limits<double>::infinity();
    for (int32_t a = e.start; a < e.end; ++a) m = std::max(m, sim[static_cast<size_t>(a) * tgt_len + b]);
    ct.add(m);
  }
  return std::max(cs.value(), ct.value());
}

void similarity_scores(const SentenceView& s, const double* sim, const SimilarityOptions& o, SimScratch& sc,
                       std::vector<ScoreEntry>& out) {
  const int32_t tl = s.tgt_len;
  if (s.n_ent == 0 || tl == 0) return;
  const double ninf = -std::numeric_limits<double>::infinity();
  if (o.mode == CandidateMode::External) {
    for (int32_t e = 0; e < s.n_ent; ++e)
      for (int64_t c = 0; c < s.n_cand; ++c) {
        const Span t{s.cand_start[c], s.cand_end[c]};
        const double v = similarity_span_score(sim, tl, s.entity(e), t, o.reduction) - o.threshold;
        if (v > 0.0) out.push_back(ScoreEntry{v, e, t});
      }
    return;
  }
  sc.colmax.resize(static_cast<size_t>(tl));
  for (int32_t e = 0; e < s.n_ent; ++e) {
    const Span es = s.entity(e);
    const int32_t el = es.length();
    // ct only needs, per target word, its best match among the entity's words
    for (int32_t b = 0; b < tl; ++b) {
      double m = ninf;
      for (int32_t a = es.start; a < es.end; ++a) m = std::max(m, sim[static_cast<size_t>(a) * tl + b]);
      sc.colmax[static_cast<size_t>(b)] = m;
    }
    sc.rowmax.resize(static_cast<size_t>(el));
    for (int32_t st = 0; st < tl; ++st) {
      std::fill(sc.rowmax.begin(), sc.rowmax.end(), ninf);
      Reducer ct{o.reduction};
      const int32_t last = std::min(tl, st + o.max_len);
      for (int32_t en = st + 1; en <= last; ++en) {
        const int32_t b = en - 1;  // the word added to the candidate
        Reducer cs{o.reduction};
        for (int32_t a = 0; a < el; ++a) {
          double& m = sc.rowmax[static_cast<size_t>(a)];
          m = std::max(m, sim[static_cast<size_t>(es.start + a) * tl + b]);
          cs.add(m);
        }
        ct.add(sc.colmax[static_cast<size_t>(b)]);
        const double v = std::max(cs.value(), ct.value()) - o.threshold;
        if (v > 0.0) out.push_back(ScoreEntry{v, e, Span{st, en}});
      }
    }
  }
}

ScoreBatch similarity_scores_batch(const BatchView& b, const SimilarityView& v, const SimilarityOptions& o,
                                   int threads) {
  validate_options(o);
  if (o.mode == CandidateMode::External && b.cand_offsets == nullptr)
    throw std::invalid_argument("external candidates requested but the batch has none");
  validate_similarity(b, v);
  return collect_scores<SimScratch>(b, threads, [&](const SentenceView& s, SimScratch& sc,
                                                    std::vector<ScoreEntry>& out) {
    similarity_scores(s, v.sim + v.offsets[s.index], o, sc, out);
  });
}

}  // namespace xlner
