/// @file io/jsonl.hpp
/// @brief The JSON-lines output of projected spans (one object per sentence).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace xlner {

/// Flat projected spans of a corpus (CSR over sentences), as the writers take them.
struct SpanArrays {
  int64_t n = 0;
  const int64_t* offsets = nullptr;  ///< n + 1
  const int32_t* start = nullptr;
  const int32_t* end = nullptr;
  const int32_t* label = nullptr;
  const int32_t* entity = nullptr;
  const double* score = nullptr;
  const double* objective = nullptr;  ///< n
};

/// Write one JSON object per sentence:
/// {"objective": float, "spans": [{"start": int, "end": int, "label": str, "entity": int, "score": float}]}.
/// Floats are written in the shortest form that reads back exactly (NaN / Infinity as Python's json does).
void write_spans_jsonl(const std::string& path, const SpanArrays& spans, const std::vector<std::string>& labels,
                       int threads = -1);

/// write_spans_jsonl into a string instead of a file.
std::string format_spans_jsonl(const SpanArrays& spans, const std::vector<std::string>& labels, int threads = -1);

/// Flat combined spans of several sources (CSR over sentences) with the support of each span: span k is
/// supported by (support_source[j], support_entity[j]) for support_offsets[k] <= j < support_offsets[k+1].
struct MultiSpanArrays {
  int64_t n = 0;
  const int64_t* offsets = nullptr;  ///< n + 1
  const int32_t* start = nullptr;
  const int32_t* end = nullptr;
  const int32_t* label = nullptr;
  const double* score = nullptr;
  const double* votes = nullptr;
  const int64_t* support_offsets = nullptr;  ///< spans + 1
  const int32_t* support_source = nullptr;
  const int32_t* support_entity = nullptr;
  const double* objective = nullptr;  ///< n
  int64_t n_support = 0;              ///< size of support_source / support_entity
};

/// One JSON object per sentence: {"objective": float, "spans": [{"start": int, "end": int, "label": str,
/// "score": float, "votes": float, "sources": [name or index, ...], "entities": [int, ...]}]}, with `sources`
/// the names of the supporting sources (`source_names[s]`; their indices when `source_names` is empty) and
/// `entities` their entity indices, in the same order. Floats as format_spans_jsonl writes them.
/// Throws std::invalid_argument naming the sentence and field for inconsistent arrays.
std::string format_multi_spans_jsonl(const MultiSpanArrays& spans, const std::vector<std::string>& labels,
                                     const std::vector<std::string>& source_names, int threads = -1);

}  // namespace xlner
