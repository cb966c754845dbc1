/// @file tagging.hpp
/// @brief Spans ⇄ IOB2 tag ids with seqeval semantics.
///
/// Tag ids: 0 = O, 2·l + 1 = B-l, 2·l + 2 = I-l for label id l (the label vocabulary lives in Python).
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"

namespace xlner {

inline int32_t tag_b(int32_t label) { return 2 * label + 1; }
inline int32_t tag_i(int32_t label) { return 2 * label + 2; }
/// Label id of a non-O tag id.
inline int32_t tag_label(int32_t tag) { return (tag - 1) / 2; }
inline bool tag_is_b(int32_t tag) { return tag > 0 && (tag % 2) == 1; }

/// Entities of one IOB2 tag sequence with seqeval's (non-strict) chunking: an entity starts at B-X,
/// at I-X after O, and at I-X after a tag of another type; it ends before O, B-* or a type change.
/// Appends to `out`. Throws std::invalid_argument for negative tag ids.
void tags_to_spans(const int32_t* tags, int32_t n, std::vector<Entity>& out);

/// Write IOB2 tag ids for `n` tokens from non-overlapping spans (any order). Throws
/// std::invalid_argument for overlapping or empty spans, std::out_of_range for spans past `n`.
void spans_to_tags(int32_t n, const Entity* spans, int64_t k, int32_t* tags);

}  // namespace xlner
