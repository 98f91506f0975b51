// datasketch-compatible MinHash: SHA-1 token hashes, numpy's legacy MT19937, the
// permutation kernel's dispatch, LeanMinHash bytes and MinHashLSH's parameter choice.
#include "neardup/signature/datasketch.hpp"

// SHA-1 comes from OpenSSL's libcrypto. Its one-shot SHA1() and the EVP interface look
// the digest up on every call (about 500 and 140 ns for a 10-byte token here); the
// low-level SHA1_Init/Update/Final, deprecated in OpenSSL 3 but still shipped, go
// straight to the SHA-NI / AVX2 block function (about 78 ns).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

#include <algorithm>
#if NEARDUP_HAVE_X86_KERNELS
#include <cpuid.h>
#endif
#include <bit>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <numbers>
#include <utility>

#include "absl/strings/str_cat.h"
#include "neardup/internal/datasketch_kernels.hpp"
#include "neardup/internal/kernels.hpp"

namespace neardup::datasketch {

uint32_t Sha1Hash32(std::string_view token) {
  SHA_CTX ctx;
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, token.data(), token.size());
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1_Final(digest, &ctx);
  return uint32_t{digest[0]} | uint32_t{digest[1]} << 8 | uint32_t{digest[2]} << 16 |
         uint32_t{digest[3]} << 24;
}

void Sha1Hash32Batch(std::span<const std::string_view> tokens, std::span<uint32_t> out) {
  const size_t n = std::min(tokens.size(), out.size());
  // With the SHA extensions: about twice OpenSSL's speed on short tokens
  // (src/kernels/datasketch_sha1_shani.cpp).
  static const bool sha_ni =
      internal::CpuHasShaNi() && internal::ActiveDatasketchKernels().name != internal::ScalarDatasketchKernels().name;
  if (sha_ni) {
    internal::Sha1Hash32BatchShaNi(tokens.data(), n, out.data());
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = Sha1Hash32(tokens[i]);
}

// ---------------------------------------------------------------------------------
// numpy's legacy RandomState (MT19937, Matsumoto & Nishimura 1998).

RandomState::RandomState(uint32_t seed) {
  key_[0] = seed;
  for (int i = 1; i < 624; ++i) {
    key_[i] = 1812433253u * (key_[i - 1] ^ (key_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  pos_ = 624;
}

void RandomState::Refill() {
  constexpr uint32_t kUpper = 0x80000000u, kLower = 0x7fffffffu, kMatrixA = 0x9908b0dfu;
  for (int i = 0; i < 624; ++i) {
    const uint32_t y = (key_[i] & kUpper) | (key_[(i + 1) % 624] & kLower);
    key_[i] = key_[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  }
  pos_ = 0;
}

uint32_t RandomState::Next32() {
  if (pos_ == 624) Refill();
  uint32_t y = key_[pos_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint64_t RandomState::Next64() {
  const uint64_t hi = Next32();
  return hi << 32 | Next32();
}

uint64_t RandomState::RandintUint64(uint64_t low, uint64_t high) {
  const uint64_t rng = high - 1 - low;  // numpy bounds the closed range [low, high - 1]
  if (rng == 0) return low;
  const uint64_t mask = ~uint64_t{0} >> std::countl_zero(rng);
  if (rng <= 0xFFFFFFFFu) {
    if (rng == 0xFFFFFFFFu) return low + Next32();
    uint32_t v;
    while ((v = Next32() & static_cast<uint32_t>(mask)) > rng) {
    }
    return low + v;
  }
  if (rng == ~uint64_t{0}) return low + Next64();
  uint64_t v;
  while ((v = Next64() & mask) > rng) {
  }
  return low + v;
}

absl::StatusOr<Permutations> MakePermutations(int64_t seed, size_t num_perm) {
  if (seed < 0 || seed > kMaxSeed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "datasketch seed must be between 0 and 2**32 - 1 (numpy's RandomState), got ", seed));
  }
  if (num_perm < 1 || num_perm > (size_t{1} << 32)) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_perm must be between 1 and 2**32, got ", num_perm));
  }
  Permutations p;
  p.seed = seed;
  p.a.resize(num_perm);
  p.b.resize(num_perm);
  RandomState gen(static_cast<uint32_t>(seed));
  for (size_t i = 0; i < num_perm; ++i) {
    p.a[i] = gen.RandintUint64(1, kMersennePrime);
    p.b[i] = gen.RandintUint64(0, kMersennePrime);
  }
  return p;
}

// ---------------------------------------------------------------------------------
// The permutation kernel.

namespace {

// Kernel batches: the 32-bit hashes of this many tokens stay in L1 while every block
// of permutations passes over them.
constexpr size_t kHashBatch = 4096;

void FoldBatch(const Permutations& perms, std::span<const uint32_t> hv, std::span<uint64_t> hashvalues,
               std::vector<uint32_t>& mins) {
  if (hv.empty()) return;
  const size_t k = hashvalues.size();
  // Every permuted value is <= 2^32 - 1, so a 32-bit running minimum starting there,
  // folded into the 64-bit state once, gives min(state, all values) for a non-empty
  // batch even when the state holds a larger user-supplied value.
  mins.assign(k, 0xFFFFFFFFu);
  internal::ActiveDatasketchKernels().update(hv.data(), hv.size(), perms.a.data(), perms.b.data(),
                                             mins.data(), k);
  for (size_t i = 0; i < k; ++i) hashvalues[i] = std::min<uint64_t>(hashvalues[i], mins[i]);
}

}  // namespace

void UpdateHashValues(const Permutations& perms, std::span<const uint32_t> hv,
                      std::span<uint64_t> hashvalues) {
  std::vector<uint32_t> mins;
  FoldBatch(perms, hv, hashvalues, mins);
}

// ---------------------------------------------------------------------------------
// MinHash.

absl::StatusOr<MinHash> MinHash::Create(size_t num_perm, int64_t seed) {
  absl::StatusOr<Permutations> p = MakePermutations(seed, num_perm);
  if (!p.ok()) return p.status();
  return FromPermutations(std::make_shared<const Permutations>(*std::move(p)));
}

absl::StatusOr<MinHash> MinHash::FromPermutations(std::shared_ptr<const Permutations> perms,
                                                  std::span<const uint64_t> hashvalues) {
  if (perms == nullptr || perms->a.size() != perms->b.size() || perms->a.empty()) {
    return absl::InvalidArgumentError("permutations must be two non-empty arrays of equal length");
  }
  if (!hashvalues.empty() && hashvalues.size() != perms->a.size()) {
    return absl::InvalidArgumentError(absl::StrCat("Numbers of hash values and permutations mismatch: ",
                                                   hashvalues.size(), " vs ", perms->a.size()));
  }
  std::vector<uint64_t> hv = hashvalues.empty() ? std::vector<uint64_t>(perms->a.size(), kMaxHash)
                                                : std::vector<uint64_t>(hashvalues.begin(), hashvalues.end());
  return MinHash(std::move(perms), std::move(hv));
}

void MinHash::Update(std::string_view token) {
  const uint32_t hv = Sha1Hash32(token);
  UpdateHashes(std::span<const uint32_t>(&hv, 1));
}

void MinHash::UpdateBatch(std::span<const std::string_view> tokens) {
  std::vector<uint32_t> hv(std::min(tokens.size(), kHashBatch));
  for (size_t start = 0; start < tokens.size(); start += kHashBatch) {
    const size_t n = std::min(kHashBatch, tokens.size() - start);
    Sha1Hash32Batch(tokens.subspan(start, n), std::span<uint32_t>(hv.data(), n));
    FoldBatch(*perms_, std::span<const uint32_t>(hv.data(), n), hashvalues_, scratch_);
  }
}

void MinHash::UpdateHashes(std::span<const uint32_t> hv) {
  for (size_t start = 0; start < hv.size(); start += kHashBatch) {
    FoldBatch(*perms_, hv.subspan(start, std::min(kHashBatch, hv.size() - start)), hashvalues_, scratch_);
  }
}

absl::StatusOr<double> JaccardOf(int64_t seed_a, std::span<const uint64_t> a, int64_t seed_b,
                                 std::span<const uint64_t> b) {
  if (seed_a != seed_b) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Cannot compute Jaccard given MinHash with different seeds: ", seed_a, " vs ", seed_b));
  }
  if (a.size() != b.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Cannot compute Jaccard given MinHash with different numbers of permutation functions: ",
                     a.size(), " vs ", b.size()));
  }
  size_t equal = 0;
  for (size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
  return static_cast<double>(equal) / static_cast<double>(a.size());
}

absl::StatusOr<double> MinHash::Jaccard(const MinHash& other) const {
  return JaccardOf(seed(), hashvalues_, other.seed(), other.hashvalues_);
}

absl::Status MinHash::Merge(const MinHash& other) {
  if (other.seed() != seed()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Cannot merge MinHash with different seeds: ", seed(), " vs ", other.seed()));
  }
  if (other.num_perm() != num_perm()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Cannot merge MinHash with different numbers of permutation functions: ", num_perm(), " vs ",
        other.num_perm()));
  }
  for (size_t i = 0; i < hashvalues_.size(); ++i) {
    hashvalues_[i] = std::min(hashvalues_[i], other.hashvalues_[i]);
  }
  return absl::OkStatus();
}

namespace {

// numpy's pairwise summation (add.reduce over a contiguous float64 array): blocks of
// at most 128 summed with 8 accumulators, longer arrays split at a multiple of 8.
double PairwiseSum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (size_t j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return PairwiseSum(a, n2) + PairwiseSum(a + n2, n - n2);
}

}  // namespace

double MinHash::Count() const {
  std::vector<double> scaled(hashvalues_.size());
  for (size_t i = 0; i < scaled.size(); ++i) {
    scaled[i] = static_cast<double>(hashvalues_[i]) / static_cast<double>(kMaxHash);
  }
  // add.reduce starts from the identity 0.0 and adds the pairwise sum of all values.
  const double sum = 0.0 + PairwiseSum(scaled.data(), scaled.size());
  return static_cast<double>(scaled.size()) / sum - 1.0;
}

bool MinHash::IsEmpty() const {
  return std::all_of(hashvalues_.begin(), hashvalues_.end(), [](uint64_t v) { return v == kMaxHash; });
}

void MinHash::Clear() { std::fill(hashvalues_.begin(), hashvalues_.end(), kMaxHash); }

// ---------------------------------------------------------------------------------
// LeanMinHash bytes.

namespace {

bool BigEndianOut(ByteOrder order) {
  return order == ByteOrder::kBig || (order == ByteOrder::kNative && std::endian::native == std::endian::big);
}

template <typename T>
void Put(uint8_t* out, T v, bool big) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    const size_t shift = 8 * (big ? sizeof(T) - 1 - i : i);
    out[i] = static_cast<uint8_t>(static_cast<std::make_unsigned_t<T>>(v) >> shift);
  }
}

template <typename T>
T Get(const uint8_t* in, bool big) {
  std::make_unsigned_t<T> v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    const size_t shift = 8 * (big ? sizeof(T) - 1 - i : i);
    v |= static_cast<std::make_unsigned_t<T>>(in[i]) << shift;
  }
  return static_cast<T>(v);
}

}  // namespace

absl::StatusOr<ByteOrder> ParseByteOrder(std::string_view order) {
  if (order == "@") return ByteOrder::kNative;
  if (order == "=") return std::endian::native == std::endian::big ? ByteOrder::kBig : ByteOrder::kLittle;
  if (order == "<") return ByteOrder::kLittle;
  if (order == ">" || order == "!") return ByteOrder::kBig;
  return absl::InvalidArgumentError(
      absl::StrCat("byte order must be one of '@', '=', '<', '>', '!', got '", std::string(order), "'"));
}

absl::Status LeanMinHash::SerializeTo(std::span<uint8_t> buf, ByteOrder order) const {
  if (buf.size() < ByteSize()) {
    return absl::InvalidArgumentError(
        absl::StrCat("The buffer does not have enough space for holding this MinHash: ", buf.size(),
                     " bytes, need ", ByteSize()));
  }
  if (hashvalues_.size() > 0x7FFFFFFFu) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_perm ", hashvalues_.size(), " does not fit the 32-bit signed count"));
  }
  for (size_t i = 0; i < hashvalues_.size(); ++i) {
    if (hashvalues_[i] > kMaxHash) {
      return absl::InvalidArgumentError(absl::StrCat("hash value ", i, " = ", hashvalues_[i],
                                                     " does not fit the 4-byte field"));
    }
  }
  const bool big = BigEndianOut(order);
  Put<int64_t>(buf.data(), seed_, big);
  Put<int32_t>(buf.data() + 8, static_cast<int32_t>(hashvalues_.size()), big);
  for (size_t i = 0; i < hashvalues_.size(); ++i) {
    Put<uint32_t>(buf.data() + 12 + 4 * i, static_cast<uint32_t>(hashvalues_[i]), big);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LeanMinHash::Serialize(ByteOrder order) const {
  std::string out(ByteSize(), '\0');
  if (absl::Status s = SerializeTo(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()), order);
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<LeanMinHash> LeanMinHash::Deserialize(std::string_view buf, ByteOrder order) {
  const auto* in = reinterpret_cast<const uint8_t*>(buf.data());
  if (buf.size() < 12) {
    return absl::OutOfRangeError(
        absl::StrCat("LeanMinHash needs at least 12 bytes (seed, count), got ", buf.size()));
  }
  const bool big = BigEndianOut(order);
  const int64_t seed = Get<int64_t>(in, big);
  const int32_t count = Get<int32_t>(in + 8, big);
  if (count < 0) {
    return absl::InvalidArgumentError(absl::StrCat("LeanMinHash count is negative: ", count));
  }
  const size_t need = 12 + 4 * static_cast<size_t>(count);
  if (buf.size() < need) {
    return absl::OutOfRangeError(absl::StrCat("LeanMinHash of ", count, " values needs ", need,
                                              " bytes, got ", buf.size()));
  }
  std::vector<uint64_t> hv(static_cast<size_t>(count));
  for (size_t i = 0; i < hv.size(); ++i) hv[i] = Get<uint32_t>(in + 12 + 4 * i, big);
  return LeanMinHash(seed, std::move(hv));
}

absl::StatusOr<double> LeanMinHash::Jaccard(const LeanMinHash& other) const {
  return JaccardOf(seed_, hashvalues_, other.seed_, other.hashvalues_);
}

// ---------------------------------------------------------------------------------
// MinHashLSH parameters.
//
// datasketch integrates with scipy.integrate.quad (QUADPACK QAGS, tolerance 1.49e-8).
// Both integrands are polynomials in s of degree b * r, so an n-point Gauss-Legendre
// rule with 2n - 1 >= b * r is exact up to rounding; quad's results agree with it to
// about 1e-17, far below the smallest gap between the best and second-best (b, r)
// (about 1e-7 over the tested grid), so the argmin is the same.

namespace {

struct GaussRule {
  std::vector<double> x;  // nodes on [-1, 1]
  std::vector<double> w;
};

GaussRule MakeGaussLegendre(int n) {
  GaussRule g;
  g.x.resize(n);
  g.w.resize(n);
  // P_n(z) and its derivative, by the three-term recurrence.
  const auto legendre = [n](double z) {
    double p0 = 1, p1 = z;
    for (int k = 2; k <= n; ++k) {
      const double p2 = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    return std::pair<double, double>(p1, n * (z * p1 - p0) / (z * z - 1));
  };
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double z = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
    for (int iter = 0; iter < 100; ++iter) {
      const auto [p, d] = legendre(z);
      const double dz = p / d;
      z -= dz;
      if (std::abs(dz) < 1e-16) break;
    }
    // The derivative at the converged node, for the weight.
    const double dp = legendre(z).second;
    const double w = 2 / ((1 - z * z) * dp * dp);
    g.x[i] = -z;
    g.x[n - 1 - i] = z;
    g.w[i] = g.w[n - 1 - i] = w;
  }
  return g;
}

// Rules are shared by all callers; sizes grow geometrically so that a large num_perm
// builds few of them.
const GaussRule& RuleFor(int degree) {
  static std::mutex mu;
  static std::map<int, GaussRule> rules;
  int n = 8;
  while (2 * n - 1 < degree) n += std::max(8, n / 4);
  std::lock_guard<std::mutex> lock(mu);
  auto it = rules.find(n);
  if (it == rules.end()) it = rules.emplace(n, MakeGaussLegendre(n)).first;
  return it->second;  // std::map nodes never move
}

template <typename F>
double Integrate(F f, double lo, double hi, int degree) {
  const GaussRule& g = RuleFor(degree);
  const double half = (hi - lo) / 2, mid = (hi + lo) / 2;
  double sum = 0;
  for (size_t i = 0; i < g.x.size(); ++i) sum += g.w[i] * f(mid + half * g.x[i]);
  return half * sum;
}

}  // namespace

double FalsePositiveProbability(double threshold, int b, int r) {
  const double fb = b, fr = r;
  return Integrate([&](double s) { return 1 - std::pow(1 - std::pow(s, fr), fb); }, 0.0, threshold, b * r);
}

double FalseNegativeProbability(double threshold, int b, int r) {
  const double fb = b, fr = r;
  return Integrate([&](double s) { return 1 - (1 - std::pow(1 - std::pow(s, fr), fb)); }, threshold, 1.0,
                   b * r);
}

DatasketchLshParams OptimalParam(double threshold, int num_perm, double fp_weight, double fn_weight) {
  DatasketchLshParams best;
  double min_error = HUGE_VAL;
  for (int b = 1; b <= num_perm; ++b) {
    const int max_r = num_perm / b;
    for (int r = 1; r <= max_r; ++r) {
      const double fp = FalsePositiveProbability(threshold, b, r);
      const double fn = FalseNegativeProbability(threshold, b, r);
      const double error = fp * fp_weight + fn * fn_weight;
      if (error < min_error) {
        min_error = error;
        best = {b, r, error};
      }
    }
  }
  return best;
}

absl::StatusOr<DatasketchLshParams> MinHashLshParams(double threshold, int num_perm, double fp_weight,
                                                     double fn_weight) {
  if (!(threshold >= 0.0 && threshold <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("threshold must be in [0.0, 1.0], got ", threshold));
  }
  if (num_perm < 2) {
    return absl::InvalidArgumentError(absl::StrCat("Too few permutation functions: ", num_perm));
  }
  for (double w : {fp_weight, fn_weight}) {
    if (w < 0.0 || w > 1.0) return absl::InvalidArgumentError(absl::StrCat("Weight must be in [0.0, 1.0], got ", w));
  }
  if (fp_weight + fn_weight != 1.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Weights must sum to 1.0, got ", fp_weight, " + ", fn_weight));
  }
  const DatasketchLshParams p = OptimalParam(threshold, num_perm, fp_weight, fn_weight);
  if (p.b < 2) {
    return absl::InvalidArgumentError(absl::StrCat("The number of bands are too small (b < 2): b = ", p.b,
                                                   ", r = ", p.r));
  }
  return p;
}

std::string BandKey(std::span<const uint64_t> band) {
  std::string key(8 * band.size(), '\0');
  for (size_t i = 0; i < band.size(); ++i) {
    Put<uint64_t>(reinterpret_cast<uint8_t*>(key.data()) + 8 * i, band[i], /*big=*/true);
  }
  return key;
}

std::vector<std::string> BandKeys(std::span<const uint64_t> hashvalues, int b, int r) {
  std::vector<std::string> keys;
  keys.reserve(b);
  for (int i = 0; i < b; ++i) keys.push_back(BandKey(hashvalues.subspan(static_cast<size_t>(i) * r, r)));
  return keys;
}

}  // namespace neardup::datasketch

// ---------------------------------------------------------------------------------
// Kernel dispatch: the same choice as the signature kernels.

namespace neardup::internal {
namespace {

const DatasketchKernelSet* ByName(std::string_view name) {
  if (name == "scalar") return &ScalarDatasketchKernels();
#if NEARDUP_HAVE_X86_KERNELS
  if (name == "avx2") return &Avx2DatasketchKernels();
  if (name == "avx512") return &Avx512DatasketchKernels();
#endif
  return nullptr;
}

}  // namespace

bool CpuHasShaNi() {
#if NEARDUP_HAVE_X86_KERNELS
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool sha = __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 29)) != 0;  // CPUID.7.0:EBX.SHA
  return sha && __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("ssse3");
#else
  return false;
#endif
}

#if !NEARDUP_HAVE_X86_KERNELS
void Sha1Hash32BatchShaNi(const std::string_view*, size_t, uint32_t*) {}  // never called: CpuHasShaNi() is false
#endif

std::vector<const DatasketchKernelSet*> SupportedDatasketchKernels() {
  std::vector<const DatasketchKernelSet*> out;
  for (const KernelSet* k : SupportedKernels()) {
    if (const DatasketchKernelSet* d = ByName(k->name)) out.push_back(d);
  }
  return out;
}

const DatasketchKernelSet& ActiveDatasketchKernels() {
  static const DatasketchKernelSet& active = [] () -> const DatasketchKernelSet& {
    const DatasketchKernelSet* d = ByName(ActiveKernels().name);
    return d != nullptr ? *d : ScalarDatasketchKernels();
  }();
  return active;
}

}  // namespace neardup::internal
