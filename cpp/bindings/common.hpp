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

/// Check the columns every span writer takes, CSR over n sentences: objective[n], offsets[n+1] (valid over the
/// spans), and start, end, label and score of one length k (their other columns are the caller's); returns k.
inline py::ssize_t check_span_columns(const carray<double>& objective, const carray<int64_t>& offsets,
                                      const carray<int32_t>& start, const carray<int32_t>& end,
                                      const carray<int32_t>& label, const carray<double>& score) {
  check_1d(objective, -1, "objective");
  const py::ssize_t n = objective.shape(0);
  check_1d(offsets, n + 1, "offsets");
  check_1d(start, -1, "start");
  const py::ssize_t k = start.shape(0);
  check_1d(end, k, "end");
  check_1d(label, k, "label");
  check_1d(score, k, "score");
  xlner::check_offsets(offsets.data(), n, k, "offsets");
  return k;
}

/// A list or tuple (borrowed: the caller's object holds it), or any other sequence converted once to a list
/// (owned), with direct access to its items.
struct FastSeq {
  py::object owned;
  Py_ssize_t size = 0;
  PyObject** items = nullptr;
  /// False (error cleared) when `o` is not a sequence.
  bool open(PyObject* o) {
    if (PyList_CheckExact(o)) {
      size = PyList_GET_SIZE(o);
      items = reinterpret_cast<PyListObject*>(o)->ob_item;
      return true;
    }
    if (PyTuple_CheckExact(o)) {
      size = PyTuple_GET_SIZE(o);
      items = &PyTuple_GET_ITEM(o, 0);
      return true;
    }
    owned = py::reinterpret_steal<py::object>(PySequence_Fast(o, "not a sequence"));
    if (!owned) {
      PyErr_Clear();
      return false;
    }
    size = PySequence_Fast_GET_SIZE(owned.ptr());
    items = PySequence_Fast_ITEMS(owned.ptr());
    return true;
  }
};

/// An integer array argument as given (any array-like): converted by IntArray::get, which refuses
/// values that do not fit the C++ type instead of wrapping them (numpy's forcecast would turn 2**32 + 3
/// into 3).
struct IntArray {
  py::object obj;
  /// The values as a C-contiguous T array; OverflowError for values outside T's range, TypeError for
  /// non-integral values, both naming the field.
  template <class T>
  carray<T> get(const char* field) const;
};

/// A constraint argument: a str ('<=1') or an xlner._core.Constraint; get() parses the text with the
/// one parser, Constraint::parse (ValueError naming the text).
struct ConstraintArg {
  py::object obj;
  xlner::Constraint get() const;
};

/// A numpy view of `v`, owned by `owner` (kept alive by the array), read-only: the arrays of validated
/// objects cannot be changed behind the validation's back.
template <class T>
py::array_t<T> readonly_view(const std::vector<T>& v, py::handle owner) {
  py::array_t<T> a({static_cast<py::ssize_t>(v.size())}, {sizeof(T)}, v.data(), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

/// A validated batch that owns its arrays (copies of the caller's, so later changes to those cannot
/// reach the validated view); Python sees them as read-only views.
struct PyBatch {
  xlner::BatchData data;
  xlner::BatchView view;

  explicit PyBatch(xlner::BatchData&& d);
  int64_t size() const { return view.n; }
};

/// Check the shapes of sparse score arrays (CSR over the batch's sentences) and view them; the values
/// are validated by xlner::validate_scores.
/// The arrays (converted with IntArray::get) are kept alive by the returned holder.
struct ScoreArrays {
  carray<int64_t> offsets;
  carray<int32_t> ent, start, end;
  carray<double> score;
  xlner::ScoreView view;
};
ScoreArrays score_view(const PyBatch& b, const IntArray& offsets, const IntArray& ent, const IntArray& start,
                       const IntArray& end, const carray<double>& score);

/// Convert sparse score matrices (CSR) into a dict of numpy arrays: offsets, ent, start, end, score.
py::dict score_batch_to_dict(xlner::ScoreBatch&& out);

/// Convert a ProjectionOutput into a dict of numpy arrays (no element copies).
py::dict output_to_dict(xlner::ProjectionOutput&& out);

}  // namespace xlner_py

namespace pybind11 {
namespace detail {
/// Any object is accepted as an IntArray; the conversion (and its range check) happens in get().
template <>
struct type_caster<xlner_py::IntArray> {
  PYBIND11_TYPE_CASTER(xlner_py::IntArray, const_name("numpy.typing.ArrayLike"));
  bool load(handle src, bool) {
    if (!src) return false;
    value.obj = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const xlner_py::IntArray& v, return_value_policy, handle) { return v.obj.inc_ref(); }
};
template <>
struct type_caster<xlner_py::ConstraintArg> {
  PYBIND11_TYPE_CASTER(xlner_py::ConstraintArg, const_name("xlner._core.Constraint | str"));
  bool load(handle src, bool) {
    if (!src) return false;
    value.obj = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const xlner_py::ConstraintArg& v, return_value_policy, handle) { return v.obj.inc_ref(); }
};
}  // namespace detail
}  // namespace pybind11
