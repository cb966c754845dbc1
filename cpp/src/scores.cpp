#include "xlner/scores.hpp"

#include <algorithm>
#include <stdexcept>

namespace xlner {

void alignment_scores(const SentenceView& s, CandidateMode mode, int32_t max_len, ScoreScratch& sc,
                      std::vector<ScoreEntry>& out) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1");
  const int32_t sl = s.src_len, tl = s.tgt_len;
  if (s.n_ent == 0 || tl == 0) return;
  // Links bucketed by source word (counting sort), each bucket sorted and deduplicated.
  sc.src_off.assign(static_cast<size_t>(sl) + 2, 0);
  for (int64_t k = 0; k < s.n_aln; ++k) ++sc.src_off[static_cast<size_t>(s.aln_src[k]) + 2];
  for (int32_t i = 0; i < sl; ++i) sc.src_off[static_cast<size_t>(i) + 2] += sc.src_off[static_cast<size_t>(i) + 1];
  sc.src_tgt.resize(static_cast<size_t>(s.n_aln));
  for (int64_t k = 0; k < s.n_aln; ++k)
    sc.src_tgt[static_cast<size_t>(sc.src_off[static_cast<size_t>(s.aln_src[k]) + 1]++)] = s.aln_tgt[k];
  // now src_off[i] .. src_off[i + 1] is source word i's bucket; sort and deduplicate in place
  {
    int64_t w = 0;
    for (int32_t i = 0; i < sl; ++i) {
      const int64_t b = sc.src_off[static_cast<size_t>(i)], e = sc.src_off[static_cast<size_t>(i) + 1];
      int32_t* p = sc.src_tgt.data();
      std::sort(p + b, p + e);
      sc.src_off[static_cast<size_t>(i)] = w;
      for (int64_t k = b; k < e; ++k)
        if (k == b || p[k] != p[k - 1]) p[w++] = p[k];
    }
    sc.src_off[static_cast<size_t>(sl)] = w;
  }
  for (int32_t e = 0; e < s.n_ent; ++e) {
    const Span es = s.entity(e);
    const double elen = es.length();
    // target words linked to the entity, with the number of its words linked to each
    sc.gathered.clear();
    for (int32_t i = std::max(es.start, 0); i < std::min(es.end, sl); ++i)
      sc.gathered.insert(sc.gathered.end(), sc.src_tgt.begin() + sc.src_off[static_cast<size_t>(i)],
                         sc.src_tgt.begin() + sc.src_off[static_cast<size_t>(i) + 1]);
    if (sc.gathered.empty()) continue;
    std::sort(sc.gathered.begin(), sc.gathered.end());
    sc.aligned.clear();
    sc.prefix.assign(1, 0);
    for (size_t k = 0; k < sc.gathered.size(); ++k) {
      if (k == 0 || sc.gathered[k] != sc.gathered[k - 1]) {
        sc.aligned.push_back(sc.gathered[k]);
        sc.prefix.push_back(sc.prefix.back());
      }
      ++sc.prefix.back();
    }
    const int32_t na = static_cast<int32_t>(sc.aligned.size());
    const int32_t* al = sc.aligned.data();
    const int32_t* pre = sc.prefix.data();
    // links of the target words [t.start, t.end) = pre[b] - pre[a] for the aligned words a .. b - 1 inside
    auto emit = [&](Span t, int32_t links) {
      if (links > 0) out.push_back(ScoreEntry{2.0 * links / (elen + t.length()), e, t});
    };
    if (mode == CandidateMode::AlignedRanges) {
      for (int32_t a = 0; a < na; ++a)
        for (int32_t b = a; b < na && al[b] - al[a] < max_len; ++b) emit(Span{al[a], al[b] + 1}, pre[b + 1] - pre[a]);
    } else if (mode == CandidateMode::Ngrams) {
      // n-grams in candidate order (start, then end ascending) that contain an aligned word: starts in
      // [j - max_len + 1, j] of some aligned word j
      int32_t next_start = 0, a = 0;
      for (int32_t q = 0; q < na; ++q) {
        const int32_t lo = std::max(next_start, std::max(0, al[q] - max_len + 1));
        for (int32_t st = lo; st <= al[q]; ++st) {
          while (a < na && al[a] < st) ++a;  // first aligned word at or after st
          const int32_t last = static_cast<int32_t>(std::min<int64_t>(tl, int64_t{st} + max_len));
          int32_t b = a;
          for (int32_t en = al[a] + 1; en <= last; ++en) {
            while (b < na && al[b] < en) ++b;
            emit(Span{st, en}, pre[b] - pre[a]);
          }
        }
        next_start = al[q] + 1;
      }
    } else {
      for (int64_t c = 0; c < s.n_cand; ++c) {
        const Span t{s.cand_start[c], s.cand_end[c]};
        const int32_t a = static_cast<int32_t>(std::lower_bound(al, al + na, t.start) - al);
        const int32_t b = static_cast<int32_t>(std::lower_bound(al, al + na, t.end) - al);
        emit(t, b > a ? pre[b] - pre[a] : 0);
      }
    }
  }
}

}  // namespace xlner
