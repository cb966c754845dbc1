/// @file score_matrix.hpp
/// @brief Sparse entity × candidate score matrices of a batch (CSR over sentences): owned (ScoreBatch,
/// what the score functions return) and viewed (ScoreView, what the solvers read), and their check.
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"

namespace xlner {

/// Sparse score matrices of a batch in CSR form over sentences.
struct ScoreBatch {
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> ent, start, end;
  std::vector<double> score;
};

/// Non-owning view of externally computed score matrices (CSR over the batch's sentences).
struct ScoreView {
  const int64_t* offsets = nullptr;
  const int32_t* ent = nullptr;
  const int32_t* start = nullptr;
  const int32_t* end = nullptr;
  const double* score = nullptr;
  int64_t total = 0;
};

/// Check a score view against its batch (entity indices, spans inside the target, finite scores);
/// throws naming the sentence and field.
void validate_scores(const BatchView& b, const ScoreView& s);

}  // namespace xlner
