// Columns of the exact solvers (alignment score and external score matrices), the free fill, and the
// small helpers every exact solver shares (exact_internal.hpp).
#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "exact_internal.hpp"
#include "xlner/exact.hpp"

namespace xlner {

namespace exact_detail {

bool by_end(const ScoreEntry& a, const ScoreEntry& b) {
  if (a.span.end != b.span.end) return a.span.end < b.span.end;
  if (a.span.start != b.span.start) return a.span.start < b.span.start;
  return a.ent < b.ent;
}

bool by_start(const ScoreEntry& a, const ScoreEntry& b) {
  if (a.span.start != b.span.start) return a.span.start < b.span.start;
  if (a.span.end != b.span.end) return a.span.end < b.span.end;
  return a.ent < b.ent;
}

void drop_non_positive(std::vector<ScoreEntry>& cols) {
  cols.erase(std::remove_if(cols.begin(), cols.end(), [](const ScoreEntry& e) { return !(e.score > 0.0); }),
             cols.end());
}

/// Per entity, the largest number of pairwise disjoint columns (earliest-end greedy, optimal for
/// interval scheduling). `cols` must be sorted by end.
void max_disjoint(const std::vector<ScoreEntry>& cols, int32_t n_ent, std::vector<int32_t>& m,
                  std::vector<int32_t>& last_end) {
  m.assign(static_cast<size_t>(n_ent), 0);
  last_end.assign(static_cast<size_t>(n_ent), -1);
  for (const ScoreEntry& c : cols) {
    if (c.span.start >= last_end[c.ent]) {
      ++m[c.ent];
      last_end[c.ent] = c.span.end;
    }
  }
}

/// Whether entity e needs a count row / DP digit.
bool count_matters(const Constraint& c, int32_t m_e) {
  const int32_t cap = c.cap(), floor = c.floor();
  return floor > 0 || (cap >= 0 && m_e > cap);
}

/// Sum of the chosen scores in span order (the same order in the DP and the ILP decoder).
double span_order_sum(const std::vector<ScoreEntry>& chosen) {
  double s = 0.0;
  for (const ScoreEntry& e : chosen) s += e.score;
  return s;
}

}  // namespace exact_detail

using namespace exact_detail;

bool alignment_columns(const SentenceView& s, CandidateMode mode, int32_t max_len, const Constraint& c,
                       ScoreScratch& sc, std::vector<ScoreEntry>& out) {
  if (c.cap() == 0 || s.n_ent == 0) return false;
  const bool lower = c.floor() > 0;
  const size_t base = out.size();
  if (mode == CandidateMode::External) {
    alignment_scores(s, CandidateMode::External, max_len, sc, out);
    if (!lower) return false;
    // every (entity, candidate) pair: the positive ones were emitted in exactly this order
    std::vector<ScoreEntry> pos(out.begin() + static_cast<std::ptrdiff_t>(base), out.end());
    out.resize(base);
    size_t p = 0;
    for (int32_t e = 0; e < s.n_ent; ++e)
      for (int64_t k = 0; k < s.n_cand; ++k) {
        const Span t{s.cand_start[k], s.cand_end[k]};
        if (p < pos.size() && pos[p].ent == e && pos[p].span == t) out.push_back(pos[p++]);
        else out.push_back(ScoreEntry{0.0, e, t});
      }
    return false;
  }
  alignment_scores(s, CandidateMode::AlignedRanges, max_len, sc, out);
  // under a lower bound every unigram is a candidate of every entity with score >= 0: free fill
  return lower;
}

void scored_columns(const SentenceView& s, const ScoreView& v, const Constraint& c, std::vector<ScoreEntry>& out) {
  if (c.cap() == 0 || s.n_ent == 0) return;
  const size_t base = out.size();
  for (int64_t k = v.offsets[s.index]; k < v.offsets[s.index + 1]; ++k)
    out.push_back(ScoreEntry{v.score[k], v.ent[k], Span{v.start[k], v.end[k]}});
  if (c.floor() == 0) {
    std::vector<ScoreEntry> keep;
    for (size_t i = base; i < out.size(); ++i)
      if (out[i].score > 0.0) keep.push_back(out[i]);
    out.resize(base);
    out.insert(out.end(), keep.begin(), keep.end());
    return;
  }
  // lower bound: any entity may take any listed span at score 0
  std::vector<Span> spans;
  std::vector<std::tuple<int32_t, int32_t, int32_t>> listed;
  for (size_t i = base; i < out.size(); ++i) {
    spans.push_back(out[i].span);
    listed.emplace_back(out[i].ent, out[i].span.start, out[i].span.end);
  }
  std::sort(spans.begin(), spans.end());
  spans.erase(std::unique(spans.begin(), spans.end()), spans.end());
  std::sort(listed.begin(), listed.end());
  for (int32_t e = 0; e < s.n_ent; ++e)
    for (const Span& t : spans)
      if (!std::binary_search(listed.begin(), listed.end(), std::make_tuple(e, t.start, t.end)))
        out.push_back(ScoreEntry{0.0, e, t});
}

bool fill_lower_bound(std::vector<ScoreEntry>& chosen, int32_t n_ent, int32_t tgt_len, int32_t floor) {
  if (floor <= 0 || n_ent == 0) return true;
  std::vector<int32_t> count(static_cast<size_t>(n_ent), 0);
  std::vector<uint8_t> covered(static_cast<size_t>(tgt_len), 0);
  for (const ScoreEntry& en : chosen) {
    ++count[static_cast<size_t>(en.ent)];
    for (int32_t j = en.span.start; j < en.span.end; ++j) covered[static_cast<size_t>(j)] = 1;
  }
  int32_t j = 0;
  for (int32_t e = 0; e < n_ent; ++e)
    for (int32_t k = count[static_cast<size_t>(e)]; k < floor; ++k) {
      while (j < tgt_len && covered[static_cast<size_t>(j)]) ++j;
      if (j >= tgt_len) return false;
      chosen.push_back(ScoreEntry{0.0, e, Span{j, j + 1}});
      covered[static_cast<size_t>(j)] = 1;
    }
  std::sort(chosen.begin(), chosen.end(), by_start);
  return true;
}

}  // namespace xlner
