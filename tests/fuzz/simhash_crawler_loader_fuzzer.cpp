// Fuzzes opening a SimHash crawler index (store/simhash_crawler_index.hpp): snapshot
// loading and log replay, on arbitrary bytes written to the two files. Open must return
// an error with a message or an index that then works: queries, QueryOrInsert, Remove,
// a checkpoint, and a reopen that holds the same documents.
//
// Input (simhash_crawler_fuzz.hpp): byte 0 the mode, bytes 1-4 the snapshot's length n
// (little-endian, cut to what is there), then n snapshot bytes and the rest the log.
// Mode bit 0: no log file (Open writes one); bit 1: the fuzzer first recomputes the snapshot's header, size and
// section checksums and the log header's and records' checksums, so that mutations
// reach the checks behind them. The seeds (tests/fuzz/corpus/simhash_crawler_loader_fuzzer)
// are written by make_simhash_crawler_seeds.cpp with the options used here.
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "neardup/store/simhash_crawler_index.hpp"
#include "simhash_crawler_fuzz.hpp"

namespace {

namespace fs = std::filesystem;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

uint64_t Le64(const std::string& s, size_t at) {
  uint64_t v;
  std::memcpy(&v, s.data() + at, 8);
  return v;
}
uint32_t Le32(const std::string& s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}
void PutLe64(std::string* s, size_t at, uint64_t v) { std::memcpy(s->data() + at, &v, 8); }

// The snapshot: 128-byte header (size at 88, checksum of [0, 120) at 120), then
// sections of a 32-byte header (payload length at 8, checksum at 24) and a payload.
void FixSnapshot(std::string* file) {
  if (file->size() < 128) return;
  PutLe64(file, 88, file->size());
  for (size_t at = 128; at + 32 <= file->size();) {
    const uint64_t payload = Le64(*file, at + 8);
    if (payload > file->size() - at - 32) break;
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    XXH3_64bits_update(state, file->data() + at, 24);
    XXH3_64bits_update(state, file->data() + at + 32, payload);
    PutLe64(file, at + 24, XXH3_64bits_digest(state));
    XXH3_freeState(state);
    at += 32 + payload;
  }
  PutLe64(file, 120, XXH3_64bits(file->data(), 120));
}

// The log: 64-byte header (checksum of [0, 56) at 56), then records of a 16-byte header
// (payload length at 0), the payload and the checksum of both.
void FixLog(std::string* file) {
  if (file->size() < 64) return;
  PutLe64(file, 56, XXH3_64bits(file->data(), 56));
  for (size_t at = 64; at + 24 <= file->size();) {
    const uint64_t len = Le32(*file, at);
    if (len > file->size() - at - 24) break;
    PutLe64(file, at + 16 + len, XXH3_64bits(file->data() + at, 16 + len));
    at += 24 + len;
  }
}

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

// A directory of its own, on tmpfs when there is one (checkpoints fsync).
// Never destroyed: the exit handler that removes it runs after static destructors.
const std::string& Dir() {
  static const std::string* dir = [] {
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string tmpl = (base / "neardup_simcrawler_fuzz_XXXXXX").string();
    Check(::mkdtemp(tmpl.data()) != nullptr, "cannot make a scratch directory");
    auto* d = new std::string(tmpl);
    std::atexit([] { fs::remove_all(Dir()); });
    return d;
  }();
  return *dir;
}

neardup::SimHashCrawlerIndexOptions Options() { return neardup_fuzz::SimHashCrawlerFuzzOptions(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const uint8_t mode = data[0];
  uint32_t n;
  std::memcpy(&n, data + 1, 4);
  const size_t rest = size - 5;
  n = static_cast<uint32_t>(std::min<size_t>(n, rest));
  std::string snapshot(reinterpret_cast<const char*>(data + 5), n);
  std::string log(reinterpret_cast<const char*>(data + 5 + n), rest - n);
  if (mode & neardup_fuzz::kFixChecksums) {
    FixSnapshot(&snapshot);
    FixLog(&log);
  }
  const std::string path = Dir() + "/pages.ndsci";
  for (const char* suffix : {"", ".log", ".tmp", ".log.tmp"}) fs::remove(path + suffix);
  Check(WriteFile(path, snapshot), "cannot write the snapshot");
  if (!(mode & neardup_fuzz::kNoLogFile)) Check(WriteFile(path + ".log", log), "cannot write the log");

  uint64_t documents = 0;
  {
    absl::StatusOr<std::unique_ptr<neardup::SimHashCrawlerIndex>> opened =
        neardup::SimHashCrawlerIndex::Open(path, Options());
    if (!opened.ok()) {
      Check(!opened.status().message().empty(), "error without a message");
      return 0;
    }
    neardup::SimHashCrawlerIndex& index = **opened;
    const neardup::CrawlerRecovery& r = index.recovery();
    Check(r.log_bytes_dropped == 0 || !r.log_tail_problem.empty(), "a dropped tail without a reason");
    Check(index.Stats().documents == index.size(), "Stats and size disagree");
    // A fingerprint inserted is found at distance 0 under its id; near-copies then see it.
    const uint64_t fp = 0x9e3779b97f4a7c15ull ^ index.size();
    absl::StatusOr<neardup::SimHashQueryOrInsertResult> q = index.QueryOrInsert("fuzz://new", fp);
    Check(q.ok(), "QueryOrInsert failed on an opened index");
    if (q->inserted) {
      const std::vector<neardup::SimHashCrawlerMatch> near = index.Query(fp ^ 3);
      bool seen = near.size() == Options().max_results;  // a crafted index may hold more copies
      for (const neardup::SimHashCrawlerMatch& m : near) seen |= m.id == "fuzz://new" && m.distance == 2;
      Check(seen, "an inserted fingerprint is not found at distance 2");
      Check(index.Remove("fuzz://new").ok(), "Remove of an inserted id failed");
      Check(!index.Contains("fuzz://new"), "a removed id is still contained");
    }
    Check(index.Checkpoint().ok(), "Checkpoint failed on an opened index");
    documents = index.size();
  }
  absl::StatusOr<std::unique_ptr<neardup::SimHashCrawlerIndex>> again =
      neardup::SimHashCrawlerIndex::Open(path, Options());
  Check(again.ok(), "the index does not reopen after its checkpoint");
  Check((*again)->size() == documents, "the reopened index holds other documents");
  Check((*again)->recovery().log_records_replayed == 0, "a checkpoint left records to replay");
  return 0;
}
