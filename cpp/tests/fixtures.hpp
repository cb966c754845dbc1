// Test fixtures shared by the C++ tests: a small batch owned by vectors, viewed as a BatchView.
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"

namespace xlner_test {

/// Owning storage for a small batch: per-sentence lengths, entity and link CSR arrays.
///
/// Fill it either member by member (aggregate order: src lengths, tgt lengths, entity starts, ends,
/// labels, link sources, link targets, entity offsets, link offsets), e.g. one sentence of 3 source and
/// 5 target words with entity [0,3) labelled 0 and links (0,0), (1,1):
///     OwnedBatch o{{3}, {5}, {0}, {3}, {0}, {0, 1}, {0, 1}, {0, 1}, {0, 2}};
/// or sentence by sentence with add(). The views point into the vectors: elements may be changed after
/// view() (the pointers stay valid), sentences must not be added.
struct OwnedBatch {
  std::vector<int32_t> sl, tl, es, ee, el, as, at;
  std::vector<int64_t> eo{0}, ao{0};

  /// Append one sentence: its source and target lengths, entities and links.
  void add(int32_t src_len, int32_t tgt_len, const std::vector<xlner::Entity>& ents = {},
           const std::vector<xlner::Link>& links = {}) {
    sl.push_back(src_len);
    tl.push_back(tgt_len);
    for (const xlner::Entity& e : ents) {
      es.push_back(e.span.start);
      ee.push_back(e.span.end);
      el.push_back(e.label);
    }
    for (const xlner::Link& l : links) {
      as.push_back(l.src);
      at.push_back(l.tgt);
    }
    eo.push_back(static_cast<int64_t>(es.size()));
    ao.push_back(static_cast<int64_t>(as.size()));
  }

  /// The batch as a view, not validated (for tests of validation itself).
  xlner::BatchView view() const {
    xlner::BatchView b;
    b.n = static_cast<int64_t>(sl.size());
    b.src_len = sl.data();
    b.tgt_len = tl.data();
    b.ent_offsets = eo.data();
    b.ent_start = es.data();
    b.ent_end = ee.data();
    b.ent_label = el.data();
    b.aln_offsets = ao.data();
    b.aln_src = as.data();
    b.aln_tgt = at.data();
    return b;
  }

  /// view() after xlner::validate (throws what validate throws).
  xlner::BatchView checked() const {
    xlner::BatchView b = view();
    xlner::validate(b, static_cast<int64_t>(es.size()), static_cast<int64_t>(as.size()));
    return b;
  }
};

}  // namespace xlner_test
