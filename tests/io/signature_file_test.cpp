#include "neardup/io/signature_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }
using ::testing::HasSubstr;
using ::testing::StartsWith;

class SignatureFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_sigfile_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  struct Corpus {
    std::vector<std::string> ids;
    std::vector<DocumentSignature> sigs;
  };

  static Corpus MakeCorpus(const SignerOptions& options, int n) {
    Corpus c;
    Signer signer(options);
    for (int i = 0; i < n; ++i) {
      std::string text;
      if (i % 17 != 3) {  // every 17th document is empty
        for (int w = 0; w < 20 + i % 13; ++w) absl::StrAppend(&text, "w", (i * 31 + w * 7) % 101, " ");
      }
      c.ids.push_back(absl::StrCat(std::string(i % 5 == 0 ? i % 300 : 0, 'i'), i));
      c.sigs.push_back(signer.Sign(text));
    }
    return c;
  }

  std::string WriteCorpus(const std::string& name, const SignerOptions& options, const Corpus& c) {
    const std::string path = Path(name);
    absl::StatusOr<SignatureFileWriter> w = SignatureFileWriter::Create(path, options);
    EXPECT_TRUE(w.ok()) << w.status();
    for (size_t i = 0; i < c.ids.size(); ++i) EXPECT_TRUE(w->Append(c.ids[i], c.sigs[i]).ok());
    EXPECT_TRUE(w->Finalize().ok());
    return path;
  }

  static void ExpectSameSignature(const DocumentSignature& a, const DocumentSignature& b,
                                  const SignerOptions& o) {
    EXPECT_EQ(a.num_tokens, b.num_tokens);
    EXPECT_EQ(a.num_shingles, b.num_shingles);
    EXPECT_EQ(a.empty(), b.empty());
    if (o.compute_simhash) {
      EXPECT_EQ(a.simhash, b.simhash);
    }
    if (o.compute_minhash) {
      EXPECT_EQ(a.minhash.params, b.minhash.params);
      EXPECT_EQ(a.minhash.values, b.minhash.values);
      EXPECT_EQ(a.minhash.empty, b.minhash.empty);
    }
  }

  // A small valid file's bytes, for corruption tests.
  std::string SmallFile() {
    SignerOptions o;
    o.minhash.num_perm = 8;
    return Slurp(WriteCorpus("small.ndsig", o, MakeCorpus(o, 4)));
  }

  static std::string Refresh(std::string bytes) {
    // Recomputes the header checksum after a deliberate header edit.
    const uint64_t h = XXH3_64bits(bytes.data(), 120);
    for (int i = 0; i < 8; ++i) bytes[120 + i] = static_cast<char>(h >> (8 * i));
    return bytes;
  }

  std::string dir_;
};

TEST_F(SignatureFileTest, RoundTripsEveryFieldAcrossBlocks) {
  SignerOptions o;
  o.minhash.num_perm = 200;
  o.minhash.seed = 77;
  o.simhash_seed = 99;
  o.shingle.n = 3;
  o.shingle.seed = 5;
  o.normalize.case_fold = false;
  const Corpus c = MakeCorpus(o, 3000);  // ~2.6 MB: three blocks
  const std::string path = WriteCorpus("rt.ndsig", o, c);
  EXPECT_FALSE(fs::exists(path + ".partial"));

  absl::StatusOr<SignatureSet> set = ReadSignatureFile(path);
  ASSERT_TRUE(set.ok()) << set.status();
  const SignerOptions& got = set->info.options;
  EXPECT_EQ(got.normalize, o.normalize);
  EXPECT_EQ(got.shingle, o.shingle);
  EXPECT_EQ(got.minhash, o.minhash);
  EXPECT_EQ(got.simhash_seed, 99u);
  EXPECT_TRUE(got.compute_minhash);
  EXPECT_TRUE(got.compute_simhash);
  EXPECT_EQ(set->info.record_count, 3000u);
  EXPECT_EQ(set->info.payload_bytes + kSignatureHeaderBytes, fs::file_size(path));
  ASSERT_EQ(set->size(), 3000u);
  EXPECT_EQ(set->ids, c.ids);
  int empties = 0;
  for (size_t i = 0; i < c.ids.size(); ++i) {
    ExpectSameSignature(set->Signature(i), c.sigs[i], o);
    EXPECT_EQ(set->empty(i), c.sigs[i].empty());
    empties += set->empty(i);
  }
  EXPECT_EQ(empties, 177);

  // The streaming reader sees the same records.
  absl::StatusOr<SignatureFileReader> reader = SignatureFileReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  SignatureRecord r;
  size_t n = 0;
  for (absl::StatusOr<bool> more = reader->Next(&r); more.ok() && *more; more = reader->Next(&r)) {
    ASSERT_LT(n, c.ids.size());
    EXPECT_EQ(r.id, c.ids[n]);
    ExpectSameSignature(r.signature, c.sigs[n], o);
    ++n;
  }
  EXPECT_EQ(n, 3000u);
}

TEST_F(SignatureFileTest, OtherParameterSetsRoundTrip) {
  std::vector<SignerOptions> variants(4);
  variants[0].minhash.algorithm = MinHashAlgorithm::kClassic;
  variants[1].shingle.kind = ShingleKind::kChar;
  variants[1].compute_simhash = false;
  variants[2].compute_minhash = false;
  variants[3].compute_minhash = false;
  variants[3].compute_simhash = false;
  for (size_t v = 0; v < variants.size(); ++v) {
    const SignerOptions& o = variants[v];
    const Corpus c = MakeCorpus(o, 40);
    const std::string path = WriteCorpus(absl::StrCat("v", v), o, c);
    absl::StatusOr<SignatureSet> set = ReadSignatureFile(path);
    ASSERT_TRUE(set.ok()) << set.status();
    EXPECT_EQ(set->info.options.minhash, o.minhash);
    EXPECT_EQ(set->info.options.shingle, o.shingle);
    EXPECT_EQ(set->info.options.compute_minhash, o.compute_minhash);
    EXPECT_EQ(set->info.options.compute_simhash, o.compute_simhash);
    EXPECT_EQ(set->minhash_values.size(), o.compute_minhash ? 40u * o.minhash.num_perm : 0u);
    EXPECT_EQ(set->simhashes.size(), o.compute_simhash ? 40u : 0u);
    for (size_t i = 0; i < 40; ++i) ExpectSameSignature(set->Signature(i), c.sigs[i], o);
  }
}

TEST_F(SignatureFileTest, EmptyFileAndDeterministicBytes) {
  SignerOptions o;
  const std::string a = WriteCorpus("a", o, {});
  absl::StatusOr<SignatureSet> set = ReadSignatureFile(a);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->size(), 0u);
  EXPECT_EQ(fs::file_size(a), kSignatureHeaderBytes + 24);  // header + empty input table

  const Corpus c = MakeCorpus(o, 50);
  EXPECT_EQ(Slurp(WriteCorpus("x", o, c)), Slurp(WriteCorpus("y", o, c)));
  const std::string bytes = Slurp(Path("x"));
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89NDUP\r\n\x1a", 8));
}

TEST_F(SignatureFileTest, RefusesBadMagic) {
  std::string bytes = SmallFile();
  bytes[1] = 'X';
  absl::StatusOr<SignatureSet> set = ReadSignatureBytes(bytes, "f");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Msg(set.status()),
            "f: header at byte offset 0: bad magic: expected 89 4E 44 55 50 0D 0A 1A, found 89 58 "
            "44 55 50 0D 0A 1A; not a neardup file");
  set = ReadSignatureBytes("{\"id\":1}\n", "data.jsonl");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(set.status()), HasSubstr("bad magic"));
}

TEST_F(SignatureFileTest, RefusesNewerVersionAndOtherObjectTypes) {
  std::string bytes = SmallFile();
  bytes[12] = 4;
  absl::StatusOr<SignatureSet> set = ReadSignatureBytes(bytes, "f");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(set.status()),
            "f: header at byte offset 12: format version 4 is newer than this build of neardup "
            "reads (up to 3)");
  bytes = SmallFile();
  bytes[8] = 2;
  set = ReadSignatureBytes(Refresh(bytes), "f");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Msg(set.status()),
            "f: header at byte offset 8: object type is 2 (MinHash LSH index), expected 1 "
            "(signature set)");
}

TEST_F(SignatureFileTest, RefusesTruncationAtEveryOffset) {
  const std::string bytes = SmallFile();
  for (size_t size = 0; size < bytes.size(); ++size) {
    absl::StatusOr<SignatureSet> set = ReadSignatureBytes(bytes.substr(0, size), "t");
    ASSERT_FALSE(set.ok()) << "truncated to " << size;
    EXPECT_EQ(set.status().code(), absl::StatusCode::kDataLoss) << set.status();
    EXPECT_THAT(Msg(set.status()), HasSubstr("truncated")) << set.status();
  }
  EXPECT_EQ(Msg(ReadSignatureBytes(bytes.substr(0, 50), "t").status()),
            "t: header at byte offset 50: truncated: the file ends after 50 bytes, before the end "
            "of the header (the header is 128 bytes)");
  EXPECT_EQ(Msg(ReadSignatureBytes(bytes.substr(0, 200), "t").status()),
            absl::StrCat("t: payload at byte offset 200: truncated: the header says ",
                         bytes.size() - 128,
                         " payload bytes from byte offset 128, the file ends after 72"));

  // The same through a real file.
  const std::string path = Path("cut.ndsig");
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 1);
  EXPECT_EQ(ReadSignatureFile(path).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SignatureFileTest, FlippedPayloadByteIsAChecksumErrorNamingBlockAndOffset) {
  const std::string bytes = SmallFile();
  std::string flipped = bytes;
  flipped[128 + 24 + 16 + 5] ^= 0x01;  // inside the first record, after the input table
  absl::StatusOr<SignatureSet> set = ReadSignatureBytes(flipped, "f");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(set.status()),
              StartsWith(absl::StrCat("f: block 0 at byte offset 152: checksum mismatch over "
                                      "bytes [168, ",
                                      bytes.size(), "): stored 0x")));

  flipped = bytes;
  flipped[80] ^= 0x01;  // the stored payload checksum: caught by the header checksum
  set = ReadSignatureBytes(flipped, "f");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(set.status()),
              StartsWith("f: header at byte offset 120: header checksum mismatch over bytes [0, "
                         "120): stored 0x"));

  // The whole-payload checksum is checked too (here: made stale on purpose).
  flipped = bytes;
  flipped[80] ^= 0x01;
  set = ReadSignatureBytes(Refresh(flipped), "f");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(set.status()),
              StartsWith(absl::StrCat("f: payload at byte offset 128: payload checksum mismatch "
                                      "over bytes [128, ",
                                      bytes.size(), "): stored 0x")));
}

TEST_F(SignatureFileTest, EverySingleBitFlipIsRefused) {
  const std::string bytes = SmallFile();
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[i] ^= static_cast<char>(1 << bit);
      absl::StatusOr<SignatureSet> set = ReadSignatureBytes(flipped, "f");
      ASSERT_FALSE(set.ok()) << "byte " << i << " bit " << bit;
      EXPECT_THAT(Msg(set.status()), HasSubstr("byte offset")) << set.status();
    }
  }
}

TEST_F(SignatureFileTest, HostileCountsAreRefusedBeforeAllocating) {
  std::string bytes = SmallFile();
  for (int i = 0; i < 8; ++i) bytes[64 + i] = static_cast<char>(0xff);  // record count
  absl::StatusOr<SignatureSet> set = ReadSignatureBytes(Refresh(bytes), "h");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(set.status()),
              StartsWith("h: header at byte offset 64: record count 18446744073709551615 cannot "
                         "fit in "));

  bytes = SmallFile();
  bytes += "extra";
  set = ReadSignatureBytes(bytes, "h");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(set.status()), HasSubstr("5 unexpected bytes after the end of the payload"));

  bytes = SmallFile();
  bytes[36] = static_cast<char>(0xff);  // num_perm 255 + ... > 8192
  bytes[37] = static_cast<char>(0xff);
  set = ReadSignatureBytes(Refresh(bytes), "h");
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(set.status()), HasSubstr("invalid parameters: num_perm must be in"));
}

TEST_F(SignatureFileTest, WriterRefusesMismatchedSignaturesAndCleansUp) {
  SignerOptions o;
  const std::string path = Path("w.ndsig");
  {
    absl::StatusOr<SignatureFileWriter> w = SignatureFileWriter::Create(path, o);
    ASSERT_TRUE(w.ok());
    SignerOptions other = o;
    other.minhash.seed = 2;
    const DocumentSignature sig = Signer(other).Sign("some text here for signing");
    absl::Status s = w->Append("doc", sig);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Msg(s),
              "record 0 (id \"doc\"): cannot compare MinHash signatures: seed differs (2 vs 1)");
    s = w->Append(std::string(kSignatureMaxIdBytes + 1, 'x'), Signer(o).Sign("x"));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(s), HasSubstr("id is 1048577 bytes, more than the limit of 1048576"));
    EXPECT_TRUE(fs::exists(path + ".partial"));
  }
  // Never finalized: no file at the path, and the partial file is gone.
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".partial"));

  SignerOptions bad;
  bad.minhash.num_perm = 0;
  EXPECT_EQ(SignatureFileWriter::Create(path, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SignatureFileWriter::Create(Path("no/such/dir/x"), o).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadSignatureFile(Path("missing")).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SignatureFileTest, Version3StoresLocationsAndTheInputTable) {
  SignerOptions o;
  o.minhash.num_perm = 16;
  const Corpus c = MakeCorpus(o, 30);
  const std::vector<InputIdentity> inputs = {{"a.jsonl", 1234, 1700000000123456789},
                                             {"dir/b.jsonl.zst", 99, -5}};
  const std::string path = Path("v2.ndsig");
  {
    absl::StatusOr<SignatureFileWriter> w = SignatureFileWriter::Create(path, o, inputs);
    ASSERT_TRUE(w.ok()) << w.status();
    for (size_t i = 0; i < c.ids.size(); ++i) {
      const RecordLocation where{.bytes = 100 + i, .input = static_cast<uint32_t>(i % 2),
                                 .record = i + 1, .offset = 1000 * i};
      ASSERT_TRUE(w->Append(c.ids[i], c.sigs[i], where).ok());
    }
    const absl::Status s = w->Append("x", c.sigs[0], {.input = 2});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Msg(s), "record 30 (id \"x\"): input 2 is not in the input table of 2 inputs");
    ASSERT_TRUE(w->Finalize().ok());
  }
  absl::StatusOr<SignatureSet> set = ReadSignatureFile(path);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->info.format_version, 3u);
  EXPECT_EQ(set->info.minhash_bits, 32u);
  EXPECT_EQ(set->input_table, inputs);
  ASSERT_EQ(set->size(), 30u);
  for (size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(set->bytes[i], 100 + i);
    EXPECT_EQ(set->inputs[i], i % 2);
    EXPECT_EQ(set->records[i], i + 1);
    EXPECT_EQ(set->offsets[i], 1000 * i);
    ExpectSameSignature(set->Signature(i), c.sigs[i], o);
  }
  absl::StatusOr<SignatureFileReader> reader = SignatureFileReader::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->input_table(), inputs);
  SignatureRecord r;
  ASSERT_TRUE(*reader->Next(&r));
  ASSERT_TRUE(*reader->Next(&r));
  EXPECT_EQ(r.id, c.ids[1]);
  EXPECT_EQ(r.bytes, 101u);
  EXPECT_EQ(r.input, 1u);
  EXPECT_EQ(r.record, 2u);
  EXPECT_EQ(r.offset, 1000u);

  // A flipped byte in the input table names the section and its offset.
  const std::string bytes = Slurp(path);
  std::string flipped = bytes;
  flipped[128 + 24 + 4] ^= 0x01;  // inside the first path
  absl::StatusOr<SignatureSet> bad = ReadSignatureBytes(flipped, "f");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(bad.status()),
              StartsWith("f: input table at byte offset 128: checksum mismatch over bytes [152, "));
  // Truncated inside the table.
  bad = ReadSignatureBytes(bytes.substr(0, 140), "f");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Msg(bad.status()), HasSubstr("truncated"));
}

TEST_F(SignatureFileTest, SixteenBitValuesAndLargeLocationsRoundTrip) {
  SignerOptions o;
  o.compute_simhash = false;
  const Corpus c = MakeCorpus(o, 40);
  const std::vector<InputIdentity> inputs = {{"a.jsonl", 1, 2}, {"b.jsonl", 3, 4}};
  // Locations at varint boundaries: 0, 127, 128, 2^32 + 5, 2^63 + 1.
  const auto where = [](size_t i) {
    const uint64_t big[] = {0, 127, 128, (uint64_t{1} << 32) + 5, (uint64_t{1} << 63) + 1};
    return RecordLocation{.bytes = big[i % 5], .input = static_cast<uint32_t>(i % 2), .record = big[(i + 1) % 5],
                          .offset = big[(i + 2) % 5]};
  };
  for (const uint32_t bits : {16u, 32u}) {
    const std::string path = Path(absl::StrCat("b", bits, ".ndsig"));
    absl::StatusOr<SignatureFileWriter> w = SignatureFileWriter::Create(path, o, inputs, bits);
    ASSERT_TRUE(w.ok()) << w.status();
    for (size_t i = 0; i < c.ids.size(); ++i) ASSERT_TRUE(w->Append(c.ids[i], c.sigs[i], where(i)).ok());
    ASSERT_TRUE(w->Finalize().ok());
  }
  absl::StatusOr<SignatureSet> narrow = ReadSignatureFile(Path("b16.ndsig"));
  absl::StatusOr<SignatureSet> wide = ReadSignatureFile(Path("b32.ndsig"));
  ASSERT_TRUE(narrow.ok()) << narrow.status();
  ASSERT_TRUE(wide.ok()) << wide.status();
  EXPECT_EQ(narrow->info.minhash_bits, 16u);
  EXPECT_EQ(wide->info.minhash_bits, 32u);
  EXPECT_FALSE(narrow->info.options.compute_simhash);
  // Half the value bytes: 2 * k fewer bytes per record.
  EXPECT_EQ(Slurp(Path("b32.ndsig")).size() - Slurp(Path("b16.ndsig")).size(), c.ids.size() * 2 * 128);
  for (size_t i = 0; i < c.ids.size(); ++i) {
    ExpectSameSignature(wide->Signature(i), c.sigs[i], o);
    const DocumentSignature got = narrow->Signature(i);
    ASSERT_EQ(got.minhash.values.size(), 128u);
    for (size_t v = 0; v < 128; ++v) EXPECT_EQ(got.minhash.values[v], c.sigs[i].minhash.values[v] & 0xffffu);
    EXPECT_EQ(got.num_tokens, c.sigs[i].num_tokens);
    EXPECT_EQ(got.num_shingles, c.sigs[i].num_shingles);
    EXPECT_EQ(narrow->ids[i], c.ids[i]);
    EXPECT_EQ(narrow->bytes[i], where(i).bytes);
    EXPECT_EQ(narrow->records[i], where(i).record);
    EXPECT_EQ(narrow->offsets[i], where(i).offset);
    EXPECT_EQ(narrow->inputs[i], where(i).input);
  }
  EXPECT_EQ(SignatureFileWriter::Create(Path("b8.ndsig"), o, {}, 8).status().message(),
            "MinHash value bits must be 16 or 32, got 8");
  // Other bits in a v3 header are refused, naming the byte.
  std::string bytes = Slurp(Path("b16.ndsig"));
  bytes[30] = 8;
  absl::StatusOr<SignatureSet> bad = ReadSignatureBytes(Refresh(bytes), "f");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Msg(bad.status()), "f: header at byte offset 30: MinHash value bits are 8, expected 16 or 32");
}

TEST_F(SignatureFileTest, Version2FilesStillRead) {
  // A file written by format version 2's writer (the fuzzer's seed, after its mode
  // byte): MinHash OPH k = 16 and SimHash of tests/golden/docs.jsonl, word 5-grams.
  std::string bytes =
      Slurp(std::string(NEARDUP_SOURCE_DIR) + "/tests/fuzz/corpus/signature_file_fuzzer/v2_default").substr(1);
  absl::StatusOr<SignatureSet> set = ReadSignatureBytes(bytes, "v2");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->info.format_version, 2u);
  EXPECT_EQ(set->info.minhash_bits, 32u);
  ASSERT_EQ(set->size(), 6u);
  EXPECT_TRUE(set->input_table.empty());
  Signer signer(set->info.options);
  std::ifstream docs(std::string(NEARDUP_SOURCE_DIR) + "/tests/golden/docs.jsonl");
  std::string line;
  for (size_t i = 0; i < set->size() && std::getline(docs, line); ++i) {
    EXPECT_EQ(set->ids[i], absl::StrCat("g-", i + 1));
    EXPECT_EQ(set->records[i], i + 1);
    const size_t at = line.find('"', line.find(':', line.find("\"text\""))) + 1;
    const DocumentSignature sig = signer.Sign(line.substr(at, line.rfind('"') - at));
    EXPECT_EQ(set->Signature(i).minhash.values, sig.minhash.values) << i;
    EXPECT_EQ(set->Signature(i).simhash, sig.simhash) << i;
  }
}

TEST_F(SignatureFileTest, Version1FilesReadWithZeroLocations) {
  absl::StatusOr<SignatureSet> set =
      ReadSignatureFile(std::string(NEARDUP_SOURCE_DIR) + "/tests/golden/signatures_v1.ndsig");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->info.format_version, 1u);
  EXPECT_TRUE(set->input_table.empty());
  ASSERT_EQ(set->size(), 6u);
  for (size_t i = 0; i < set->size(); ++i) {
    EXPECT_EQ(set->bytes[i], 0u);
    EXPECT_EQ(set->inputs[i], 0u);
    EXPECT_EQ(set->records[i], 0u);
    EXPECT_EQ(set->offsets[i], 0u);
  }
}

}  // namespace
}  // namespace neardup
