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

}  // namespace xlner
