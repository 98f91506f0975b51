// Links neardup::neardup from an installed package and signs two texts.
#include <cstdio>

#include "neardup/neardup.hpp"

int main() {
  neardup::Signer signer;
  const auto a = signer.Sign("The quick brown fox jumps over the lazy dog near the river bank.");
  const auto b = signer.Sign("The QUICK brown fox jumps over the lazy dog near the river bank!");
  const auto j = neardup::EstimateJaccard(a.minhash, b.minhash);
  if (!j.ok() || *j != 1.0) return 1;
  std::printf("ok %.3f\n", *j);
  return 0;
}
