// Signs two versions of a short article and compares them every way neardup can:
// exact Jaccard of word 5-gram sets, MinHash estimates (one-permutation and classic),
// b-bit compressed MinHash and SimHash distance.
//
//   ./example_compare_articles
#include <cstdio>
#include <string>

#include "neardup/neardup.hpp"

int main() {
  const std::string original =
      "The harbor council voted on Tuesday to add three evening ferry crossings. "
      "\"Commuters have waited years for a late boat,\" said the council chair.";
  const std::string syndicated =
      "THE HARBOR COUNCIL voted on Tuesday to add three evening ferry crossings. "
      "\u201cCommuters have waited years for a late boat,\u201d said the council chair.";
  const std::string edited =
      "The harbor council voted on Monday to add three evening ferry crossings. "
      "\"Commuters have waited many years for a late boat,\" the council chair said.";

  neardup::SignerOptions classic_options;
  classic_options.minhash.algorithm = neardup::MinHashAlgorithm::kClassic;
  neardup::Signer oph;  // defaults: word 5-grams, one-permutation MinHash-128, SimHash-64
  neardup::Signer classic(classic_options);
  neardup::Shingler shingler;
  neardup::Normalizer normalizer;

  const auto sign_all = [&](const std::string& text) {
    return std::make_pair(oph.Sign(text), classic.Sign(text));
  };
  const auto [a_oph, a_classic] = sign_all(original);
  for (const std::string* other : {&syndicated, &edited}) {
    const auto [b_oph, b_classic] = sign_all(*other);
    const auto set_a = neardup::MakeShingleSet(shingler.Shingle(normalizer.Normalize(original)));
    const auto set_b = neardup::MakeShingleSet(shingler.Shingle(normalizer.Normalize(*other)));
    const auto packed_a = neardup::CompressBBit(a_oph.minhash, 8);
    const auto packed_b = neardup::CompressBBit(b_oph.minhash, 8);
    std::printf("%s\n", other == &syndicated ? "original vs syndicated copy (case, curly quotes):"
                                             : "original vs edited copy (two words changed):");
    std::printf("  exact Jaccard          %.3f\n", neardup::ExactJaccard(set_a, set_b));
    std::printf("  MinHash (oph, k=128)   %.3f\n", *neardup::EstimateJaccard(a_oph.minhash, b_oph.minhash));
    std::printf("  MinHash (classic)      %.3f\n", *neardup::EstimateJaccard(a_classic.minhash, b_classic.minhash));
    std::printf("  8-bit MinHash          %.3f\n", *neardup::EstimateJaccard(*packed_a, *packed_b));
    std::printf("  SimHash-64 distance    %d\n", neardup::HammingDistance(a_oph.simhash, b_oph.simhash));
  }
  return 0;
}
