// The exact dynamic program (see exact.hpp, "Dynamic program"): exact_select decides what the sentence
// needs (certificate, tracked entities, free fill), then runs interval scheduling or the count-state DP.
#include <algorithm>
#include <limits>
#include <stdexcept>

#include "exact_internal.hpp"
#include "xlner/exact.hpp"

namespace xlner {

using namespace exact_detail;

namespace {

/// What exact_select decided for the count-state DP.
struct DpSetup {
  int32_t n_ent = 0, cap = 0, floor = 0;
  int32_t dp_floor = 0;      ///< lower bound checked by the DP when a window closes
  bool free_fill = false;    ///< the g digit (uncovered words − shortfall) is part of the state
  int32_t base_deficit = 0;  ///< free fill: words owed by entities without columns
};

/// No count matters: weighted interval scheduling over `cols` (sorted by end), with the same transition
/// order as the count-state DP. The chosen columns, in span order, are left in `sc.chosen`.
void interval_schedule(const std::vector<ScoreEntry>& cols, int64_t T, ExactScratch& sc) {
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
}

/// Stage layouts of the count-state DP: per stage j, the stride of each of the K tracked entities
/// (0 = not live at j) and of the g digit (G values), the stage size and its first cell. False when a
/// stage exceeds opt.max_states states or the table opt.max_cells cells.
bool plan_stages(int64_t T, size_t K, int64_t G, const ExactOptions& opt, ExactScratch& sc) {
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
        if (st > opt.max_states) return false;
      }
    strides[K] = st;  // g digit
    st *= G;
    if (st > opt.max_states) return false;
    sc.stage_size[static_cast<size_t>(j)] = st;
    sc.stage_base[static_cast<size_t>(j) + 1] = sc.stage_base[static_cast<size_t>(j)] + st;
    if (sc.stage_base[static_cast<size_t>(j) + 1] > opt.max_cells) return false;
  }
  return true;
}

/// The count-state DP over `cols` (sorted by end) and the tracked entities of `sc` (tracked, radix,
/// windows lo/hi, ent_slot). Solved with the chosen columns, in span order, in `sc.chosen`; or Infeasible,
/// or TooLarge above the size limits.
Status count_dp(const std::vector<ScoreEntry>& cols, int64_t T, const DpSetup& d, const ExactOptions& opt,
                ExactScratch& sc) {
  const size_t K = sc.tracked.size();
  const int32_t n_ent = d.n_ent, cap = d.cap, floor = d.floor, dp_floor = d.dp_floor;
  const bool free_fill = d.free_fill;
  const int32_t base_deficit = d.base_deficit;
  // stage layouts: stride of live entity k at stage j (0 = not live), then the g digit on top
  const int64_t D = free_fill ? static_cast<int64_t>(n_ent) * floor : 0;
  const int64_t G = free_fill ? 2 * D + 1 : 1;
  if (!plan_stages(T, K, G, opt, sc)) return Status::TooLarge;
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
  return Status::Solved;
}

}  // namespace

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
  const Status st = K == 0 && !free_fill
                        ? (interval_schedule(cols, T, sc), Status::Solved)
                        : count_dp(cols, T, DpSetup{n_ent, cap, floor, dp_floor, free_fill, base_deficit}, opt, sc);
  if (st != Status::Solved) return st;
  if (fill_floor > 0 && !fill_lower_bound(sc.chosen, n_ent, tgt_len, fill_floor))
    throw std::logic_error("exact_select: free fill ran out of words (internal error)");
  objective = span_order_sum(sc.chosen);
  return Status::Solved;
}

}  // namespace xlner
