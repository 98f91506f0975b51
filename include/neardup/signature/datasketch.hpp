// datasketch-compatible MinHash: the same values, bytes and LSH choices as the Python
// library datasketch (github.com/ekzhu/datasketch, >= 1.1.3) with its default hash.
// The core of the Python module neardup.datasketch.
//
// Input: tokens as bytes (what datasketch's update() takes). Output: num_perm uint64
// hash values, each <= 2^32 - 1, bit-identical to datasketch.MinHash(num_perm, seed)
// after update_batch() of the same tokens; LeanMinHash bytes; MinHashLSH's (b, r)
// and band keys. The recipe, exactly as datasketch runs it:
//   hv  = first 4 bytes of SHA-1(token) as a little-endian uint32     (sha1_hash32)
//   a_i = randint(1, 2^61-1), b_i = randint(0, 2^61-1), drawn in turn for i = 0..k-1
//         from numpy's legacy np.random.RandomState(seed): MT19937 + masked rejection
//   h_i = min over tokens of ((a_i * hv + b_i) mod 2^64 mod (2^61-1)) & (2^32-1)
//
//   auto mh = neardup::datasketch::MinHash::Create(/*num_perm=*/128, /*seed=*/1);
//   mh->UpdateBatch(tokens);                       // std::span<const std::string_view>
//   std::string bytes = *neardup::datasketch::LeanMinHash(*mh).Serialize();
//
// Guarantees: deterministic; the SIMD kernels (AVX2, AVX-512) give the scalar result
// (NEARDUP_KERNEL=scalar|avx2|avx512 overrides the CPUID choice, as for the other
// signature kernels). Permutations are shared, read-only, between copies of a MinHash;
// a MinHash itself is not synchronized (one writer at a time). Cost: SHA-1 of each
// token plus O(num_perm) multiply-adds per token.
// Reference: Broder 1997 (MinHash); Carter & Wegman 1979 (the universal hash family).
#ifndef NEARDUP_SIGNATURE_DATASKETCH_HPP_
#define NEARDUP_SIGNATURE_DATASKETCH_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace neardup::datasketch {

inline constexpr uint64_t kMersennePrime = (uint64_t{1} << 61) - 1;
inline constexpr uint64_t kMaxHash = 0xFFFFFFFFu;  // datasketch's _max_hash
// numpy's RandomState accepts integer seeds 0 .. 2^32 - 1 and nothing else.
inline constexpr int64_t kMaxSeed = 0xFFFFFFFF;

// datasketch.hashfunc.sha1_hash32: SHA-1 of the bytes, first 4 digest bytes read as a
// little-endian uint32.
uint32_t Sha1Hash32(std::string_view token);
// Sha1Hash32 of every token; out.size() must equal tokens.size().
void Sha1Hash32Batch(std::span<const std::string_view> tokens, std::span<uint32_t> out);

// numpy's legacy MT19937 (np.random.RandomState with an integer seed): init_genrand.
class RandomState {
 public:
  explicit RandomState(uint32_t seed);
  uint32_t Next32();
  // numpy's legacy 64-bit draw: the first 32-bit output is the high half.
  uint64_t Next64();
  // RandomState.randint(low, high, dtype=np.uint64) for low < high: masked rejection
  // sampling of 64-bit draws (a 32-bit draw when high - 1 - low < 2^32).
  uint64_t RandintUint64(uint64_t low, uint64_t high);

 private:
  void Refill();
  uint32_t key_[624];
  int pos_;
};

// MinHash._init_permutations: a[i] = randint(1, p), b[i] = randint(0, p), interleaved.
struct Permutations {
  int64_t seed = 1;
  std::vector<uint64_t> a;
  std::vector<uint64_t> b;
};
// InvalidArgument for a seed numpy refuses (outside 0 .. 2^32 - 1) or num_perm < 1 or
// > 2^32 (datasketch's limit).
absl::StatusOr<Permutations> MakePermutations(int64_t seed, size_t num_perm);

// Folds the permuted hashes of hv into hashvalues: for every i,
// hashvalues[i] = min(hashvalues[i], ((a[i]*hv + b[i]) mod 2^64 mod p) & kMaxHash).
// The batch kernel behind MinHash::UpdateHashes, exposed for the Python bindings.
void UpdateHashValues(const Permutations& perms, std::span<const uint32_t> hv,
                      std::span<uint64_t> hashvalues);

class LeanMinHash;

class MinHash {
 public:
  // datasketch.MinHash(num_perm=num_perm, seed=seed).
  static absl::StatusOr<MinHash> Create(size_t num_perm = 128, int64_t seed = 1);
  // A MinHash sharing perms (as MinHash(permutations=...) does); hashvalues empty ->
  // all kMaxHash, else its size must be perms' size.
  static absl::StatusOr<MinHash> FromPermutations(std::shared_ptr<const Permutations> perms,
                                                  std::span<const uint64_t> hashvalues = {});

  // update(token) / update_batch(tokens) with the default sha1_hash32.
  void Update(std::string_view token);
  void UpdateBatch(std::span<const std::string_view> tokens);
  // update_batch with 32-bit hashes already computed (by Sha1Hash32 or by a custom
  // hashfunc whose values fit in 32 bits).
  void UpdateHashes(std::span<const uint32_t> hv);

  // jaccard(): fraction of equal hash values. InvalidArgument on a seed or length
  // mismatch, as datasketch raises ValueError.
  absl::StatusOr<double> Jaccard(const MinHash& other) const;
  absl::Status Merge(const MinHash& other);
  // count(): k / sum(h / (2^32 - 1)) - 1, summed in numpy's pairwise order.
  double Count() const;
  bool IsEmpty() const;
  void Clear();

  int64_t seed() const { return perms_->seed; }
  size_t num_perm() const { return hashvalues_.size(); }
  std::span<const uint64_t> hashvalues() const { return hashvalues_; }
  std::span<uint64_t> mutable_hashvalues() { return hashvalues_; }
  const std::shared_ptr<const Permutations>& permutations() const { return perms_; }

 private:
  MinHash(std::shared_ptr<const Permutations> perms, std::vector<uint64_t> hashvalues)
      : perms_(std::move(perms)), hashvalues_(std::move(hashvalues)) {}
  std::shared_ptr<const Permutations> perms_;
  std::vector<uint64_t> hashvalues_;
  std::vector<uint32_t> scratch_;
};

// struct byte-order characters: '@' and '=' are the host's order ('@' also native
// alignment, which adds no padding to "qi%dI"), '<' little, '>' and '!' big.
enum class ByteOrder : char { kNative = '@', kLittle = '<', kBig = '>' };
absl::StatusOr<ByteOrder> ParseByteOrder(std::string_view order);

// datasketch.LeanMinHash: seed and hash values only.
class LeanMinHash {
 public:
  LeanMinHash() = default;
  explicit LeanMinHash(const MinHash& m)
      : seed_(m.seed()), hashvalues_(m.hashvalues().begin(), m.hashvalues().end()) {}
  LeanMinHash(int64_t seed, std::vector<uint64_t> hashvalues)
      : seed_(seed), hashvalues_(std::move(hashvalues)) {}

  // bytesize(): 8 + 4 + 4 * num_perm.
  size_t ByteSize() const { return 12 + 4 * hashvalues_.size(); }
  // serialize(): struct "<order>qi<k>I" of (seed, k, values). InvalidArgument if a
  // value exceeds 2^32 - 1 or k exceeds 2^31 - 1 (struct.error in Python).
  absl::StatusOr<std::string> Serialize(ByteOrder order = ByteOrder::kNative) const;
  absl::Status SerializeTo(std::span<uint8_t> buf, ByteOrder order = ByteOrder::kNative) const;
  // deserialize(): reads from the front of buf; trailing bytes are ignored, as
  // struct.unpack_from does. OutOfRange when buf is too short, InvalidArgument for a
  // negative count.
  static absl::StatusOr<LeanMinHash> Deserialize(std::string_view buf,
                                                 ByteOrder order = ByteOrder::kNative);

  absl::StatusOr<double> Jaccard(const LeanMinHash& other) const;
  int64_t seed() const { return seed_; }
  size_t num_perm() const { return hashvalues_.size(); }
  std::span<const uint64_t> hashvalues() const { return hashvalues_; }

 private:
  int64_t seed_ = 1;
  std::vector<uint64_t> hashvalues_;
};

// The estimate both classes share: count of equal positions / k.
absl::StatusOr<double> JaccardOf(int64_t seed_a, std::span<const uint64_t> a, int64_t seed_b,
                                 std::span<const uint64_t> b);

// MinHashLSH parameter choice (datasketch.lsh._optimal_param): the (b, r), b * r <=
// num_perm, minimizing fp_weight * FP + fn_weight * FN, where FP = integral over
// [0, threshold] of 1 - (1 - s^r)^b and FN = integral over [threshold, 1] of
// (1 - s^r)^b; scanned b-major, r-minor, first strict minimum kept.
struct DatasketchLshParams {
  int b = 0;  // bands
  int r = 0;  // rows per band
  double error = 0;
};
DatasketchLshParams OptimalParam(double threshold, int num_perm, double fp_weight,
                                 double fn_weight);
// The integrals above (each with an error below 1e-15 for num_perm <= 1024).
double FalsePositiveProbability(double threshold, int b, int r);
double FalseNegativeProbability(double threshold, int b, int r);
// MinHashLSH(threshold, num_perm, weights)'s checks and choice: InvalidArgument where
// datasketch raises ValueError (threshold outside [0, 1], num_perm < 2, a weight
// outside [0, 1], weights not summing to exactly 1.0, b < 2).
absl::StatusOr<DatasketchLshParams> MinHashLshParams(double threshold, int num_perm,
                                                     double fp_weight = 0.5,
                                                     double fn_weight = 0.5);

// MinHashLSH's storage key for the band hashvalues[start, end) (hashranges are
// [i*r, (i+1)*r)) with no hashfunc: bytes(hs.byteswap().data) of the uint64 values,
// which on the little-endian hosts datasketch runs on is each value as 8 big-endian
// bytes.
std::string BandKey(std::span<const uint64_t> band);
// Every band's key: b keys of r values each.
std::vector<std::string> BandKeys(std::span<const uint64_t> hashvalues, int b, int r);

}  // namespace neardup::datasketch

#endif  // NEARDUP_SIGNATURE_DATASKETCH_HPP_
