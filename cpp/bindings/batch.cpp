#include "common.hpp"

namespace xlner_py {

PyBatch::PyBatch(carray<int32_t> src_len_, carray<int32_t> tgt_len_, carray<int64_t> ent_offsets_,
                 carray<int32_t> ent_start_, carray<int32_t> ent_end_, carray<int32_t> ent_label_,
                 carray<int64_t> aln_offsets_, carray<int32_t> aln_src_, carray<int32_t> aln_tgt_,
                 std::optional<carray<int64_t>> cand_offsets_, std::optional<carray<int32_t>> cand_start_,
                 std::optional<carray<int32_t>> cand_end_)
    : src_len(std::move(src_len_)),
      tgt_len(std::move(tgt_len_)),
      ent_offsets(std::move(ent_offsets_)),
      ent_start(std::move(ent_start_)),
      ent_end(std::move(ent_end_)),
      ent_label(std::move(ent_label_)),
      aln_offsets(std::move(aln_offsets_)),
      aln_src(std::move(aln_src_)),
      aln_tgt(std::move(aln_tgt_)),
      cand_offsets(std::move(cand_offsets_)),
      cand_start(std::move(cand_start_)),
      cand_end(std::move(cand_end_)) {
  check_1d(src_len, -1, "src_len");
  const py::ssize_t n = src_len.shape(0);
  check_1d(tgt_len, n, "tgt_len");
  check_1d(ent_offsets, n + 1, "ent_offsets");
  check_1d(ent_start, -1, "ent_start");
  check_1d(ent_end, ent_start.shape(0), "ent_end");
  check_1d(ent_label, ent_start.shape(0), "ent_label");
  check_1d(aln_offsets, n + 1, "aln_offsets");
  check_1d(aln_src, -1, "aln_src");
  check_1d(aln_tgt, aln_src.shape(0), "aln_tgt");
  const bool any_cand = cand_offsets || cand_start || cand_end;
  if (any_cand && !(cand_offsets && cand_start && cand_end))
    throw std::invalid_argument("fields cand_offsets, cand_start, cand_end must be given together");
  view.n = n;
  view.src_len = src_len.data();
  view.tgt_len = tgt_len.data();
  view.ent_offsets = ent_offsets.data();
  view.ent_start = ent_start.data();
  view.ent_end = ent_end.data();
  view.ent_label = ent_label.data();
  view.aln_offsets = aln_offsets.data();
  view.aln_src = aln_src.data();
  view.aln_tgt = aln_tgt.data();
  int64_t n_cand = 0;
  if (any_cand) {
    check_1d(*cand_offsets, n + 1, "cand_offsets");
    check_1d(*cand_start, -1, "cand_start");
    check_1d(*cand_end, cand_start->shape(0), "cand_end");
    view.cand_offsets = cand_offsets->data();
    view.cand_start = cand_start->data();
    view.cand_end = cand_end->data();
    n_cand = cand_start->shape(0);
  }
  const int64_t n_ent = ent_start.shape(0), n_aln = aln_src.shape(0);
  {
    py::gil_scoped_release release;
    xlner::validate(view, n_ent, n_aln, n_cand);
  }
}

xlner::ScoreView score_view(const PyBatch& b, const carray<int64_t>& offsets, const carray<int32_t>& ent,
                            const carray<int32_t>& start, const carray<int32_t>& end, const carray<double>& score) {
  check_1d(offsets, b.view.n + 1, "score_offsets");
  check_1d(ent, -1, "score_ent");
  check_1d(start, ent.shape(0), "score_start");
  check_1d(end, ent.shape(0), "score_end");
  check_1d(score, ent.shape(0), "score");
  xlner::ScoreView v;
  v.offsets = offsets.data();
  v.ent = ent.data();
  v.start = start.data();
  v.end = end.data();
  v.score = score.data();
  v.total = ent.shape(0);
  return v;
}

py::dict score_batch_to_dict(xlner::ScoreBatch&& out) {
  py::dict d;
  d["offsets"] = to_numpy(std::move(out.offsets));
  d["ent"] = to_numpy(std::move(out.ent));
  d["start"] = to_numpy(std::move(out.start));
  d["end"] = to_numpy(std::move(out.end));
  d["score"] = to_numpy(std::move(out.score));
  return d;
}

py::dict output_to_dict(xlner::ProjectionOutput&& out) {
  py::dict d;
  d["offsets"] = to_numpy(std::move(out.offsets));
  d["start"] = to_numpy(std::move(out.start));
  d["end"] = to_numpy(std::move(out.end));
  d["label"] = to_numpy(std::move(out.label));
  d["entity"] = to_numpy(std::move(out.entity));
  d["score"] = to_numpy(std::move(out.score));
  d["objective"] = to_numpy(std::move(out.objective));
  d["status"] = to_numpy(std::move(out.status));
  return d;
}

void register_batch(py::module_& m) {
  py::class_<PyBatch, std::shared_ptr<PyBatch>>(m, "Batch", R"doc(
Validated projection batch over flat CSR arrays (see docs/architecture.md). Prefer xlner.ProjectionBatch.

Arguments:
    src_len, tgt_len: int32[N] sentence lengths.
    ent_offsets: int64[N+1]; ent_start, ent_end (exclusive), ent_label: int32[E].
    aln_offsets: int64[N+1]; aln_src, aln_tgt: int32[A] (0-based word indices).
    cand_offsets, cand_start, cand_end: optional external candidate spans (CSR).

Raises:
    ValueError / IndexError naming the sentence and field that is wrong.
)doc")
      .def(py::init<carray<int32_t>, carray<int32_t>, carray<int64_t>, carray<int32_t>, carray<int32_t>,
                    carray<int32_t>, carray<int64_t>, carray<int32_t>, carray<int32_t>,
                    std::optional<carray<int64_t>>, std::optional<carray<int32_t>>,
                    std::optional<carray<int32_t>>>(),
           py::arg("src_len"), py::arg("tgt_len"), py::arg("ent_offsets"), py::arg("ent_start"),
           py::arg("ent_end"), py::arg("ent_label"), py::arg("aln_offsets"), py::arg("aln_src"),
           py::arg("aln_tgt"), py::kw_only(), py::arg("cand_offsets") = py::none(),
           py::arg("cand_start") = py::none(), py::arg("cand_end") = py::none())
      .def("__len__", &PyBatch::size)
      .def_property_readonly("has_candidates", [](const PyBatch& b) { return b.view.cand_offsets != nullptr; });
}

}  // namespace xlner_py
