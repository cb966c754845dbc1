// Bindings of the heuristic projection (xlner/heuristic.hpp): one batch call, GIL released.
#include "xlner/heuristic.hpp"

#include "common.hpp"

namespace xlner_py {

namespace {

py::dict project_heuristic_py(const PyBatch& batch, std::optional<carray<uint8_t>> punct, int merge_distance,
                              const std::string& merge_rule, int top_k, bool only_i, std::optional<double> thr,
                              bool drop_punct, const std::string& order, const std::string& collisions,
                              int threads) {
  xlner::HeuristicOptions opt;
  opt.merge_distance = merge_distance;
  opt.merge_rule = xlner::parse_merge_rule(merge_rule);
  opt.top_k = top_k;
  opt.only_i = only_i;
  opt.thr = thr.has_value() ? *thr : -1.0;
  if (thr.has_value() && *thr < 0.0)
    throw std::invalid_argument("option thr: must be >= 0 or None (no threshold), got " + std::to_string(*thr));
  opt.drop_punct = drop_punct;
  opt.order = xlner::parse_entity_order(order);
  opt.collisions = xlner::parse_collision_rule(collisions);
  opt.validate();
  const uint8_t* mask = nullptr;
  int64_t n_mask = 0;
  if (punct.has_value()) {
    check_1d(*punct, -1, "punct");
    mask = punct->data();
    n_mask = punct->shape(0);
  }
  xlner::ProjectionOutput out;
  {
    py::gil_scoped_release release;
    out = xlner::project_heuristic(batch.view, mask, n_mask, opt, threads);
  }
  return output_to_dict(std::move(out));
}

}  // namespace

void register_heuristic(py::module_& m) {
  m.def("project_heuristic", &project_heuristic_py, R"doc(
Heuristic projection of a batch through its word alignments (thesis form or Easy-Label-Projection).
Prefer xlner.heuristic.project_heuristic, which builds the punctuation mask and the options.

Arguments:
    batch: an xlner._core.Batch.
    punct: optional uint8 array, one flag per target word of the batch (sentence after sentence);
        non-zero marks punctuation. Required when drop_punct is true.
    merge_distance: d >= 0; merge_rule: 'gap' or 'elp'; top_k: 0 (all) or the number of longest
        ranges kept per entity; only_i: never merge a range starting at a word linked to the
        entity's first word; thr: length-ratio threshold (None: none); drop_punct: drop links to
        punctuation; order: 'source' or 'shortest'; collisions: 'first' or 'elp'.
    threads: worker threads, -1 = all cores.

Returns:
    dict of numpy arrays: offsets, start, end (exclusive), label, entity, score (fraction of the
    span's words aligned to its entity), objective (sum of scores per sentence), status.

Example:
    >>> d = _core.project_heuristic(batch.core, punct=mask, merge_rule='elp', top_k=1, thr=None,
    ...                             drop_punct=True, order='source', collisions='elp')
)doc",
        py::arg("batch"), py::kw_only(), py::arg("punct") = py::none(), py::arg("merge_distance") = 1,
        py::arg("merge_rule") = "gap", py::arg("top_k") = 0, py::arg("only_i") = false, py::arg("thr") = 0.8,
        py::arg("drop_punct") = false, py::arg("order") = "shortest", py::arg("collisions") = "first",
        py::arg("threads") = -1);
}

}  // namespace xlner_py
