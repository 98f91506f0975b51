// Fuzzes the text pipeline on arbitrary bytes: Normalizer (options from the first
// byte), ForEachToken, word and character Shingler, both MinHash algorithms, SimHash.
// Invariants checked (a violation aborts, which libFuzzer reports as a crash):
//   - the normalized text is well-formed UTF-8, and normalizing it again replaces nothing;
//   - replaced_bytes never exceeds the input size;
//   - every token is a non-empty slice of the text, and the count returned is the
//     number of tokens emitted;
//   - Shingler::ShingleText (raw text, fused normalization) equals Shingle() of the
//     normalized text;
//   - fresh objects given the same input give the same shingles and signatures, and
//     every supported SIMD kernel set gives the same signatures as the scalar one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/internal/kernels.hpp"
#include "neardup/shingle/shingle.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/simhash.hpp"
#include "neardup/text/normalize.hpp"
#include "neardup/text/tokenize.hpp"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

// Strict UTF-8 check written independently of neardup's decoder: no overlongs, no
// surrogates, nothing above U+10FFFF, no truncated sequences.
bool IsWellFormedUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    size_t len;
    char32_t cp;
    if (c < 0x80) {
      ++p;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < len) return false;
    for (size_t i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    p += len;
  }
  return true;
}

struct Result {
  std::string normalized;
  size_t replaced = 0;
  std::vector<uint64_t> word_shingles, char_shingles;
  std::vector<uint32_t> classic, oph;
  bool classic_empty = false, oph_empty = false;
  uint64_t sim64 = 0;
  neardup::SimHash128 sim128;
};

Result Run(std::string_view text, const neardup::NormalizeOptions& options, uint32_t n,
           uint32_t num_perm, uint64_t seed) {
  Result r;
  neardup::Normalizer normalizer(options);
  r.replaced = normalizer.Normalize(text, &r.normalized).replaced_bytes;

  const std::string_view norm = r.normalized;
  size_t emitted = 0;
  const size_t count = neardup::ForEachToken(norm, [&](std::string_view token) {
    Check(!token.empty(), "empty token");
    Check(token.data() >= norm.data() && token.data() + token.size() <= norm.data() + norm.size(),
          "token outside the text");
    ++emitted;
  });
  Check(count == emitted, "ForEachToken count != tokens emitted");

  neardup::Shingler words({.kind = neardup::ShingleKind::kWord, .n = n, .seed = seed});
  neardup::Shingler chars({.kind = neardup::ShingleKind::kChar, .n = n, .seed = seed});
  words.Shingle(norm, &r.word_shingles);
  chars.Shingle(norm, &r.char_shingles);
  Check(r.word_shingles.empty() == (count == 0), "word shingles empty iff no tokens");
  Check(r.char_shingles.empty() == norm.empty(), "char shingles empty iff empty text");

  // The signer's path, word tokens hashed from the raw text where it is plain ASCII,
  // gives the shingles of the normalized text bit for bit.
  {
    neardup::Normalizer fused_normalizer(options);
    std::vector<uint64_t> fused;
    neardup::NormalizeStats stats;
    Check(words.ShingleText(text, fused_normalizer, &fused, &stats) == count, "ShingleText token count");
    Check(fused == r.word_shingles, "ShingleText differs from Shingle of the normalized text");
    Check(stats.replaced_bytes == r.replaced, "ShingleText replaced_bytes differs");
  }

  neardup::MinHasher classic({.algorithm = neardup::MinHashAlgorithm::kClassic,
                              .num_perm = num_perm, .seed = seed});
  neardup::MinHasher oph({.algorithm = neardup::MinHashAlgorithm::kOnePermutation,
                          .num_perm = num_perm, .seed = seed});
  neardup::MinHashSignature sig;
  classic.Sign(r.word_shingles, &sig);
  r.classic = sig.values;
  r.classic_empty = sig.empty;
  Check(sig.values.size() == num_perm, "classic MinHash size");
  Check(sig.empty == r.word_shingles.empty(), "classic MinHash empty flag");
  oph.Sign(r.char_shingles, &sig);
  r.oph = sig.values;
  r.oph_empty = sig.empty;
  Check(sig.values.size() == num_perm, "one-permutation MinHash size");
  Check(sig.empty == r.char_shingles.empty(), "one-permutation MinHash empty flag");

  neardup::SimHasher sim(seed);
  r.sim64 = sim.Sign64(r.word_shingles);
  r.sim128 = sim.Sign128(r.char_shingles);

  // Every kernel set the machine supports must agree with the scalar one.
  const neardup::internal::KernelSet& scalar = neardup::internal::ScalarKernels();
  std::vector<uint32_t> a(num_perm), b(num_perm);
  for (const neardup::internal::KernelSet* k : neardup::internal::SupportedKernels()) {
    classic.SignClassicWith(scalar, r.word_shingles, a.data());
    classic.SignClassicWith(*k, r.word_shingles, b.data());
    Check(a == b, "classic MinHash differs between kernels");
    Check(sim.Sign64With(*k, r.word_shingles) == sim.Sign64With(scalar, r.word_shingles),
          "SimHash-64 differs between kernels");
    const neardup::SimHash128 x = sim.Sign128With(*k, r.char_shingles);
    const neardup::SimHash128 y = sim.Sign128With(scalar, r.char_shingles);
    Check(x.lo == y.lo && x.hi == y.hi, "SimHash-128 differs between kernels");
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t bits = data[0];
  const uint8_t shape = data[1];
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  neardup::NormalizeOptions options;
  options.decode_entities = bits & 1;
  options.unicode_nfkc = bits & 2;
  options.case_fold = bits & 4;
  options.unify_punctuation = bits & 8;
  options.remove_zero_width = bits & 16;
  options.collapse_whitespace = bits & 32;
  const uint32_t n = 1 + (shape & 7);                          // 1..8
  const uint32_t num_perm = (shape & 8) ? 64 : 7;              // a multiple of 8 and not
  const uint64_t seed = (bits >> 6) | (static_cast<uint64_t>(shape >> 4) << 2);

  const Result first = Run(text, options, n, num_perm, seed);
  Check(first.replaced <= text.size(), "replaced_bytes > input size");
  Check(IsWellFormedUtf8(first.normalized), "normalized output is not well-formed UTF-8");
  {
    neardup::Normalizer again(options);
    std::string twice;
    Check(again.Normalize(first.normalized, &twice).replaced_bytes == 0,
          "normalizing the output replaced bytes");
  }

  const Result second = Run(text, options, n, num_perm, seed);
  Check(first.normalized == second.normalized, "Normalize is not deterministic");
  Check(first.replaced == second.replaced, "replaced_bytes is not deterministic");
  Check(first.word_shingles == second.word_shingles, "word shingles not deterministic");
  Check(first.char_shingles == second.char_shingles, "char shingles not deterministic");
  Check(first.classic == second.classic && first.oph == second.oph, "MinHash not deterministic");
  Check(first.sim64 == second.sim64 && first.sim128.lo == second.sim128.lo &&
            first.sim128.hi == second.sim128.hi,
        "SimHash not deterministic");
  return 0;
}
