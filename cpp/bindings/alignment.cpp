// Bindings of the alignment domain: extraction, symmetrisation, lexical similarity.
#include "common.hpp"
#include "xlner/alignment.hpp"

namespace xlner_py {

namespace {

py::tuple links_to_tuple(xlner::LinksCSR&& r) {
  return py::make_tuple(to_numpy(std::move(r.offsets)), to_numpy(std::move(r.src)), to_numpy(std::move(r.tgt)));
}

xlner::ExtractOptions make_options(const std::string& method, int max_count, double alpha, double threshold) {
  xlner::ExtractOptions o;
  o.method = xlner::parse_extract_method(method);
  o.max_count = max_count;
  o.alpha = alpha;
  o.threshold = threshold;
  return o;
}

template <class T>
py::tuple extract_one_typed(const py::array& sim, const xlner::ExtractOptions& opt) {
  carray<T> a = carray<T>::ensure(sim);
  if (!a) throw std::invalid_argument("field sim: cannot convert to a numeric array");
  if (a.ndim() != 2)
    throw std::invalid_argument("field sim: expected a 2-D matrix, got " + std::to_string(a.ndim()) + " dimensions");
  const int32_t m = static_cast<int32_t>(a.shape(0)), n = static_cast<int32_t>(a.shape(1));
  std::vector<xlner::Link> links;
  {
    py::gil_scoped_release release;
    links = xlner::extract(a.data(), m, n, opt, 0);
  }
  std::vector<int32_t> s, t;
  s.reserve(links.size());
  t.reserve(links.size());
  for (const auto& l : links) s.push_back(l.src), t.push_back(l.tgt);
  return py::make_tuple(to_numpy(std::move(s)), to_numpy(std::move(t)));
}

template <class T>
py::tuple extract_batch_typed(const py::array& data, const carray<int64_t>& offsets, const carray<int32_t>& rows,
                              const carray<int32_t>& cols, const xlner::ExtractOptions& opt, int threads) {
  carray<T> d = carray<T>::ensure(data);
  if (!d) throw std::invalid_argument("field sim_data: cannot convert to a numeric array");
  check_1d(d, -1, "sim_data");
  check_1d(rows, -1, "rows");
  const py::ssize_t n = rows.shape(0);
  check_1d(cols, n, "cols");
  check_1d(offsets, n + 1, "sim_offsets");
  xlner::LinksCSR r;
  {
    py::gil_scoped_release release;
    r = xlner::extract_batch(d.data(), static_cast<int64_t>(d.shape(0)), offsets.data(), rows.data(), cols.data(),
                             static_cast<int64_t>(n), opt, threads);
  }
  return links_to_tuple(std::move(r));
}

bool is_float32(const py::array& a) { return a.dtype().is(py::dtype::of<float>()); }

}  // namespace

void register_alignment(py::module_& m) {
  m.def(
      "extract_alignment",
      [](const py::array& sim, const std::string& method, int max_count, double alpha, double threshold) {
        auto opt = make_options(method, max_count, alpha, threshold);
        return is_float32(sim) ? extract_one_typed<float>(sim, opt) : extract_one_typed<double>(sim, opt);
      },
      py::arg("sim"), py::kw_only(), py::arg("method") = "argmax", py::arg("max_count") = 2, py::arg("alpha") = 0.9,
      py::arg("threshold") = 0.001, R"doc(
Extract word alignment links from one similarity matrix (rows: source words, columns: target words).

Arguments:
    sim: float32 or float64 matrix of shape (m, n); other dtypes are converted to float64.
    method: 'argmax' (mutual argmax), 'itermax', 'match' (maximum-weight matching) or 'softmax'.
    max_count: itermax rounds (SimAlign default 2).
    alpha: itermax weight of half-aligned cells (0.9).
    threshold: softmax probability threshold (0.001).

Returns:
    (src, tgt): int32 arrays of 0-based links sorted by (src, tgt).

Example:
    >>> extract_alignment(np.eye(3), method="argmax")
)doc");

  m.def(
      "extract_alignments",
      [](const py::array& sim_data, const IntArray& sim_offsets_arg, const IntArray& rows_arg,
         const IntArray& cols_arg, const std::string& method, int max_count, double alpha, double threshold,
         int threads) {
        const auto sim_offsets = sim_offsets_arg.get<int64_t>("sim_offsets");
        const auto rows = rows_arg.get<int32_t>("rows");
        const auto cols = cols_arg.get<int32_t>("cols");
        auto opt = make_options(method, max_count, alpha, threshold);
        return is_float32(sim_data) ? extract_batch_typed<float>(sim_data, sim_offsets, rows, cols, opt, threads)
                                    : extract_batch_typed<double>(sim_data, sim_offsets, rows, cols, opt, threads);
      },
      py::arg("sim_data"), py::arg("sim_offsets"), py::arg("rows"), py::arg("cols"), py::kw_only(),
      py::arg("method") = "argmax", py::arg("max_count") = 2, py::arg("alpha") = 0.9, py::arg("threshold") = 0.001,
      py::arg("threads") = -1, R"doc(
Batch extraction over many flat row-major similarity matrices (GIL released, threads=-1: all cores).

Arguments:
    sim_data: float32 or float64 flat array holding all matrices one after another.
    sim_offsets: int64[N+1], matrix i is sim_data[sim_offsets[i]:sim_offsets[i+1]].
    rows, cols: int32[N] shapes (rows * cols must equal the matrix size).
    method, max_count, alpha, threshold: as in extract_alignment.
    threads: worker threads (-1: all cores).

Returns:
    (offsets int64[N+1], src int32[A], tgt int32[A]) links in CSR form.
)doc");

  m.def(
      "max_weight_assignment",
      [](const carray<double>& w) {
        if (w.ndim() != 2) throw std::invalid_argument("field w: expected a 2-D matrix");
        const int32_t r = static_cast<int32_t>(w.shape(0)), c = static_cast<int32_t>(w.shape(1));
        for (py::ssize_t k = 0; k < w.size(); ++k)
          if (!std::isfinite(w.data()[k])) throw std::invalid_argument("field w: non-finite value");
        std::vector<int32_t> out;
        {
          py::gil_scoped_release release;
          out = xlner::max_weight_assignment(w.data(), r, c);
        }
        return to_numpy(std::move(out));
      },
      py::arg("w"), R"doc(
Maximum-weight assignment of a rectangular matrix: min(m, n) pairs of maximal total weight.

Returns:
    int32[m]: the column of each row, -1 for rows left unmatched (only when m > n).
)doc");

  m.def(
      "symmetrize_alignments",
      [](const IntArray& src_len_arg, const IntArray& tgt_len_arg, const IntArray& fwd_offsets_arg,
         const IntArray& fwd_src_arg, const IntArray& fwd_tgt_arg, const IntArray& rev_offsets_arg,
         const IntArray& rev_src_arg, const IntArray& rev_tgt_arg, const std::string& method, int threads) {
        const auto rev_tgt = rev_tgt_arg.get<int32_t>("rev_tgt");
        const auto rev_src = rev_src_arg.get<int32_t>("rev_src");
        const auto rev_offsets = rev_offsets_arg.get<int64_t>("rev_offsets");
        const auto fwd_tgt = fwd_tgt_arg.get<int32_t>("fwd_tgt");
        const auto fwd_src = fwd_src_arg.get<int32_t>("fwd_src");
        const auto fwd_offsets = fwd_offsets_arg.get<int64_t>("fwd_offsets");
        const auto tgt_len = tgt_len_arg.get<int32_t>("tgt_len");
        const auto src_len = src_len_arg.get<int32_t>("src_len");
        check_1d(src_len, -1, "src_len");
        const py::ssize_t n = src_len.shape(0);
        check_1d(tgt_len, n, "tgt_len");
        check_1d(fwd_offsets, n + 1, "fwd_offsets");
        check_1d(fwd_src, -1, "fwd_src");
        check_1d(fwd_tgt, fwd_src.shape(0), "fwd_tgt");
        check_1d(rev_offsets, n + 1, "rev_offsets");
        check_1d(rev_src, -1, "rev_src");
        check_1d(rev_tgt, rev_src.shape(0), "rev_tgt");
        auto sm = xlner::parse_sym_method(method);
        xlner::LinksCSR r;
        {
          py::gil_scoped_release release;
          r = xlner::symmetrize_batch(static_cast<int64_t>(n), src_len.data(), tgt_len.data(), fwd_offsets.data(),
                                      fwd_src.data(), fwd_tgt.data(), static_cast<int64_t>(fwd_src.shape(0)),
                                      rev_offsets.data(), rev_src.data(), rev_tgt.data(),
                                      static_cast<int64_t>(rev_src.shape(0)), sm, threads);
        }
        return links_to_tuple(std::move(r));
      },
      py::arg("src_len"), py::arg("tgt_len"), py::arg("fwd_offsets"), py::arg("fwd_src"), py::arg("fwd_tgt"),
      py::arg("rev_offsets"), py::arg("rev_src"), py::arg("rev_tgt"), py::kw_only(),
      py::arg("method") = "grow-diag-final-and", py::arg("threads") = -1, R"doc(
Symmetrise forward and reverse alignments of a batch (both in (src, tgt) coordinates, CSR form).

Arguments:
    src_len, tgt_len: int32[N] sentence lengths.
    fwd_offsets, fwd_src, fwd_tgt: forward links (CSR).
    rev_offsets, rev_src, rev_tgt: reverse links (CSR), already in (src, tgt) order.
    method: 'intersection', 'union', 'grow-diag', 'grow-diag-final' or 'grow-diag-final-and'.
    threads: worker threads (-1: all cores).

Returns:
    (offsets int64[N+1], src int32[A], tgt int32[A]) sorted links.
)doc");

  m.def(
      "lexical_similarity",
      [](const std::vector<std::vector<std::string>>& src, const std::vector<std::vector<std::string>>& tgt,
         const std::string& measure, int ngram, int threads) {
        if (src.size() != tgt.size())
          throw std::invalid_argument("src has " + std::to_string(src.size()) + " sentences, tgt has " +
                                      std::to_string(tgt.size()));
        auto lm = xlner::parse_lexical_measure(measure);
        xlner::SimCSR r;
        {
          py::gil_scoped_release release;
          auto conv = [](const std::vector<std::vector<std::string>>& x) {
            std::vector<std::vector<std::u32string>> out(x.size());
            for (size_t i = 0; i < x.size(); ++i)
              for (const auto& w : x[i]) out[i].push_back(xlner::utf8_to_u32(w));
            return out;
          };
          r = xlner::lexical_similarity_batch(conv(src), conv(tgt), lm, ngram, threads);
        }
        return py::make_tuple(to_numpy(std::move(r.offsets)), to_numpy(std::move(r.data)));
      },
      py::arg("src"), py::arg("tgt"), py::kw_only(), py::arg("measure") = "max", py::arg("ngram") = 3,
      py::arg("threads") = -1, R"doc(
Word-by-word lexical similarity matrices of sentence pairs (words compared as given: normalise first).

Arguments:
    src, tgt: lists of tokenised sentences (same number of sentences).
    measure: 'exact', 'edit' (1 - Levenshtein / longer length), 'ngram' (Dice of character n-grams of
        '#word#') or 'max' (the larger of edit and ngram).
    ngram: n of the character n-grams.
    threads: worker threads (-1: all cores).

Returns:
    (offsets int64[N+1], data float64[...]): matrix i is data[offsets[i]:offsets[i+1]] reshaped to
    (len(src[i]), len(tgt[i])).
)doc");
}

}  // namespace xlner_py
