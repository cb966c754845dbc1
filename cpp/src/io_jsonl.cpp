#include "xlner/io/jsonl.hpp"

#include <charconv>
#include <cmath>

#include "io_detail.hpp"
#include "xlner/batch.hpp"

namespace xlner {

using namespace io_detail;  // NOLINT(google-build-using-namespace): the shared helpers of the io sources

namespace {

void append_double(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
    return;
  }
  if (std::isinf(x)) {
    out += x > 0 ? "Infinity" : "-Infinity";
    return;
  }
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  bool plain_int = true;
  for (char* q = buf; q < r.ptr; ++q)
    if (!(is_digit(*q) || *q == '-')) plain_int = false;
  out.append(buf, r.ptr);
  if (plain_int) out += ".0";  // keep floats recognisable as floats, as Python's json does
}

void append_int(std::string& out, int64_t x) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

/// `{"objective": x, "spans": [` of a sentence.
void open_sentence(std::string& buf, double objective) {
  buf += "{\"objective\": ";
  append_double(buf, objective);
  buf += ", \"spans\": [";
}

/// `{"start": a, "end": b, "label": "L"` of a span (its other fields and the closing brace follow).
void open_span(std::string& buf, int32_t start, int32_t end, const std::string& label) {
  buf += "{\"start\": ";
  append_int(buf, start);
  buf += ", \"end\": ";
  append_int(buf, end);
  buf += ", \"label\": ";
  append_json_string(buf, label);
}

/// Check the spans of `n` sentences that both writers take (CSR `offsets` from 0, never decreasing; every label
/// id a name of `labels`) and call `check(i, k)` on span k of sentence i for the writer's other columns.
template <class Check>
void check_spans(int64_t n, const int64_t* offsets, const int32_t* label, const std::vector<std::string>& labels,
                 Check&& check) {
  if (offsets[0] != 0) throw std::invalid_argument("field offsets: first offset must be 0");
  const int64_t n_labels = static_cast<int64_t>(labels.size());
  for (int64_t i = 0; i < n; ++i) {
    if (offsets[i + 1] < offsets[i]) throw std::invalid_argument(where(i, "offsets") + "offsets decrease");
    for (int64_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      if (label[k] < 0 || label[k] >= n_labels)
        throw std::invalid_argument(where(i, "label") + "label id " + std::to_string(label[k]) + " has no name (" +
                                    std::to_string(n_labels) + " labels)");
      check(i, k);
    }
  }
}

/// Check the arguments of write_spans_jsonl / format_spans_jsonl and return the formatter.
auto spans_formatter(const SpanArrays& s, const std::vector<std::string>& labels) {
  if (s.n < 0 || s.offsets == nullptr || s.objective == nullptr)
    throw std::invalid_argument("write_spans_jsonl: offsets and objective are required");
  check_spans(s.n, s.offsets, s.label, labels, [&s](int64_t i, int64_t k) {
    if (s.end[k] <= s.start[k] || s.start[k] < 0)
      throw std::invalid_argument(where(i, "start/end") + "empty or negative span [" + std::to_string(s.start[k]) +
                                  ", " + std::to_string(s.end[k]) + ")");
  });
  return [s, &labels](int64_t lo, int64_t hi, std::string& buf) {
    buf.reserve(static_cast<size_t>(hi - lo) * 40 + static_cast<size_t>(s.offsets[hi] - s.offsets[lo]) * 80);
    for (int64_t i = lo; i < hi; ++i) {
      open_sentence(buf, s.objective[i]);
      for (int64_t k = s.offsets[i]; k < s.offsets[i + 1]; ++k) {
        if (k > s.offsets[i]) buf += ", ";
        open_span(buf, s.start[k], s.end[k], labels[static_cast<size_t>(s.label[k])]);
        buf += ", \"entity\": ";
        append_int(buf, s.entity[k]);
        buf += ", \"score\": ";
        append_double(buf, s.score[k]);
        buf += '}';
      }
      buf += "]}\n";
    }
  };
}

}  // namespace

std::string format_multi_spans_jsonl(const MultiSpanArrays& s, const std::vector<std::string>& labels,
                                     const std::vector<std::string>& source_names, int threads) {
  if (s.n < 0 || s.offsets == nullptr || s.objective == nullptr || s.support_offsets == nullptr)
    throw std::invalid_argument("format_multi_spans_jsonl: offsets, support_offsets and objective are required");
  const int64_t n_names = static_cast<int64_t>(source_names.size());
  if (s.support_offsets[0] != 0) throw std::invalid_argument("field support_offsets: first offset must be 0");
  check_spans(s.n, s.offsets, s.label, labels, [&s, n_names](int64_t i, int64_t k) {
    if (s.support_offsets[k + 1] < s.support_offsets[k] || s.support_offsets[k + 1] > s.n_support)
      throw std::invalid_argument(where(i, "support_offsets") + "support offsets decrease or pass the support");
    for (int64_t j = s.support_offsets[k]; j < s.support_offsets[k + 1]; ++j)
      if (s.support_source[j] < 0 || (n_names > 0 && s.support_source[j] >= n_names))
        throw std::invalid_argument(where(i, "support_source") + "source " + std::to_string(s.support_source[j]) +
                                    " has no name (" + std::to_string(n_names) + " sources)");
  });
  return format_to_string(s.n, threads, [&s, &labels, &source_names, n_names](int64_t lo, int64_t hi,
                                                                              std::string& buf) {
    buf.reserve(static_cast<size_t>(hi - lo) * 40 + static_cast<size_t>(s.offsets[hi] - s.offsets[lo]) * 160);
    for (int64_t i = lo; i < hi; ++i) {
      open_sentence(buf, s.objective[i]);
      for (int64_t k = s.offsets[i]; k < s.offsets[i + 1]; ++k) {
        if (k > s.offsets[i]) buf += ", ";
        open_span(buf, s.start[k], s.end[k], labels[static_cast<size_t>(s.label[k])]);
        buf += ", \"score\": ";
        append_double(buf, s.score[k]);
        buf += ", \"votes\": ";
        append_double(buf, s.votes[k]);
        buf += ", \"sources\": [";
        for (int64_t j = s.support_offsets[k]; j < s.support_offsets[k + 1]; ++j) {
          if (j > s.support_offsets[k]) buf += ", ";
          if (n_names > 0)
            append_json_string(buf, source_names[static_cast<size_t>(s.support_source[j])]);
          else
            append_int(buf, s.support_source[j]);
        }
        buf += "], \"entities\": [";
        for (int64_t j = s.support_offsets[k]; j < s.support_offsets[k + 1]; ++j) {
          if (j > s.support_offsets[k]) buf += ", ";
          append_int(buf, s.support_entity[j]);
        }
        buf += "]}";
      }
      buf += "]}\n";
    }
  });
}

void write_spans_jsonl(const std::string& path, const SpanArrays& s, const std::vector<std::string>& labels,
                       int threads) {
  write_blocks(path, s.n, threads, spans_formatter(s, labels));
}

std::string format_spans_jsonl(const SpanArrays& s, const std::vector<std::string>& labels, int threads) {
  return format_to_string(s.n, threads, spans_formatter(s, labels));
}

}  // namespace xlner
