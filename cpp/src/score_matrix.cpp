#include "xlner/score_matrix.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace xlner {

void validate_scores(const BatchView& b, const ScoreView& v) {
  check_offsets(v.offsets, b.n, v.total, "score_offsets");
  for (int64_t i = 0; i < b.n; ++i) {
    const int64_t n_ent = b.ent_offsets[i + 1] - b.ent_offsets[i];
    for (int64_t k = v.offsets[i]; k < v.offsets[i + 1]; ++k) {
      if (v.ent[k] < 0 || v.ent[k] >= n_ent)
        throw std::out_of_range(where(i, "score_ent") + "entity index " + std::to_string(v.ent[k]) +
                                " out of range for " + std::to_string(n_ent) + " entities");
      if (v.start[k] < 0 || v.end[k] > b.tgt_len[i])
        throw std::out_of_range(where(i, "score_start/score_end") + "candidate [" + std::to_string(v.start[k]) +
                                ", " + std::to_string(v.end[k]) + ") lies past the target sentence of length " +
                                std::to_string(b.tgt_len[i]));
      if (v.end[k] <= v.start[k])
        throw std::invalid_argument(where(i, "score_start/score_end") + "empty candidate span");
      if (!std::isfinite(v.score[k])) throw std::invalid_argument(where(i, "score") + "score is not finite");
    }
  }
}

}  // namespace xlner
