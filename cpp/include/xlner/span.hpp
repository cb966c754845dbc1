/// @file span.hpp
/// @brief Half-open token spans [start, end) and overlap tests.
#pragma once
#include <cstdint>

namespace xlner {

/// A half-open token range [start, end) inside one sentence.
struct Span {
  int32_t start = 0;
  int32_t end = 0;
  /// Number of tokens covered.
  int32_t length() const { return end - start; }
  bool operator==(const Span& o) const { return start == o.start && end == o.end; }
  bool operator!=(const Span& o) const { return !(*this == o); }
  /// Candidate order used everywhere for ties: start ascending, then end ascending.
  bool operator<(const Span& o) const { return start != o.start ? start < o.start : end < o.end; }
};

/// True when two half-open spans share at least one token.
inline bool overlaps(const Span& a, const Span& b) { return a.start < b.end && b.start < a.end; }

}  // namespace xlner
