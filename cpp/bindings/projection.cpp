#include "common.hpp"

namespace xlner_py {

void register_projection(py::module_& m) { (void)m; }

}  // namespace xlner_py
