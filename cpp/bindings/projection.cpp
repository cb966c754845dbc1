#include "common.hpp"
#include "xlner/matching.hpp"

namespace xlner_py {

namespace {


}  // namespace

void register_projection(py::module_& m) {
  m.def(
      "parse_constraint",
      [](const std::string& text) {
        auto c = xlner::Constraint::parse(text);
        return py::make_tuple(static_cast<int>(c.op), c.n, c.cap(), c.floor());
      },
      py::arg("text"),
      "Parse a count constraint such as '<=1' into (op id, n, cap (-1 = none), floor).");

  m.def(
      "alignment_scores",
      [](const PyBatch& b, const std::string& candidates, int32_t max_len, int threads) {
        const auto mode = xlner::parse_candidate_mode(candidates);
        xlner::ScoreBatch out;
        {
          py::gil_scoped_release release;
          out = xlner::alignment_scores_batch(b.view, mode, max_len, threads);
        }
        return score_batch_to_dict(std::move(out));
      },
      py::arg("batch"), py::kw_only(), py::arg("candidates") = "ngrams", py::arg("max_len") = 10,
      py::arg("threads") = -1, R"doc(
Alignment scores 2·links/(|e|+|t|) of every (entity, candidate) pair with a positive score.

Arguments:
    batch: a validated Batch.
    candidates: 'ngrams' (all n-grams up to max_len), 'aligned' (aligned ranges per entity) or 'external'.
    max_len: longest candidate.
    threads: worker threads, -1 = all cores.
Returns:
    dict of arrays: offsets[N+1], ent, start, end, score (CSR over sentences).
)doc");

  m.def(
      "greedy_alignment",
      [](const PyBatch& b, const std::string& constraint, const std::string& candidates, int32_t max_len,
         int threads) {
        const auto c = xlner::Constraint::parse(constraint);
        const auto mode = xlner::parse_candidate_mode(candidates);
        xlner::ProjectionOutput out;
        {
          py::gil_scoped_release release;
          out = xlner::greedy_alignment_batch(b.view, mode, max_len, c, threads);
        }
        return output_to_dict(std::move(out));
      },
      py::arg("batch"), py::kw_only(), py::arg("constraint") = "<=1", py::arg("candidates") = "ngrams",
      py::arg("max_len") = 10, py::arg("threads") = -1, R"doc(
Greedy projection with the alignment score.

Ties: highest score, then lowest entity index, then candidate order (start, then end ascending).

Arguments:
    batch: a validated Batch.
    constraint: per-entity count, e.g. '<=1', '<2', '=1', '>=1'.
    candidates: 'ngrams' or 'external' ('aligned' gives the same result as 'ngrams').
    max_len: longest n-gram candidate M.
    threads: worker threads, -1 = all cores.
Returns:
    dict of arrays: offsets, start, end, label, entity, score, objective, status.
)doc");

  m.def(
      "greedy_scored",
      [](const PyBatch& b, const carray<int64_t>& offsets, const carray<int32_t>& ent, const carray<int32_t>& start,
         const carray<int32_t>& end, const carray<double>& score, const std::string& constraint, int threads) {
        const xlner::ScoreView v = score_view(b, offsets, ent, start, end, score);
        const auto c = xlner::Constraint::parse(constraint);
        xlner::ProjectionOutput out;
        {
          py::gil_scoped_release release;
          xlner::validate_scores(b.view, v);
          out = xlner::greedy_scored_batch(b.view, v, c, threads);
        }
        return output_to_dict(std::move(out));
      },
      py::arg("batch"), py::arg("offsets"), py::arg("ent"), py::arg("start"), py::arg("end"), py::arg("score"),
      py::kw_only(), py::arg("constraint") = "<=1", py::arg("threads") = -1, R"doc(
Greedy projection from given sparse score matrices (CSR over sentences: offsets[N+1], ent, start, end, score).
Entries with score <= 0 are never chosen.
)doc");
}

}  // namespace xlner_py
