// Writes the seed corpus of simhash_crawler_loader_fuzzer: SimHash crawler indexes made
// by the library, packed as the fuzzer reads them (mode byte, snapshot length, snapshot,
// log). Run after a change of the file formats:
//   build/fuzz/make_simhash_crawler_seeds tests/fuzz/corpus/simhash_crawler_loader_fuzzer
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "neardup/store/simhash_crawler_index.hpp"
#include "simhash_crawler_fuzz.hpp"

namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool Emit(const std::string& dir, const std::string& name, uint8_t mode, const std::string& index_path) {
  const std::string log = (mode & neardup_fuzz::kNoLogFile) ? std::string() : Slurp(index_path + ".log");
  const std::string seed = neardup_fuzz::PackSimHashCrawlerInput(mode, Slurp(index_path), log);
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(seed.data(), static_cast<std::streamsize>(seed.size()));
  return static_cast<bool>(out);
}

neardup::SimHashCrawlerIndexOptions Options() { return neardup_fuzz::SimHashCrawlerFuzzOptions(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  fs::create_directories(out);
  std::string tmpl = (fs::temp_directory_path() / "neardup_seeds_XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return 1;
  bool ok = true;
  {
    // An empty index: its snapshot and a log with only a header.
    const std::string path = tmpl + "/empty.ndsci";
    ok &= neardup::SimHashCrawlerIndex::Open(path, Options()).ok();
    ok &= Emit(out, "empty", 0, path) && Emit(out, "empty_no_log", neardup_fuzz::kNoLogFile, path);
  }
  {
    // Twelve pages in the snapshot (pairs of near-copies), then a log of inserts, a
    // removal and a re-insert of the removed id.
    const std::string path = tmpl + "/pages.ndsci";
    auto index = neardup::SimHashCrawlerIndex::Open(path, Options());
    ok &= index.ok();
    if (index.ok()) {
      uint64_t fp = 0x243f6a8885a308d3ull;
      for (int i = 0; i < 12; ++i) {
        if (i % 2 == 0) fp = fp * 6364136223846793005ull + 1442695040888963407ull;
        ok &= (*index)->InsertFingerprint(absl::StrCat("http://e.com/", i), fp ^ (i % 2 ? 5 : 0)).ok();
      }
      ok &= (*index)->Checkpoint().ok();
      for (int i = 12; i < 16; ++i) ok &= (*index)->QueryOrInsert(absl::StrCat("http://e.com/", i), fp ^ i).ok();
      ok &= (*index)->Remove("http://e.com/3").ok();
      ok &= (*index)->InsertFingerprint("http://e.com/3", 42).ok();
      index->reset();  // writes the log
      ok &= Emit(out, "pages", 0, path) && Emit(out, "pages_fixsum", neardup_fuzz::kFixChecksums, path) &&
            Emit(out, "pages_no_log", neardup_fuzz::kNoLogFile, path);
    }
  }
  fs::remove_all(tmpl);
  if (!ok) std::fprintf(stderr, "writing the seeds failed\n");
  return ok ? 0 : 1;
}
