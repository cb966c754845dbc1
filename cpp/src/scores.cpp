#include "xlner/scores.hpp"

#include <algorithm>
#include <stdexcept>

namespace xlner {

void alignment_scores(const SentenceView& s, CandidateMode mode, int32_t max_len, ScoreScratch& sc,
                      std::vector<ScoreEntry>& out) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1");
  const int32_t sl = s.src_len, tl = s.tgt_len;
  if (s.n_ent == 0 || tl == 0) return;
  sc.linked.assign(static_cast<size_t>(sl) * static_cast<size_t>(tl), 0);
  for (int64_t k = 0; k < s.n_aln; ++k)
    sc.linked[static_cast<size_t>(s.aln_src[k]) * tl + static_cast<size_t>(s.aln_tgt[k])] = 1;
  sc.count.resize(static_cast<size_t>(tl));
  sc.prefix.resize(static_cast<size_t>(tl) + 1);
  if (mode == CandidateMode::Ngrams) ngram_candidates(tl, max_len, sc.cands);
  for (int32_t e = 0; e < s.n_ent; ++e) {
    const Span es = s.entity(e);
    const double elen = es.length();
    std::fill(sc.count.begin(), sc.count.end(), 0);
    for (int32_t i = es.start; i < es.end; ++i) {
      const uint8_t* row = &sc.linked[static_cast<size_t>(i) * tl];
      for (int32_t j = 0; j < tl; ++j) sc.count[j] += row[j];
    }
    sc.prefix[0] = 0;
    for (int32_t j = 0; j < tl; ++j) sc.prefix[j + 1] = sc.prefix[j] + sc.count[j];
    if (sc.prefix[tl] == 0) continue;
    auto emit = [&](Span t) {
      const int32_t links = sc.prefix[t.end] - sc.prefix[t.start];
      if (links > 0) out.push_back(ScoreEntry{2.0 * links / (elen + t.length()), e, t});
    };
    if (mode == CandidateMode::AlignedRanges) {
      sc.aligned.clear();
      for (int32_t j = 0; j < tl; ++j)
        if (sc.count[j] > 0) sc.aligned.push_back(j);
      const size_t na = sc.aligned.size();
      for (size_t a = 0; a < na; ++a)
        for (size_t b = a; b < na && sc.aligned[b] - sc.aligned[a] < max_len; ++b)
          emit(Span{sc.aligned[a], sc.aligned[b] + 1});
    } else if (mode == CandidateMode::Ngrams) {
      for (const Span& t : sc.cands) emit(t);
    } else {
      for (int64_t c = 0; c < s.n_cand; ++c) emit(Span{s.cand_start[c], s.cand_end[c]});
    }
  }
}

}  // namespace xlner
