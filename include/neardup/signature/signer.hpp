// The whole signing pipeline in one object: text -> normalize -> shingles ->
// MinHash + SimHash, with every buffer reused between documents, plus a batch API
// that signs many documents on N threads with results in input order.
//
//   neardup::Signer signer;                         // defaults: word 5-grams, OPH-128
//   neardup::DocumentSignature sig = signer.Sign(text);
//   auto all = neardup::SignBatch(texts, neardup::SignerOptions{}, /*threads=*/4);
//
// Guarantees: the signature of a text depends only on the text and the options, never
// on the thread count, the order of a batch or the CPU's kernel set.
// Thread safety: one Signer per thread; SignBatch is safe to call from any thread.
#ifndef NEARDUP_SIGNATURE_SIGNER_HPP_
#define NEARDUP_SIGNATURE_SIGNER_HPP_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/internal/parallel.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/simhash.hpp"
#include "neardup/text/normalize.hpp"

namespace neardup {

struct SignerOptions {
  NormalizeOptions normalize;
  ShingleOptions shingle;
  MinHashParams minhash;
  uint64_t simhash_seed = 0;
  bool compute_minhash = true;
  bool compute_simhash = true;

  absl::Status Validate() const {
    if (absl::Status s = shingle.Validate(); !s.ok()) return s;
    return minhash.Validate();
  }
};

struct DocumentSignature {
  MinHashSignature minhash;
  uint64_t simhash = 0;
  uint32_t num_tokens = 0;    // words or code points after normalization
  uint32_t num_shingles = 0;  // shingles with repeats
  uint64_t replaced_bytes = 0;  // ill-formed UTF-8 bytes replaced while normalizing
  bool empty() const noexcept { return num_shingles == 0; }
};

class Signer {
 public:
  explicit Signer(const SignerOptions& options = {})
      : options_(options),
        normalizer_(options.normalize),
        shingler_(options.shingle),
        minhasher_(options.minhash),
        simhasher_(options.simhash_seed) {}

  // The constructor expects valid options (SignerOptions::Validate); Create checks them.
  static absl::StatusOr<Signer> Create(const SignerOptions& options) {
    if (absl::Status s = options.Validate(); !s.ok()) return s;
    return Signer(options);
  }

  const SignerOptions& options() const noexcept { return options_; }

  void Sign(std::string_view text, DocumentSignature* out) {
    NormalizeStats stats;
    out->num_tokens = static_cast<uint32_t>(shingler_.ShingleText(text, normalizer_, &shingles_, &stats));
    out->replaced_bytes = stats.replaced_bytes;
    out->num_shingles = static_cast<uint32_t>(shingles_.size());
    if (options_.compute_minhash) minhasher_.Sign(shingles_, &out->minhash);
    out->simhash = options_.compute_simhash ? simhasher_.Sign64(shingles_) : 0;
  }

  DocumentSignature Sign(std::string_view text) {
    DocumentSignature sig;
    Sign(text, &sig);
    return sig;
  }

  // The shingle hashes of the last Sign() call. (The normalized text is not kept: word
  // shingles are hashed from the text where it is plain ASCII; Normalizer gives it.)
  std::span<const uint64_t> last_shingles() const noexcept { return shingles_; }

 private:
  SignerOptions options_;
  Normalizer normalizer_;
  Shingler shingler_;
  MinHasher minhasher_;
  SimHasher simhasher_;
  std::vector<uint64_t> shingles_;
};

// ParallelFor(n, threads, fn): fn(worker, i) for every i in [0, n) on `threads` threads;
// returns ResourceExhausted if a thread could not be started (the work still completes).
using internal::ParallelFor;

// Signs every text on `threads` threads; result i belongs to texts[i].
inline std::vector<DocumentSignature> SignBatch(std::span<const std::string_view> texts,
                                                const SignerOptions& options, unsigned threads) {
  std::vector<DocumentSignature> out(texts.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<Signer> signers(std::min<size_t>(threads, std::max<size_t>(texts.size(), 1)),
                              Signer(options));
  // A thread that cannot start only slows this down: every text is still signed.
  (void)ParallelFor(texts.size(), static_cast<unsigned>(signers.size()),
                    [&](unsigned worker, size_t i) { signers[worker].Sign(texts[i], &out[i]); });
  return out;
}

}  // namespace neardup

#endif  // NEARDUP_SIGNATURE_SIGNER_HPP_
