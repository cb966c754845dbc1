#include "xlner/tagging.hpp"

#include <stdexcept>
#include <string>

namespace xlner {

void tags_to_spans(const int32_t* tags, int32_t n, std::vector<Entity>& out) {
  int32_t start = -1, label = -1;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t t = tags[i];
    if (t < 0) throw std::invalid_argument("negative tag id " + std::to_string(t) + " at token " + std::to_string(i));
    const bool outside = t == 0;
    const int32_t lab = outside ? -1 : tag_label(t);
    // End of the open chunk: O, a B, or a type change.
    if (start >= 0 && (outside || tag_is_b(t) || lab != label)) {
      out.push_back(Entity{Span{start, i}, label});
      start = -1;
    }
    if (!outside && start < 0) {  // B-X, I-X after O, I-X after another type
      start = i;
      label = lab;
    }
  }
  if (start >= 0) out.push_back(Entity{Span{start, n}, label});
}

void spans_to_tags(int32_t n, const Entity* spans, int64_t k, int32_t* tags) {
  for (int32_t i = 0; i < n; ++i) tags[i] = 0;
  for (int64_t s = 0; s < k; ++s) {
    const Span sp = spans[s].span;
    if (sp.start < 0 || sp.end > n)
      throw std::out_of_range("span [" + std::to_string(sp.start) + ", " + std::to_string(sp.end) +
                              ") lies past the sentence of length " + std::to_string(n));
    if (sp.end <= sp.start)
      throw std::invalid_argument("empty span [" + std::to_string(sp.start) + ", " + std::to_string(sp.end) + ")");
    if (spans[s].label < 0) throw std::invalid_argument("negative label id " + std::to_string(spans[s].label));
    for (int32_t i = sp.start; i < sp.end; ++i) {
      if (tags[i] != 0)
        throw std::invalid_argument("span [" + std::to_string(sp.start) + ", " + std::to_string(sp.end) +
                                    ") overlaps another span at token " + std::to_string(i));
      tags[i] = i == sp.start ? tag_b(spans[s].label) : tag_i(spans[s].label);
    }
  }
}

}  // namespace xlner
