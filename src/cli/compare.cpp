// `neardup compare A B`: how similar two text files are, measured every way neardup
// knows: exact Jaccard and containment of the shingle sets, MinHash estimates with
// both algorithms, and the SimHash-64 Hamming distance.
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.hpp"
#include "neardup/neardup.hpp"

namespace neardup::cli {
namespace {

struct CompareFlags {
  std::string a;
  std::string b;
  bool json = false;
  SignerFlags signer;
};

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int e = errno;
    return absl::Status(absl::ErrnoToStatusCode(e),
                        absl::StrCat(path, ": cannot open: ", std::generic_category().message(e)));
  }
  std::string text;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int e = errno;
  std::fclose(f);
  if (failed) {
    return absl::Status(absl::ErrnoToStatusCode(e),
                        absl::StrCat(path, ": read error: ", std::generic_category().message(e)));
  }
  return text;
}

struct Side {
  std::vector<uint64_t> shingles;  // document order, with repeats
  std::vector<uint64_t> set;       // sorted, distinct
};

int RunCompare(const CompareFlags& flags) {
  const SignerOptions options = flags.signer.ToOptions();
  Side sides[2];
  const std::string* paths[2] = {&flags.a, &flags.b};
  Normalizer normalizer(options.normalize);
  Shingler shingler(options.shingle);
  std::string normalized;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::string> text = ReadWholeFile(*paths[i]);
    if (!text.ok()) {
      std::fprintf(stderr, "neardup compare: error: %s\n", std::string(text.status().message()).c_str());
      return kExitError;
    }
    normalizer.Normalize(*text, &normalized);
    shingler.Shingle(normalized, &sides[i].shingles);
    sides[i].set = MakeShingleSet(sides[i].shingles);
  }
  const Side& a = sides[0];
  const Side& b = sides[1];

  const double jaccard = ExactJaccard(a.set, b.set);
  const double containment_ab = Containment(a.set, b.set);
  const double containment_ba = Containment(b.set, a.set);
  double estimate[3] = {};  // indexed by MinHashAlgorithm
  for (const MinHashAlgorithm algo : {MinHashAlgorithm::kClassic, MinHashAlgorithm::kOnePermutation}) {
    MinHashParams params = options.minhash;
    params.algorithm = algo;
    MinHasher hasher(params);
    const absl::StatusOr<double> j = EstimateJaccard(hasher.Sign(a.shingles), hasher.Sign(b.shingles));
    estimate[static_cast<int>(algo)] = j.ok() ? *j : 0.0;
  }
  SimHasher simhasher(options.simhash_seed);
  const int hamming = HammingDistance(simhasher.Sign64(a.shingles), simhasher.Sign64(b.shingles));
  const MinHashAlgorithm chosen = options.minhash.algorithm;
  const double classic = estimate[static_cast<int>(MinHashAlgorithm::kClassic)];
  const double oph = estimate[static_cast<int>(MinHashAlgorithm::kOnePermutation)];

  if (flags.json) {
    std::printf(
        "{\"a\":%s,\"b\":%s,\"shingle_kind\":\"%s\",\"ngram\":%u,\"algorithm\":\"%s\","
        "\"num_perm\":%u,\"seed\":%llu,\"shingles_a\":%zu,\"shingles_b\":%zu,"
        "\"jaccard\":%s,\"containment_ab\":%s,\"containment_ba\":%s,"
        "\"minhash_jaccard\":%s,\"minhash_jaccard_classic\":%s,\"minhash_jaccard_oph\":%s,"
        "\"simhash_hamming\":%d}\n",
        JsonString(flags.a).c_str(), JsonString(flags.b).c_str(),
        ShingleKindName(options.shingle.kind), options.shingle.n, MinHashAlgorithmName(chosen),
        options.minhash.num_perm, static_cast<unsigned long long>(options.minhash.seed),
        a.set.size(), b.set.size(), JsonNumber(jaccard).c_str(), JsonNumber(containment_ab).c_str(),
        JsonNumber(containment_ba).c_str(), JsonNumber(estimate[static_cast<int>(chosen)]).c_str(),
        JsonNumber(classic).c_str(), JsonNumber(oph).c_str(), hamming);
    return kExitOk;
  }
  const uint32_t k = options.minhash.num_perm;
  std::printf("A: %s (%zu distinct shingles)\n", flags.a.c_str(), a.set.size());
  std::printf("B: %s (%zu distinct shingles)\n", flags.b.c_str(), b.set.size());
  std::printf("shingles: %s\n\n", flags.signer.ShingleDescription().c_str());
  const std::string oph_label = absl::StrCat("MinHash Jaccard, oph k=", k);
  const std::string classic_label = absl::StrCat("MinHash Jaccard, classic k=", k);
  std::printf("  %-34s %.4f\n", "exact Jaccard", jaccard);
  std::printf("  %-34s %.4f\n", "containment of A in B", containment_ab);
  std::printf("  %-34s %.4f\n", "containment of B in A", containment_ba);
  std::printf("  %-34s %.4f%s\n", oph_label.c_str(), oph,
              chosen == MinHashAlgorithm::kOnePermutation ? "  (--algo)" : "");
  std::printf("  %-34s %.4f%s\n", classic_label.c_str(), classic,
              chosen == MinHashAlgorithm::kClassic ? "  (--algo)" : "");
  std::printf("  %-34s %d\n", "SimHash-64 Hamming distance", hamming);
  return kExitOk;
}

}  // namespace

Command AddCompareCommand(CLI::App& root) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* app = root.add_subcommand(
      "compare",
      "compare two text files: exact Jaccard, containment, MinHash and SimHash estimates");
  app->add_option("A", flags->a, "first text file")->required();
  app->add_option("B", flags->b, "second text file")->required();
  app->add_flag("--json", flags->json,
                "print one JSON object (containment_ab = share of A's shingles found in B)");
  AddSignerFlags(app, &flags->signer);
  return {app, [flags] { return RunCompare(*flags); }};
}

}  // namespace neardup::cli
