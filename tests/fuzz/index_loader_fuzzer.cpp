// Fuzzes index loading (io/index_file.hpp, ParseMinHashLsh; simhash_index_file.hpp,
// ParseSimHashIndex) on arbitrary bytes: it must return an error or an index that then
// answers queries, inserts and removals without crashing. The first byte selects the
// loader and expected parameters (bit 4: a SimHash index with max_distance 3; else a
// MinHash index with stored_bits 0, 8 or 32 and 32- or 64-bit ids) and, with bit 3 set,
// makes the fuzzer recompute the header and section checksums first so that mutations
// reach the section validators.
// Invariants: with stored signatures, every id a query on the loaded index returns is
// Contains()-ed, Remove succeeds or answers NotFound without a change, and a removed id
// is no longer scored by QueryTopK; an inserted signature finds its own id.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "neardup/io/index_file.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/io/simhash_index_file.hpp"

namespace {

// The parameters the seed corpus was written with (tests/fuzz/corpus/index_loader_fuzzer).
constexpr uint32_t kNumPerm = 16;
constexpr uint32_t kBands = 4;
constexpr uint32_t kRows = 4;
constexpr uint32_t kStoredBits[3] = {0, 8, 32};

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

void PutLe64(std::string* s, size_t at, uint64_t v) { std::memcpy(s->data() + at, &v, 8); }
uint64_t Le64(const std::string& s, size_t at) {
  uint64_t v;
  std::memcpy(&v, s.data() + at, 8);
  return v;
}

void FixChecksums(std::string* file) {
  const size_t header = neardup::kIndexHeaderBytes;
  const size_t section = neardup::kIndexSectionHeaderBytes;
  if (file->size() < header) return;
  for (size_t at = header; at + section <= file->size();) {
    const uint64_t payload = Le64(*file, at + 8);
    if (payload > file->size() - at - section) break;
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    XXH3_64bits_update(state, file->data() + at, 24);
    XXH3_64bits_update(state, file->data() + at + section, payload);
    PutLe64(file, at + 24, XXH3_64bits_digest(state));
    XXH3_freeState(state);
    at += section + payload;
  }
  PutLe64(file, 120, XXH3_64bits(file->data(), 120));
}

// Signature i of the family the seed corpus indexed (some values shared between
// neighbours so that bands collide and id lists form).
neardup::MinHashSignature SeedSignature(const neardup::MinHashParams& params, uint32_t i) {
  neardup::MinHashSignature sig;
  sig.params = params;
  sig.empty = false;
  for (uint32_t j = 0; j < kNumPerm; ++j) sig.values.push_back(j < 8 ? (i / 2) * 131 + j : i * 1000 + j);
  return sig;
}

template <typename DocId>
void Exercise(const std::string& bytes, uint32_t stored_bits) {
  neardup::SignerOptions signer;
  signer.minhash.num_perm = kNumPerm;
  neardup::MinHashLshOptions lsh;
  lsh.minhash = signer.minhash;
  lsh.banding = {.bands = kBands, .rows = kRows};
  lsh.stored_bits = stored_bits;
  absl::StatusOr<neardup::MinHashLsh<DocId>> index =
      neardup::ParseMinHashLsh<DocId>(bytes, "fuzz.ndidx", signer, lsh);
  if (!index.ok()) {
    Check(!index.status().message().empty(), "error without a message");
    return;
  }
  std::vector<DocId> found;
  bool removed_any = false;
  for (uint32_t i = 0; i < 10; ++i) {
    const neardup::MinHashSignature sig = SeedSignature(signer.minhash, i);
    Check(index->Query(sig, &found).ok(), "Query failed on a loaded index");
    if (index->stores_signatures()) {
      // Contains() is defined only with stored signatures. After a Remove, a crafted
      // file can leave the id in a table whose key differs from its record's (see
      // tests/fuzz/regressions/index_loader_fuzzer): only the loaded state is checked.
      if (!removed_any) {
        for (DocId id : found) Check(index->Contains(id), "Query returned an id not contained");
      }
      auto top = index->QueryTopK(sig, 3);
      Check(top.ok(), "QueryTopK failed on a loaded index");
      for (const auto& c : *top) Check(index->Contains(c.id), "QueryTopK returned an id not contained");
      if (!found.empty() && (i & 1)) {
        const DocId gone = found.front();
        // The loader checks that every id in a table has a record, not that the record's
        // stored band keys are the keys it is filed under (a crafted file can differ), so
        // Remove may answer NotFound; it must then leave the index unchanged.
        const bool was_contained = index->Contains(gone);
        const absl::Status removed = index->Remove(gone);
        if (!removed.ok()) {
          Check(removed.code() == absl::StatusCode::kNotFound, "Remove failed other than NotFound");
          Check(index->Contains(gone) == was_contained, "a failed Remove changed the index");
          continue;
        }
        removed_any = true;
        Check(!index->Contains(gone), "removed id still contained");
        Check(index->Query(sig, &found).ok(), "Query after Remove failed");
        auto after = index->QueryTopK(sig, 100);
        Check(after.ok(), "QueryTopK after Remove failed");
        for (const auto& c : *after) Check(c.id != gone, "removed id still scored");
      }
    }
  }
  const DocId fresh = DocId{0x7fff0000};
  if (!index->Contains(fresh)) {
    const neardup::MinHashSignature sig = SeedSignature(signer.minhash, 3);
    // Without stored signatures Contains() is always false; the file may already hold
    // the id under these keys, which Insert reports.
    const absl::Status inserted = index->Insert(fresh, sig);
    if (!inserted.ok()) {
      Check(!index->stores_signatures() && inserted.code() == absl::StatusCode::kAlreadyExists,
            "Insert into a loaded index failed");
      return;
    }
    Check(index->Query(sig, &found).ok(), "Query after Insert failed");
    bool seen = false;
    for (DocId id : found) seen |= id == fresh;
    Check(seen, "inserted id not found by its own signature");
  }
}

// A loaded SimHash index answers like a freshly built one over the same entries.
void ExerciseSimHash(const std::string& bytes) {
  const neardup::SimHashIndexOptions options{.max_distance = 3};
  absl::StatusOr<neardup::SimHashIndex> index =
      neardup::ParseSimHashIndex(bytes, "fuzz.ndsim", neardup::SignerOptions{}, options);
  if (!index.ok()) {
    Check(!index.status().message().empty(), "error without a message");
    return;
  }
  Check(index->ids().size() == index->fingerprints().size(), "ids and fingerprints differ in number");
  for (size_t i = 0; i < index->size() && i < 8; ++i) {
    const uint64_t fp = index->fingerprints()[i] ^ 1;
    absl::StatusOr<std::vector<neardup::SimHashMatch>> m = index->Query(fp, 3);
    Check(m.ok(), "Query failed on a loaded SimHash index");
    bool seen = false;
    for (const neardup::SimHashMatch& x : *m) seen |= x.id == index->ids()[i];
    Check(seen, "a stored fingerprint is not found at distance 1");
  }
  if (!index->empty()) {
    const uint64_t gone = index->ids()[0];
    Check(index->Remove(gone).ok(), "Remove of a stored id failed");
    Check(!index->Contains(gone), "removed id still contained");
  }
  if (!index->Contains(0x7fff0000)) Check(index->Insert(0x7fff0000, 42).ok(), "Insert into a loaded index failed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode & 8) FixChecksums(&bytes);
  if (mode & 16) {
    ExerciseSimHash(bytes);
    return 0;
  }
  const uint32_t stored_bits = kStoredBits[(mode & 3) % 3];
  if (mode & 4) {
    Exercise<uint64_t>(bytes, stored_bits);
  } else {
    Exercise<uint32_t>(bytes, stored_bits);
  }
  return 0;
}
