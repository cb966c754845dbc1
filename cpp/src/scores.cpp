#include "xlner/scores.hpp"

#include <algorithm>
#include <stdexcept>

namespace xlner {

void alignment_scores(const SentenceView& s, CandidateMode mode, int32_t max_len, ScoreScratch& sc,
                      std::vector<ScoreEntry>& out) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1");
  const int32_t tl = s.tgt_len;
  if (s.n_ent == 0 || tl == 0) return;
  // Links as key = source << 32 | target. With few entities times links (the common sentence), each entity scans
  // the links for its own and sorts those few; otherwise all links are sorted once (by source word, then target
  // word) and each entity takes its range. Duplicate links count once either way; memory is linear in the links
  // alone (not in the declared sentence lengths), time linear up to a log factor.
  const auto key = [&](int64_t k) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(s.aln_src[k])) << 32) | static_cast<uint32_t>(s.aln_tgt[k]);
  };
  const bool scan = int64_t{s.n_ent} * s.n_aln <= 1024;
  if (scan) {
    sc.links.resize(static_cast<size_t>(s.n_aln));  // room for every link of an entity
  } else {
    sc.links.resize(static_cast<size_t>(s.n_aln));
    for (int64_t k = 0; k < s.n_aln; ++k) sc.links[static_cast<size_t>(k)] = key(k);
    std::sort(sc.links.begin(), sc.links.end());
    sc.links.erase(std::unique(sc.links.begin(), sc.links.end()), sc.links.end());
  }
  const auto key_of_source = [](int32_t i) { return static_cast<uint64_t>(static_cast<uint32_t>(i)) << 32; };
  for (int32_t e = 0; e < s.n_ent; ++e) {
    const Span es = s.entity(e);
    const double elen = es.length();
    // target words linked to the entity, with the number of its words linked to each
    sc.gathered.clear();
    if (es.start < es.end && es.end > 0) {
      if (scan) {
        // the entity's links, without a branch per link: src in [lo, hi) <=> src - lo < hi - lo (unsigned)
        const auto lo = static_cast<uint32_t>(std::max(es.start, 0)), width = static_cast<uint32_t>(es.end) - lo;
        uint64_t* mine = sc.links.data();
        size_t m = 0;
        for (int64_t k = 0; k < s.n_aln; ++k) {
          mine[m] = key(k);
          m += static_cast<uint32_t>(s.aln_src[k]) - lo < width ? 1 : 0;
        }
        if (m > 1) {
          std::sort(mine, mine + m);
          m = static_cast<size_t>(std::unique(mine, mine + m) - mine);
        }
        for (size_t k = 0; k < m; ++k) sc.gathered.push_back(static_cast<int32_t>(mine[k] & 0xffffffffu));
      } else {
        const auto lo = std::lower_bound(sc.links.begin(), sc.links.end(), key_of_source(std::max(es.start, 0)));
        const auto hi = std::lower_bound(lo, sc.links.end(), key_of_source(es.end));
        for (auto it = lo; it != hi; ++it) sc.gathered.push_back(static_cast<int32_t>(*it & 0xffffffffu));
      }
    }
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
