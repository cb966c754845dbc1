#include "xlner/exact.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>

#include "xlner/parallel.hpp"

namespace xlner {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

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

/// A necessary condition of the certificate, cheap enough to spare the greedy run where it cannot
/// succeed (`cols` sorted by end). Greedy must choose k_e = min(cap, p_e) pairwise disjoint positive
/// columns of every entity e (p_e: its positive columns), so (a) e needs at least k_e pairwise disjoint
/// positive columns; and they must be a top-k_e multiset, so when e's largest score belongs to a single
/// column u, u is among them and (b) e needs k_e − 1 pairwise disjoint positive columns disjoint from u.
bool certificate_possible(const std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t cap, ExactScratch& sc) {
  const size_t E = static_cast<size_t>(n_ent);
  sc.cert_pos.assign(E, 0);    // p_e
  sc.cert_k.assign(E, 0);      // (a) most pairwise disjoint positive columns
  sc.cert_q.assign(E, -1);     // (a) end of the last one counted
  sc.cert_min.assign(E, 0.0);  // largest score
  sc.cert_above.assign(E, 0);  // columns with the largest score
  sc.cert_top.assign(E, -1);   // one column with the largest score
  for (size_t i = 0; i < cols.size(); ++i) {
    const ScoreEntry& col = cols[i];
    if (!(col.score > 0.0)) continue;
    const size_t e = static_cast<size_t>(col.ent);
    ++sc.cert_pos[e];
    if (col.span.start >= sc.cert_q[e]) {
      ++sc.cert_k[e];
      sc.cert_q[e] = col.span.end;
    }
    if (col.score > sc.cert_min[e]) {
      sc.cert_min[e] = col.score;
      sc.cert_above[e] = 1;
      sc.cert_top[e] = static_cast<int32_t>(i);
    } else if (col.score == sc.cert_min[e]) {
      ++sc.cert_above[e];
    }
  }
  bool check_b = false;
  for (size_t e = 0; e < E; ++e) {
    const int32_t k = cap >= 0 ? std::min(cap, sc.cert_pos[e]) : sc.cert_pos[e];
    if (sc.cert_k[e] < k) return false;
    sc.cert_k[e] = k;
    if (k >= 2 && sc.cert_above[e] == 1) check_b = true;
    else sc.cert_top[e] = -1;  // (b) not applied to e
  }
  if (!check_b) return true;
  // (b): earliest-end count over e's positive columns disjoint from its unique top column
  sc.cert_q.assign(E, -1);
  sc.cert_above.assign(E, 0);
  for (const ScoreEntry& col : cols) {
    if (!(col.score > 0.0)) continue;
    const size_t e = static_cast<size_t>(col.ent);
    if (sc.cert_top[e] < 0) continue;
    const Span u = cols[static_cast<size_t>(sc.cert_top[e])].span;
    if (col.span.start < u.end && u.start < col.span.end) continue;  // overlaps u (or is u)
    if (col.span.start >= sc.cert_q[e]) {
      ++sc.cert_above[e];
      sc.cert_q[e] = col.span.end;
    }
  }
  for (size_t e = 0; e < E; ++e)
    if (sc.cert_top[e] >= 0 && sc.cert_above[e] < sc.cert_k[e] - 1) return false;
  return true;
}

/// The optimality certificate (see exact.hpp): run greedy on a copy of the columns; accept its
/// assignment when it is feasible (every floor met, with free fill if allowed) and, for every entity,
/// its chosen scores are the min(cap, #positive) largest positive scores of the entity's row. Then the
/// greedy objective equals Σ_e (those largest scores), an upper bound of every feasible objective, so
/// greedy is optimal. The test is made on counts and comparisons only (no floating sums), so it is exact.
/// On success the assignment, sorted by span, is left in `sc.chosen`.
bool greedy_certificate(const std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t tgt_len, const Constraint& c,
                        bool free_fill, ExactScratch& sc) {
  const int32_t cap = c.cap(), floor = c.floor();
  const size_t E = static_cast<size_t>(n_ent);
  sc.work.assign(cols.begin(), cols.end());
  greedy_select(sc.work, n_ent, tgt_len, c, sc.greedy);
  const std::vector<ScoreEntry>& g = sc.greedy.chosen;
  // per entity: chosen count k, smallest chosen score m, number q of chosen scores equal to m
  sc.cert_k.assign(E, 0);
  sc.cert_q.assign(E, 0);
  sc.cert_pos.assign(E, 0);
  sc.cert_above.assign(E, 0);
  sc.cert_min.assign(E, std::numeric_limits<double>::infinity());
  for (const ScoreEntry& en : g) {
    const size_t e = static_cast<size_t>(en.ent);
    ++sc.cert_k[e];
    sc.cert_min[e] = std::min(sc.cert_min[e], en.score);
  }
  for (const ScoreEntry& en : g)
    if (en.score == sc.cert_min[static_cast<size_t>(en.ent)]) ++sc.cert_q[static_cast<size_t>(en.ent)];
  // per entity: positive columns, and columns scoring above the smallest chosen score (+inf if none)
  for (const ScoreEntry& col : cols) {
    const size_t e = static_cast<size_t>(col.ent);
    if (col.score > 0.0) ++sc.cert_pos[e];
    if (col.score > sc.cert_min[e]) ++sc.cert_above[e];
  }
  for (size_t e = 0; e < E; ++e) {
    const int32_t k = sc.cert_k[e], pos = sc.cert_pos[e];
    if (k != (cap >= 0 ? std::min(cap, pos) : pos)) return false;  // not the largest possible count
    if (k > 0 && sc.cert_above[e] != k - sc.cert_q[e]) return false;  // an unchosen score beats a chosen one
    if (!free_fill && k < floor) return false;                         // a floor greedy does not meet
  }
  sc.chosen.assign(g.begin(), g.end());
  return !free_fill || fill_lower_bound(sc.chosen, n_ent, tgt_len, floor);
}

}  // namespace

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

Status exact_select(std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t tgt_len, const Constraint& c,
                    bool free_fill, const ExactOptions& opt, ExactScratch& sc, double& objective) {
  sc.chosen.clear();
  objective = 0.0;
  const int32_t cap = c.cap(), floor = c.floor();
  if (n_ent == 0 || cap == 0) return Status::Solved;  // cap 0 implies floor 0
  free_fill = free_fill && floor > 0;
  if (floor == 0 || free_fill) drop_non_positive(cols);
  for (const ScoreEntry& col : cols)
    if (col.ent < 0 || col.ent >= n_ent || col.span.start < 0 || col.span.end > tgt_len ||
        col.span.end <= col.span.start)
      throw std::out_of_range("exact_select: column outside the sentence");
  if (free_fill && static_cast<int64_t>(n_ent) * floor > tgt_len) return Status::Infeasible;
  // Free fill with enough words that no column touches: any selection respecting the caps can be
  // completed with zero-score words, so the lower bound leaves the DP (it is met by the fill afterwards).
  const int32_t fill_floor = free_fill ? floor : 0;
  // cap 1: the certificate first (its necessary condition is vacuous, k_e <= 1). Other caps: only where
  // the DP needs count states (below), after the necessary condition on the sorted columns.
  if (opt.certificate && cap == 1) {
    if (greedy_certificate(cols, n_ent, tgt_len, c, free_fill, sc)) {
      objective = span_order_sum(sc.chosen);
      return Status::Solved;
    }
    sc.chosen.clear();
  }
  std::sort(cols.begin(), cols.end(), by_end);
  if (free_fill) {
    sc.tmp.assign(static_cast<size_t>(tgt_len), 0);
    int64_t touched = 0;
    for (const ScoreEntry& col : cols)
      for (int32_t j = col.span.start; j < col.span.end; ++j)
        if (!sc.tmp[static_cast<size_t>(j)]) {
          sc.tmp[static_cast<size_t>(j)] = 1;
          ++touched;
        }
    if (tgt_len - touched >= static_cast<int64_t>(n_ent) * floor) free_fill = false;
  }
  const int32_t dp_floor = fill_floor > 0 && !free_fill ? 0 : floor;
  max_disjoint(cols, n_ent, sc.ent_slot, sc.tmp);  // ent_slot temporarily holds m_e
  sc.tracked.clear();
  sc.radix.clear();
  int32_t base_deficit = 0;  // free fill: entities without columns need `floor` fill words each
  for (int32_t e = 0; e < n_ent; ++e) {
    const int32_t m_e = sc.ent_slot[static_cast<size_t>(e)];
    if (free_fill && m_e == 0) {
      base_deficit += floor;
      continue;
    }
    if (!free_fill && dp_floor > 0 && m_e < dp_floor) return Status::Infeasible;
    if (!(dp_floor > 0 || (cap >= 0 && m_e > cap))) continue;
    sc.tracked.push_back(e);
    sc.radix.push_back((cap >= 0 ? std::min(cap, m_e) : std::min(dp_floor, m_e)) + 1);
  }
  const size_t K = sc.tracked.size();
  if (opt.certificate && cap != 1 && (K > 0 || free_fill) && certificate_possible(cols, n_ent, cap, sc) &&
      greedy_certificate(cols, n_ent, tgt_len, c, fill_floor > 0, sc)) {
    objective = span_order_sum(sc.chosen);
    return Status::Solved;
  }
  sc.chosen.clear();
  std::fill(sc.ent_slot.begin(), sc.ent_slot.end(), -1);
  for (size_t k = 0; k < K; ++k) sc.ent_slot[static_cast<size_t>(sc.tracked[k])] = static_cast<int32_t>(k);
  // windows of the tracked entities
  sc.lo.assign(K, std::numeric_limits<int32_t>::max());
  sc.hi.assign(K, -1);
  for (const ScoreEntry& col : cols) {
    const int32_t k = sc.ent_slot[static_cast<size_t>(col.ent)];
    if (k < 0) continue;
    sc.lo[static_cast<size_t>(k)] = std::min(sc.lo[static_cast<size_t>(k)], col.span.start);
    sc.hi[static_cast<size_t>(k)] = std::max(sc.hi[static_cast<size_t>(k)], col.span.end);
  }
  const int64_t T = tgt_len;
  if (K == 0 && !free_fill) {
    // no count matters: weighted interval scheduling, same transition order as the general case
    sc.value.assign(static_cast<size_t>(T) + 1, 0.0);
    sc.choice.assign(static_cast<size_t>(T) + 1, -1);
    size_t k = 0;
    for (int64_t j = 1; j <= T; ++j) {
      double best = sc.value[static_cast<size_t>(j) - 1];
      int32_t arg = -1;
      for (; k < cols.size() && cols[k].span.end == j; ++k) {
        const double v = sc.value[static_cast<size_t>(cols[k].span.start)] + cols[k].score;
        if (v > best) {
          best = v;
          arg = static_cast<int32_t>(k);
        }
      }
      sc.value[static_cast<size_t>(j)] = best;
      sc.choice[static_cast<size_t>(j)] = arg;
    }
    for (int64_t j = T; j > 0;) {
      const int32_t ch = sc.choice[static_cast<size_t>(j)];
      if (ch < 0) {
        --j;
        continue;
      }
      sc.chosen.push_back(cols[static_cast<size_t>(ch)]);
      j = cols[static_cast<size_t>(ch)].span.start;
    }
    std::reverse(sc.chosen.begin(), sc.chosen.end());
    if (fill_floor > 0 && !fill_lower_bound(sc.chosen, n_ent, tgt_len, fill_floor))
      throw std::logic_error("exact_select: free fill ran out of words (internal error)");
    objective = span_order_sum(sc.chosen);
    return Status::Solved;
  }
  // stage layouts: stride of live entity k at stage j (0 = not live), then the g digit on top
  const int64_t D = free_fill ? static_cast<int64_t>(n_ent) * floor : 0;
  const int64_t G = free_fill ? 2 * D + 1 : 1;
  sc.stage_base.assign(static_cast<size_t>(T) + 2, 0);
  sc.stage_size.assign(static_cast<size_t>(T) + 1, 0);
  sc.stage_stride.assign((static_cast<size_t>(T) + 1) * (K + 1), 0);
  for (int64_t j = 0; j <= T; ++j) {
    int64_t st = 1;
    int64_t* strides = &sc.stage_stride[static_cast<size_t>(j) * (K + 1)];
    for (size_t k = 0; k < K; ++k)
      if (sc.lo[k] < j && j < sc.hi[k]) {
        strides[k] = st;
        st *= sc.radix[k];
        if (st > opt.max_states) return Status::TooLarge;
      }
    strides[K] = st;  // g digit
    st *= G;
    if (st > opt.max_states) return Status::TooLarge;
    sc.stage_size[static_cast<size_t>(j)] = st;
    sc.stage_base[static_cast<size_t>(j) + 1] = sc.stage_base[static_cast<size_t>(j)] + st;
    if (sc.stage_base[static_cast<size_t>(j) + 1] > opt.max_cells) return Status::TooLarge;
  }
  const size_t total = static_cast<size_t>(sc.stage_base[static_cast<size_t>(T) + 1]);
  sc.value.assign(total, kNegInf);
  sc.choice.assign(total, -1);
  sc.pred.assign(total, -1);
  sc.value[static_cast<size_t>(free_fill ? D - base_deficit : 0)] = 0.0;  // stage 0: nothing live

  struct Item {
    int64_t src, dst;  // strides at the source / target stage (0 = not live there)
    int32_t radix;
    bool inc, retire;
  };
  std::vector<Item> plan;
  plan.reserve(K);
  const bool saturating = cap < 0;
  // relax every state of stage a into stage b through column `code` (-1: leave word a unprojected)
  auto transition = [&](int64_t a, int64_t b, int32_t code, int32_t ent, double add) {
    const int64_t* sa = &sc.stage_stride[static_cast<size_t>(a) * (K + 1)];
    const int64_t* sb = &sc.stage_stride[static_cast<size_t>(b) * (K + 1)];
    plan.clear();
    bool identity = sa[K] == sb[K];
    for (size_t k = 0; k < K; ++k) {
      const bool retire = a < sc.hi[k] && sc.hi[k] <= b;
      const bool inc = sc.tracked[k] == ent;
      if (sa[k] == 0 && sb[k] == 0 && !retire) continue;
      if (!(sa[k] == sb[k] && !inc && !retire)) identity = false;
      plan.push_back(Item{sa[k], sb[k], sc.radix[k], inc, retire});
    }
    const bool skip = code < 0;
    if (free_fill && skip) identity = false;
    const double* from = &sc.value[static_cast<size_t>(sc.stage_base[static_cast<size_t>(a)])];
    double* to = &sc.value[static_cast<size_t>(sc.stage_base[static_cast<size_t>(b)])];
    int32_t* cto = &sc.choice[static_cast<size_t>(sc.stage_base[static_cast<size_t>(b)])];
    int32_t* pto = &sc.pred[static_cast<size_t>(sc.stage_base[static_cast<size_t>(b)])];
    const int64_t Sa = sc.stage_size[static_cast<size_t>(a)];
    for (int64_t s = 0; s < Sa; ++s) {
      if (from[s] == kNegInf) continue;
      int64_t t = s;
      if (!identity) {
        t = 0;
        int64_t g = free_fill ? (s / sa[K]) - D : 0;
        bool ok = true;
        for (const Item& it : plan) {
          int32_t d = it.src ? static_cast<int32_t>((s / it.src) % it.radix) : 0;
          if (it.inc) {
            if (d + 1 < it.radix) ++d;
            else if (!saturating) { ok = false; break; }
          }
          if (it.retire) {
            if (d < dp_floor) {
              if (!free_fill) { ok = false; break; }
              g -= dp_floor - d;
            }
          } else {
            t += d * it.dst;
          }
        }
        if (!ok) continue;
        if (free_fill) {
          if (skip) g = std::min(g + 1, D);
          t += (g + D) * sb[K];
        }
      }
      const double v = from[s] + add;
      if (v > to[t]) {
        to[t] = v;
        cto[t] = code;
        pto[t] = static_cast<int32_t>(s);
      }
    }
  };
  size_t k = 0;
  for (int64_t j = 1; j <= T; ++j) {
    transition(j - 1, j, -1, -1, 0.0);
    for (; k < cols.size() && cols[k].span.end == j; ++k)
      transition(cols[k].span.start, j, static_cast<int32_t>(k), cols[k].ent, cols[k].score);
  }
  // stage T: nothing is live; with free fill the state is g, feasible when g >= 0
  const double* last = &sc.value[static_cast<size_t>(sc.stage_base[static_cast<size_t>(T)])];
  const int64_t ST = sc.stage_size[static_cast<size_t>(T)];
  int64_t best = -1;
  for (int64_t s = free_fill ? D : 0; s < ST; ++s)
    if (last[s] != kNegInf && (best < 0 || last[s] > last[best])) best = s;
  if (best < 0) return Status::Infeasible;
  int64_t s = best, j = T;
  while (j > 0) {
    const size_t cell = static_cast<size_t>(sc.stage_base[static_cast<size_t>(j)] + s);
    const int32_t ch = sc.choice[cell];
    s = sc.pred[cell];
    if (ch < 0) {
      --j;
      continue;
    }
    const ScoreEntry& col = cols[static_cast<size_t>(ch)];
    sc.chosen.push_back(col);
    j = col.span.start;
  }
  std::reverse(sc.chosen.begin(), sc.chosen.end());
  if (fill_floor > 0 && !fill_lower_bound(sc.chosen, n_ent, tgt_len, fill_floor))
    throw std::logic_error("exact_select: free fill ran out of words (internal error)");
  objective = span_order_sum(sc.chosen);
  return Status::Solved;
}

namespace {

struct ExactWorker {
  ScoreScratch score;
  ExactScratch exact;
  std::vector<ScoreEntry> cols;
};

template <class Columns>
ProjectionOutput exact_batch(const BatchView& b, const Constraint& c, const ExactOptions& opt, int threads,
                             Columns columns) {
  const int64_t chunks = default_chunks(b.n, threads);
  std::vector<ProjectionOutput> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  const Constraint rc = relaxed(c);
  parallel_chunks(b.n, threads, chunks, [&](int64_t ci, int64_t lo, int64_t hi) {
    ExactWorker w;
    ProjectionOutput& out = parts[static_cast<size_t>(ci)];
    for (int64_t i = lo; i < hi; ++i) {
      const SentenceView s = b.sentence(i);
      w.cols.clear();
      bool fill = columns(s, c, w);
      double obj = 0.0;
      Status st = exact_select(w.cols, s.n_ent, s.tgt_len, c, fill, opt, w.exact, obj);
      if (st == Status::Infeasible && opt.relax) {
        w.cols.clear();
        fill = columns(s, rc, w);
        st = exact_select(w.cols, s.n_ent, s.tgt_len, rc, fill, opt, w.exact, obj);
        if (st == Status::Solved) st = Status::Relaxed;
      }
      if (st == Status::Solved || st == Status::Relaxed)
        for (const ScoreEntry& en : w.exact.chosen) out.push(en.span, s.ent_label[en.ent], en.ent, en.score);
      else
        obj = 0.0;
      out.close_sentence(obj, static_cast<int8_t>(st));
    }
  });
  return ProjectionOutput::concat(parts);
}

}  // namespace

ProjectionOutput exact_alignment_batch(const BatchView& b, CandidateMode mode, int32_t max_len, const Constraint& c,
                                       const ExactOptions& opt, int threads) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1");
  if (mode == CandidateMode::External && b.cand_offsets == nullptr)
    throw std::invalid_argument("external candidates requested but the batch has none");
  return exact_batch(b, c, opt, threads, [&](const SentenceView& s, const Constraint& cc, ExactWorker& w) {
    return alignment_columns(s, mode, max_len, cc, w.score, w.cols);
  });
}

ProjectionOutput exact_scored_batch(const BatchView& b, const ScoreView& v, const Constraint& c,
                                    const ExactOptions& opt, int threads) {
  return exact_batch(b, c, opt, threads, [&](const SentenceView& s, const Constraint& cc, ExactWorker& w) {
    scored_columns(s, v, cc, w.cols);
    return false;
  });
}

// ---------------------------------------------------------------------------------------------- ILP

namespace {

/// Append the block of one sentence to `m` (row indices local to the part, shifted at concatenation).
void add_block(IlpModel& m, std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t tgt_len, const Constraint& c,
               bool free_fill, std::vector<int32_t>& m_e, std::vector<int32_t>& tmp) {
  const int32_t cap = c.cap();
  int32_t floor = c.floor();
  Constraint rows_c = c;
  free_fill = free_fill && floor > 0 && n_ent > 0;
  if (floor == 0 || free_fill) drop_non_positive(cols);
  if (cap == 0 || n_ent == 0) cols.clear();
  m.fill.push_back(free_fill ? floor : 0);
  if (free_fill) {
    // as in the DP: with enough words untouched by any candidate the lower bound is met by the fill
    // afterwards, so the block is the one of the constraint without lower bound
    std::vector<uint8_t> touched(static_cast<size_t>(tgt_len), 0);
    int64_t n_touched = 0;
    for (const ScoreEntry& col : cols)
      for (int32_t j = col.span.start; j < col.span.end; ++j)
        if (!touched[static_cast<size_t>(j)]) {
          touched[static_cast<size_t>(j)] = 1;
          ++n_touched;
        }
    if (tgt_len - n_touched >= static_cast<int64_t>(n_ent) * floor) {
      free_fill = false;
      floor = 0;
      rows_c = relaxed(c);
    }
  }
  std::sort(cols.begin(), cols.end(), by_end);
  max_disjoint(cols, n_ent, m_e, tmp);
  std::sort(cols.begin(), cols.end(), by_start);
  // entity rows
  std::vector<int32_t> ent_row(static_cast<size_t>(n_ent), -1);
  if (!cols.empty() || floor > 0) {
    for (int32_t e = 0; e < n_ent; ++e) {
      if (!count_matters(rows_c, m_e[static_cast<size_t>(e)])) continue;
      ent_row[static_cast<size_t>(e)] = static_cast<int32_t>(m.row_lower.size());
      m.row_lower.push_back(static_cast<double>(floor));
      m.row_upper.push_back(cap >= 0 ? static_cast<double>(cap) : std::numeric_limits<double>::infinity());
    }
  }
  // clique rows: maximal sets of candidates sharing a word
  std::vector<uint8_t> starts(static_cast<size_t>(tgt_len) + 1, 0), ends(static_cast<size_t>(tgt_len) + 1, 0);
  for (const ScoreEntry& col : cols) {
    starts[static_cast<size_t>(col.span.start)] = 1;
    ends[static_cast<size_t>(col.span.end)] = 1;
  }
  std::vector<int32_t> kept;
  bool started = false;
  for (int32_t j = 0; j < tgt_len; ++j) {
    if (starts[static_cast<size_t>(j)]) started = true;
    if (ends[static_cast<size_t>(j) + 1] && started) {
      kept.push_back(j);
      started = false;
    }
  }
  // members per kept word; rows with a single member are redundant (x <= 1)
  std::vector<int32_t> members(kept.size(), 0);
  auto covered = [&](const ScoreEntry& col, size_t& lo, size_t& hi) {
    lo = static_cast<size_t>(std::lower_bound(kept.begin(), kept.end(), col.span.start) - kept.begin());
    hi = static_cast<size_t>(std::lower_bound(kept.begin(), kept.end(), col.span.end) - kept.begin());
  };
  for (const ScoreEntry& col : cols) {
    size_t lo, hi;
    covered(col, lo, hi);
    for (size_t q = lo; q < hi; ++q) ++members[q];
  }
  std::vector<int32_t> clique_row(kept.size(), -1);
  for (size_t q = 0; q < kept.size(); ++q) {
    if (members[q] < 2) continue;
    clique_row[q] = static_cast<int32_t>(m.row_lower.size());
    m.row_lower.push_back(-std::numeric_limits<double>::infinity());
    m.row_upper.push_back(1.0);
  }
  int32_t capacity_row = -1;  // free fill: Σ y_e + Σ |t|·x <= T
  if (free_fill) {
    capacity_row = static_cast<int32_t>(m.row_lower.size());
    m.row_lower.push_back(-std::numeric_limits<double>::infinity());
    m.row_upper.push_back(static_cast<double>(tgt_len));
  }
  double penalty = 1.0;
  for (const ScoreEntry& col : cols) {
    penalty += std::fabs(col.score);
    m.col_ent.push_back(col.ent);
    m.col_start.push_back(col.span.start);
    m.col_end.push_back(col.span.end);
    m.col_score.push_back(col.score);
    m.cost.push_back(col.score);
    m.col_upper.push_back(1.0);
    m.integrality.push_back(1);
    const int32_t er = ent_row[static_cast<size_t>(col.ent)];
    if (er >= 0) {
      m.a_index.push_back(er);
      m.a_value.push_back(1.0);
    }
    size_t lo, hi;
    covered(col, lo, hi);
    for (size_t q = lo; q < hi; ++q)
      if (clique_row[q] >= 0) {
        m.a_index.push_back(clique_row[q]);
        m.a_value.push_back(1.0);
      }
    if (capacity_row >= 0) {
      m.a_index.push_back(capacity_row);
      m.a_value.push_back(static_cast<double>(col.span.length()));
    }
    m.a_start.push_back(static_cast<int32_t>(m.a_index.size()));
  }
  if (free_fill) {
    for (int32_t e = 0; e < n_ent; ++e) {
      m.col_ent.push_back(e);
      m.col_start.push_back(-2);
      m.col_end.push_back(-2);
      m.col_score.push_back(0.0);
      m.cost.push_back(0.0);
      m.col_upper.push_back(static_cast<double>(floor));
      m.integrality.push_back(1);
      m.a_index.push_back(ent_row[static_cast<size_t>(e)]);
      m.a_value.push_back(1.0);
      m.a_index.push_back(capacity_row);
      m.a_value.push_back(1.0);
      m.a_start.push_back(static_cast<int32_t>(m.a_index.size()));
    }
  }
  if (floor > 0) {
    for (int32_t e = 0; e < n_ent; ++e) {
      m.col_ent.push_back(e);
      m.col_start.push_back(-1);
      m.col_end.push_back(-1);
      m.col_score.push_back(0.0);
      m.cost.push_back(-penalty);
      m.col_upper.push_back(static_cast<double>(floor));
      m.integrality.push_back(0);
      m.a_index.push_back(ent_row[static_cast<size_t>(e)]);
      m.a_value.push_back(1.0);
      m.a_start.push_back(static_cast<int32_t>(m.a_index.size()));
    }
  }
  m.col_offsets.push_back(static_cast<int64_t>(m.cost.size()));
  m.row_offsets.push_back(static_cast<int64_t>(m.row_lower.size()));
}

template <class Columns>
IlpModel build_ilp(const BatchView& b, const std::vector<int64_t>& sentences, const Constraint& c, int threads,
                   Columns columns) {
  for (size_t k = 0; k < sentences.size(); ++k)
    if (sentences[k] < 0 || sentences[k] >= b.n)
      throw std::out_of_range("field sentences: index " + std::to_string(sentences[k]) + " at position " +
                              std::to_string(k) + " out of range for a batch of " + std::to_string(b.n));
  const int64_t n = static_cast<int64_t>(sentences.size());
  const int64_t chunks = default_chunks(n, threads);
  std::vector<IlpModel> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(n, threads, chunks, [&](int64_t ci, int64_t lo, int64_t hi) {
    ScoreScratch sc;
    std::vector<ScoreEntry> cols;
    std::vector<int32_t> m_e, tmp;
    IlpModel& m = parts[static_cast<size_t>(ci)];
    for (int64_t k = lo; k < hi; ++k) {
      const SentenceView s = b.sentence(sentences[static_cast<size_t>(k)]);
      cols.clear();
      const bool fill = columns(s, sc, cols);
      add_block(m, cols, s.n_ent, s.tgt_len, c, fill, m_e, tmp);
    }
  });
  IlpModel out;
  out.sentences = sentences;
  size_t total_nnz = 0;
  for (const auto& p : parts) total_nnz += p.a_index.size();
  if (total_nnz > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw std::runtime_error("ILP model too large for 32-bit indices; solve fewer sentences at once");
  for (auto& p : parts) {
    const int64_t cb = out.n_cols(), rb = out.n_rows();
    const int32_t nb = static_cast<int32_t>(out.a_index.size());
    for (size_t i = 1; i < p.col_offsets.size(); ++i) out.col_offsets.push_back(cb + p.col_offsets[i]);
    for (size_t i = 1; i < p.row_offsets.size(); ++i) out.row_offsets.push_back(rb + p.row_offsets[i]);
    for (size_t i = 1; i < p.a_start.size(); ++i) out.a_start.push_back(nb + p.a_start[i]);
    for (int32_t r : p.a_index) out.a_index.push_back(static_cast<int32_t>(rb) + r);
    auto app = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
    app(out.fill, p.fill);
    app(out.col_ent, p.col_ent);
    app(out.col_start, p.col_start);
    app(out.col_end, p.col_end);
    app(out.col_score, p.col_score);
    app(out.cost, p.cost);
    app(out.col_upper, p.col_upper);
    app(out.integrality, p.integrality);
    app(out.row_lower, p.row_lower);
    app(out.row_upper, p.row_upper);
    app(out.a_value, p.a_value);
    p = IlpModel();
  }
  return out;
}

}  // namespace

IlpModel build_ilp_alignment(const BatchView& b, const std::vector<int64_t>& sentences, CandidateMode mode,
                             int32_t max_len, const Constraint& c, int threads) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1");
  if (mode == CandidateMode::External && b.cand_offsets == nullptr)
    throw std::invalid_argument("external candidates requested but the batch has none");
  return build_ilp(b, sentences, c, threads, [&](const SentenceView& s, ScoreScratch& sc, std::vector<ScoreEntry>& cols) {
    return alignment_columns(s, mode, max_len, c, sc, cols);
  });
}

IlpModel build_ilp_scored(const BatchView& b, const ScoreView& v, const std::vector<int64_t>& sentences,
                          const Constraint& c, int threads) {
  return build_ilp(b, sentences, c, threads, [&](const SentenceView& s, ScoreScratch&, std::vector<ScoreEntry>& cols) {
    scored_columns(s, v, c, cols);
    return false;
  });
}

ProjectionOutput decode_ilp(const BatchView& b, const IlpModel& m, const double* x, const int8_t* status) {
  ProjectionOutput out;
  const size_t n = m.sentences.size();
  for (size_t k = 0; k < n; ++k) {
    const SentenceView s = b.sentence(m.sentences[k]);
    const int64_t lo = m.col_offsets[k], hi = m.col_offsets[k + 1];
    const auto st = static_cast<Status>(status[k]);
    bool has_solution = true, slack = false;
    for (int64_t j = lo; j < hi; ++j) {
      if (std::isnan(x[j])) has_solution = false;
      else if (m.col_start[static_cast<size_t>(j)] == -1 && x[j] > 0.5) slack = true;
    }
    if (!has_solution || (slack && st != Status::Solved)) {
      out.close_sentence(0.0, static_cast<int8_t>(st == Status::Solved ? Status::TimeLimit : st));
      continue;
    }
    if (slack) {
      out.close_sentence(0.0, static_cast<int8_t>(Status::Infeasible));
      continue;
    }
    std::vector<ScoreEntry> chosen;
    const int32_t fill_floor = m.fill[k];
    for (int64_t j = lo; j < hi; ++j) {
      const size_t u = static_cast<size_t>(j);
      if (m.col_start[u] < 0 || !(x[j] > 0.5)) continue;
      chosen.push_back(ScoreEntry{m.col_score[u], m.col_ent[u], Span{m.col_start[u], m.col_end[u]}});
    }
    if (fill_floor > 0 && !fill_lower_bound(chosen, s.n_ent, s.tgt_len, fill_floor)) {
      out.close_sentence(0.0, static_cast<int8_t>(st == Status::Solved ? Status::Infeasible : st));
      continue;
    }
    double obj = 0.0;
    for (const ScoreEntry& en : chosen) {
      out.push(en.span, s.ent_label[en.ent], en.ent, en.score);
      obj += en.score;
    }
    out.close_sentence(obj, static_cast<int8_t>(st));
  }
  return out;
}

}  // namespace xlner
