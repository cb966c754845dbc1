// Exact projection: the dynamic program (batch form) and the ILP model builder / decoder for HiGHS.
#include "common.hpp"
#include "xlner/exact.hpp"

namespace xlner_py {

namespace {

std::vector<int64_t> sentence_list(const PyBatch& b, const std::optional<IntArray>& sentences_arg) {
  std::vector<int64_t> out;
  if (!sentences_arg) {
    out.resize(static_cast<size_t>(b.view.n));
    for (int64_t i = 0; i < b.view.n; ++i) out[static_cast<size_t>(i)] = i;
    return out;
  }
  const auto sentences = sentences_arg->get<int64_t>("sentences");
  check_1d(sentences, -1, "sentences");
  out.assign(sentences.data(), sentences.data() + sentences.shape(0));
  return out;
}

xlner::ExactOptions exact_options(int64_t max_states, int64_t max_cells, bool relax, bool certificate) {
  if (max_states < 1) throw std::invalid_argument("max_states must be >= 1");
  if (max_cells < 1) throw std::invalid_argument("max_cells must be >= 1");
  xlner::ExactOptions o;
  o.max_states = max_states;
  o.max_cells = max_cells;
  o.relax = relax;
  o.certificate = certificate;
  return o;
}

}  // namespace

void register_exact(py::module_& m) {
  using Model = xlner::IlpModel;
  py::class_<Model, std::shared_ptr<Model>> model(m, "IlpModel", R"doc(
ILP of a list of sentences as independent blocks, column-wise (CSC), to be maximised (built by
ilp_model_alignment / ilp_model_scored). Arrays are read-only views that keep the model alive.

Per model sentence k: columns col_offsets[k]:col_offsets[k+1], rows row_offsets[k]:row_offsets[k+1].
Columns: binary x[e,t] (cost = score) and, under a lower bound, one continuous slack per entity
(col_start = col_end = -1, cost = -penalty). HiGHS arrays: cost, col_upper (lower bounds are 0),
integrality, row_lower, row_upper, a_start, a_index, a_value.
)doc");
#define XLNER_MODEL_ARRAY(name)                                                                                    \
  model.def_property_readonly(#name, [](py::object self) { return readonly_view(self.cast<const Model&>().name, self); })
  XLNER_MODEL_ARRAY(sentences);
  XLNER_MODEL_ARRAY(fill);
  XLNER_MODEL_ARRAY(col_offsets);
  XLNER_MODEL_ARRAY(row_offsets);
  XLNER_MODEL_ARRAY(col_ent);
  XLNER_MODEL_ARRAY(col_start);
  XLNER_MODEL_ARRAY(col_end);
  XLNER_MODEL_ARRAY(col_score);
  XLNER_MODEL_ARRAY(cost);
  XLNER_MODEL_ARRAY(col_upper);
  XLNER_MODEL_ARRAY(integrality);
  XLNER_MODEL_ARRAY(row_lower);
  XLNER_MODEL_ARRAY(row_upper);
  XLNER_MODEL_ARRAY(a_start);
  XLNER_MODEL_ARRAY(a_index);
  XLNER_MODEL_ARRAY(a_value);
#undef XLNER_MODEL_ARRAY
  model.def_property_readonly("n_cols", &Model::n_cols);
  model.def_property_readonly("n_rows", &Model::n_rows);

  m.def(
      "exact_alignment",
      [](const PyBatch& b, const ConstraintArg& constraint, const std::string& candidates, int32_t max_len,
         int threads, int64_t max_states, int64_t max_cells, bool relax, bool certificate) {
        const auto c = constraint.get();
        const auto mode = xlner::parse_candidate_mode(candidates);
        const auto opt = exact_options(max_states, max_cells, relax, certificate);
        xlner::ProjectionOutput out;
        {
          py::gil_scoped_release release;
          out = xlner::exact_alignment_batch(b.view, mode, max_len, c, opt, threads);
        }
        return output_to_dict(std::move(out));
      },
      py::arg("batch"), py::kw_only(), py::arg("constraint") = "<=1", py::arg("candidates") = "ngrams",
      py::arg("max_len") = 10, py::arg("threads") = -1, py::arg("max_states") = int64_t{1} << 16,
      py::arg("max_cells") = int64_t{1} << 21, py::arg("relax") = false, py::arg("certificate") = true, R"doc(
Exact projection with the alignment score by dynamic programming (see exact.hpp).

Arguments:
    batch: a validated Batch.
    constraint: per-entity count, e.g. '<=1', '<2', '=1', '>=1', '>0'.
    candidates: 'ngrams' (all n-grams up to max_len; solved over the aligned ranges, which is exact)
        or 'external'.
    max_len: longest n-gram candidate M.
    threads: worker threads, -1 = all cores.
    max_states, max_cells: size limits of the dynamic program; larger sentences not settled by the
        certificate get status 4 (too large, nothing projected).
    relax: solve infeasible sentences without the lower bound (status 3) instead of leaving them (status 1).
    certificate: first run greedy and return its assignment when it provably is optimal (its per-entity
        scores are the largest of each row); False always runs the dynamic program (same optimum;
        tied optima may differ). For checks and benchmarks.
Returns:
    dict of arrays: offsets, start, end, label, entity, score, objective, status.
Example:
    >>> d = exact_alignment(batch, constraint='=1')
)doc");

  m.def(
      "exact_scored",
      [](const PyBatch& b, const IntArray& offsets, const IntArray& ent, const IntArray& start,
         const IntArray& end, const carray<double>& score, const ConstraintArg& constraint, int threads,
         int64_t max_states, int64_t max_cells, bool relax, bool certificate) {
        const ScoreArrays sa = score_view(b, offsets, ent, start, end, score);
        const xlner::ScoreView& v = sa.view;
        const auto c = constraint.get();
        const auto opt = exact_options(max_states, max_cells, relax, certificate);
        xlner::ProjectionOutput out;
        {
          py::gil_scoped_release release;
          xlner::validate_scores(b.view, v);
          out = xlner::exact_scored_batch(b.view, v, c, opt, threads);
        }
        return output_to_dict(std::move(out));
      },
      py::arg("batch"), py::arg("offsets"), py::arg("ent"), py::arg("start"), py::arg("end"), py::arg("score"),
      py::kw_only(), py::arg("constraint") = "<=1", py::arg("threads") = -1,
      py::arg("max_states") = int64_t{1} << 16, py::arg("max_cells") = int64_t{1} << 21,
      py::arg("relax") = false, py::arg("certificate") = true, R"doc(
Exact projection from given sparse score matrices (CSR over sentences: offsets[N+1], ent, start, end,
score). Without a lower bound only positive entries matter; with one, every entity may take any span
listed in its sentence at score 0 (listed non-positive entries keep their score).
Returns the same dict as exact_alignment.
)doc");

  m.def(
      "ilp_model_alignment",
      [](const PyBatch& b, const std::optional<IntArray>& sentences, const ConstraintArg& constraint,
         const std::string& candidates, int32_t max_len, int threads) {
        const auto c = constraint.get();
        const auto mode = xlner::parse_candidate_mode(candidates);
        auto idx = sentence_list(b, sentences);
        auto out = std::make_shared<Model>();
        {
          py::gil_scoped_release release;
          *out = xlner::build_ilp_alignment(b.view, idx, mode, max_len, c, threads);
        }
        return out;
      },
      py::arg("batch"), py::arg("sentences") = py::none(), py::kw_only(), py::arg("constraint") = "<=1",
      py::arg("candidates") = "ngrams", py::arg("max_len") = 10, py::arg("threads") = -1, R"doc(
Build the ILP (alignment score) of the given sentences (int64 indices; None = all) as one IlpModel.
)doc");

  m.def(
      "ilp_model_scored",
      [](const PyBatch& b, const IntArray& offsets, const IntArray& ent, const IntArray& start,
         const IntArray& end, const carray<double>& score, const std::optional<IntArray>& sentences,
         const ConstraintArg& constraint, int threads) {
        const ScoreArrays sa = score_view(b, offsets, ent, start, end, score);
        const xlner::ScoreView& v = sa.view;
        const auto c = constraint.get();
        auto idx = sentence_list(b, sentences);
        auto out = std::make_shared<Model>();
        {
          py::gil_scoped_release release;
          xlner::validate_scores(b.view, v);
          *out = xlner::build_ilp_scored(b.view, v, idx, c, threads);
        }
        return out;
      },
      py::arg("batch"), py::arg("offsets"), py::arg("ent"), py::arg("start"), py::arg("end"), py::arg("score"),
      py::arg("sentences") = py::none(), py::kw_only(), py::arg("constraint") = "<=1", py::arg("threads") = -1,
      R"doc(
Build the ILP of the given sentences from sparse score matrices as one IlpModel.
)doc");

  m.def(
      "ilp_decode",
      [](const PyBatch& b, const Model& model, const carray<double>& x, const IntArray& status_arg) {
        const auto status = status_arg.get<int8_t>("status");
        check_1d(x, model.n_cols(), "x");
        check_1d(status, static_cast<py::ssize_t>(model.sentences.size()), "status");
        for (int64_t s : model.sentences)
          if (s < 0 || s >= b.view.n) throw std::out_of_range("field sentences: model does not belong to this batch");
        xlner::ProjectionOutput out;
        {
          py::gil_scoped_release release;
          out = xlner::decode_ilp(b.view, model, x.data(), status.data());
        }
        return output_to_dict(std::move(out));
      },
      py::arg("batch"), py::arg("model"), py::arg("x"), py::arg("status"), R"doc(
Turn column values x (NaN where a block has no solution) and per-sentence solver status (0 optimal,
2 time limit) into projection arrays over model.sentences: x > 0.5 is chosen; positive slack marks the
sentence infeasible (status 1, nothing projected).
)doc");
}

}  // namespace xlner_py
