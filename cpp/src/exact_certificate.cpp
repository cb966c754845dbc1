// Greedy's optimality certificate (see exact.hpp, "Optimality certificate").
#include <algorithm>
#include <limits>

#include "exact_internal.hpp"
#include "xlner/exact.hpp"

namespace xlner {
namespace exact_detail {

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

}  // namespace exact_detail
}  // namespace xlner
