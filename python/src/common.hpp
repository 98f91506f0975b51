// Shared by the wrapper files: absl::Status -> Python exception (errors_wrapper.cpp
// defines the mapping, once), and Python objects -> UTF-8 text.
#ifndef NEARDUP_PYTHON_COMMON_HPP_
#define NEARDUP_PYTHON_COMMON_HPP_

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace neardup::python {

namespace py = pybind11;

// Thrown by Check / Unwrap; the translator registered by RegisterErrors turns it into
// the Python exception of its status code.
struct StatusError {
  absl::Status status;
};

inline void Check(const absl::Status& s) {
  if (!s.ok()) throw StatusError{s};
}
template <typename T>
T Unwrap(absl::StatusOr<T>&& s) {
  if (!s.ok()) throw StatusError{s.status()};
  return *std::move(s);
}

// The UTF-8 bytes of a str or of bytes that are well-formed UTF-8: in place for bytes
// and ASCII str, else in a temporary bytes object put in *keep (the view lives as long
// as obj, or *keep when it was set). On failure returns nullopt and sets *reason (the
// Python error indicator is left clear).
std::optional<std::string_view> TextOf(py::handle obj, std::string* reason, py::object* keep);

void RegisterErrors(py::module_& m);
void RegisterSignature(py::module_& m);
void RegisterIndex(py::module_& m);
void RegisterDedup(py::module_& m);
void RegisterDatasketch(py::module_& m);
void RegisterCli(py::module_& m);

}  // namespace neardup::python

#endif  // NEARDUP_PYTHON_COMMON_HPP_
