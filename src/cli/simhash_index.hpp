// `neardup index ... ` on a SimHash crawler index (store/simhash_crawler_index.hpp):
// the commands of index.cpp for indexes whose file says they are SimHash ones.
#ifndef NEARDUP_SRC_CLI_SIMHASH_INDEX_HPP_
#define NEARDUP_SRC_CLI_SIMHASH_INDEX_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "commands.hpp"

namespace neardup::cli {

struct SimHashIndexCommand {
  std::string path;
  std::vector<std::string> args;  // inputs, ids or the other index
  SignerFlags signer;             // shingles (create only)
  int max_distance = 3;           // create only
  InputFlags input;
  uint64_t max_documents = 0;
};

// True when `path` holds a SimHash crawler index snapshot (its header says so).
bool IsSimHashCrawlerIndex(const std::string& path);

int RunSimHashCreate(const SimHashIndexCommand& c);
int RunSimHashAdd(const SimHashIndexCommand& c);
int RunSimHashRemove(const SimHashIndexCommand& c);
int RunSimHashQuery(const SimHashIndexCommand& c);
int RunSimHashStats(const SimHashIndexCommand& c);
int RunSimHashMerge(const SimHashIndexCommand& c);
int RunSimHashCheck(const SimHashIndexCommand& c);

}  // namespace neardup::cli

#endif  // NEARDUP_SRC_CLI_SIMHASH_INDEX_HPP_
