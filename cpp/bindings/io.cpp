// File formats: CoNLL / token-per-line readers, talp reader, CoNLL and JSON-lines writers.
#include <string_view>

#include "common.hpp"
#include "xlner/io.hpp"

namespace xlner_py {

namespace {

using xlner::TokenCorpus;

py::dict alignments_to_dict(xlner::Alignments&& a) {
  py::dict d;
  d["offsets"] = to_numpy(std::move(a.offsets));
  d["src"] = to_numpy(std::move(a.src));
  d["tgt"] = to_numpy(std::move(a.tgt));
  d["possible"] = to_numpy(std::move(a.possible));
  return d;
}

std::string bytes_or_str(const py::object& o) {
  if (py::isinstance<py::bytes>(o)) return o.cast<std::string>();
  if (py::isinstance<py::str>(o)) return o.cast<std::string>();
  throw py::type_error("expected bytes or str");
}

/// The bytes of a text argument: a bytes-like object read in place (kept exported while this lives, so that the GIL
/// can be released), or a str encoded as UTF-8.
class TextArg {
 public:
  explicit TextArg(const py::object& o) {
    if (py::isinstance<py::str>(o)) {
      owned_ = o.cast<std::string>();
      view_ = owned_;
      return;
    }
    if (!PyObject_CheckBuffer(o.ptr())) throw py::type_error("expected bytes, a bytes-like object or str");
    info_ = py::reinterpret_borrow<py::buffer>(o).request();
    if (info_.ndim != 1 || info_.itemsize != 1) throw py::type_error("expected a one-dimensional buffer of bytes");
    view_ = std::string_view(static_cast<const char*>(info_.ptr), static_cast<size_t>(info_.size));
  }
  TextArg(const TextArg&) = delete;
  TextArg& operator=(const TextArg&) = delete;
  std::string_view view() const { return view_; }

 private:
  py::buffer_info info_;
  std::string owned_;
  std::string_view view_;
};

py::list token_range(const TokenCorpus& c, int64_t t0, int64_t t1) {
  py::list out(static_cast<size_t>(t1 - t0));
  for (int64_t t = t0; t < t1; ++t) {
    const auto tok = c.token(t);
    PyObject* s = PyUnicode_DecodeUTF8(tok.data(), static_cast<py::ssize_t>(tok.size()), "strict");
    if (!s) throw py::error_already_set();
    PyList_SET_ITEM(out.ptr(), static_cast<py::ssize_t>(t - t0), s);
  }
  return out;
}

int64_t check_sentence(const TokenCorpus& c, int64_t i) {
  const int64_t n = c.size();
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw py::index_error("sentence " + std::to_string(i) + " out of range (" + std::to_string(n) + " sentences)");
  return i;
}

/// The spans of a result as SpanArrays over the caller's arrays (kept alive by the holders `h`), checked.
struct SpanHolders {
  carray<int64_t> offsets;
  carray<int32_t> start, end, label, entity;
};

xlner::SpanArrays span_arrays(SpanHolders& h, const IntArray& offsets_arg, const IntArray& start_arg,
                              const IntArray& end_arg, const IntArray& label_arg, const IntArray& entity_arg,
                              const carray<double>& score, const carray<double>& objective) {
  h.entity = entity_arg.get<int32_t>("entity");
  h.label = label_arg.get<int32_t>("label");
  h.end = end_arg.get<int32_t>("end");
  h.start = start_arg.get<int32_t>("start");
  h.offsets = offsets_arg.get<int64_t>("offsets");
  const auto& offsets = h.offsets;
  const auto& start = h.start;
  const auto& end = h.end;
  const auto& label = h.label;
  const auto& entity = h.entity;
  check_1d(entity, check_span_columns(objective, offsets, start, end, label, score), "entity");
  xlner::SpanArrays s;
  s.n = objective.shape(0);
  s.offsets = offsets.data();
  s.start = start.data();
  s.end = end.data();
  s.label = label.data();
  s.entity = entity.data();
  s.score = score.data();
  s.objective = objective.data();
  return s;
}

void require_tokens(const TokenCorpus& c) {
  if (!c.has_tokens) throw std::invalid_argument(c.path + ": read with keep_tokens=False, tokens are not available");
}

}  // namespace

void register_io(py::module_& m) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const xlner::FormatError& e) {
      try {
        py::object cls = py::module_::import("xlner.io.errors").attr("FormatError");
        py::object sentence = e.sentence() >= 0 ? py::object(py::int_(e.sentence())) : py::object(py::none());
        py::object line = e.line() >= 0 ? py::object(py::int_(e.line())) : py::object(py::none());
        py::object exc = cls(e.path(), sentence, e.field(), e.detail(), line);
        PyErr_SetObject(cls.ptr(), exc.ptr());
      } catch (py::error_already_set&) {
        PyErr_SetString(PyExc_ValueError, e.what());
      }
    } catch (const xlner::FileError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });

  py::class_<TokenCorpus, std::shared_ptr<TokenCorpus>>(m, "TokenCorpus", R"doc(
Sentences of tokens and (optionally) IOB2 tag ids, indexed over one owned buffer. Prefer
xlner.io.TokenCorpus, which wraps it.

Tag ids: 0 = O, 2l+1 = B-<labels[l]>, 2l+2 = I-<labels[l]>.
)doc")
      .def("__len__", &TokenCorpus::size)
      .def_readonly("path", &TokenCorpus::path)
      .def_readonly("has_tokens", &TokenCorpus::has_tokens)
      .def_readonly("has_tags", &TokenCorpus::has_tags)
      .def_readonly("labels", &TokenCorpus::labels, "Label names; tag id 2l+1 is B-labels[l].")
      .def_property_readonly("n_tokens", &TokenCorpus::n_tokens)
      .def_property_readonly(
          "offsets", [](py::object self) { return readonly_view(self.cast<const TokenCorpus&>().sent_offsets, self); },
          "int64[N+1] token offsets of the sentences (read-only view).")
      .def_property_readonly(
          "tags", [](py::object self) { return readonly_view(self.cast<const TokenCorpus&>().tags, self); },
          "int32[n_tokens] tag ids (empty when read without tags; read-only view).")
      .def(
          "lengths", [](const TokenCorpus& c) { return to_numpy(c.lengths()); },
          "int32[N] number of tokens of each sentence.")
      .def(
          "tokens",
          [](const TokenCorpus& c, int64_t i) {
            require_tokens(c);
            i = check_sentence(c, i);
            return token_range(c, c.sent_offsets[i], c.sent_offsets[i + 1]);
          },
          py::arg("i"), "Tokens of sentence i as a list of str.")
      .def(
          "punctuation_mask",
          [](const TokenCorpus& c) {
            std::vector<uint8_t> m;
            {
              py::gil_scoped_release release;
              m = xlner::punctuation_mask(c);
            }
            return to_numpy(std::move(m));
          },
          "uint8[n_tokens]: 1 for tokens that Easy-Label-Projection treats as punctuation (every character of the "
          "whitespace-stripped token in string.punctuation; empty counts).")
      .def(
          "token_lists",
          [](const TokenCorpus& c) {
            require_tokens(c);
            py::list out(static_cast<size_t>(c.size()));
            for (int64_t i = 0; i < c.size(); ++i)
              PyList_SET_ITEM(out.ptr(), i, token_range(c, c.sent_offsets[i], c.sent_offsets[i + 1]).release().ptr());
            return out;
          },
          "Tokens of every sentence: list[list[str]].")
      .def(
          "tag_lists",
          [](const TokenCorpus& c) {
            if (!c.has_tags) throw std::invalid_argument(c.path + ": read without tags");
            const auto names = xlner::iob2_tag_names(c.labels);
            std::vector<py::str> strs(names.begin(), names.end());
            py::list out(static_cast<size_t>(c.size()));
            for (int64_t i = 0; i < c.size(); ++i) {
              const int64_t a = c.sent_offsets[i], b = c.sent_offsets[i + 1];
              py::list l(static_cast<size_t>(b - a));
              for (int64_t t = a; t < b; ++t) {
                py::str s = strs[static_cast<size_t>(c.tags[t])];
                PyList_SET_ITEM(l.ptr(), t - a, s.release().ptr());
              }
              PyList_SET_ITEM(out.ptr(), i, l.release().ptr());
            }
            return out;
          },
          "IOB2 tag strings of every sentence: list[list[str]].");

  m.def(
      "read_conll",
      [](const std::string& path, bool with_tags, bool keep_tokens, std::vector<std::string> labels) {
        xlner::ConllOptions opt;
        opt.with_tags = with_tags;
        opt.keep_tokens = keep_tokens;
        opt.labels = std::move(labels);
        py::gil_scoped_release release;
        return std::make_shared<TokenCorpus>(xlner::read_conll(path, opt));
      },
      py::arg("path"), py::kw_only(), py::arg("with_tags") = true, py::arg("keep_tokens") = true,
      py::arg("labels") = std::vector<std::string>{}, R"doc(
Read a CoNLL token/tag file (tab or space separated, blank line between sentences, -DOCSTART- lines kept
as one-token sentences, missing trailing blank line and CRLF accepted).

Arguments:
    path: the file.
    with_tags: read the last field as an IOB2 tag (error when missing).
    keep_tokens: keep the tokens (False: lengths and tags only).
    labels: initial label vocabulary; new labels are appended in order of appearance.
Returns:
    TokenCorpus.
Raises:
    xlner.io.FormatError naming the file, line, sentence (0-based) and field; OSError.
)doc");

  m.def(
      "parse_conll",
      [](const py::object& text, const std::string& path, bool with_tags, bool keep_tokens,
         std::vector<std::string> labels, bool skip_bom, int threads, std::vector<size_t> splits) {
        xlner::ConllOptions opt;
        opt.with_tags = with_tags;
        opt.keep_tokens = keep_tokens;
        opt.labels = std::move(labels);
        opt.skip_bom = skip_bom;
        opt.threads = threads;
        opt.splits = std::move(splits);
        const TextArg t(text);
        py::gil_scoped_release release;
        return std::make_shared<TokenCorpus>(xlner::parse_conll_view(t.view(), path, opt));
      },
      py::arg("text"), py::kw_only(), py::arg("path") = "<string>", py::arg("with_tags") = true,
      py::arg("keep_tokens") = true, py::arg("labels") = std::vector<std::string>{}, py::arg("skip_bom") = true,
      py::arg("threads") = 1, py::arg("splits") = std::vector<size_t>{},
      "Parse CoNLL text (bytes-like or str) held in memory; see read_conll. skip_bom=False keeps a leading "
      "byte-order mark as text (a block from the middle of a file). threads: parse pieces cut at sentence "
      "boundaries on this many threads (-1: all; texts under 1 MiB are parsed whole), merged into the result and "
      "the first error of the single-threaded parse; splits: explicit inner cut offsets of the pieces (each after "
      "a blank line; ValueError otherwise).");

  m.def(
      "read_tokens",
      [](const std::string& path, const std::string& format, bool keep_tokens) {
        py::gil_scoped_release release;
        if (format == "auto") return std::make_shared<TokenCorpus>(xlner::read_tokens(path, keep_tokens));
        if (format == "lines") return std::make_shared<TokenCorpus>(xlner::read_token_lines(path, keep_tokens));
        if (format == "conll") {
          xlner::ConllOptions opt;
          opt.with_tags = false;
          opt.keep_tokens = keep_tokens;
          return std::make_shared<TokenCorpus>(xlner::read_conll(path, opt));
        }
        throw std::invalid_argument("format must be 'auto', 'conll' or 'lines', got '" + format + "'");
      },
      py::arg("path"), py::kw_only(), py::arg("format") = "auto", py::arg("keep_tokens") = true, R"doc(
Read target tokens: CoNLL (tags ignored) or one sentence of whitespace-separated tokens per line.

Arguments:
    format: 'auto' (CoNLL when the first non-blank line has a tab or a blank line follows text in the
        first 64 KiB), 'conll' or 'lines'.
Returns:
    TokenCorpus without tags.
)doc");

  m.def(
      "parse_token_lines",
      [](const py::object& text, const std::string& path, bool keep_tokens, bool skip_bom, int threads,
         const std::vector<size_t>& splits) {
        const TextArg t(text);
        py::gil_scoped_release release;
        return std::make_shared<TokenCorpus>(
            xlner::parse_token_lines(std::string(t.view()), path, keep_tokens, skip_bom, threads, splits));
      },
      py::arg("text"), py::kw_only(), py::arg("path") = "<string>", py::arg("keep_tokens") = true,
      py::arg("skip_bom") = true, py::arg("threads") = 1, py::arg("splits") = std::vector<size_t>{},
      "Parse one-sentence-per-line text held in memory (skip_bom, threads, splits: see parse_conll; splits after "
      "line breaks).");

  m.def(
      "looks_like_conll", [](const py::object& head) { return xlner::looks_like_conll(bytes_or_str(head)); },
      py::arg("head"), "True when the start of a file looks like CoNLL rather than one sentence per line.");

  m.def(
      "corpus_from_lists",
      [](const std::vector<std::vector<std::string>>& tokens, std::optional<std::vector<std::vector<std::string>>> tags,
         std::vector<std::string> labels) {
        py::gil_scoped_release release;
        auto c = std::make_shared<TokenCorpus>(
            xlner::corpus_from_lists(tokens, tags ? &*tags : nullptr, std::move(labels)));
        return c;
      },
      py::arg("tokens"), py::arg("tags") = py::none(), py::kw_only(), py::arg("labels") = std::vector<std::string>{},
      R"doc(
Build a TokenCorpus from lists of tokens (and IOB2 tag strings) per sentence, e.g. to write it.

Raises:
    ValueError naming the sentence and field for empty tokens, tokens with a tab or line break,
    non-IOB2 tags, or tag lists whose length differs from the tokens'.
)doc");

  m.def(
      "write_conll",
      [](const std::string& path, const TokenCorpus& tokens, const IntArray& tags_arg,
         const std::vector<std::string>& tag_names, const std::string& sep, int threads) {
        const auto tags = tags_arg.get<int32_t>("tags");
        check_1d(tags, -1, "tags");
        if (sep.size() != 1) throw std::invalid_argument("sep must be one character");
        py::gil_scoped_release release;
        xlner::write_conll(path, tokens, tags.data(), tags.shape(0), tag_names, sep[0], threads);
      },
      py::arg("path"), py::arg("tokens"), py::arg("tags"), py::arg("tag_names"), py::kw_only(),
      py::arg("sep") = "\t", py::arg("threads") = -1, R"doc(
Write CoNLL: `token<sep>tag_names[tags[t]]` per token, a blank line after each sentence.

Arguments:
    path: output file.
    tokens: TokenCorpus (with tokens).
    tags: int32[n_tokens] tag ids.
    tag_names: names of the tag ids (for IOB2 ids: iob2_tag_names(labels)).
    sep: separator between token and tag.
    threads: formatting threads (-1: all cores).
)doc");

  m.def("iob2_tag_names", &xlner::iob2_tag_names, py::arg("labels"),
        "Tag names of the IOB2 tag ids for a label vocabulary: ['O', 'B-l0', 'I-l0', ...].");

  m.def(
      "read_talp",
      [](const std::string& path, bool one_based, bool allow_possible) {
        xlner::TalpOptions opt;
        opt.one_based = one_based;
        opt.allow_possible = allow_possible;
        xlner::Alignments a;
        {
          py::gil_scoped_release release;
          a = xlner::read_talp(path, opt);
        }
        return alignments_to_dict(std::move(a));
      },
      py::arg("path"), py::kw_only(), py::arg("one_based") = false, py::arg("allow_possible") = false, R"doc(
Read a Pharaoh/talp alignment file: one line per sentence of `i-j` pairs (source first).

Arguments:
    one_based: indices start at 1 in the file (gold files); returned 0-based.
    allow_possible: accept `ipj` possible links (gold files).
Returns:
    dict: offsets int64[N+1], src int32[A], tgt int32[A], possible uint8[A] (1 = possible link).
Raises:
    xlner.io.FormatError naming the file, line, sentence (0-based) and pair.
)doc");

  m.def(
      "parse_talp",
      [](const py::object& text, const std::string& path, bool one_based, bool allow_possible, bool skip_bom,
         int threads, std::vector<size_t> splits) {
        xlner::TalpOptions opt;
        opt.one_based = one_based;
        opt.allow_possible = allow_possible;
        opt.skip_bom = skip_bom;
        opt.threads = threads;
        opt.splits = std::move(splits);
        const TextArg t(text);
        xlner::Alignments a;
        {
          py::gil_scoped_release release;
          a = xlner::parse_talp(t.view(), path, opt);
        }
        return alignments_to_dict(std::move(a));
      },
      py::arg("text"), py::kw_only(), py::arg("path") = "<string>", py::arg("one_based") = false,
      py::arg("allow_possible") = false, py::arg("skip_bom") = true, py::arg("threads") = 1,
      py::arg("splits") = std::vector<size_t>{},
      "Parse talp text held in memory, read in place; see read_talp (skip_bom, threads, splits: see parse_conll; "
      "splits after line breaks).");

  m.def(
      "check_alignments",
      [](const IntArray& offsets_arg, const IntArray& src_arg, const IntArray& tgt_arg,
         const IntArray& src_len_arg, const IntArray& tgt_len_arg, const std::string& path,
         const std::string& src_path, const std::string& tgt_path, int64_t first_sentence) {
        const auto tgt_len = tgt_len_arg.get<int32_t>("tgt_len");
        const auto src_len = src_len_arg.get<int32_t>("src_len");
        const auto tgt = tgt_arg.get<int32_t>("tgt");
        const auto src = src_arg.get<int32_t>("src");
        const auto offsets = offsets_arg.get<int64_t>("offsets");
        check_1d(offsets, -1, "offsets");
        check_1d(src, -1, "src");
        check_1d(tgt, src.shape(0), "tgt");
        check_1d(src_len, -1, "src_len");
        check_1d(tgt_len, src_len.shape(0), "tgt_len");
        const int64_t n_aln = offsets.shape(0) - 1;
        if (n_aln < 0) throw std::invalid_argument("field offsets: needs at least one element");
        const int64_t* off = offsets.data();
        xlner::check_offsets(off, n_aln, src.shape(0), "offsets");
        py::gil_scoped_release release;
        xlner::check_alignments(path, off, n_aln, src.data(), tgt.data(), src_len.data(), tgt_len.data(),
                                src_len.shape(0), src_path, tgt_path, first_sentence);
      },
      py::arg("offsets"), py::arg("src"), py::arg("tgt"), py::arg("src_len"), py::arg("tgt_len"), py::kw_only(),
      py::arg("path"), py::arg("src_path"), py::arg("tgt_path"), py::arg("first_sentence") = 0, R"doc(
Check alignments against the sentence lengths of both sides: same number of sentences, every index inside
its sentence. first_sentence: index of the first sentence in the whole file (blocks of a streamed file).

Raises:
    xlner.io.FormatError naming the alignment file, sentence, pair and the file it overruns.
)doc");

  m.def(
      "write_spans_jsonl",
      [](const std::string& path, const IntArray& offsets_arg, const IntArray& start_arg,
         const IntArray& end_arg, const IntArray& label_arg, const IntArray& entity_arg,
         const carray<double>& score, const carray<double>& objective, const std::vector<std::string>& labels,
         int threads) {
        SpanHolders h;
        const xlner::SpanArrays s =
            span_arrays(h, offsets_arg, start_arg, end_arg, label_arg, entity_arg, score, objective);
        py::gil_scoped_release release;
        xlner::write_spans_jsonl(path, s, labels, threads);
      },
      py::arg("path"), py::arg("offsets"), py::arg("start"), py::arg("end"), py::arg("label"), py::arg("entity"),
      py::arg("score"), py::arg("objective"), py::arg("labels"), py::kw_only(), py::arg("threads") = -1, R"doc(
Write projected spans as JSON lines, one object per sentence:
{"objective": float, "spans": [{"start", "end", "label", "entity", "score"}]} (end exclusive).

Arguments:
    offsets: int64[N+1] CSR offsets; start, end, label, entity: int32[K]; score: float64[K];
    objective: float64[N]; labels: label names of the label ids.
)doc");

  m.def(
      "format_spans_jsonl",
      [](const IntArray& offsets_arg, const IntArray& start_arg, const IntArray& end_arg, const IntArray& label_arg,
         const IntArray& entity_arg, const carray<double>& score, const carray<double>& objective,
         const std::vector<std::string>& labels, int threads) {
        SpanHolders h;
        const xlner::SpanArrays s =
            span_arrays(h, offsets_arg, start_arg, end_arg, label_arg, entity_arg, score, objective);
        std::string out;
        {
          py::gil_scoped_release release;
          out = xlner::format_spans_jsonl(s, labels, threads);
        }
        return py::bytes(out);
      },
      py::arg("offsets"), py::arg("start"), py::arg("end"), py::arg("label"), py::arg("entity"), py::arg("score"),
      py::arg("objective"), py::arg("labels"), py::kw_only(), py::arg("threads") = -1,
      "write_spans_jsonl into bytes (for streaming and compressed outputs).");

  m.def(
      "format_conll",
      [](const TokenCorpus& tokens, const IntArray& tags_arg, const std::vector<std::string>& tag_names,
         const std::string& sep, int threads) {
        const auto tags = tags_arg.get<int32_t>("tags");
        check_1d(tags, -1, "tags");
        if (sep.size() != 1) throw std::invalid_argument("sep must be one character");
        py::bytes out;
        {
          py::gil_scoped_release release;
          xlner::format_conll_into(tokens, tags.data(), tags.shape(0), tag_names, sep[0], threads, [&](size_t size) {
            py::gil_scoped_acquire acquire;  // the bytes object is made once, then written without the GIL
            out = py::reinterpret_steal<py::bytes>(PyBytes_FromStringAndSize(nullptr, static_cast<py::ssize_t>(size)));
            if (!out) throw py::error_already_set();
            return PyBytes_AS_STRING(out.ptr());
          });
        }
        return out;
      },
      py::arg("tokens"), py::arg("tags"), py::arg("tag_names"), py::kw_only(), py::arg("sep") = "\t",
      py::arg("threads") = -1, "write_conll into bytes (for streaming and compressed outputs).");

  m.def(
      "sentence_splits",
      [](const py::object& text, int pieces, bool conll) {
        const TextArg t(text);
        py::gil_scoped_release release;
        return xlner::sentence_splits(t.view(), pieces, conll);
      },
      py::arg("text"), py::arg("pieces"), py::kw_only(), py::arg("conll"),
      "The inner cut offsets at which a parse on `pieces` threads splits the text (sentence boundaries, about "
      "equal sizes; see parse_conll).");

  m.def(
      "cut_sentences",
      [](const py::buffer& buf, int64_t max_sentences, bool conll, bool at_eof) {
        const py::buffer_info info = buf.request();
        if (info.ndim != 1 || info.itemsize != 1) throw std::invalid_argument("cut_sentences: expected bytes");
        if (max_sentences < 0) throw std::invalid_argument("max_sentences must be >= 0");
        const std::string_view view(static_cast<const char*>(info.ptr), static_cast<size_t>(info.size));
        xlner::ChunkCut c;
        {
          py::gil_scoped_release release;
          c = xlner::cut_sentences(view, max_sentences, conll, at_eof);
        }
        return py::make_tuple(c.bytes, c.sentences, c.lines);
      },
      py::arg("buf"), py::arg("max_sentences"), py::kw_only(), py::arg("conll"), py::arg("at_eof"), R"doc(
The longest prefix of a block of text (bytes-like) that holds at most max_sentences whole sentences.

Arguments:
    conll: sentences are runs of non-blank lines (CoNLL); otherwise one sentence per line (token lines, talp).
    at_eof: the block is the rest of the file (its last line counts without a line break).
Returns:
    (bytes, sentences, lines) of the prefix.
)doc");
}

}  // namespace xlner_py
