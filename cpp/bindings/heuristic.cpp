// Bindings of the heuristic projection (xlner/heuristic.hpp): one batch call, GIL released.
#include "xlner/heuristic.hpp"

#include <cstring>

#include "common.hpp"
#include "xlner/portable.hpp"
#include "xlner/io.hpp"

namespace xlner_py {

namespace {

py::dict project_heuristic_py(const PyBatch& batch, const std::optional<IntArray>& punct_arg, int merge_distance,
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
  std::optional<carray<uint8_t>> punct;
  if (punct_arg.has_value()) {
    punct = punct_arg->get<uint8_t>("punct");
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

// Easy-Label-Projection's test (xlner::is_punctuation, shared with the file readers) on the UTF-8 form
// of a str; CPython caches that form, so ASCII tokens are read in place.
bool token_is_punctuation(PyObject* tok) {
  // fast path: an ASCII token starting with a letter or digit is not punctuation (no space to strip)
  if (PyUnicode_IS_ASCII(tok) && PyUnicode_GET_LENGTH(tok) > 0) {
    const unsigned char c0 = static_cast<const unsigned char*>(PyUnicode_DATA(tok))[0];
    if ((c0 >= '0' && c0 <= '9') || (c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z')) return false;
  }
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(tok, &size);
  if (utf8 == nullptr) throw py::error_already_set();
  return xlner::is_punctuation(std::string_view(utf8, static_cast<size_t>(size)));
}

// Reading a million small str objects scattered over the heap is bound by memory latency: fetch the
// object (header and, for compact ASCII strings, the characters after it) a few tokens ahead.
constexpr Py_ssize_t kPrefetch = 8;
inline void prefetch_object(PyObject* o) {
  xlner::prefetch(o);
  xlner::prefetch(reinterpret_cast<const char*>(o) + 64);
}

// Flags of every token of every sentence, and the number of tokens per sentence.
py::tuple punctuation_mask_py(py::handle sentences) {
  if (PyUnicode_Check(sentences.ptr()))
    throw py::type_error("field tgt_tokens: expected a sequence of token sequences, got a str");
  py::object outer = py::reinterpret_steal<py::object>(
      PySequence_Fast(sentences.ptr(), "field tgt_tokens: expected a sequence of token sequences"));
  if (!outer) throw py::error_already_set();
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(outer.ptr());
  PyObject** sents = PySequence_Fast_ITEMS(outer.ptr());
  std::vector<uint8_t> mask;
  std::vector<int32_t> lengths(static_cast<size_t>(n));
  Py_ssize_t total = 0;
  for (Py_ssize_t i = 0; i < n; ++i) total += PyList_Check(sents[i]) ? PyList_GET_SIZE(sents[i]) : 0;
  mask.reserve(static_cast<size_t>(total));
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* s = sents[i];
    const auto where = [i] { return xlner::where(i, "tgt_tokens"); };
    if (PyUnicode_Check(s)) throw py::type_error(where() + "expected a sequence of tokens, got a str");
    py::object inner = py::reinterpret_steal<py::object>(PySequence_Fast(s, "not a sequence"));
    if (!inner) {
      PyErr_Clear();
      throw py::type_error(where() + "expected a sequence of tokens");
    }
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(inner.ptr());
    PyObject** toks = PySequence_Fast_ITEMS(inner.ptr());
    lengths[static_cast<size_t>(i)] = static_cast<int32_t>(m);
    for (Py_ssize_t j = 0; j < m; ++j) {
      if (j + kPrefetch < m) prefetch_object(toks[j + kPrefetch]);  // the tokens lie scattered in memory
      if (!PyUnicode_Check(toks[j]))
        throw py::type_error(where() + "token " + std::to_string(j) + " is not a str");
      mask.push_back(token_is_punctuation(toks[j]) ? 1 : 0);
    }
  }
  return py::make_tuple(to_numpy(std::move(mask)), to_numpy(std::move(lengths)));
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

  m.def("punctuation_mask", &punctuation_mask_py, R"doc(
Easy-Label-Projection's punctuation test for every target token: after str.strip(), every
character is in string.punctuation (an empty token counts as punctuation).

Arguments:
    tgt_tokens: a sequence (one per sentence) of sequences of str.

Returns:
    (mask, lengths): uint8 flags, one per token, sentence after sentence; int32 tokens per sentence.

Raises:
    TypeError naming the sentence (and token) that is not a sequence of str.
)doc",
        py::arg("tgt_tokens"));
}

}  // namespace xlner_py
