// The ILP of a list of sentences for HiGHS (column-wise blocks, see ilp_model.hpp) and its decoder.
#include "xlner/ilp_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "exact_internal.hpp"
#include "xlner/exact.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

using namespace exact_detail;

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
    append_offsets(out.col_offsets, p.col_offsets, cb);
    append_offsets(out.row_offsets, p.row_offsets, rb);
    append_offsets(out.a_start, p.a_start, nb);
    for (int32_t r : p.a_index) out.a_index.push_back(static_cast<int32_t>(rb) + r);
    append(out.fill, p.fill);
    append(out.col_ent, p.col_ent);
    append(out.col_start, p.col_start);
    append(out.col_end, p.col_end);
    append(out.col_score, p.col_score);
    append(out.cost, p.cost);
    append(out.col_upper, p.col_upper);
    append(out.integrality, p.integrality);
    append(out.row_lower, p.row_lower);
    append(out.row_upper, p.row_upper);
    append(out.a_value, p.a_value);
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
      const size_t u = static_cast<size_t>(j);
      if (m.col_ent[u] < 0 || m.col_ent[u] >= s.n_ent || m.col_end[u] > s.tgt_len)
        throw std::out_of_range(where(s.index, "model") + "column " + std::to_string(j) +
                                " does not fit the sentence: the model belongs to another batch");
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
