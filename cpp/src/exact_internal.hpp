// Internal helpers of the exact solvers, shared by cpp/src/exact_*.cpp and ilp_model.cpp (not installed).
#pragma once
#include <cstdint>
#include <limits>
#include <vector>

#include "xlner/exact.hpp"

namespace xlner {
namespace exact_detail {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Column orders: end, start, entity ascending / start, end, entity ascending.
bool by_end(const ScoreEntry& a, const ScoreEntry& b);
bool by_start(const ScoreEntry& a, const ScoreEntry& b);

/// Remove the columns with score <= 0.
void drop_non_positive(std::vector<ScoreEntry>& cols);

/// Per entity, the largest number of pairwise disjoint columns (earliest-end greedy, optimal for
/// interval scheduling). `cols` must be sorted by end.
void max_disjoint(const std::vector<ScoreEntry>& cols, int32_t n_ent, std::vector<int32_t>& m,
                  std::vector<int32_t>& last_end);

/// Whether an entity with `m_e` pairwise disjoint columns needs a count row / DP digit.
bool count_matters(const Constraint& c, int32_t m_e);

/// Sum of the chosen scores in span order (the same order in the DP and the ILP decoder).
double span_order_sum(const std::vector<ScoreEntry>& chosen);

/// The certificate's necessary condition (exact_certificate.cpp; `cols` sorted by end).
bool certificate_possible(const std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t cap, ExactScratch& sc);

/// Greedy's optimality certificate (exact_certificate.cpp); on success the assignment is in `sc.chosen`.
bool greedy_certificate(const std::vector<ScoreEntry>& cols, int32_t n_ent, int32_t tgt_len, const Constraint& c,
                        bool free_fill, ExactScratch& sc);

}  // namespace exact_detail
}  // namespace xlner
