// python/src/common.hpp — shared pieces of the two translation units of the
// mmc_mi extension module (docs/python.md): NumPy arrays as Eigen maps
// without copies, and results as dicts with the CLI's JSON fields
// (docs/design.md §5).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <mmc/core/errors.hpp>
#include <mmc/core/types.hpp>

namespace mmc::python {

namespace py = pybind11;

/// C-contiguous float64 arrays pass through untouched; any other dtype or
/// memory order is converted once by pybind11 (forcecast) before the call.
using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using ConstMap = Eigen::Map<const RowMatrix<double>>;

/// A 1-D array is one column; 2-D is (samples, dimensions); anything else is a
/// ValueError through mmc::invalid_argument (docs/design.md §2 error policy).
inline ConstMap as_matrix(const Array& a, const char* function, const char* name) {
  if (a.ndim() == 1) return ConstMap(a.data(), a.shape(0), 1);
  if (a.ndim() == 2) return ConstMap(a.data(), a.shape(0), a.shape(1));
  mmc::detail::throw_invalid(function, name, "has " + std::to_string(a.ndim()) + " dimensions",
                             "pass a 1-D array (one column) or a 2-D array (samples x dimensions)");
}

/// Integer-valued data for the plug-in estimators, with the CLI's message.
inline void require_integer_valued(const ConstMap& m, const char* function, const char* name) {
  for (Index r = 0; r < m.rows(); ++r)
    for (Index c = 0; c < m.cols(); ++c) {
      const double v = m(r, c);
      if (std::isfinite(v) && v != std::floor(v)) {
        mmc::detail::throw_invalid(function, name,
                                   "holds " + std::to_string(v) + " at row " + std::to_string(r) +
                                       ", not an integer",
                                   "plugin needs discrete (integer) data; for continuous data pass bins=B");
      }
    }
}

inline py::array_t<double> to_numpy(const Eigen::VectorXd& v) {
  py::array_t<double> out(v.size());
  std::copy(v.data(), v.data() + v.size(), out.mutable_data());
  return out;
}

inline py::list to_list(const std::vector<std::string>& v) {
  py::list out;
  for (const auto& s : v) out.append(s);
  return out;
}

void register_neural(py::module_& m);

}  // namespace mmc::python
