#include "xlner/matching.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "xlner/fusion.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

int32_t Constraint::cap() const {
  switch (op) {
    case ConstraintOp::Less: return n - 1;
    case ConstraintOp::LessEq:
    case ConstraintOp::Eq: return n;
    default: return -1;
  }
}

int32_t Constraint::floor() const {
  switch (op) {
    case ConstraintOp::Eq:
    case ConstraintOp::GreaterEq: return n;
    case ConstraintOp::Greater: return n + 1;
    default: return 0;
  }
}

Constraint Constraint::parse(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return std::invalid_argument("constraint '" + text + "' " + why +
                                 " (expected <n, <=n, =n, ==n, >=n or >n with n a decimal count in 0.." +
                                 std::to_string(kMaxCount) + ", no spaces)");
  };
  Constraint c;
  size_t i = 0;
  auto starts = [&](const char* p) { return text.compare(0, std::char_traits<char>::length(p), p) == 0; };
  if (starts("<=")) { c.op = ConstraintOp::LessEq; i = 2; }
  else if (starts(">=")) { c.op = ConstraintOp::GreaterEq; i = 2; }
  else if (starts("==")) { c.op = ConstraintOp::Eq; i = 2; }
  else if (starts("<")) { c.op = ConstraintOp::Less; i = 1; }
  else if (starts(">")) { c.op = ConstraintOp::Greater; i = 1; }
  else if (starts("=")) { c.op = ConstraintOp::Eq; i = 1; }
  else throw bad("does not start with an operator");
  if (i == text.size()) throw bad("has no count n");
  int64_t v = 0;
  for (size_t k = i; k < text.size(); ++k) {
    const char ch = text[k];
    if (ch < '0' || ch > '9') throw bad("has a character other than a digit after the operator");
    v = v * 10 + (ch - '0');
    if (v > kMaxCount) throw bad("has n out of range");
  }
  c.n = static_cast<int32_t>(v);
  if (c.op == ConstraintOp::Less && c.n < 1) throw bad("admits no projection count");
  return c;
}

const char* Constraint::symbol() const {
  switch (op) {
    case ConstraintOp::Less: return "<";
    case ConstraintOp::LessEq: return "<=";
    case ConstraintOp::Eq: return "=";
    case ConstraintOp::GreaterEq: return ">=";
    default: return ">";
  }
}

std::string Constraint::str() const { return symbol() + std::to_string(n); }

Constraint Constraint::relaxed() const {
  Constraint r = *this;
  if (op == ConstraintOp::Eq) r.op = ConstraintOp::LessEq;
  if (op == ConstraintOp::GreaterEq || op == ConstraintOp::Greater) {
    r.op = ConstraintOp::GreaterEq;
    r.n = 0;
  }
  return r;
}

void sort_greedy_order(std::vector<ScoreEntry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const ScoreEntry& a, const ScoreEntry& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.ent != b.ent) return a.ent < b.ent;
    if (a.span.start != b.span.start) return a.span.start < b.span.start;
    return a.span.end < b.span.end;
  });
}

double greedy_select(std::vector<ScoreEntry>& entries, int32_t n_ent, int32_t tgt_len, const Constraint& c,
                     GreedyScratch& sc) {
  sc.chosen.clear();
  const int32_t cap = c.cap();
  if (entries.empty() || cap == 0) return 0.0;
  sort_greedy_order(entries);
  sc.occupied.assign(static_cast<size_t>(tgt_len), 0);
  sc.count.assign(static_cast<size_t>(n_ent), 0);
  double objective = 0.0;
  int32_t open_rows = n_ent;
  for (const ScoreEntry& en : entries) {
    if (!(en.score > 0.0)) break;  // sorted: nothing positive is left
    if (cap >= 0 && sc.count[en.ent] >= cap) continue;
    bool free = true;
    for (int32_t j = en.span.start; j < en.span.end; ++j)
      if (sc.occupied[j]) {
        free = false;
        break;
      }
    if (!free) continue;
    for (int32_t j = en.span.start; j < en.span.end; ++j) sc.occupied[j] = 1;
    sc.chosen.push_back(en);
    objective += en.score;
    if (cap >= 0 && ++sc.count[en.ent] == cap && --open_rows == 0) break;
  }
  std::sort(sc.chosen.begin(), sc.chosen.end(),
            [](const ScoreEntry& a, const ScoreEntry& b) { return a.span < b.span; });
  return objective;
}

namespace {

struct Worker {
  ScoreScratch score;
  GreedyScratch greedy;
  std::vector<ScoreEntry> entries;
};

void emit(const SentenceView& s, const GreedyScratch& g, double objective, ProjectionOutput& out) {
  for (const ScoreEntry& en : g.chosen) out.push(en.span, s.ent_label[en.ent], en.ent, en.score);
  out.close_sentence(objective);
}

template <class PerSentence>
ProjectionOutput run_batch(const BatchView& b, int threads, PerSentence per_sentence) {
  const int64_t chunks = default_chunks(b.n, threads);
  std::vector<ProjectionOutput> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(b.n, threads, chunks, [&](int64_t c, int64_t lo, int64_t hi) {
    Worker w;
    ProjectionOutput& out = parts[static_cast<size_t>(c)];
    out.start.reserve(static_cast<size_t>(hi - lo) * 2);
    for (int64_t i = lo; i < hi; ++i) per_sentence(b.sentence(i), w, out);
  });
  return ProjectionOutput::concat(parts);
}

}  // namespace

ScoreBatch alignment_scores_batch(const BatchView& b, CandidateMode mode, int32_t max_len, int threads) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1");
  if (mode == CandidateMode::External && b.cand_offsets == nullptr)
    throw std::invalid_argument("external candidates requested but the batch has none");
  return collect_scores<ScoreScratch>(b, threads, [&](const SentenceView& s, ScoreScratch& sc,
                                                      std::vector<ScoreEntry>& entries) {
    alignment_scores(s, mode, max_len, sc, entries);
  });
}

ProjectionOutput greedy_alignment_batch(const BatchView& b, CandidateMode mode, int32_t max_len,
                                        const Constraint& c, int threads) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1");
  if (mode == CandidateMode::External && b.cand_offsets == nullptr)
    throw std::invalid_argument("external candidates requested but the batch has none");
  const CandidateMode used = mode == CandidateMode::Ngrams ? CandidateMode::AlignedRanges : mode;
  return run_batch(b, threads, [&](const SentenceView& s, Worker& w, ProjectionOutput& out) {
    w.entries.clear();
    alignment_scores(s, used, max_len, w.score, w.entries);
    const double obj = greedy_select(w.entries, s.n_ent, s.tgt_len, c, w.greedy);
    emit(s, w.greedy, obj, out);
  });
}

ProjectionOutput greedy_scored_batch(const BatchView& b, const ScoreView& v, const Constraint& c, int threads) {
  return run_batch(b, threads, [&](const SentenceView& s, Worker& w, ProjectionOutput& out) {
    w.entries.clear();
    for (int64_t k = v.offsets[s.index]; k < v.offsets[s.index + 1]; ++k)
      w.entries.push_back(ScoreEntry{v.score[k], v.ent[k], Span{v.start[k], v.end[k]}});
    const double obj = greedy_select(w.entries, s.n_ent, s.tgt_len, c, w.greedy);
    emit(s, w.greedy, obj, out);
  });
}

}  // namespace xlner
