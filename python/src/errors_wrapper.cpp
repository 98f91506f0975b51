// absl::Status -> Python exceptions, in one place:
//   InvalidArgument -> ValueError; NotFound / PermissionDenied / Unavailable -> OSError;
//   OutOfRange -> IndexError; AlreadyExists -> KeyError;
//   ResourceExhausted / DataLoss / FailedPrecondition -> neardup.ResourceExhaustedError /
//   DataLossError / FailedPreconditionError (subclasses of neardup.Error);
//   anything else -> neardup.Error. The message is the library's.
#include <string>

#include "common.hpp"

namespace neardup::python {
namespace {

PyObject* g_error = nullptr;
PyObject* g_resource_exhausted = nullptr;
PyObject* g_data_loss = nullptr;
PyObject* g_failed_precondition = nullptr;

PyObject* ExceptionFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return PyExc_ValueError;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnavailable:
      return PyExc_OSError;
    case absl::StatusCode::kOutOfRange:
      return PyExc_IndexError;
    case absl::StatusCode::kAlreadyExists:
      return PyExc_KeyError;
    case absl::StatusCode::kResourceExhausted:
      return g_resource_exhausted;
    case absl::StatusCode::kDataLoss:
      return g_data_loss;
    case absl::StatusCode::kFailedPrecondition:
      return g_failed_precondition;
    default:
      return g_error;
  }
}

PyObject* NewException(py::module_& m, const char* name, PyObject* base, const char* doc) {
  PyObject* type = PyErr_NewExceptionWithDoc((std::string("neardup.") + name).c_str(), doc, base, nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(type));  // the module keeps the reference
  return type;
}

}  // namespace

void RegisterErrors(py::module_& m) {
  g_error = NewException(m, "Error", PyExc_Exception, "Base class of neardup's own errors.");
  g_resource_exhausted = NewException(m, "ResourceExhaustedError", g_error,
                                      "A limit was reached (max_documents, memory, threads).");
  g_data_loss = NewException(m, "DataLossError", g_error, "A file is damaged, truncated or not neardup's.");
  g_failed_precondition = NewException(m, "FailedPreconditionError", g_error,
                                       "The operation does not apply in this state (e.g. empty document, "
                                       "index opened elsewhere or with other options).");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      const std::string message(e.status.message());
      PyErr_SetString(ExceptionFor(e.status.code()), message.c_str());
    }
  });
}

}  // namespace neardup::python
