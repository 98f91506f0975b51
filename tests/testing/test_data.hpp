// Test data shared by the unit tests: synthetic shingle sets of known Jaccard
// similarity, the seed articles beside the checkout, and a strict UTF-8 check.
//
// Every generator takes an explicit seed and uses std::mt19937_64, whose output the
// C++ standard fixes, so a failing statistical test fails the same way everywhere.
#ifndef NEARDUP_TESTS_TESTING_TEST_DATA_HPP_
#define NEARDUP_TESTS_TESTING_TEST_DATA_HPP_

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "neardup/text/utf8.hpp"

namespace neardup_test {

// Two shingle sets over a union of `union_size` distinct random 64-bit values, of
// which the first `shared` are in both sets and the rest alternate between A only and
// B only. Exact Jaccard is shared / union_size.
struct SetPair {
  std::vector<uint64_t> a;
  std::vector<uint64_t> b;
};

inline std::vector<uint64_t> DistinctRandomValues(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::unordered_set<uint64_t> seen;
  std::vector<uint64_t> out;
  out.reserve(count);
  while (out.size() < count) {
    const uint64_t v = rng();
    if (seen.insert(v).second) out.push_back(v);
  }
  return out;
}

inline SetPair MakeSetPair(size_t union_size, size_t shared, uint64_t seed) {
  const std::vector<uint64_t> values = DistinctRandomValues(union_size, seed);
  SetPair p;
  for (size_t i = 0; i < union_size; ++i) {
    if (i < shared) {
      p.a.push_back(values[i]);
      p.b.push_back(values[i]);
    } else if ((i - shared) % 2 == 0) {
      p.a.push_back(values[i]);
    } else {
      p.b.push_back(values[i]);
    }
  }
  // Shuffle so that no signer can profit from the shared values coming first.
  std::mt19937_64 rng(seed ^ 0x5eed5eed5eed5eedULL);
  std::shuffle(p.a.begin(), p.a.end(), rng);
  std::shuffle(p.b.begin(), p.b.end(), rng);
  return p;
}

// The seed articles, sorted by name (000_..., 001_, ...); empty if the folder is absent.
inline std::filesystem::path SeedDir() {
  return std::filesystem::path(NEARDUP_SHARED_DIR) / "seeds";
}

inline std::vector<std::filesystem::path> SeedFiles() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(SeedDir(), ec)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(SeedDir(), ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const neardup::Utf8Decoded d = neardup::DecodeUtf8(p, end);
    if (!d.ok) return false;
    p += d.length;
  }
  return true;
}

// Replaces every occurrence of `from` (non-empty) in *s by `to`.
inline void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s->size());
  size_t start = 0, pos;
  while ((pos = s->find(from, start)) != std::string::npos) {
    out.append(*s, start, pos - start);
    out.append(to);
    start = pos + from.size();
  }
  out.append(*s, start, std::string::npos);
  s->swap(out);
}

}  // namespace neardup_test

#endif  // NEARDUP_TESTS_TESTING_TEST_DATA_HPP_
