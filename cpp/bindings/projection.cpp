#include "common.hpp"
#include "xlner/exact.hpp"
#include "xlner/matching.hpp"

namespace xlner_py {

xlner::Constraint ConstraintArg::get() const {
  if (py::isinstance<xlner::Constraint>(obj)) return obj.cast<xlner::Constraint>();
  if (py::isinstance<py::str>(obj)) return xlner::Constraint::parse(obj.cast<std::string>());
  throw py::type_error("field constraint: expected a str such as '<=1' or a Constraint, got " +
                       std::string(py::str(obj.get_type().attr("__name__"))));
}

void register_projection(py::module_& m) {
  py::enum_<xlner::ConstraintOp>(m, "ConstraintOp", "Comparison of the per-entity projection count with n.")
      .value("LESS", xlner::ConstraintOp::Less)
      .value("LESS_EQUAL", xlner::ConstraintOp::LessEq)
      .value("EQUAL", xlner::ConstraintOp::Eq)
      .value("GREATER_EQUAL", xlner::ConstraintOp::GreaterEq)
      .value("GREATER", xlner::ConstraintOp::Greater);

  py::enum_<xlner::Status>(m, "Status", "Per-sentence status of a projection (ProjectionResult.status).")
      .value("SOLVED", xlner::Status::Solved, "optimal (or, for greedy and the heuristic, done)")
      .value("INFEASIBLE", xlner::Status::Infeasible, "the constraint admits no assignment; nothing projected")
      .value("TIME_LIMIT", xlner::Status::TimeLimit, "stopped by the time limit (best assignment found, possibly none)")
      .value("RELAXED", xlner::Status::Relaxed, "infeasible as asked; solved optimally without the lower bound")
      .value("TOO_LARGE", xlner::Status::TooLarge, "above the dynamic program's size limit (internal: handed to HiGHS)");

  py::class_<xlner::Constraint>(m, "Constraint", R"doc(
Per-entity projection count constraint, parsed by the one strict parser of the project.

Grammar (nothing else, no spaces or signs): '<n', '<=n', '=n', '==n' (same as '=n'), '>=n', '>n' with n
decimal digits, 0 <= n <= Constraint.MAX_COUNT (a million), n >= 1 for '<'. ValueError otherwise.
Every function that takes a constraint accepts this object or its text.
)doc")
      .def(py::init(&xlner::Constraint::parse), py::arg("text"))
      .def_readonly_static("MAX_COUNT", &xlner::Constraint::kMaxCount)
      .def_readonly("op", &xlner::Constraint::op, "The comparison.")
      .def_readonly("n", &xlner::Constraint::n, "The count it compares with.")
      .def_property_readonly("symbol", [](const xlner::Constraint& c) { return std::string(c.symbol()); },
                             "The operator as text: '<', '<=', '=', '>=' or '>'.")
      .def_property_readonly("cap", &xlner::Constraint::cap, "Largest admissible count, -1 when unbounded.")
      .def_property_readonly("floor", &xlner::Constraint::floor, "Smallest admissible count.")
      .def("relaxed", &xlner::Constraint::relaxed,
           "The constraint without its lower bound: '=n' -> '<=n', '>=n' and '>n' -> '>=0'; others unchanged.")
      .def("__str__", &xlner::Constraint::str)
      .def("__repr__", [](const xlner::Constraint& c) { return "Constraint('" + c.str() + "')"; })
      .def("__eq__", [](const xlner::Constraint& a, const xlner::Constraint& b) { return a == b; })
      .def("__hash__", [](const xlner::Constraint& c) { return py::hash(py::make_tuple(static_cast<int>(c.op), c.n)); });

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
      [](const PyBatch& b, const ConstraintArg& constraint, const std::string& candidates, int32_t max_len,
         int threads) {
        const auto c = constraint.get();
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
    constraint: per-entity count, e.g. '<=1', '<2', '=1', '>=1' (or a Constraint).
    candidates: 'ngrams' or 'external' ('aligned' gives the same result as 'ngrams').
    max_len: longest n-gram candidate M.
    threads: worker threads, -1 = all cores.
Returns:
    dict of arrays: offsets, start, end, label, entity, score, objective, status.
)doc");

  m.def(
      "greedy_scored",
      [](const PyBatch& b, const IntArray& offsets, const IntArray& ent, const IntArray& start, const IntArray& end,
         const carray<double>& score, const ConstraintArg& constraint, int threads) {
        const ScoreArrays v = score_view(b, offsets, ent, start, end, score);
        const auto c = constraint.get();
        xlner::ProjectionOutput out;
        {
          py::gil_scoped_release release;
          xlner::validate_scores(b.view, v.view);
          out = xlner::greedy_scored_batch(b.view, v.view, c, threads);
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
