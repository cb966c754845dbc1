#include "xlner/candidates.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace xlner {

CandidateMode parse_candidate_mode(const std::string& m) {
  if (m == "ngrams") return CandidateMode::Ngrams;
  if (m == "aligned") return CandidateMode::AlignedRanges;
  if (m == "external") return CandidateMode::External;
  throw std::invalid_argument("candidates must be 'ngrams', 'aligned' or 'external', got '" + m + "'");
}

void ngram_candidates(int32_t tgt_len, int32_t max_len, std::vector<Span>& out) {
  if (max_len < 1) throw std::invalid_argument("max_len must be >= 1, got " + std::to_string(max_len));
  out.clear();
  for (int32_t s = 0; s < tgt_len; ++s) {
    const int32_t last = std::min(tgt_len, s + max_len);
    for (int32_t e = s + 1; e <= last; ++e) out.push_back(Span{s, e});
  }
}

}  // namespace xlner
