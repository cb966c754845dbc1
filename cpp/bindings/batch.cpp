#include <cmath>
#include <limits>
#include <type_traits>

#include "common.hpp"
#include "xlner/portable.hpp"

namespace xlner_py {

namespace {

[[noreturn]] void out_of_type(const char* field, py::ssize_t i, const std::string& value, const char* type) {
  throw std::overflow_error(std::string("field ") + field + ": value " + value + " at index " + std::to_string(i) +
                            " does not fit " + type);
}

template <class T>
const char* type_name() {
  if (std::is_same_v<T, int32_t>) return "int32";
  if (std::is_same_v<T, int64_t>) return "int64";
  if (std::is_same_v<T, int8_t>) return "int8";
  return "uint8";
}

/// Check that every value of `a` (converted to W) lies in T's range.
template <class T, class W>
void check_range(const py::array& a, const char* field) {
  const auto w = py::array_t<W, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!w) throw py::error_already_set();
  const W* p = w.data();
  const W lo = std::is_signed_v<W> ? static_cast<W>(std::numeric_limits<T>::min()) : W{0};
  const W hi = static_cast<W>(std::numeric_limits<T>::max());
  for (py::ssize_t i = 0; i < w.size(); ++i)
    if (p[i] < lo || p[i] > hi) out_of_type(field, i, std::to_string(p[i]), type_name<T>());
}

/// Copy a converted array into a vector after checking it is 1-D with `n` elements (n < 0: any).
template <class T>
std::vector<T> to_vector(const IntArray& x, py::ssize_t n, const char* field) {
  const carray<T> a = x.get<T>(field);
  check_1d(a, n, field);
  return std::vector<T>(a.data(), a.data() + a.shape(0));
}

/// An int32 from a Python integer, naming the sentence and field when it does not fit.
int32_t as_int32(PyObject* o, int64_t sentence, const char* field) {
#if PY_VERSION_HEX >= 0x030C0000
  if (PyLong_CheckExact(o) && PyUnstable_Long_IsCompact(reinterpret_cast<PyLongObject*>(o))) {
    const Py_ssize_t v = PyUnstable_Long_CompactValue(reinterpret_cast<PyLongObject*>(o));
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max())
      return static_cast<int32_t>(v);
  }
#else
  // an int of one digit (|v| < 2**30: every index), read in place instead of a call per value
  if (PyLong_CheckExact(o) && Py_SIZE(o) >= -1 && Py_SIZE(o) <= 1) {
    const auto digit = static_cast<int32_t>(reinterpret_cast<PyLongObject*>(o)->ob_digit[0]);
    return Py_SIZE(o) < 0 ? -digit : (Py_SIZE(o) == 0 ? 0 : digit);
  }
#endif
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::type_error(xlner::where(sentence, field) + "expected an integer, got " +
                         std::string(py::str(py::handle(o).get_type().attr("__name__"))));
  }
  if (overflow || v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
    throw std::overflow_error(xlner::where(sentence, field) + "value " + std::string(py::str(py::handle(o))) +
                              " does not fit int32");
  return static_cast<int32_t>(v);
}

/// Per-sentence lists of `width`-tuples into CSR: offsets and one vector per tuple position.
/// The lists are only read (no Python code runs and nothing is allocated in between), so borrowed items stay valid.
void csr_from_lists(const py::handle lists, int64_t n, size_t width, const char* field,
                    std::vector<int64_t>& offsets, std::vector<std::vector<int32_t>*> cols) {
  FastSeq outer;
  if (!outer.open(lists.ptr())) throw py::type_error(std::string("field ") + field + ": expected a sequence");
  if (outer.size != n)
    throw std::invalid_argument(std::string("field ") + field + ": " + std::to_string(outer.size) +
                                " sentences, but src_len has " + std::to_string(n));
  // The items lie scattered over the heap and reading them is bound by memory latency: the sentences' lists are
  // fetched a few sentences ahead, and the items a few items ahead by a second cursor that runs in front.
  constexpr int64_t ahead = 8;
  std::vector<FastSeq> sents(static_cast<size_t>(n));
  offsets.assign(static_cast<size_t>(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    if (i + ahead < n) xlner::prefetch(outer.items[i + ahead]);
    if (!sents[static_cast<size_t>(i)].open(outer.items[i]))
      throw py::type_error(xlner::where(i, field) + "expected a sequence of tuples");
    offsets[static_cast<size_t>(i) + 1] = offsets[static_cast<size_t>(i)] + sents[static_cast<size_t>(i)].size;
  }
  for (auto* c : cols) c->resize(static_cast<size_t>(offsets.back()));
  int64_t ai = 0;   // the cursor ahead: sentence and item
  Py_ssize_t aj = 0;
  const auto advance_ahead = [&] {
    while (ai < n && aj >= sents[static_cast<size_t>(ai)].size) {
      ++ai;
      aj = 0;
    }
    if (ai < n) {
      const char* o = reinterpret_cast<const char*>(sents[static_cast<size_t>(ai)].items[aj++]);
      xlner::prefetch(o);
      xlner::prefetch(o + 32);
    }
  };
  for (int64_t k = 0; k < ahead; ++k) advance_ahead();
  size_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    const FastSeq& sent = sents[static_cast<size_t>(i)];
    for (Py_ssize_t j = 0; j < sent.size; ++j, ++k) {
      advance_ahead();
      PyObject* item = sent.items[j];
      FastSeq slow;
      PyObject** vals = nullptr;
      if (PyTuple_CheckExact(item) && static_cast<size_t>(PyTuple_GET_SIZE(item)) == width) {
        vals = &PyTuple_GET_ITEM(item, 0);
      } else if (slow.open(item) && static_cast<size_t>(slow.size) == width) {
        vals = slow.items;
      } else {
        throw std::invalid_argument(xlner::where(i, field) + "expected " + std::to_string(width) +
                                    " values per item, got " + std::string(py::repr(py::handle(item))));
      }
      for (size_t c = 0; c < width; ++c) (*cols[c])[k] = as_int32(vals[c], i, field);
    }
  }
}

std::vector<int32_t> lengths_from_list(const py::handle lens, const char* field) {
  FastSeq seq;
  if (!seq.open(lens.ptr())) throw py::type_error(std::string("field ") + field + ": expected a sequence");
  std::vector<int32_t> out(static_cast<size_t>(seq.size));
  for (Py_ssize_t i = 0; i < seq.size; ++i) out[static_cast<size_t>(i)] = as_int32(seq.items[i], i, field);
  return out;
}

}  // namespace

template <class T>
carray<T> IntArray::get(const char* field) const {
  py::array a = py::array::ensure(obj);
  if (!a) throw py::type_error(std::string("field ") + field + ": expected an array of integers");
  if (a.dtype().kind() == 'O') {  // Python objects: let numpy pick a numeric dtype from the values, once
    a = py::array::ensure(py::module_::import("numpy").attr("array")(a.attr("tolist")()));
    if (!a || a.dtype().kind() == 'O')
      throw py::type_error(std::string("field ") + field + ": expected integers that fit 64 bits");
  }
  const char kind = a.dtype().kind();
  const auto size = static_cast<size_t>(a.dtype().itemsize());
  if (kind == 'f') {
    const auto d = carray<double>::ensure(a);
    for (py::ssize_t i = 0; i < d.size(); ++i) {
      const double x = d.data()[i];
      if (!(x == std::floor(x)))
        throw py::type_error(std::string("field ") + field + ": value " + std::to_string(x) + " at index " +
                             std::to_string(i) + " is not an integer");
      if (x < static_cast<double>(std::numeric_limits<T>::min()) || x > static_cast<double>(std::numeric_limits<T>::max()))
        out_of_type(field, i, std::to_string(x), type_name<T>());
    }
  } else if (kind == 'i') {
    if (size > sizeof(T) || !std::is_signed_v<T>) check_range<T, int64_t>(a, field);
  } else if (kind == 'u') {
    if (size > sizeof(T) || (std::is_signed_v<T> && size == sizeof(T))) check_range<T, uint64_t>(a, field);
  } else if (kind != 'b') {
    throw py::type_error(std::string("field ") + field + ": expected integers, got dtype " +
                         std::string(py::str(a.dtype())));
  }
  auto out = carray<T>::ensure(a);
  if (!out) throw py::error_already_set();
  return out;
}

template carray<int32_t> IntArray::get<int32_t>(const char*) const;
template carray<int64_t> IntArray::get<int64_t>(const char*) const;
template carray<int8_t> IntArray::get<int8_t>(const char*) const;
template carray<uint8_t> IntArray::get<uint8_t>(const char*) const;

PyBatch::PyBatch(xlner::BatchData&& d) : data(std::move(d)) {
  py::gil_scoped_release release;
  view = data.validated();
}

ScoreArrays score_view(const PyBatch& b, const IntArray& offsets, const IntArray& ent, const IntArray& start,
                       const IntArray& end, const carray<double>& score) {
  ScoreArrays s{offsets.get<int64_t>("score_offsets"), ent.get<int32_t>("score_ent"),
                start.get<int32_t>("score_start"), end.get<int32_t>("score_end"), score, {}};
  check_1d(s.offsets, b.view.n + 1, "score_offsets");
  check_1d(s.ent, -1, "score_ent");
  check_1d(s.start, s.ent.shape(0), "score_start");
  check_1d(s.end, s.ent.shape(0), "score_end");
  check_1d(s.score, s.ent.shape(0), "score");
  s.view.offsets = s.offsets.data();
  s.view.ent = s.ent.data();
  s.view.start = s.start.data();
  s.view.end = s.end.data();
  s.view.score = s.score.data();
  s.view.total = s.ent.shape(0);
  return s;
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
  py::class_<PyBatch, std::shared_ptr<PyBatch>> cls(m, "Batch", R"doc(
Validated projection batch over flat CSR arrays (see docs/architecture.md). Prefer xlner.ProjectionBatch.

The batch keeps its own copy of the arrays; the array attributes are read-only views of that copy.

Arguments:
    src_len, tgt_len: int32[N] sentence lengths.
    ent_offsets: int64[N+1]; ent_start, ent_end (exclusive), ent_label: int32[E].
    aln_offsets: int64[N+1]; aln_src, aln_tgt: int32[A] (0-based word indices).
    cand_offsets, cand_start, cand_end: optional external candidate spans (CSR).

Raises:
    ValueError / IndexError naming the sentence and field that is wrong; OverflowError for values that do
    not fit int32 / int64.
)doc");
  cls.def(py::init([](const IntArray& src_len, const IntArray& tgt_len, const IntArray& ent_offsets,
                      const IntArray& ent_start, const IntArray& ent_end, const IntArray& ent_label,
                      const IntArray& aln_offsets, const IntArray& aln_src, const IntArray& aln_tgt,
                      const std::optional<IntArray>& cand_offsets, const std::optional<IntArray>& cand_start,
                      const std::optional<IntArray>& cand_end) {
             xlner::BatchData d;
             d.src_len = to_vector<int32_t>(src_len, -1, "src_len");
             const auto n = static_cast<py::ssize_t>(d.src_len.size());
             d.tgt_len = to_vector<int32_t>(tgt_len, n, "tgt_len");
             d.ent_offsets = to_vector<int64_t>(ent_offsets, n + 1, "ent_offsets");
             d.ent_start = to_vector<int32_t>(ent_start, -1, "ent_start");
             const auto ne = static_cast<py::ssize_t>(d.ent_start.size());
             d.ent_end = to_vector<int32_t>(ent_end, ne, "ent_end");
             d.ent_label = to_vector<int32_t>(ent_label, ne, "ent_label");
             d.aln_offsets = to_vector<int64_t>(aln_offsets, n + 1, "aln_offsets");
             d.aln_src = to_vector<int32_t>(aln_src, -1, "aln_src");
             d.aln_tgt = to_vector<int32_t>(aln_tgt, static_cast<py::ssize_t>(d.aln_src.size()), "aln_tgt");
             const bool any_cand = cand_offsets || cand_start || cand_end;
             if (any_cand && !(cand_offsets && cand_start && cand_end))
               throw std::invalid_argument("fields cand_offsets, cand_start, cand_end must be given together");
             if (any_cand) {
               d.cand_offsets = to_vector<int64_t>(*cand_offsets, n + 1, "cand_offsets");
               d.cand_start = to_vector<int32_t>(*cand_start, -1, "cand_start");
               d.cand_end = to_vector<int32_t>(*cand_end, static_cast<py::ssize_t>(d.cand_start.size()), "cand_end");
             }
             return std::make_shared<PyBatch>(std::move(d));
           }),
           py::arg("src_len"), py::arg("tgt_len"), py::arg("ent_offsets"), py::arg("ent_start"),
           py::arg("ent_end"), py::arg("ent_label"), py::arg("aln_offsets"), py::arg("aln_src"),
           py::arg("aln_tgt"), py::kw_only(), py::arg("cand_offsets") = py::none(),
           py::arg("cand_start") = py::none(), py::arg("cand_end") = py::none())
      .def_static(
          "from_lists",
          [](const py::sequence& src_lens, const py::sequence& tgt_lens, const py::sequence& entities,
             const py::sequence& alignments, const std::optional<py::sequence>& candidates) {
            xlner::BatchData d;
            d.src_len = lengths_from_list(src_lens, "src_len");
            const auto n = static_cast<int64_t>(d.src_len.size());
            if (static_cast<int64_t>(py::len(tgt_lens)) != n)
              throw std::invalid_argument("field tgt_len: " + std::to_string(py::len(tgt_lens)) +
                                          " sentences, but src_len has " + std::to_string(n));
            d.tgt_len = lengths_from_list(tgt_lens, "tgt_len");
            csr_from_lists(entities, n, 3, "entities", d.ent_offsets, {&d.ent_start, &d.ent_end, &d.ent_label});
            csr_from_lists(alignments, n, 2, "alignments", d.aln_offsets, {&d.aln_src, &d.aln_tgt});
            if (candidates)
              csr_from_lists(*candidates, n, 2, "candidates", d.cand_offsets, {&d.cand_start, &d.cand_end});
            return std::make_shared<PyBatch>(std::move(d));
          },
          py::arg("src_lens"), py::arg("tgt_lens"), py::arg("entities"), py::arg("alignments"),
          py::arg("candidates") = py::none(), R"doc(
Build a validated batch from per-sentence Python lists: entities as (start, end, label id) tuples,
alignments as (source, target) tuples, optional candidates as (start, end) tuples.
)doc")
      .def("__len__", &PyBatch::size)
      .def_property_readonly("has_candidates", [](const PyBatch& b) { return b.view.cand_offsets != nullptr; });
#define XLNER_BATCH_ARRAY(name)                                                                                   \
  cls.def_property_readonly(#name, [](py::object self) { return readonly_view(self.cast<const PyBatch&>().data.name, self); }, \
                            "Read-only view of the batch's " #name " array.")
  XLNER_BATCH_ARRAY(src_len);
  XLNER_BATCH_ARRAY(tgt_len);
  XLNER_BATCH_ARRAY(ent_offsets);
  XLNER_BATCH_ARRAY(ent_start);
  XLNER_BATCH_ARRAY(ent_end);
  XLNER_BATCH_ARRAY(ent_label);
  XLNER_BATCH_ARRAY(aln_offsets);
  XLNER_BATCH_ARRAY(aln_src);
  XLNER_BATCH_ARRAY(aln_tgt);
#undef XLNER_BATCH_ARRAY
#define XLNER_CAND_ARRAY(name)                                                                                    \
  cls.def_property_readonly(                                                                                      \
      #name,                                                                                                      \
      [](py::object self) -> std::optional<py::array> {                                                          \
        const PyBatch& b = self.cast<const PyBatch&>();                                                           \
        if (b.data.cand_offsets.empty()) return std::nullopt;                                                     \
        return readonly_view(b.data.name, self);                                                                  \
      },                                                                                                          \
      "Read-only view of the batch's " #name " array (None without candidates).")
  XLNER_CAND_ARRAY(cand_offsets);
  XLNER_CAND_ARRAY(cand_start);
  XLNER_CAND_ARRAY(cand_end);
#undef XLNER_CAND_ARRAY
}

}  // namespace xlner_py
