// neardup._core.datasketch: the kernels behind neardup.datasketch (the datasketch-
// compatible MinHash, LeanMinHash and MinHashLSH of signature/datasketch.hpp). The
// Python classes keep datasketch's attributes (hashvalues as a uint64 numpy array,
// permutations as a (2, k) array); these functions do the hashing, the permutation
// kernel, the LeanMinHash bytes and the LSH parameters and band keys, without the GIL.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common.hpp"
#include "neardup/signature/datasketch.hpp"

namespace neardup::python {
namespace {

namespace ds = neardup::datasketch;

using U64Array = py::array_t<uint64_t, py::array::c_style>;

struct PyPermutations {
  std::shared_ptr<const ds::Permutations> perms;
};

// A writable, C-contiguous uint64 array of the permutations' size (updated in place).
std::span<uint64_t> Target(const PyPermutations& p, py::handle hashvalues) {
  if (!py::isinstance<U64Array>(hashvalues)) {
    throw py::type_error("hashvalues must be a numpy uint64 array");
  }
  U64Array a = py::reinterpret_borrow<U64Array>(hashvalues);
  if (a.ndim() != 1 || static_cast<size_t>(a.shape(0)) != p.perms->a.size() || !a.writeable() ||
      !(a.flags() & py::array::c_style)) {
    throw StatusError{absl::InvalidArgumentError(absl::StrCat(
        "hashvalues must be a writable contiguous uint64 array of ", p.perms->a.size(), " values"))};
  }
  return {a.mutable_data(), static_cast<size_t>(a.shape(0))};
}

// Views of bytes-like tokens; TypeError (as hashlib.sha1 raises) for anything else.
void TokenView(py::handle h, bool borrowed, std::vector<py::object>* keep, std::vector<std::string_view>* views);

// A list or tuple is copied into a tuple in one C-level pass (no per-item Python call)
// that is kept: its items stay alive while the kernels run without the GIL, even if
// another thread changes the list meanwhile.
void TokenViews(py::handle tokens, std::vector<py::object>* keep, std::vector<std::string_view>* views) {
  if (PyList_CheckExact(tokens.ptr()) || PyTuple_CheckExact(tokens.ptr())) {
    py::object frozen = py::reinterpret_steal<py::object>(PySequence_Tuple(tokens.ptr()));
    if (!frozen) throw py::error_already_set();
    const Py_ssize_t n = PyTuple_GET_SIZE(frozen.ptr());
    for (Py_ssize_t i = 0; i < n; ++i) TokenView(PyTuple_GET_ITEM(frozen.ptr(), i), true, keep, views);
    keep->push_back(std::move(frozen));
    return;
  }
  for (py::handle h : py::iter(tokens)) TokenView(h, false, keep, views);
}

void TokenView(py::handle h, bool borrowed, std::vector<py::object>* keep, std::vector<std::string_view>* views) {
  {
    std::string_view v;
    if (PyBytes_Check(h.ptr())) {
      v = std::string_view(PyBytes_AS_STRING(h.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(h.ptr())));
      if (!borrowed) keep->push_back(py::reinterpret_borrow<py::object>(h));
    } else if (PyByteArray_Check(h.ptr())) {
      // Copied: a bytearray may be resized by another thread once the GIL is released.
      py::bytes copy(PyByteArray_AS_STRING(h.ptr()), static_cast<size_t>(PyByteArray_GET_SIZE(h.ptr())));
      v = std::string_view(PyBytes_AS_STRING(copy.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(copy.ptr())));
      keep->push_back(std::move(copy));
    } else if (PyUnicode_Check(h.ptr())) {
      throw py::type_error("Strings must be encoded before hashing");
    } else if (PyObject_CheckBuffer(h.ptr())) {
      py::bytes copy = py::reinterpret_steal<py::bytes>(PyBytes_FromObject(h.ptr()));
      if (!copy) throw py::error_already_set();
      v = std::string_view(PyBytes_AS_STRING(copy.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(copy.ptr())));
      keep->push_back(std::move(copy));
    } else {
      throw py::type_error(absl::StrCat("object supporting the buffer API required, got ",
                                        std::string(py::str(h.get_type().attr("__name__")))));
    }
    views->push_back(v);
  }
}

}  // namespace

void RegisterDatasketch(py::module_& parent) {
  py::module_ m = parent.def_submodule("datasketch", "Kernels of neardup.datasketch");

  py::class_<PyPermutations>(m, "Permutations", "MinHash permutations (a, b), shared read-only.")
      .def(py::init([](int64_t seed, size_t num_perm) {
             return PyPermutations{std::make_shared<const ds::Permutations>(Unwrap(ds::MakePermutations(seed, num_perm)))};
           }),
           py::arg("seed"), py::arg("num_perm"))
      .def_static("from_arrays",
                  [](py::array_t<uint64_t, py::array::c_style | py::array::forcecast> a,
                     py::array_t<uint64_t, py::array::c_style | py::array::forcecast> b, int64_t seed) {
                    if (a.ndim() != 1 || b.ndim() != 1 || a.shape(0) != b.shape(0)) {
                      throw StatusError{absl::InvalidArgumentError("permutations a and b must be 1-D of one length")};
                    }
                    auto p = std::make_shared<ds::Permutations>();
                    p->seed = seed;
                    p->a.assign(a.data(), a.data() + a.shape(0));
                    p->b.assign(b.data(), b.data() + b.shape(0));
                    return PyPermutations{std::move(p)};
                  },
                  py::arg("a"), py::arg("b"), py::arg("seed"))
      .def("array",
           [](const PyPermutations& p) {
             const size_t k = p.perms->a.size();
             U64Array out({static_cast<py::ssize_t>(2), static_cast<py::ssize_t>(k)});
             std::memcpy(out.mutable_data(), p.perms->a.data(), k * 8);
             std::memcpy(out.mutable_data() + k, p.perms->b.data(), k * 8);
             return out;
           },
           "The (2, num_perm) uint64 array datasketch keeps as MinHash.permutations.")
      .def("__len__", [](const PyPermutations& p) { return p.perms->a.size(); });

  m.def("sha1_hash32",
        [](py::bytes token) {
          return ds::Sha1Hash32(std::string_view(PyBytes_AS_STRING(token.ptr()), PyBytes_GET_SIZE(token.ptr())));
        },
        py::arg("data"), "First 4 bytes of SHA-1 as a little-endian uint32 (datasketch.hashfunc.sha1_hash32).");

  m.def("update_batch",
        [](const PyPermutations& p, py::handle tokens, py::handle hashvalues) {
          std::span<uint64_t> hv = Target(p, hashvalues);
          std::vector<py::object> keep;
          std::vector<std::string_view> views;
          TokenViews(tokens, &keep, &views);
          py::gil_scoped_release release;
          std::vector<uint32_t> hashes(views.size());
          ds::Sha1Hash32Batch(views, hashes);
          ds::UpdateHashValues(*p.perms, hashes, hv);
        },
        py::arg("permutations"), py::arg("tokens"), py::arg("hashvalues"),
        "SHA-1 each bytes token and fold it into hashvalues (in place).");

  m.def("update_hashes",
        [](const PyPermutations& p, py::array_t<uint32_t, py::array::c_style | py::array::forcecast> hashes,
           py::handle hashvalues) {
          std::span<uint64_t> hv = Target(p, hashvalues);
          py::gil_scoped_release release;
          ds::UpdateHashValues(*p.perms, {hashes.data(), static_cast<size_t>(hashes.size())}, hv);
        },
        py::arg("permutations"), py::arg("hashes"), py::arg("hashvalues"),
        "Fold 32-bit hash values into hashvalues (in place).");

  m.def("bulk",
        [](const PyPermutations& p, py::iterable sets) {
          std::vector<py::object> keep;
          std::vector<std::string_view> views;
          std::vector<size_t> ends;
          for (py::handle set : sets) {
            TokenViews(set, &keep, &views);
            ends.push_back(views.size());
          }
          const size_t k = p.perms->a.size();
          U64Array out({static_cast<py::ssize_t>(ends.size()), static_cast<py::ssize_t>(k)});
          uint64_t* data = out.mutable_data();
          {
            py::gil_scoped_release release;
            std::vector<uint32_t> hashes(views.size());
            ds::Sha1Hash32Batch(views, hashes);
            size_t begin = 0;
            for (size_t i = 0; i < ends.size(); ++i) {
              std::span<uint64_t> row(data + i * k, k);
              std::fill(row.begin(), row.end(), ds::kMaxHash);
              ds::UpdateHashValues(*p.perms, std::span<const uint32_t>(hashes).subspan(begin, ends[i] - begin), row);
              begin = ends[i];
            }
          }
          return out;
        },
        py::arg("permutations"), py::arg("sets"),
        "Hash values of each set of bytes tokens, one row per set: (n, num_perm) uint64.");

  m.def("lean_serialize",
        [](int64_t seed, U64Array hashvalues, const std::string& order) {
          ds::LeanMinHash lean(seed, std::vector<uint64_t>(hashvalues.data(), hashvalues.data() + hashvalues.size()));
          return py::bytes(Unwrap(lean.Serialize(Unwrap(ds::ParseByteOrder(order)))));
        },
        py::arg("seed"), py::arg("hashvalues"), py::arg("byteorder") = "@");

  m.def("lean_deserialize",
        [](py::buffer buf, const std::string& order) {
          py::buffer_info info = buf.request();
          std::string_view bytes(static_cast<const char*>(info.ptr), static_cast<size_t>(info.size * info.itemsize));
          ds::LeanMinHash lean = Unwrap(ds::LeanMinHash::Deserialize(bytes, Unwrap(ds::ParseByteOrder(order))));
          U64Array hv(static_cast<py::ssize_t>(lean.num_perm()));
          std::memcpy(hv.mutable_data(), lean.hashvalues().data(), lean.num_perm() * 8);
          return py::make_tuple(lean.seed(), hv);
        },
        py::arg("buf"), py::arg("byteorder") = "@");

  m.def("optimal_param",
        [](double threshold, int num_perm, double fp_weight, double fn_weight) {
          ds::DatasketchLshParams p = ds::OptimalParam(threshold, num_perm, fp_weight, fn_weight);
          return py::make_tuple(p.b, p.r);
        },
        py::arg("threshold"), py::arg("num_perm"), py::arg("false_positive_weight"), py::arg("false_negative_weight"));

  m.def("band_keys",
        [](U64Array hashvalues, int b, int r) {
          if (hashvalues.ndim() != 1 || static_cast<size_t>(b) * r > static_cast<size_t>(hashvalues.shape(0))) {
            throw StatusError{absl::InvalidArgumentError("band_keys needs b * r <= len(hashvalues)")};
          }
          std::vector<std::string> keys =
              ds::BandKeys({hashvalues.data(), static_cast<size_t>(hashvalues.shape(0))}, b, r);
          py::list out;
          for (const std::string& k : keys) out.append(py::bytes(k));
          return out;
        },
        py::arg("hashvalues"), py::arg("b"), py::arg("r"), "MinHashLSH's b band keys (datasketch's _H of each range).");
}

}  // namespace neardup::python
