#include "common.hpp"

namespace xlner_py {

void register_heuristic(py::module_& m) { (void)m; }

}  // namespace xlner_py
