// Types the wrapper files share: a signature, a batch's arrays, signer options.
#ifndef NEARDUP_PYTHON_SIGNATURE_TYPES_HPP_
#define NEARDUP_PYTHON_SIGNATURE_TYPES_HPP_

#include <cstdint>
#include <optional>
#include <string>

#include "common.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::python {

struct PySignature {
  DocumentSignature sig;
};

struct PySignatureBatch {
  py::array_t<uint32_t> minhash;
  py::array_t<uint64_t> simhash;
  py::array_t<uint32_t> num_tokens;
  py::array_t<bool> signed_mask;
  py::dict reasons;
};

// Validated options (ValueError naming the bad one).
SignerOptions MakeSignerOptions(uint32_t ngram, std::optional<uint32_t> char_ngram, uint32_t num_perm,
                                const std::string& algorithm, uint64_t seed, uint64_t shingle_seed = 0,
                                uint64_t simhash_seed = 0);
// A Signature or an array of num_perm values -> a MinHash signature with options' params.
MinHashSignature MinHashOf(const SignerOptions& options, py::handle sig);
py::array_t<uint32_t> ValuesArray(const MinHashSignature& s);

}  // namespace neardup::python

#endif  // NEARDUP_PYTHON_SIGNATURE_TYPES_HPP_
