// PYBIND11_MODULE only: each domain registers itself from its own file.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace xlner_py {
void register_batch(py::module_& m);
void register_projection(py::module_& m);
void register_heuristic(py::module_& m);
void register_tagging(py::module_& m);
void register_io(py::module_& m);
void register_alignment(py::module_& m);
void register_exact(py::module_& m);
void register_scores(py::module_& m);
void register_gibbs(py::module_& m);
void register_multisource(py::module_& m);
}  // namespace xlner_py

PYBIND11_MODULE(_core, m) {
  m.doc() = "xlner C++ core (private: use the xlner package)";
  xlner_py::register_batch(m);
  xlner_py::register_projection(m);
  xlner_py::register_heuristic(m);
  xlner_py::register_tagging(m);
  xlner_py::register_io(m);
  xlner_py::register_alignment(m);
  xlner_py::register_exact(m);
  xlner_py::register_scores(m);
  xlner_py::register_gibbs(m);
  xlner_py::register_multisource(m);
}
