#include "common.hpp"

namespace xlner_py {

void register_io(py::module_& m) { (void)m; }

}  // namespace xlner_py
