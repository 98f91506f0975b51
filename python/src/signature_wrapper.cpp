// Signing: neardup.Signer (text -> normalize -> shingles -> MinHash + SimHash) and its
// batch form into numpy arrays on N threads, without the GIL.
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common.hpp"
#include "neardup/signature/signer.hpp"
#include "neardup/text/utf8.hpp"
#include "signature_types.hpp"

namespace neardup::python {

std::optional<std::string_view> TextOf(py::handle obj, std::string* reason, py::object* keep) {
  if (obj.is_none()) {
    *reason = "None instead of a text";
    return std::nullopt;
  }
  if (PyUnicode_Check(obj.ptr())) {
    Py_ssize_t size = 0;
    const char* data = nullptr;
    if (PyUnicode_READY(obj.ptr()) == 0 && PyUnicode_IS_ASCII(obj.ptr())) {
      data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);  // the str's own bytes
    } else if (PyObject* utf8 = PyUnicode_AsUTF8String(obj.ptr())) {
      // A temporary copy, not CPython's UTF-8 cache, which would stay attached to
      // every str signed and double the memory of a non-ASCII corpus.
      *keep = py::reinterpret_steal<py::object>(utf8);
      data = PyBytes_AS_STRING(utf8);
      size = PyBytes_GET_SIZE(utf8);
    }
    if (data == nullptr) {
      PyErr_Clear();
      // The only str CPython cannot encode as UTF-8 holds a surrogate code point.
      Py_ssize_t at = 0;
      const Py_ssize_t n = PyUnicode_GET_LENGTH(obj.ptr());
      while (at < n) {
        const Py_UCS4 c = PyUnicode_READ_CHAR(obj.ptr(), at);
        if (c >= 0xD800 && c <= 0xDFFF) break;
        ++at;
      }
      *reason = absl::StrCat("str has a lone surrogate at index ", at, " (not encodable as UTF-8)");
      return std::nullopt;
    }
    return std::string_view(data, static_cast<size_t>(size));
  }
  if (PyBytes_Check(obj.ptr())) {
    char* data = nullptr;
    Py_ssize_t size = 0;
    PyBytes_AsStringAndSize(obj.ptr(), &data, &size);
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    const auto* end = p + size;
    while (p < end) {
      const Utf8Decoded d = DecodeUtf8(p, end);
      if (!d.ok) {
        *reason = absl::StrCat("bytes are not UTF-8 (ill-formed at byte ",
                               p - reinterpret_cast<const unsigned char*>(data), ")");
        return std::nullopt;
      }
      p += d.length;
    }
    return std::string_view(data, static_cast<size_t>(size));
  }
  *reason = absl::StrCat("expected str or bytes, got ", std::string(py::str(obj.get_type().attr("__name__"))));
  return std::nullopt;
}

SignerOptions MakeSignerOptions(uint32_t ngram, std::optional<uint32_t> char_ngram, uint32_t num_perm,
                                const std::string& algorithm, uint64_t seed, uint64_t shingle_seed,
                                uint64_t simhash_seed) {
  SignerOptions o;
  if (char_ngram) {
    o.shingle.kind = ShingleKind::kChar;
    o.shingle.n = *char_ngram;
  } else {
    o.shingle.kind = ShingleKind::kWord;
    o.shingle.n = ngram;
  }
  o.shingle.seed = shingle_seed;
  o.minhash.algorithm = Unwrap(ParseMinHashAlgorithm(algorithm));
  o.minhash.num_perm = num_perm;
  o.minhash.seed = seed;
  o.simhash_seed = simhash_seed;
  Check(o.Validate());
  return o;
}

py::array_t<uint32_t> ValuesArray(const MinHashSignature& s) {
  py::array_t<uint32_t> a(static_cast<py::ssize_t>(s.values.size()));
  std::memcpy(a.mutable_data(), s.values.data(), s.values.size() * sizeof(uint32_t));
  return a;
}

MinHashSignature SignatureFromArray(const MinHashParams& params, py::handle values) {
  auto a = py::array_t<uint32_t, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!a || a.ndim() != 1) throw StatusError{absl::InvalidArgumentError("MinHash values must be a 1-D array")};
  if (static_cast<uint32_t>(a.shape(0)) != params.num_perm) {
    throw StatusError{absl::InvalidArgumentError(
        absl::StrCat("MinHash values have ", a.shape(0), " entries, expected num_perm = ", params.num_perm))};
  }
  MinHashSignature s;
  s.params = params;
  s.values.assign(a.data(), a.data() + a.shape(0));
  s.empty = false;
  return s;
}

MinHashSignature MinHashOf(const SignerOptions& options, py::handle sig) {
  if (py::isinstance<PySignature>(sig)) {
    const PySignature& s = sig.cast<const PySignature&>();
    Check(CheckComparable(s.sig.minhash.params, options.minhash));
    return s.sig.minhash;
  }
  return SignatureFromArray(options.minhash, sig);
}

namespace {

struct PySigner {
  SignerOptions options;
  // For single texts. A Signer keeps buffers: calls from several Python threads (the
  // GIL is released while signing) take turns.
  std::unique_ptr<Signer> signer;
  std::unique_ptr<std::mutex> mu = std::make_unique<std::mutex>();

  PySignature Sign(py::handle text) {
    std::string reason;
    py::object keep;
    std::optional<std::string_view> t = TextOf(text, &reason, &keep);
    if (!t) throw StatusError{absl::InvalidArgumentError(reason)};
    PySignature out;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(*mu);
      signer->Sign(*t, &out.sig);
    }
    return out;
  }

  py::object SignBatch(py::iterable texts, unsigned threads) {
    // Collect views with the GIL held; the objects stay alive in `items`.
    std::vector<py::object> items;
    for (py::handle h : texts) items.push_back(py::reinterpret_borrow<py::object>(h));
    const size_t n = items.size();
    std::vector<std::string_view> views(n);
    std::vector<uint8_t> ok(n, 0);
    py::dict reasons;
    for (size_t i = 0; i < n; ++i) {
      std::string reason;
      if (std::optional<std::string_view> t = TextOf(items[i], &reason, &items[i])) {
        views[i] = *t;
        ok[i] = 1;
      } else {
        reasons[py::int_(i)] = reason;
      }
    }
    const uint32_t k = options.compute_minhash ? options.minhash.num_perm : 0;
    py::array_t<uint32_t> minhash({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(k)});
    py::array_t<uint64_t> simhash(static_cast<py::ssize_t>(n));
    py::array_t<uint32_t> num_tokens(static_cast<py::ssize_t>(n));
    py::array_t<bool> signed_mask(static_cast<py::ssize_t>(n));
    uint32_t* mh = minhash.mutable_data();
    uint64_t* sh = simhash.mutable_data();
    uint32_t* nt = num_tokens.mutable_data();
    bool* mask = signed_mask.mutable_data();
    {
      py::gil_scoped_release release;
      if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
      const unsigned workers = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(n, 1)));
      std::vector<Signer> signers(workers, Signer(options));
      std::vector<DocumentSignature> scratch(workers);
      (void)ParallelFor(n, workers, [&](unsigned w, size_t i) {
        mask[i] = ok[i] != 0;
        if (!ok[i]) {
          std::fill(mh + i * k, mh + (i + 1) * k, 0u);
          sh[i] = 0;
          nt[i] = 0;
          return;
        }
        DocumentSignature& s = scratch[w];
        signers[w].Sign(views[i], &s);
        if (k != 0) std::memcpy(mh + i * k, s.minhash.values.data(), k * sizeof(uint32_t));
        sh[i] = s.simhash;
        nt[i] = s.num_tokens;
      });
    }
    py::object batch = py::module_::import("neardup._core").attr("SignatureBatch")();
    PySignatureBatch& b = batch.cast<PySignatureBatch&>();
    b.minhash = minhash;
    b.simhash = simhash;
    b.num_tokens = num_tokens;
    b.signed_mask = signed_mask;
    b.reasons = reasons;
    return batch;
  }
};

}  // namespace

void RegisterSignature(py::module_& m) {
  py::class_<PySignature>(m, "Signature", "The MinHash and SimHash signature of one text.")
      .def_property_readonly("minhash", [](const PySignature& s) { return ValuesArray(s.sig.minhash); },
                             "MinHash values (numpy uint32, num_perm of them; zeros when empty).")
      .def_property_readonly("simhash", [](const PySignature& s) { return s.sig.simhash; }, "64-bit SimHash.")
      .def_property_readonly("num_tokens", [](const PySignature& s) { return s.sig.num_tokens; })
      .def_property_readonly("num_shingles", [](const PySignature& s) { return s.sig.num_shingles; })
      .def_property_readonly("replaced_bytes", [](const PySignature& s) { return s.sig.replaced_bytes; })
      .def_property_readonly("empty", [](const PySignature& s) { return s.sig.empty(); },
                             "True when the text has no shingles (no one's near-duplicate).")
      .def_property_readonly("num_perm", [](const PySignature& s) { return s.sig.minhash.params.num_perm; })
      .def_property_readonly("seed", [](const PySignature& s) { return s.sig.minhash.params.seed; })
      .def_property_readonly("algorithm",
                             [](const PySignature& s) { return MinHashAlgorithmName(s.sig.minhash.params.algorithm); })
      .def("jaccard",
           [](const PySignature& a, const PySignature& b) { return Unwrap(EstimateJaccard(a.sig.minhash, b.sig.minhash)); },
           py::arg("other"), "Estimated Jaccard similarity of the two shingle sets (0 if either is empty).")
      .def("hamming",
           [](const PySignature& a, const PySignature& b) { return HammingDistance(a.sig.simhash, b.sig.simhash); },
           py::arg("other"), "SimHash Hamming distance (0..64).")
      .def("__repr__", [](const PySignature& s) {
        return absl::StrCat("Signature(num_perm=", s.sig.minhash.params.num_perm, ", num_tokens=", s.sig.num_tokens,
                            ", simhash=0x", absl::Hex(s.sig.simhash, absl::kZeroPad16), ")");
      });

  py::class_<PySignatureBatch>(m, "SignatureBatch", "Signatures of a batch, row i for text i.")
      .def(py::init<>())
      .def_readonly("minhash", &PySignatureBatch::minhash, "(n, num_perm) uint32; zero rows where not signed.")
      .def_readonly("simhash", &PySignatureBatch::simhash, "(n,) uint64.")
      .def_readonly("num_tokens", &PySignatureBatch::num_tokens, "(n,) uint32.")
      .def_readonly("signed", &PySignatureBatch::signed_mask, "(n,) bool: which rows were signed.")
      .def_readonly("reasons", &PySignatureBatch::reasons, "{index: why the item was skipped}.")
      .def("__len__", [](const PySignatureBatch& b) { return py::len(b.simhash); });

  py::class_<PySigner>(m, "Signer", "Text -> normalize -> shingles -> MinHash + SimHash.")
      .def(py::init([](uint32_t ngram, std::optional<uint32_t> char_ngram, uint32_t num_perm,
                       const std::string& algorithm, uint64_t seed, uint64_t shingle_seed, uint64_t simhash_seed,
                       bool minhash, bool simhash) {
             PySigner s;
             s.options = MakeSignerOptions(ngram, char_ngram, num_perm, algorithm, seed, shingle_seed, simhash_seed);
             s.options.compute_minhash = minhash;
             s.options.compute_simhash = simhash;
             s.signer = std::make_unique<Signer>(s.options);
             return s;
           }),
           py::kw_only(), py::arg("ngram") = 5, py::arg("char_ngram") = py::none(), py::arg("num_perm") = 128,
           py::arg("algorithm") = "oph", py::arg("seed") = kDefaultMinHashSeed, py::arg("shingle_seed") = 0,
           py::arg("simhash_seed") = 0, py::arg("minhash") = true, py::arg("simhash") = true)
      .def("sign", &PySigner::Sign, py::arg("text"), "Signs one text (str or UTF-8 bytes).")
      .def("sign_batch", &PySigner::SignBatch, py::arg("texts"), py::kw_only(), py::arg("threads") = 0,
           "Signs every text on `threads` threads (0 = all cores) without the GIL. Items that are not "
           "text (None, non-UTF-8 bytes, lone surrogates, other types) are skipped and reported.")
      .def_property_readonly("ngram", [](const PySigner& s) { return s.options.shingle.n; })
      .def_property_readonly("char", [](const PySigner& s) { return s.options.shingle.kind == ShingleKind::kChar; })
      .def_property_readonly("num_perm", [](const PySigner& s) { return s.options.minhash.num_perm; })
      .def_property_readonly("seed", [](const PySigner& s) { return s.options.minhash.seed; })
      .def_property_readonly("algorithm", [](const PySigner& s) { return MinHashAlgorithmName(s.options.minhash.algorithm); });
}

}  // namespace neardup::python
