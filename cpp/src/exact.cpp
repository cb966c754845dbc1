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

}  // namespace

Constraint relaxed(const Constraint& c) {
  Constraint r = c;
  if (c.op == ConstraintOp::Eq) r.op = ConstraintOp::LessEq;
  if (c.op == ConstraintOp::GreaterEq || c.op == ConstraintOp::Greater) {
    r.op = ConstraintOp::GreaterEq;
    r.n = 0;
  }
  return r;
}

void alignment_columns(const SentenceView& s, CandidateMode mode, int32_t max_len, const Constraint& c,
                       ScoreScratch& sc, std::vector<ScoreEntry>& out) {
  if (c.cap() == 0 || s.n_ent == 0) return;
  const bool lower = c.floor() > 0;
  const size_t base = out.size();
  if (mode == CandidateMode::External) {
    alignment_scores(s, CandidateMode::External, max_len, sc, out);
    if (!lower) return;
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
    return;
  }
  alignment_scores(s, CandidateMode::AlignedRanges, max_len, sc, out);
  if (!lower) return;
  // zero-score unigrams where the entity has no positive unigram
  const size_t end_pos = out.size();
  std::vector<uint8_t> has(static_cast<size_t>(s.tgt_len));
  size_t p = base;
  for (int32_t e = 0; e < s.n_ent; ++e) {
    std::fill(has.begin(), has.end(), 0);
    for (; p < end_pos && out[p].ent == e; ++p)
      if (out[p].span.length() == 1) has[static_cast<size_t>(out[p].span.start)] = 1;
    for (int32_t j = 0; j < s.tgt_len; ++j)
      if (!has[static_cast<size_t>(j)]) out.push_back(ScoreEntry{0.0, e, Span{j, j + 1}});
  }
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

Status exact_select(std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t tgt_len, const Constraint& c,
                    const ExactOptions& opt, ExactScratch& sc, double& objective) {
  sc.chosen.clear();
  objective = 0.0;
  const int32_t cap = c.cap(), floor = c.floor();
  if (n_ent == 0 || cap == 0) return Status::Solved;  // cap 0 implies floor 0
  if (floor == 0) drop_non_positive(cols);
  for (const ScoreEntry& col : cols)
    if (col.ent < 0 || col.ent >= n_ent || col.span.start < 0 || col.span.end > tgt_len ||
        col.span.end <= col.span.start)
      throw std::out_of_range("exact_select: column outside the sentence");
  std::sort(cols.begin(), cols.end(), by_end);
  max_disjoint(cols, n_ent, sc.ent_slot, sc.tmp);  // ent_slot temporarily holds m_e
  sc.tracked.clear();
  sc.radix.clear();
  sc.stride.clear();
  int64_t states = 1;
  for (int32_t e = 0; e < n_ent; ++e) {
    const int32_t m_e = sc.ent_slot[static_cast<size_t>(e)];
    if (floor > 0 && m_e < floor) return Status::Infeasible;
    if (!count_matters(c, m_e)) continue;
    const int32_t r = (cap >= 0 ? std::min(cap, m_e) : floor) + 1;
    sc.tracked.push_back(e);
    sc.radix.push_back(r);
    sc.stride.push_back(states);
    states *= r;
    if (states > opt.max_states) return Status::TooLarge;
  }
  const int64_t T = tgt_len;
  if ((T + 1) * states > opt.max_cells) return Status::TooLarge;
  std::fill(sc.ent_slot.begin(), sc.ent_slot.end(), -1);
  for (size_t i = 0; i < sc.tracked.size(); ++i) sc.ent_slot[static_cast<size_t>(sc.tracked[i])] = static_cast<int32_t>(i);

  const size_t S = static_cast<size_t>(states);
  sc.value.assign(static_cast<size_t>(T + 1) * S, kNegInf);
  sc.choice.assign(static_cast<size_t>(T + 1) * S, -1);
  sc.value[0] = 0.0;
  const bool saturating = cap < 0;
  size_t k = 0;
  for (int64_t j = 1; j <= T; ++j) {
    double* row = &sc.value[static_cast<size_t>(j) * S];
    int32_t* crow = &sc.choice[static_cast<size_t>(j) * S];
    std::copy(row - S, row, row);  // leave word j-1 unprojected
    for (; k < cols.size() && cols[k].span.end == j; ++k) {
      const ScoreEntry& col = cols[k];
      const double* from = &sc.value[static_cast<size_t>(col.span.start) * S];
      const int32_t slot = sc.ent_slot[static_cast<size_t>(col.ent)];
      const int32_t code = static_cast<int32_t>(2 * k);
      if (slot < 0) {
        for (size_t s = 0; s < S; ++s) {
          if (from[s] == kNegInf) continue;
          const double v = from[s] + col.score;
          if (v > row[s]) {
            row[s] = v;
            crow[s] = code;
          }
        }
      } else {
        const size_t st = static_cast<size_t>(sc.stride[static_cast<size_t>(slot)]);
        const size_t r = static_cast<size_t>(sc.radix[static_cast<size_t>(slot)]);
        for (size_t s = 0; s < S; ++s) {
          if (from[s] == kNegInf) continue;
          const size_t d = (s / st) % r;
          size_t t;
          int32_t sat = 0;
          if (d + 1 < r) t = s + st;
          else if (saturating) { t = s; sat = 1; }
          else continue;
          const double v = from[s] + col.score;
          if (v > row[t]) {
            row[t] = v;
            crow[t] = code + sat;
          }
        }
      }
    }
  }
  // best final state meeting every lower bound; ties: smallest code
  const double* last = &sc.value[static_cast<size_t>(T) * S];
  size_t best = S;
  for (size_t s = 0; s < S; ++s) {
    if (last[s] == kNegInf) continue;
    if (floor > 0) {
      bool ok = true;
      for (size_t i = 0; i < sc.tracked.size() && ok; ++i)
        ok = static_cast<int32_t>((s / static_cast<size_t>(sc.stride[i])) % static_cast<size_t>(sc.radix[i])) >= floor;
      if (!ok) continue;
    }
    if (best == S || last[s] > last[best]) best = s;
  }
  if (best == S) return Status::Infeasible;
  size_t s = best;
  int64_t j = T;
  while (j > 0) {
    const int32_t ch = sc.choice[static_cast<size_t>(j) * S + s];
    if (ch < 0) {
      --j;
      continue;
    }
    const ScoreEntry& col = cols[static_cast<size_t>(ch >> 1)];
    sc.chosen.push_back(col);
    const int32_t slot = sc.ent_slot[static_cast<size_t>(col.ent)];
    if (slot >= 0 && (ch & 1) == 0) s -= static_cast<size_t>(sc.stride[static_cast<size_t>(slot)]);
    j = col.span.start;
  }
  std::reverse(sc.chosen.begin(), sc.chosen.end());
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
      columns(s, c, w);
      double obj = 0.0;
      Status st = exact_select(w.cols, s.n_ent, s.tgt_len, c, opt, w.exact, obj);
      if (st == Status::Infeasible && opt.relax) {
        w.cols.clear();
        columns(s, rc, w);
        st = exact_select(w.cols, s.n_ent, s.tgt_len, rc, opt, w.exact, obj);
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
    alignment_columns(s, mode, max_len, cc, w.score, w.cols);
  });
}

ProjectionOutput exact_scored_batch(const BatchView& b, const ScoreView& v, const Constraint& c,
                                    const ExactOptions& opt, int threads) {
  return exact_batch(b, c, opt, threads, [&](const SentenceView& s, const Constraint& cc, ExactWorker& w) {
    scored_columns(s, v, cc, w.cols);
  });
}

// ---------------------------------------------------------------------------------------------- ILP

namespace {

/// Append the block of one sentence to `m` (row indices local to the part, shifted at concatenation).
void add_block(IlpModel& m, std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t tgt_len, const Constraint& c,
               std::vector<int32_t>& m_e, std::vector<int32_t>& tmp) {
  const int32_t cap = c.cap(), floor = c.floor();
  if (floor == 0) drop_non_positive(cols);
  if (cap == 0 || n_ent == 0) cols.clear();
  std::sort(cols.begin(), cols.end(), by_end);
  max_disjoint(cols, n_ent, m_e, tmp);
  std::sort(cols.begin(), cols.end(), by_start);
  const int32_t row0 = static_cast<int32_t>(m.row_lower.size());
  // entity rows
  std::vector<int32_t> ent_row(static_cast<size_t>(n_ent), -1);
  if (!cols.empty() || floor > 0) {
    for (int32_t e = 0; e < n_ent; ++e) {
      if (!count_matters(c, m_e[static_cast<size_t>(e)])) continue;
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
    m.a_start.push_back(static_cast<int32_t>(m.a_index.size()));
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
  (void)row0;
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
      columns(s, sc, cols);
      add_block(m, cols, s.n_ent, s.tgt_len, c, m_e, tmp);
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
    alignment_columns(s, mode, max_len, c, sc, cols);
  });
}

IlpModel build_ilp_scored(const BatchView& b, const ScoreView& v, const std::vector<int64_t>& sentences,
                          const Constraint& c, int threads) {
  return build_ilp(b, sentences, c, threads, [&](const SentenceView& s, ScoreScratch&, std::vector<ScoreEntry>& cols) {
    scored_columns(s, v, c, cols);
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
      else if (m.col_start[static_cast<size_t>(j)] < 0 && x[j] > 0.5) slack = true;
    }
    if (!has_solution || (slack && st != Status::Solved)) {
      out.close_sentence(0.0, static_cast<int8_t>(st == Status::Solved ? Status::TimeLimit : st));
      continue;
    }
    if (slack) {
      out.close_sentence(0.0, static_cast<int8_t>(Status::Infeasible));
      continue;
    }
    double obj = 0.0;
    for (int64_t j = lo; j < hi; ++j) {
      const size_t u = static_cast<size_t>(j);
      if (m.col_start[u] < 0 || !(x[j] > 0.5)) continue;
      const int32_t e = m.col_ent[u];
      out.push(Span{m.col_start[u], m.col_end[u]}, s.ent_label[e], e, m.col_score[u]);
      obj += m.col_score[u];
    }
    out.close_sentence(obj, static_cast<int8_t>(st));
  }
  return out;
}

}  // namespace xlner
