/// @file batch.hpp
/// @brief Validated, non-owning views over the flat CSR arrays of a projection batch (see docs/architecture.md),
/// and the flat result arrays that come back.
#pragma once
#include <cstdint>
#include <climits>
#include <string>
#include <vector>

#include "xlner/span.hpp"

namespace xlner {

/// Largest label id: its IOB2 tag ids 2l + 1 and 2l + 2 (tagging.hpp) must fit int32.
constexpr int32_t kMaxLabel = (INT32_MAX - 2) / 2;

/// One source entity: its token span in the source sentence and its label id.
struct Entity {
  Span span;
  int32_t label = 0;
};

/// One alignment link: source word index, target word index (0-based).
struct Link {
  int32_t src = 0;
  int32_t tgt = 0;
};

/// Non-owning view of one sentence pair of a batch.
struct SentenceView {
  int64_t index = 0;  ///< sentence number in the batch
  int32_t src_len = 0;
  int32_t tgt_len = 0;
  const int32_t* ent_start = nullptr;
  const int32_t* ent_end = nullptr;
  const int32_t* ent_label = nullptr;
  int32_t n_ent = 0;
  const int32_t* aln_src = nullptr;
  const int32_t* aln_tgt = nullptr;
  int64_t n_aln = 0;
  const int32_t* cand_start = nullptr;  ///< external candidates (may be null)
  const int32_t* cand_end = nullptr;
  int64_t n_cand = 0;
  Span entity(int32_t e) const { return Span{ent_start[e], ent_end[e]}; }
};

/// Non-owning view of a whole batch in CSR form. Offsets arrays have n + 1 entries.
/// Validate once with validate() before handing it to any algorithm.
struct BatchView {
  int64_t n = 0;
  const int32_t* src_len = nullptr;
  const int32_t* tgt_len = nullptr;
  const int64_t* ent_offsets = nullptr;
  const int32_t* ent_start = nullptr;
  const int32_t* ent_end = nullptr;
  const int32_t* ent_label = nullptr;
  const int64_t* aln_offsets = nullptr;
  const int32_t* aln_src = nullptr;
  const int32_t* aln_tgt = nullptr;
  /// Optional external candidate spans (CSR); null when absent.
  const int64_t* cand_offsets = nullptr;
  const int32_t* cand_start = nullptr;
  const int32_t* cand_end = nullptr;

  /// The i-th sentence pair.
  SentenceView sentence(int64_t i) const {
    SentenceView s;
    s.index = i;
    s.src_len = src_len[i];
    s.tgt_len = tgt_len[i];
    int64_t eb = ent_offsets[i], ee = ent_offsets[i + 1];
    s.ent_start = ent_start + eb;
    s.ent_end = ent_end + eb;
    s.ent_label = ent_label + eb;
    s.n_ent = static_cast<int32_t>(ee - eb);
    int64_t ab = aln_offsets[i], ae = aln_offsets[i + 1];
    s.aln_src = aln_src + ab;
    s.aln_tgt = aln_tgt + ab;
    s.n_aln = ae - ab;
    if (cand_offsets) {
      int64_t cb = cand_offsets[i], ce = cand_offsets[i + 1];
      s.cand_start = cand_start + cb;
      s.cand_end = cand_end + cb;
      s.n_cand = ce - cb;
    }
    return s;
  }
};

/// Check CSR offsets over `n` sentences into a flat array of `total` items: `off[0] == 0`, non-decreasing,
/// `off[n] == total`. The one offsets check of the core; throws std::invalid_argument naming the field
/// (and the sentence where the offsets decrease).
void check_offsets(const int64_t* off, int64_t n, int64_t total, const char* field);

/// Check every invariant of a batch; throws std::invalid_argument (offsets, lengths, empty spans)
/// or std::out_of_range (indices past a sentence) with a message naming the sentence and field.
/// `n_ent_total`, `n_aln_total`, `n_cand_total` are the sizes of the flat arrays.
void validate(const BatchView& b, int64_t n_ent_total, int64_t n_aln_total, int64_t n_cand_total = 0);

/// Owning storage of a batch: the arrays of a BatchView as vectors (candidates absent when
/// `cand_offsets` is empty).
struct BatchData {
  std::vector<int32_t> src_len, tgt_len, ent_start, ent_end, ent_label, aln_src, aln_tgt, cand_start, cand_end;
  std::vector<int64_t> ent_offsets{0}, aln_offsets{0}, cand_offsets;
  /// The arrays as a view (not validated; valid while the vectors are not resized).
  BatchView view() const;
  /// view() after validate() (throws what validate throws).
  BatchView validated() const;
};

/// Flat results of projecting a batch: CSR over sentences of projected target spans.
struct ProjectionOutput {
  std::vector<int64_t> offsets;  ///< n + 1
  std::vector<int32_t> start, end, label, entity;
  std::vector<double> score;
  std::vector<double> objective;  ///< per sentence: sum of the chosen scores
  std::vector<int8_t> status;     ///< per sentence: 0 solved, 1 infeasible (left unprojected), 2 time limit

  /// Append one projected span to the sentence being built.
  void push(Span s, int32_t lab, int32_t ent, double sc) {
    start.push_back(s.start);
    end.push_back(s.end);
    label.push_back(lab);
    entity.push_back(ent);
    score.push_back(sc);
  }
  /// Close the current sentence.
  void close_sentence(double obj, int8_t st = 0) {
    offsets.push_back(static_cast<int64_t>(start.size()));
    objective.push_back(obj);
    status.push_back(st);
  }
  /// Concatenate per-chunk outputs (each with its own leading 0 offset) in order.
  static ProjectionOutput concat(std::vector<ProjectionOutput>& parts);
  ProjectionOutput() { offsets.push_back(0); }
};

/// Human-readable message prefix "sentence i, field f: ".
std::string where(int64_t sentence, const char* field);

}  // namespace xlner
