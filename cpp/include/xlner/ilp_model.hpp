/// @file ilp_model.hpp
/// @brief The matching ILP of a list of sentences for HiGHS (python/xlner/ilp.py solves it), built from
/// the columns of exact.hpp, and its decoder.
#pragma once
#include <cstdint>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/candidates.hpp"
#include "xlner/matching.hpp"

namespace xlner {

/// ILP of a list of sentences as independent blocks, in HiGHS's column-wise (CSC) form, maximise.
/// Per sentence k (batch sentence `sentences[k]`): its columns [col_offsets[k], col_offsets[k+1]) and
/// rows [row_offsets[k], row_offsets[k+1]).
/// Columns: x[e,t] (binary, cost = score); under a lower bound with free fill (alignment score), one
/// integer fill count y_e in [0, floor] per entity (cost 0) — unless at least E·floor words are
/// untouched by every candidate: then the block is that of the constraint without its lower bound, and
/// either way decode_ilp meets the bound with fill_lower_bound (`fill[k]`); under a remaining lower
/// bound, one continuous slack per entity in [0, floor] with cost −penalty, penalty = 1 + Σ|scores| of
/// the sentence, so that every block is feasible and a sentence is infeasible exactly when its optimal
/// slack is positive.
/// Rows: one count row per entity whose count can matter (a lower bound, or more disjoint candidates
/// than the cap), floor <= Σ_t x[e,t] (+ y_e + slack) <= cap; one clique row per maximal set of mutually
/// overlapping candidates (interval graph: a word j with a candidate ending at j+1 and a candidate
/// starting after the previous kept word), Σ x <= 1 — equivalent to the pairwise rows of docs/architecture.md on
/// integer points, with far fewer rows and nonzeros; rows with a single nonzero are left out; with fill
/// counts, a capacity row Σ_e y_e + Σ |t|·x[e,t] <= T.
struct IlpModel {
  std::vector<int64_t> sentences;
  std::vector<int64_t> col_offsets{0}, row_offsets{0};
  std::vector<int32_t> fill;  ///< per sentence: lower bound met by free fill when decoding (0: none)
  std::vector<int32_t> col_ent, col_start, col_end;  ///< slack: start = end = -1; fill count: -2
  std::vector<double> col_score, cost, col_upper;
  std::vector<int32_t> integrality;                  ///< 1 integer, 0 continuous (HighsVarType)
  std::vector<double> row_lower, row_upper;
  std::vector<int32_t> a_start{0}, a_index;
  std::vector<double> a_value;
  int64_t n_cols() const { return static_cast<int64_t>(cost.size()); }
  int64_t n_rows() const { return static_cast<int64_t>(row_lower.size()); }
};

/// Build the ILP of `sentences` (indices into the batch) with the alignment score.
IlpModel build_ilp_alignment(const BatchView& b, const std::vector<int64_t>& sentences, CandidateMode mode,
                             int32_t max_len, const Constraint& c, int threads);

/// Build the ILP of `sentences` from external score matrices.
IlpModel build_ilp_scored(const BatchView& b, const ScoreView& v, const std::vector<int64_t>& sentences,
                          const Constraint& c, int threads);

/// Turn a solution of `m` into a ProjectionOutput over m.sentences (in that order). `x` holds n_cols()
/// values (NaN where a block has no solution); `status[k]` is the solver's verdict for sentence k
/// (Solved or TimeLimit). x > 0.5 counts as chosen; a positive slack makes the sentence Infeasible.
ProjectionOutput decode_ilp(const BatchView& b, const IlpModel& m, const double* x, const int8_t* status);

}  // namespace xlner
