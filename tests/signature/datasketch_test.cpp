// Known answers from datasketch itself (tests/data/datasketch/README.md says how they
// were computed): every value, byte and LSH choice must match exactly.
#include "neardup/signature/datasketch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "neardup/internal/datasketch_kernels.hpp"

namespace neardup::datasketch {
namespace {

using internal::DatasketchKernelSet;
using internal::SupportedDatasketchKernels;

// One whitespace-split line of known_answers.txt, by its first word.
struct KnownAnswers {
  std::multimap<std::string, std::vector<std::string>> lines;
  std::map<std::string, std::vector<std::string>> sets;  // name -> tokens (bytes)

  std::vector<std::vector<std::string>> All(const std::string& kind) const {
    std::vector<std::vector<std::string>> out;
    for (auto [it, end] = lines.equal_range(kind); it != end; ++it) out.push_back(it->second);
    return out;
  }
};

std::string Unhex(const std::string& hex) {
  if (hex == "-") return "";
  return absl::HexStringToBytes(hex);
}

const KnownAnswers& Data() {
  static const KnownAnswers* data = [] {
    auto* d = new KnownAnswers;
    std::ifstream in(std::string(NEARDUP_SOURCE_DIR) + "/tests/data/datasketch/known_answers.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream words(line);
      std::string kind, w;
      words >> kind;
      std::vector<std::string> fields;
      while (words >> w) fields.push_back(w);
      if (kind == "set") {
        std::vector<std::string>& tokens = d->sets[fields[0]];
        for (size_t i = 2; i < fields.size(); ++i) tokens.push_back(Unhex(fields[i]));
      } else {
        d->lines.emplace(kind, std::move(fields));
      }
    }
    return d;
  }();
  return *data;
}

std::vector<std::string_view> Views(const std::vector<std::string>& tokens) {
  return {tokens.begin(), tokens.end()};
}

uint64_t U64(const std::string& s) { return std::stoull(s); }

TEST(Datasketch, DataFileLoaded) {
  EXPECT_EQ(Data().sets.size(), 7u);
  EXPECT_EQ(Data().sets.at("big1000").size(), 1000u);
  EXPECT_GE(Data().All("minhash").size(), 96u);
  EXPECT_GE(Data().All("param").size(), 700u);
}

TEST(Datasketch, Sha1Hash32) {
  std::vector<std::string> tokens;
  std::vector<uint32_t> expected;
  for (const auto& f : Data().All("sha1")) {
    tokens.push_back(Unhex(f[0]));
    expected.push_back(static_cast<uint32_t>(U64(f[1])));
    EXPECT_EQ(Sha1Hash32(tokens.back()), expected.back()) << f[0];
  }
  ASSERT_GE(tokens.size(), 10u);
  std::vector<uint32_t> batch(tokens.size());
  Sha1Hash32Batch(Views(tokens), batch);
  EXPECT_EQ(batch, expected);
}

// The SHA-extension kernel against OpenSSL (Sha1Hash32): every length from 0 to 300
// bytes (one, two and several blocks, each padding case), in batches of mixed lengths
// whose size is not a multiple of the four lanes.
TEST(Datasketch, Sha1ShaNiKernelMatchesOpenSsl) {
  if (!internal::CpuHasShaNi()) GTEST_SKIP() << "this CPU has no SHA extensions";
  std::mt19937_64 rng(42);
  std::vector<std::string> tokens;
  for (size_t len = 0; len <= 300; ++len) {
    std::string t(len, '\0');
    for (char& c : t) c = static_cast<char>(rng());
    tokens.push_back(std::move(t));
  }
  std::shuffle(tokens.begin(), tokens.end(), rng);
  const std::vector<std::string_view> views = Views(tokens);
  for (const size_t n : {size_t{1}, size_t{3}, size_t{4}, size_t{7}, views.size()}) {
    std::vector<uint32_t> got(n);
    internal::Sha1Hash32BatchShaNi(views.data(), n, got.data());
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], Sha1Hash32(views[i])) << "length " << views[i].size();
  }
}

TEST(Datasketch, RandomStateMatchesNumpy) {
  // np.random.RandomState(1).randint(0, 2**32, size=4, dtype=np.uint64)
  RandomState gen(1);
  EXPECT_EQ(gen.Next32(), 1791095845u);
  EXPECT_EQ(gen.Next32(), 4282876139u);
  EXPECT_EQ(gen.Next32(), 3093770124u);
  EXPECT_EQ(gen.Next32(), 4005303368u);
}

TEST(Datasketch, Permutations) {
  const auto lines = Data().All("perm");
  ASSERT_EQ(lines.size(), 5u);
  for (const auto& f : lines) {
    const int64_t seed = std::stoll(f[0]);
    const size_t n = U64(f[1]);
    absl::StatusOr<Permutations> p = MakePermutations(seed, n);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_EQ(f.size(), 2 + 2 * n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(p->a[i], U64(f[2 + 2 * i])) << "seed " << seed << " a[" << i << "]";
      EXPECT_EQ(p->b[i], U64(f[3 + 2 * i])) << "seed " << seed << " b[" << i << "]";
    }
  }
}

TEST(Datasketch, SeedsNumpyRefuses) {
  EXPECT_EQ(MakePermutations(-1, 4).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePermutations(int64_t{1} << 32, 4).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MakePermutations(kMaxSeed, 4).ok());
  EXPECT_EQ(MakePermutations(1, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MinHash::Create(0, 1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Datasketch, MinHashValues) {
  size_t checked = 0;
  for (const auto& f : Data().All("minhash")) {
    const std::vector<std::string>& tokens = Data().sets.at(f[0]);
    const int64_t seed = std::stoll(f[1]);
    const size_t n = U64(f[2]);
    ASSERT_EQ(f.size(), 3 + n);
    std::vector<uint64_t> expected(n);
    for (size_t i = 0; i < n; ++i) expected[i] = U64(f[3 + i]);

    absl::StatusOr<MinHash> batch = MinHash::Create(n, seed);
    ASSERT_TRUE(batch.ok()) << batch.status();
    batch->UpdateBatch(Views(tokens));
    EXPECT_EQ(std::vector<uint64_t>(batch->hashvalues().begin(), batch->hashvalues().end()), expected)
        << f[0] << " seed " << seed << " num_perm " << n;
    EXPECT_EQ(batch->IsEmpty(), tokens.empty());

    MinHash one_by_one = *MinHash::Create(n, seed);
    for (const std::string& t : tokens) one_by_one.Update(t);
    EXPECT_TRUE(std::equal(one_by_one.hashvalues().begin(), one_by_one.hashvalues().end(), expected.begin()));

    // Every kernel set the CPU runs, straight on the hashes.
    std::vector<uint32_t> hv(tokens.size());
    Sha1Hash32Batch(Views(tokens), hv);
    for (const DatasketchKernelSet* k : SupportedDatasketchKernels()) {
      std::vector<uint32_t> mins(n, 0xFFFFFFFFu);
      k->update(hv.data(), hv.size(), batch->permutations()->a.data(), batch->permutations()->b.data(),
                mins.data(), n);
      EXPECT_TRUE(std::equal(mins.begin(), mins.end(), expected.begin())) << k->name << " " << f[0];
    }
    ++checked;
  }
  EXPECT_EQ(checked, 7u * 4 * 4);
}

// The division-free reduction against the definition, on values a datasketch
// permutation never produces too (a = 0 lets x = b reach every residue class).
TEST(Datasketch, PermuteMatchesModulo) {
  auto reference = [](uint64_t a, uint64_t b, uint32_t hv) {
    return static_cast<uint32_t>(((a * hv + b) % kMersennePrime) & kMaxHash);
  };
  std::vector<uint64_t> edges = {0, 1, kMersennePrime - 1, kMersennePrime, kMersennePrime + 1,
                                 2 * kMersennePrime - 1, 2 * kMersennePrime, 2 * kMersennePrime + 1,
                                 ~uint64_t{0}, ~uint64_t{0} - 7, ~uint64_t{0} - 8, uint64_t{7} << 61,
                                 (uint64_t{7} << 61) - 1};
  for (int j = 1; j < 8; ++j) {
    for (int d = -9; d <= 9; ++d) edges.push_back(j * kMersennePrime + d);
  }
  for (uint64_t b : edges) {
    EXPECT_EQ(internal::DatasketchPermute(0, b, 12345), reference(0, b, 12345)) << b;
    EXPECT_EQ(internal::DatasketchPermute(1, b, 0), reference(1, b, 0)) << b;
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t a = rng(), b = rng();
    const uint32_t hv = static_cast<uint32_t>(rng());
    ASSERT_EQ(internal::DatasketchPermute(a, b, hv), reference(a, b, hv)) << a << " " << b << " " << hv;
  }

  // Every kernel against scalar on those values, for every k around the block sizes.
  std::vector<uint32_t> hv = {0, 1, 0xFFFFFFFFu, 0x80000000u, 12345};
  for (int i = 0; i < 300; ++i) hv.push_back(static_cast<uint32_t>(rng()));
  for (size_t k : {1u, 3u, 4u, 7u, 8u, 12u, 13u, 31u, 32u, 33u, 100u, 128u}) {
    std::vector<uint64_t> a(k), b(k);
    for (size_t i = 0; i < k; ++i) {
      a[i] = i % 3 == 0 ? 0 : rng();
      b[i] = i % 3 == 0 ? edges[i % edges.size()] : rng();
    }
    std::vector<uint32_t> want(k, 0xFFFFFFFFu);
    internal::ScalarDatasketchKernels().update(hv.data(), hv.size(), a.data(), b.data(), want.data(), k);
    for (size_t i = 0; i < k; ++i) {
      uint32_t m = 0xFFFFFFFFu;
      for (uint32_t h : hv) m = std::min(m, reference(a[i], b[i], h));
      ASSERT_EQ(want[i], m);
    }
    for (const DatasketchKernelSet* ks : SupportedDatasketchKernels()) {
      std::vector<uint32_t> got(k, 0xFFFFFFFFu);
      ks->update(hv.data(), hv.size(), a.data(), b.data(), got.data(), k);
      EXPECT_EQ(got, want) << ks->name << " k=" << k;
      std::vector<uint32_t> untouched(k, 5u);
      ks->update(hv.data(), 0, a.data(), b.data(), untouched.data(), k);
      EXPECT_EQ(untouched, std::vector<uint32_t>(k, 5u)) << ks->name;
    }
  }
}

TEST(Datasketch, UserHashValuesAboveMaxHash) {
  // datasketch keeps a uint64 state; a value above 2^32 - 1 given by the user is
  // replaced by the first update, and an empty batch leaves it alone.
  MinHash m = *MinHash::Create(4, 1);
  m.mutable_hashvalues()[0] = uint64_t{1} << 40;
  m.UpdateBatch({});
  EXPECT_EQ(m.hashvalues()[0], uint64_t{1} << 40);
  m.Update("x");
  EXPECT_LE(m.hashvalues()[0], kMaxHash);
}

TEST(Datasketch, LeanMinHashBytes) {
  const auto lines = Data().All("lean");
  ASSERT_EQ(lines.size(), 9u);
  for (const auto& f : lines) {
    const int64_t seed = std::stoll(f[1]);
    const size_t n = U64(f[2]);
    MinHash m = *MinHash::Create(n, seed);
    m.UpdateBatch(Views(Data().sets.at(f[0])));
    const ByteOrder order = *ParseByteOrder(f[3]);
    const LeanMinHash lean(m);
    EXPECT_EQ(lean.ByteSize(), 12 + 4 * n);
    absl::StatusOr<std::string> bytes = lean.Serialize(order);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(absl::BytesToHexString(*bytes), f[4]) << f[0] << " " << f[3];
    absl::StatusOr<LeanMinHash> back = LeanMinHash::Deserialize(Unhex(f[4]) + "trailing", order);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->seed(), seed);
    EXPECT_TRUE(std::equal(back->hashvalues().begin(), back->hashvalues().end(), m.hashvalues().begin(),
                           m.hashvalues().end()));
  }
}

TEST(Datasketch, LeanMinHashRefusesBadInput) {
  const std::string bytes = *LeanMinHash(*MinHash::Create(4, 1)).Serialize();
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_EQ(LeanMinHash::Deserialize(bytes.substr(0, len)).status().code(), absl::StatusCode::kOutOfRange)
        << len;
  }
  std::string negative = bytes;
  negative[11] = '\x80';  // count -2^31 + 4, little-endian
  EXPECT_EQ(LeanMinHash::Deserialize(negative).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LeanMinHash(1, {uint64_t{1} << 32}).Serialize().status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<uint8_t> small(10);
  EXPECT_FALSE(LeanMinHash(*MinHash::Create(4, 1)).SerializeTo(small).ok());
  EXPECT_FALSE(ParseByteOrder("x").ok());
  EXPECT_EQ(*ParseByteOrder("!"), ByteOrder::kBig);
}

TEST(Datasketch, Jaccard) {
  const auto lines = Data().All("jaccard");
  ASSERT_EQ(lines.size(), 7u);
  for (const auto& f : lines) {
    const int64_t seed = std::stoll(f[2]);
    const size_t n = U64(f[3]);
    MinHash x = *MinHash::Create(n, seed), y = *MinHash::Create(n, seed);
    x.UpdateBatch(Views(Data().sets.at(f[0])));
    y.UpdateBatch(Views(Data().sets.at(f[1])));
    EXPECT_EQ(*x.Jaccard(y), std::stod(f[4])) << f[0] << " " << f[1];
    EXPECT_EQ(*LeanMinHash(x).Jaccard(LeanMinHash(y)), std::stod(f[4]));
  }
  MinHash a = *MinHash::Create(16, 1), b = *MinHash::Create(16, 2), c = *MinHash::Create(32, 1);
  EXPECT_EQ(a.Jaccard(b).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.Jaccard(c).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(a.Merge(b).ok());
}

TEST(Datasketch, MergeIsUnion) {
  const std::vector<std::string>& all = Data().sets.at("big1000");
  MinHash whole = *MinHash::Create(128, 42), left = *MinHash::Create(128, 42), right = *MinHash::Create(128, 42);
  whole.UpdateBatch(Views(all));
  const std::vector<std::string> first(all.begin(), all.begin() + 400), rest(all.begin() + 400, all.end());
  left.UpdateBatch(Views(first));
  right.UpdateBatch(Views(rest));
  ASSERT_TRUE(left.Merge(right).ok());
  EXPECT_TRUE(std::equal(left.hashvalues().begin(), left.hashvalues().end(), whole.hashvalues().begin()));
  left.Clear();
  EXPECT_TRUE(left.IsEmpty());
}

TEST(Datasketch, Count) {
  const auto lines = Data().All("count");
  ASSERT_EQ(lines.size(), 12u);
  for (const auto& f : lines) {
    MinHash m = *MinHash::Create(U64(f[2]), std::stoll(f[1]));
    m.UpdateBatch(Views(Data().sets.at(f[0])));
    EXPECT_EQ(m.Count(), std::stod(f[3])) << f[0] << " " << f[1] << " " << f[2];
  }
}

TEST(Datasketch, BandKeys) {
  const auto lines = Data().All("bandkeys");
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& f : lines) {
    const size_t n = U64(f[2]);
    const int b = std::stoi(f[3]), r = std::stoi(f[4]);
    MinHash m = *MinHash::Create(n, std::stoll(f[1]));
    m.UpdateBatch(Views(Data().sets.at(f[0])));
    const std::vector<std::string> keys = BandKeys(m.hashvalues(), b, r);
    ASSERT_EQ(f.size(), 5u + b);
    for (int i = 0; i < b; ++i) EXPECT_EQ(absl::BytesToHexString(keys[i]), f[5 + i]) << f[0] << " band " << i;
  }
}

TEST(Datasketch, OptimalParamGrid) {
  const auto lines = Data().All("param");
  ASSERT_GE(lines.size(), 700u);
  for (const auto& f : lines) {
    const double threshold = std::stod(f[0]);
    const int num_perm = std::stoi(f[1]);
    const DatasketchLshParams p = OptimalParam(threshold, num_perm, std::stod(f[2]), std::stod(f[3]));
    EXPECT_EQ(p.b, std::stoi(f[4])) << "threshold " << f[0] << " num_perm " << f[1] << " weights " << f[2];
    EXPECT_EQ(p.r, std::stoi(f[5])) << "threshold " << f[0] << " num_perm " << f[1] << " weights " << f[2];
  }
}

TEST(Datasketch, MinHashLshParamsChecks) {
  EXPECT_EQ(MinHashLshParams(1.5, 128).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MinHashLshParams(0.5, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MinHashLshParams(0.5, 128, 0.6, 0.6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MinHashLshParams(0.5, 128, -0.5, 1.5).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<DatasketchLshParams> p = MinHashLshParams(0.8, 128);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->b, 9);
  EXPECT_EQ(p->r, 13);
}

}  // namespace
}  // namespace neardup::datasketch
