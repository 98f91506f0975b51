// Fuzzes signature file reading (io/signature_file.hpp) on arbitrary bytes: the reader
// must return an error or a consistent set, never crash, hang or over-allocate.
// The first byte selects a mode; with bit 0 set, the fuzzer recomputes the file's
// checksums (header, payload, every block it can walk) before reading, so mutations
// reach the record parser instead of stopping at a checksum mismatch.
// Invariants: the whole-file and the streaming reader agree on success and on every
// record; a set's columns have the sizes its header implies; 16-bit values fit 16 bits.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "neardup/io/signature_file.hpp"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

uint32_t Le32(const std::string& s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}
void PutLe64(std::string* s, size_t at, uint64_t v) { std::memcpy(s->data() + at, &v, 8); }

void FixChecksums(std::string* file) {
  const size_t header = neardup::kSignatureHeaderBytes;
  if (file->size() < header) return;
  size_t at = header;
  if (Le32(*file, 12) >= 2 && file->size() >= header + 24) {  // v2: the input table first
    const uint64_t table = Le32(*file, header + 8);
    if (table <= file->size() - header - 24) {
      PutLe64(file, header + 16, XXH3_64bits(file->data() + header + 24, table));
      at = header + 24 + table;
    }
  }
  for (; at + 16 <= file->size();) {
    const uint64_t block = Le32(*file, at);
    if (block > file->size() - at - 16) break;
    PutLe64(file, at + 8, XXH3_64bits(file->data() + at + 16, block));
    at += 16 + block;
  }
  PutLe64(file, 80, XXH3_64bits(file->data() + header, file->size() - header));
  PutLe64(file, 120, XXH3_64bits(file->data(), 120));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) FixChecksums(&bytes);

  absl::StatusOr<neardup::SignatureSet> set = neardup::ReadSignatureBytes(bytes, "fuzz.ndsig");
  absl::StatusOr<neardup::SignatureFileReader> reader =
      neardup::SignatureFileReader::FromBytes(bytes, "fuzz.ndsig");
  bool stream_ok = reader.ok();
  size_t streamed = 0;
  if (reader.ok()) {
    neardup::SignatureRecord record;
    for (;;) {
      absl::StatusOr<bool> more = reader->Next(&record);
      if (!more.ok()) {
        Check(!more.status().message().empty(), "error without a message");
        stream_ok = false;
        break;
      }
      if (!*more) break;
      if (set.ok()) {
        Check(streamed < set->size(), "stream has more records than the set");
        Check(record.id == set->ids[streamed], "stream and set disagree on an id");
        const neardup::DocumentSignature sig = set->Signature(streamed);
        Check(record.signature.num_shingles == sig.num_shingles &&
                  record.signature.minhash.values == sig.minhash.values,
              "stream and set disagree on a record");
      }
      ++streamed;
    }
  } else {
    Check(!reader.status().message().empty(), "error without a message");
  }
  Check(set.ok() == stream_ok, "whole-file and streaming readers disagree");
  if (!set.ok()) return 0;

  const neardup::SignatureSet& s = *set;
  const size_t n = s.size();
  Check(s.bytes.size() == n && s.inputs.size() == n && s.records.size() == n && s.offsets.size() == n,
        "location columns differ in size");
  for (size_t i = 0; i < n; ++i) {
    Check(s.inputs[i] == 0 || s.inputs[i] < s.input_table.size(), "record input outside the input table");
  }
  Check(streamed == n, "stream and set differ in size");
  Check(s.info.record_count == n, "record count differs from the header");
  Check(s.num_tokens.size() == n && s.num_shingles.size() == n, "column sizes");
  Check(s.simhashes.size() == (s.info.options.compute_simhash ? n : 0), "simhash column size");
  const size_t k = s.info.options.minhash.num_perm;
  Check(s.minhash_values.size() == (s.info.options.compute_minhash ? n * k : 0),
        "minhash column size");
  Check(s.info.options.Validate().ok(), "accepted invalid options");
  Check(s.info.minhash_bits == 16 || s.info.minhash_bits == 32, "MinHash value bits");
  for (const uint32_t v : s.minhash_values) Check(s.info.minhash_bits == 32 || v <= 0xffff, "16-bit value too wide");
  for (size_t i = 0; i < n; ++i) {
    if (s.info.options.compute_minhash) Check(s.minhash(i).size() == k, "minhash span size");
    (void)s.empty(i);
  }
  return 0;
}
