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

// The outer sequence of per-sentence token sequences (a str is refused: it would read as characters).
py::object open_sentences(py::handle sentences) {
  if (PyUnicode_Check(sentences.ptr()))
    throw py::type_error("field tgt_tokens: expected a sequence of token sequences, got a str");
  py::object outer = py::reinterpret_steal<py::object>(
      PySequence_Fast(sentences.ptr(), "field tgt_tokens: expected a sequence of token sequences"));
  if (!outer) throw py::error_already_set();
  return outer;
}

// Sentence i's tokens (FastSeq: a list or tuple read in place, any other sequence copied), naming the sentence
// when it is a str or not a sequence.
FastSeq open_tokens(PyObject* s, Py_ssize_t i) {
  if (PyUnicode_Check(s)) throw py::type_error(xlner::where(i, "tgt_tokens") + "expected a sequence of tokens, got a str");
  FastSeq seq;
  if (!seq.open(s)) throw py::type_error(xlner::where(i, "tgt_tokens") + "expected a sequence of tokens");
  return seq;
}

// Token j of sentence i, checked to be a str, tested for punctuation.
bool checked_token_is_punctuation(PyObject* tok, Py_ssize_t i, Py_ssize_t j) {
  if (!PyUnicode_Check(tok))
    throw py::type_error(xlner::where(i, "tgt_tokens") + "token " + std::to_string(j) + " is not a str");
  return token_is_punctuation(tok);
}

// Flags of every token of every sentence, and the number of tokens per sentence.
py::tuple punctuation_mask_py(py::handle sentences) {
  const py::object outer = open_sentences(sentences);
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(outer.ptr());
  PyObject** sents = PySequence_Fast_ITEMS(outer.ptr());
  std::vector<uint8_t> mask;
  std::vector<int32_t> lengths(static_cast<size_t>(n));
  Py_ssize_t total = 0;
  for (Py_ssize_t i = 0; i < n; ++i) total += PyList_Check(sents[i]) ? PyList_GET_SIZE(sents[i]) : 0;
  mask.reserve(static_cast<size_t>(total));
  for (Py_ssize_t i = 0; i < n; ++i) {
    const FastSeq inner = open_tokens(sents[i], i);
    const Py_ssize_t m = inner.size;
    PyObject** toks = inner.items;
    lengths[static_cast<size_t>(i)] = static_cast<int32_t>(m);
    for (Py_ssize_t j = 0; j < m; ++j) {
      if (j + kPrefetch < m) prefetch_object(toks[j + kPrefetch]);  // the tokens lie scattered in memory
      mask.push_back(checked_token_is_punctuation(toks[j], i, j) ? 1 : 0);
    }
  }
  return py::make_tuple(to_numpy(std::move(mask)), to_numpy(std::move(lengths)));
}

// The punctuation flags the heuristic reads: those of the target words that an entity word links to (drop_punct
// removes such links; no other flag is looked at). Only those tokens are read, and checked to be str: the others
// are counted (each sentence must have tgt_len tokens) but never touched, which spares a memory access per token.
py::array_t<uint8_t> entity_punctuation_mask_py(const PyBatch& batch, py::handle sentences) {
  const xlner::BatchView& b = batch.view;
  const py::object outer = open_sentences(sentences);
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(outer.ptr());
  if (n != b.n)
    throw std::invalid_argument("field tgt_tokens: " + std::to_string(n) + " sentences, but the batch has " +
                                std::to_string(b.n));
  PyObject** sents = PySequence_Fast_ITEMS(outer.ptr());
  int64_t total = 0;
  for (int64_t i = 0; i < b.n; ++i) total += b.tgt_len[i];
  std::vector<uint8_t> mask(static_cast<size_t>(total), 0);
  // The tokens to read lie scattered over the heap: each sentence's linked tokens are gathered first, and read a
  // stretch behind the gathering, fetched a few ahead, so that the memory accesses of both overlap; reading each
  // one as it is found would cost a full memory latency.
  struct Wanted {
    PyObject* token;
    int64_t flag;  // index into mask
  };
  std::vector<Wanted> wanted(static_cast<size_t>(b.aln_offsets[b.n] / 4 + 16));
  size_t n_wanted = 0, n_read = 0;
  auto read_upto = [&](size_t limit) {
    for (; n_read < limit; ++n_read) {
      if (n_read + kPrefetch < n_wanted) prefetch_object(wanted[n_read + kPrefetch].token);
      const Wanted& x = wanted[n_read];
      if (!PyUnicode_Check(x.token)) {  // name the sentence and token: find the sentence of the flag
        int64_t i = 0, start = 0;
        while (start + b.tgt_len[i] <= x.flag) start += b.tgt_len[i++];
        checked_token_is_punctuation(x.token, static_cast<Py_ssize_t>(i), static_cast<Py_ssize_t>(x.flag - start));
      }
      mask[static_cast<size_t>(x.flag)] = token_is_punctuation(x.token) ? 1 : 0;
    }
  };
  constexpr size_t kLag = 4 * kPrefetch;  // tokens gathered but not yet read
  std::vector<uint8_t> in_entity;
  std::vector<py::object> copies;
  int64_t off = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    // a sentence's list object, and once it has arrived its array of items, fetched ahead
    if (i + 4 * kPrefetch < n) xlner::prefetch(sents[i + 4 * kPrefetch]);
    if (i + 2 * kPrefetch < n && PyList_CheckExact(sents[i + 2 * kPrefetch]))
      xlner::prefetch(reinterpret_cast<PyListObject*>(sents[i + 2 * kPrefetch])->ob_item);
    const xlner::SentenceView s = b.sentence(i);
    FastSeq inner = open_tokens(sents[i], i);
    const Py_ssize_t m = inner.size;
    PyObject** toks = inner.items;
    // a list or tuple is the caller's, which keeps its tokens alive; any other sequence was copied into a new
    // list, whose tokens may exist only there: kept until they are read
    if (inner.owned) copies.push_back(std::move(inner.owned));
    if (m != s.tgt_len)
      throw std::invalid_argument(xlner::where(i, "tgt_tokens") + std::to_string(m) + " tokens, but tgt_len is " +
                                  std::to_string(s.tgt_len));
    if (s.n_ent > 0 && s.n_aln > 0) {
      in_entity.assign(static_cast<size_t>(s.src_len), 0);
      for (int32_t e = 0; e < s.n_ent; ++e)
        std::fill(in_entity.begin() + s.ent_start[e], in_entity.begin() + s.ent_end[e], uint8_t{1});
      // branch-free: whether a link starts at an entity word is as good as random, so a branch on it would be
      // mispredicted about every other link; every link is written and only those of entity words kept
      const size_t room = n_wanted + static_cast<size_t>(s.n_aln);
      if (wanted.size() < room) wanted.resize(2 * room);
      Wanted* out = wanted.data() + n_wanted;
      size_t kept = 0;
      for (int64_t k = 0; k < s.n_aln; ++k) {
        const int32_t t = s.aln_tgt[k];
        out[kept] = {toks[t], off + t};
        kept += in_entity[static_cast<size_t>(s.aln_src[k])];
      }
      n_wanted += kept;
      if (n_wanted > kLag) read_upto(n_wanted - kLag);
    }
    off += s.tgt_len;
  }
  read_upto(n_wanted);
  return to_numpy(std::move(mask));
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

  m.def("entity_punctuation_mask", &entity_punctuation_mask_py, R"doc(
The punctuation flags project_heuristic reads (drop_punct): one uint8 per target word of the batch,
set only for the words an entity word links to, where the token is punctuation; 0 elsewhere. Only
those tokens are read (and must be str); every sentence must have tgt_len tokens.

Arguments:
    batch: an xlner._core.Batch.
    sentences: the target tokens, one sequence of str per sentence of the batch.
)doc",
        py::arg("batch"), py::arg("sentences"));

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
