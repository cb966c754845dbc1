// Shared helpers of the bindings: array conversion without element-wise copies, the Batch class.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "xlner/batch.hpp"
#include "xlner/matching.hpp"

namespace xlner_py {
namespace py = pybind11;

template <class T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

/// Hand a vector to numpy without copying its elements: the vector moves into a capsule.
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& v) {
  auto* holder = new std::vector<T>(std::move(v));  // owned by the capsule below
  py::capsule free_when_done(holder, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(holder->size())}, {sizeof(T)}, holder->data(), free_when_done);
}

/// Check that `a` is one-dimensional with `n` elements (n < 0: any), naming the field otherwise.
template <class T>
void check_1d(const carray<T>& a, py::ssize_t n, const char* field) {
  if (a.ndim() != 1)
    throw std::invalid_argument(std::string("field ") + field + ": expected a 1-D array, got " +
                                std::to_string(a.ndim()) + " dimensions");
  if (n >= 0 && a.shape(0) != n)
    throw std::invalid_argument(std::string("field ") + field + ": expected " + std::to_string(n) +
                                " elements, got " + std::to_string(a.shape(0)));
}

/// A validated batch that keeps its numpy arrays alive.
struct PyBatch {
  carray<int32_t> src_len, tgt_len;
  carray<int64_t> ent_offsets;
  carray<int32_t> ent_start, ent_end, ent_label;
  carray<int64_t> aln_offsets;
  carray<int32_t> aln_src, aln_tgt;
  std::optional<carray<int64_t>> cand_offsets;
  std::optional<carray<int32_t>> cand_start, cand_end;
  xlner::BatchView view;

  PyBatch(carray<int32_t> src_len_, carray<int32_t> tgt_len_, carray<int64_t> ent_offsets_,
          carray<int32_t> ent_start_, carray<int32_t> ent_end_, carray<int32_t> ent_label_,
          carray<int64_t> aln_offsets_, carray<int32_t> aln_src_, carray<int32_t> aln_tgt_,
          std::optional<carray<int64_t>> cand_offsets_, std::optional<carray<int32_t>> cand_start_,
          std::optional<carray<int32_t>> cand_end_);

  int64_t size() const { return view.n; }
};

/// Check the shapes of sparse score arrays (CSR over the batch's sentences) and view them; the values
/// are validated by xlner::validate_scores.
xlner::ScoreView score_view(const PyBatch& b, const carray<int64_t>& offsets, const carray<int32_t>& ent,
                            const carray<int32_t>& start, const carray<int32_t>& end, const carray<double>& score);

/// Convert sparse score matrices (CSR) into a dict of numpy arrays: offsets, ent, start, end, score.
py::dict score_batch_to_dict(xlner::ScoreBatch&& out);

/// Convert a ProjectionOutput into a dict of numpy arrays (no element copies).
py::dict output_to_dict(xlner::ProjectionOutput&& out);

}  // namespace xlner_py
