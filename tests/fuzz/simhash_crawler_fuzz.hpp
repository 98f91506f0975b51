// What simhash_crawler_loader_fuzzer and the writer of its seeds
// (make_simhash_crawler_seeds.cpp) agree on: the index options and the input layout.
#ifndef NEARDUP_TESTS_FUZZ_SIMHASH_CRAWLER_FUZZ_HPP_
#define NEARDUP_TESTS_FUZZ_SIMHASH_CRAWLER_FUZZ_HPP_

#include <cstdint>
#include <string>

#include "neardup/store/simhash_crawler_index.hpp"

namespace neardup_fuzz {

inline neardup::SimHashCrawlerIndexOptions SimHashCrawlerFuzzOptions() {
  neardup::SimHashCrawlerIndexOptions o;
  o.max_distance = 3;
  o.sync = neardup::SyncPolicy::kNever;  // checkpoints still sync
  return o;
}

// Mode bits of byte 0.
inline constexpr uint8_t kNoLogFile = 1;     // only the snapshot is written
inline constexpr uint8_t kFixChecksums = 2;  // checksums recomputed before opening

// Byte 0 the mode, bytes 1-4 the snapshot's length (little-endian), the snapshot, the log.
inline std::string PackSimHashCrawlerInput(uint8_t mode, const std::string& snapshot, const std::string& log) {
  std::string out(1, static_cast<char>(mode));
  const auto n = static_cast<uint32_t>(snapshot.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  return out + snapshot + log;
}

}  // namespace neardup_fuzz

#endif  // NEARDUP_TESTS_FUZZ_SIMHASH_CRAWLER_FUZZ_HPP_
