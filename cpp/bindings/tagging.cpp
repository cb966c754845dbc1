#include <limits>

#include "common.hpp"
#include "xlner/parallel.hpp"
#include "xlner/tagging.hpp"

namespace xlner_py {

using xlner::kMaxLabel;

void register_tagging(py::module_& m) {
  m.def(
      "tags_to_spans",
      [](const IntArray& offsets_arg, const IntArray& tags_arg, int threads) {
        const auto offsets = offsets_arg.get<int64_t>("offsets");
        const auto tags = tags_arg.get<int32_t>("tags");
        check_1d(offsets, -1, "offsets");
        check_1d(tags, -1, "tags");
        const int64_t n = offsets.shape(0) - 1;
        if (n < 0) throw std::invalid_argument("field offsets: needs at least one element");
        const int64_t* off = offsets.data();
        xlner::check_offsets(off, n, tags.shape(0), "offsets");
        const int32_t* t = tags.data();
        // each chunk of sentences appends its entities to its own vector (no allocation per sentence); the
        // chunks are contiguous and in order, so their concatenation is in sentence order
        const int64_t chunks = xlner::default_chunks(n, threads);
        std::vector<std::vector<xlner::Entity>> part(static_cast<size_t>(chunks));
        std::vector<int64_t> o(static_cast<size_t>(n) + 1, 0);
        std::vector<int32_t> s, e, l;
        {
          py::gil_scoped_release release;
          xlner::parallel_chunks(n, threads, chunks, [&](int64_t c, int64_t lo, int64_t hi) {
            auto& v = part[static_cast<size_t>(c)];
            for (int64_t i = lo; i < hi; ++i) {
              try {
                xlner::tags_to_spans(t + off[i], static_cast<int32_t>(off[i + 1] - off[i]), v);
              } catch (const std::invalid_argument& e) {
                throw std::invalid_argument(xlner::where(i, "tags") + e.what());
              }
              o[static_cast<size_t>(i) + 1] = static_cast<int64_t>(v.size());  // within the chunk, made global below
            }
          });
          int64_t before = 0;  // entities of the chunks before
          for (int64_t c = 0; c < chunks; ++c) {
            const int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
            for (int64_t i = lo; i < hi; ++i) o[static_cast<size_t>(i) + 1] += before;
            before += static_cast<int64_t>(part[static_cast<size_t>(c)].size());
          }
          s.reserve(static_cast<size_t>(before));
          e.reserve(static_cast<size_t>(before));
          l.reserve(static_cast<size_t>(before));
          for (const auto& v : part)
            for (const auto& en : v) {
              s.push_back(en.span.start);
              e.push_back(en.span.end);
              l.push_back(en.label);
            }
        }
        py::dict d;
        d["offsets"] = to_numpy(std::move(o));
        d["start"] = to_numpy(std::move(s));
        d["end"] = to_numpy(std::move(e));
        d["label"] = to_numpy(std::move(l));
        return d;
      },
      py::arg("offsets"), py::arg("tags"), py::kw_only(), py::arg("threads") = -1, R"doc(
IOB2 tag ids (0 = O, 2l+1 = B-l, 2l+2 = I-l) to entity spans with seqeval semantics, for a batch.

Arguments:
    offsets: int64[N+1] sentence offsets into tags.
    tags: int32 tag ids.
Returns:
    dict: offsets[N+1], start, end (exclusive), label.
)doc");

  m.def(
      "spans_to_tags",
      [](const IntArray& lengths_arg, const IntArray& offsets_arg, const IntArray& start_arg, const IntArray& end_arg,
         const IntArray& label_arg, int threads) {
        const auto lengths = lengths_arg.get<int32_t>("lengths");
        const auto offsets = offsets_arg.get<int64_t>("offsets");
        const auto start = start_arg.get<int32_t>("start");
        const auto end = end_arg.get<int32_t>("end");
        const auto label = label_arg.get<int32_t>("label");
        check_1d(lengths, -1, "lengths");
        const int64_t n = lengths.shape(0);
        check_1d(offsets, n + 1, "offsets");
        check_1d(start, -1, "start");
        check_1d(end, start.shape(0), "end");
        check_1d(label, start.shape(0), "label");
        const int64_t* off = offsets.data();
        xlner::check_offsets(off, n, start.shape(0), "offsets");
        std::vector<int64_t> tok_off(static_cast<size_t>(n) + 1, 0);
        for (int64_t i = 0; i < n; ++i) {
          if (lengths.data()[i] < 0) throw std::invalid_argument(xlner::where(i, "lengths") + "negative length");
          tok_off[i + 1] = tok_off[i] + lengths.data()[i];
          // tag ids are 2l+1 and 2l+2: the label must leave room for them in int32
          for (int64_t k = off[i]; k < off[i + 1]; ++k)
            if (label.data()[k] < 0 || label.data()[k] > kMaxLabel)
              throw std::overflow_error(xlner::where(i, "label") + "label id " + std::to_string(label.data()[k]) +
                                        " out of range 0.." + std::to_string(kMaxLabel));
        }
        std::vector<int32_t> tags(static_cast<size_t>(tok_off[n]));
        const int32_t *s = start.data(), *e = end.data(), *l = label.data();
        {
          py::gil_scoped_release release;
          xlner::parallel_chunks(n, threads, xlner::default_chunks(n, threads), [&](int64_t, int64_t lo, int64_t hi) {
            std::vector<xlner::Entity> buf;
            for (int64_t i = lo; i < hi; ++i) {
              buf.clear();
              for (int64_t k = off[i]; k < off[i + 1]; ++k) buf.push_back(xlner::Entity{xlner::Span{s[k], e[k]}, l[k]});
              try {
                xlner::spans_to_tags(static_cast<int32_t>(tok_off[i + 1] - tok_off[i]), buf.data(),
                                     static_cast<int64_t>(buf.size()), tags.data() + tok_off[i]);
              } catch (const std::out_of_range& ex) {
                throw std::out_of_range(xlner::where(i, "start/end") + ex.what());
              } catch (const std::invalid_argument& ex) {
                throw std::invalid_argument(xlner::where(i, "start/end") + ex.what());
              }
            }
          });
        }
        return to_numpy(std::move(tags));
      },
      py::arg("lengths"), py::arg("offsets"), py::arg("start"), py::arg("end"), py::arg("label"), py::kw_only(),
      py::arg("threads") = -1, R"doc(
Non-overlapping spans (CSR over sentences) to IOB2 tag ids, for a batch.

Returns:
    int32 tag ids, sentence after sentence (sum(lengths) values).
)doc");
}

}  // namespace xlner_py
