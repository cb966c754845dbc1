// Exact projection of a batch: per sentence, its columns and exact_select (exact_dp.cpp), in parallel.
#include <algorithm>
#include <stdexcept>

#include "xlner/exact.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

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

}  // namespace xlner
