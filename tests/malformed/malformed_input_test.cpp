// Malformed input end to end: every class of ill-formed UTF-8, NUL bytes, CRLF and BOM
// JSONL, pathological JSON, truncated compressed streams and size limits. Each case
// checks the exact count or message, and that reading goes on after the bad record.
// The slow cases (a 1 GB document, 10 million documents, every byte of an index file
// flipped) run only with NEARDUP_STRESS=1 (scripts/stress.sh).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/io/index_file.hpp"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/io/input.hpp"
#include "neardup/io/jsonl.hpp"
#include "neardup/text/normalize.hpp"
#include "neardup/text/utf8.hpp"
#include "testing/input_files.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---------------------------------------------------------------------------------------
// Ill-formed UTF-8.

struct BadUtf8 {
  const char* what;
  std::string bytes;
  size_t replaced;  // bytes replaced
  size_t subparts;  // maximal ill-formed subparts (Unicode 15, section 3.9)
};

std::vector<BadUtf8> BadUtf8Cases() {
  std::vector<BadUtf8> cases = {
      {"stray continuation", "\x80", 1, 1},
      {"two stray continuations", "\xBF\x80", 2, 2},
      {"overlong 2-byte C0", "\xC0\xAF", 2, 2},
      {"overlong 2-byte C1", "\xC1\xBF", 2, 2},
      {"overlong 3-byte", "\xE0\x80\xAF", 3, 3},
      {"overlong 3-byte (U+07FF)", "\xE0\x9F\xBF", 3, 3},
      {"overlong 4-byte", "\xF0\x80\x80\xAF", 4, 4},
      {"overlong 4-byte (U+FFFF)", "\xF0\x8F\xBF\xBF", 4, 4},
      {"high surrogate", "\xED\xA0\x80", 3, 3},
      {"low surrogate", "\xED\xBF\xBF", 3, 3},
      {"surrogate pair", "\xED\xA0\xBD\xED\xB8\x80", 6, 6},
      {"U+110000", "\xF4\x90\x80\x80", 4, 4},
      {"F5 lead of 4", "\xF5\x80\x80\x80", 4, 4},
      {"truncated 2-byte", "\xC3", 1, 1},
      {"truncated 3-byte after 1", "\xE2", 1, 1},
      {"truncated 3-byte after 2", "\xE2\x82", 2, 1},
      {"truncated 4-byte after 2", "\xF0\x9F", 2, 1},
      {"truncated 4-byte after 3", "\xF0\x9F\x98", 3, 1},
      {"lead then ASCII", "\xE2\x82" "c", 2, 1},
      {"two truncated in a row", "\xF0\x9F\x98\xF0\x9F\x98", 6, 2},
  };
  for (int b = 0xF5; b <= 0xFF; ++b) {
    cases.push_back({"lone lead F5..FF", std::string(1, static_cast<char>(b)), 1, 1});
  }
  cases.push_back({"lone lead C0", "\xC0", 1, 1});
  cases.push_back({"lone lead C1", "\xC1", 1, 1});
  return cases;
}

TEST(MalformedUtf8Test, DecoderSplitsIntoMaximalSubparts) {
  for (const BadUtf8& c : BadUtf8Cases()) {
    // "lead then ASCII" ends in a valid 'c' that is not part of the count.
    const auto* p = reinterpret_cast<const unsigned char*>(c.bytes.data());
    const auto* end = p + c.bytes.size();
    size_t replaced = 0, subparts = 0;
    while (p < end) {
      const Utf8Decoded d = DecodeUtf8(p, end);
      ASSERT_GE(d.length, 1) << c.what;
      if (!d.ok) {
        replaced += d.length;
        ++subparts;
      }
      p += d.length;
    }
    EXPECT_EQ(replaced, c.replaced) << c.what;
    EXPECT_EQ(subparts, c.subparts) << c.what;
  }
}

TEST(MalformedUtf8Test, NormalizerReplacesEachClassWithOneSeparator) {
  Normalizer norm;
  std::string out;
  for (const BadUtf8& c : BadUtf8Cases()) {
    const bool ascii_tail = c.bytes.back() == 'c';
    NormalizeStats s = norm.Normalize("ab" + c.bytes + "cd", &out);
    EXPECT_EQ(s.replaced_bytes, c.replaced) << c.what;
    EXPECT_EQ(out, ascii_tail ? "ab ccd" : "ab cd") << c.what;
    // At the very end: the separator is trimmed.
    s = norm.Normalize("ab " + c.bytes, &out);
    EXPECT_EQ(s.replaced_bytes, c.replaced) << c.what;
    EXPECT_EQ(out, ascii_tail ? "ab c" : "ab") << c.what;
    // Between non-ASCII text, which takes the slow path.
    s = norm.Normalize("\xC3\xA9t\xC3\xA9" + c.bytes + "\xE2\x80\x94x", &out);
    EXPECT_EQ(s.replaced_bytes, c.replaced) << c.what;
  }
}

TEST(MalformedUtf8Test, EveryClassAtOnceCountsEveryByte) {
  std::string in = "start ";
  size_t replaced = 0;
  for (const BadUtf8& c : BadUtf8Cases()) {
    in += c.bytes + " ok ";
    replaced += c.replaced;
  }
  Normalizer norm;
  std::string out;
  EXPECT_EQ(norm.Normalize(in, &out).replaced_bytes, replaced);
  EXPECT_EQ(norm.Normalize(out, &out).replaced_bytes, 0u);
}

TEST(MalformedUtf8Test, NulBytesAreSpacesNotReplacements) {
  Normalizer norm;
  std::string out;
  const NormalizeStats s = norm.Normalize(std::string("a\0b\0\0c\0", 7), &out);
  EXPECT_EQ(s.replaced_bytes, 0u);
  EXPECT_EQ(out, "a b c");
}

// ---------------------------------------------------------------------------------------
// Files.

using MalformedInputTest = neardup_test::InputFilesTest;

TEST_F(MalformedInputTest, InvalidUtf8InJsonIsMalformedAndTheNextLineIsRead) {
  std::string content;
  int id = 0;
  for (const BadUtf8& c : BadUtf8Cases()) {
    absl::StrAppend(&content, "{\"id\":", id++, ",\"text\":\"x", c.bytes, "y\"}\n");
    absl::StrAppend(&content, "{\"id\":", id++, ",\"text\":\"good\"}\n");
  }
  const Result r = ReadAll({Write("u.jsonl", content)});
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.problems.size(), BadUtf8Cases().size());
  ASSERT_EQ(r.docs.size(), BadUtf8Cases().size());
  for (size_t i = 0; i < r.problems.size(); ++i) {
    EXPECT_EQ(r.problems[i].kind, ProblemKind::kMalformedJson) << r.problems[i].ToString();
    EXPECT_EQ(r.problems[i].line, 2 * i + 1);
    EXPECT_THAT(r.problems[i].reason, StartsWith("malformed JSON: "));
    EXPECT_EQ(r.docs[i].id, std::to_string(2 * i + 1));
    EXPECT_EQ(r.docs[i].text, "good");
  }
}

TEST_F(MalformedInputTest, NulBytes) {
  // Escaped NUL is a valid string character and is kept; a raw NUL byte is not JSON.
  const std::string content = std::string("{\"id\":1,\"text\":\"a\\u0000b\"}\n") +
                              std::string("{\"id\":2,\"text\":\"a\0b\"}\n", 22) +
                              std::string("\0\n", 2) +
                              "{\"id\":3,\"text\":\"after\"}\n";
  const Result r = ReadAll({Write("nul.jsonl", content)});
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text, std::string("a\0b", 3));
  EXPECT_EQ(r.docs[1].id, "3");
  EXPECT_EQ(r.docs[1].line, 4u);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].line, 2u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kMalformedJson);
  EXPECT_EQ(r.problems[1].line, 3u);
  EXPECT_EQ(r.problems[1].kind, ProblemKind::kMalformedJson);
}

TEST_F(MalformedInputTest, CrlfAndBom) {
  const std::string path = Write("crlf.jsonl",
                                 "\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"one\"}\r\n"
                                 "\r\n"
                                 "{\"id\":\"b\",\"text\":\"two\\r\"}\r\n"
                                 "{\"id\":\"c\",\"text\":\"three\"}");
  InputOptions o;
  o.keep_raw = true;
  const Result r = ReadAll({path}, o);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_THAT(Ids(r), ElementsAre("a", "b", "c"));
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[0].text, "one");
  EXPECT_EQ(r.docs[0].raw, "{\"id\":\"a\",\"text\":\"one\"}");
  EXPECT_EQ(r.docs[1].text, "two\r");
  EXPECT_EQ(r.docs[1].line, 3u);
  EXPECT_EQ(r.docs[2].text, "three");

  // A BOM anywhere but the start of the file is not skipped.
  const Result late = ReadAll({Write("late_bom.jsonl", "{\"id\":1,\"text\":\"x\"}\n"
                                                        "\xEF\xBB\xBF{\"id\":2,\"text\":\"y\"}\n")});
  EXPECT_THAT(Ids(late), ElementsAre("1"));
  ASSERT_EQ(late.problems.size(), 1u);
  EXPECT_EQ(late.problems[0].line, 2u);
  EXPECT_EQ(late.problems[0].kind, ProblemKind::kMalformedJson);
}

TEST_F(MalformedInputTest, DeeplyNestedAndHugeJsonValues) {
  const std::string deep_array(100000, '[');
  std::string deep_object;
  for (int i = 0; i < 50000; ++i) deep_object += "{\"a\":";
  const std::string huge_number = "{\"id\":1" + std::string(100000, '0') + ",\"text\":\"n\"}";
  const std::string huge_text(4 << 20, 'w');
  const std::string content = deep_array + "\n" +
                              "{\"id\":1,\"text\":\"after array\"}\n" +
                              "{\"id\":2,\"text\":\"x\",\"deep\":" + deep_object + "\n" +
                              "{\"id\":3,\"text\":\"after object\"}\n" +
                              huge_number + "\n" +
                              "{\"id\":4,\"text\":\"" + huge_text + "\"}\n" +
                              "{\"id\":5,\"text\":\"end\"}\n";
  const Result r = ReadAll({Write("deep.jsonl", content)});
  ASSERT_TRUE(r.status.ok());
  EXPECT_THAT(Ids(r), ElementsAre("1", "3", "4", "5"));
  ASSERT_EQ(r.docs.size(), 4u);
  EXPECT_EQ(r.docs[2].text.size(), huge_text.size());
  ASSERT_EQ(r.problems.size(), 3u);
  EXPECT_EQ(r.problems[0].line, 1u);
  EXPECT_EQ(r.problems[1].line, 3u);
  EXPECT_EQ(r.problems[2].line, 5u);
  for (const InputProblem& p : r.problems) {
    EXPECT_NE(p.kind, ProblemKind::kNone);
    EXPECT_FALSE(p.reason.empty());
  }
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kMalformedJson) << r.problems[0].ToString();
  EXPECT_EQ(r.problems[1].kind, ProblemKind::kMalformedJson) << r.problems[1].ToString();
}

TEST_F(MalformedInputTest, TruncatedCompressedStreamsAreReportedAndOtherInputsRead) {
  std::string content;
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&content, "{\"id\":", i, ",\"text\":\"w", i * 7919u, "\"}\n");
  const std::string plain = Write("p.jsonl", content);
  const std::string last = Write("last.jsonl", "{\"id\":\"last\",\"text\":\"z\"}\n");
  std::vector<std::string> inputs;
  std::vector<std::string> tools;
  for (const std::string tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string full = Slurp(Compress(tool, plain));
    const std::string ext = tool == "gzip" ? ".gz" : ".zst";
    // Cut after the stream header and cut one byte short of the end.
    inputs.push_back(Write("head" + ext, full.substr(0, 12)));
    inputs.push_back(Write("short" + ext, full.substr(0, full.size() - 1)));
    inputs.push_back(last);
    tools.push_back(tool);
  }
  const Result r = ReadAll(inputs);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.problems.size(), 2 * tools.size());
  size_t lasts = 0;
  for (const Document& d : r.docs) lasts += d.id == "last";
  EXPECT_EQ(lasts, tools.size());
  for (size_t t = 0; t < tools.size(); ++t) {
    for (size_t j = 0; j < 2; ++j) {
      const InputProblem& p = r.problems[2 * t + j];
      EXPECT_EQ(p.file, inputs[3 * t + j]);
      EXPECT_EQ(p.kind, ProblemKind::kCorruptStream);
      EXPECT_EQ(p.code, absl::StatusCode::kDataLoss);
      EXPECT_THAT(p.reason, StartsWith("truncated " + tools[t] + " stream (ended after ")) << p.ToString();
    }
  }
  EXPECT_EQ(r.stats.problems_by_kind[static_cast<size_t>(ProblemKind::kCorruptStream)], 2 * tools.size());
}

TEST_F(MalformedInputTest, DocumentOverMaxDocumentBytes) {
  const std::string jsonl = Write("big.jsonl", "{\"id\":1,\"text\":\"" + std::string(1001, 'a') + "\"}\n"
                                               "{\"id\":2,\"text\":\"" + std::string(1000, 'b') + "\"}\n");
  const std::string txt = Write("big.txt", std::string(1001, 'c'));
  InputOptions o;
  o.max_document_bytes = 1000;
  const Result r = ReadAll({jsonl, txt}, o);
  EXPECT_THAT(Ids(r), ElementsAre("2"));
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].ToString(),
            jsonl + ":1: text is 1001 bytes, over the limit of 1000 bytes (max_document_bytes)");
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kTooLarge);
  EXPECT_EQ(r.problems[0].code, absl::StatusCode::kOutOfRange);
  EXPECT_EQ(r.problems[1].ToString(),
            txt + ": file is 1001 bytes, over the limit of 1000 bytes (max_document_bytes)");

  o.strict = true;
  const Result strict = ReadAll({jsonl}, o);
  EXPECT_TRUE(strict.docs.empty());
  EXPECT_EQ(strict.status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(strict.status.message(),
            jsonl + ":1: text is 1001 bytes, over the limit of 1000 bytes (max_document_bytes)");
}

TEST_F(MalformedInputTest, HundredThousandOneWordDocuments) {
  std::string content;
  for (int i = 0; i < 100000; ++i) absl::StrAppend(&content, "{\"id\":", i, ",\"text\":\"w", i, "\"}\n");
  const Result r = ReadAll({Write("many.jsonl", content)});
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.docs.size(), 100000u);
  EXPECT_EQ(r.stats.documents, 100000u);
  EXPECT_EQ(r.stats.bytes, content.size());
  for (int i = 0; i < 100000; i += 997) {
    ASSERT_EQ(r.docs[i].id, std::to_string(i));
    ASSERT_EQ(r.docs[i].text, "w" + std::to_string(i));
    ASSERT_EQ(r.docs[i].line, static_cast<uint64_t>(i + 1));
  }
  EXPECT_EQ(r.docs.back().id, "99999");
}

// ---------------------------------------------------------------------------------------
// Index files crafted with valid checksums (found by tests/fuzz/index_loader_fuzzer).

// Recomputes an index file's section and header checksums, as the fuzzer does.
void FixIndexChecksums(std::string* file) {
  if (file->size() < kIndexHeaderBytes) return;
  for (size_t at = kIndexHeaderBytes; at + kIndexSectionHeaderBytes <= file->size();) {
    uint64_t payload;
    std::memcpy(&payload, file->data() + at + 8, 8);
    if (payload > file->size() - at - kIndexSectionHeaderBytes) break;
    std::string hashed = file->substr(at, 24) + file->substr(at + kIndexSectionHeaderBytes, payload);
    const uint64_t sum = XXH3_64bits(hashed.data(), hashed.size());
    std::memcpy(file->data() + at + 24, &sum, 8);
    at += kIndexSectionHeaderBytes + payload;
  }
  const uint64_t sum = XXH3_64bits(file->data(), 120);
  std::memcpy(file->data() + 120, &sum, 8);
}

// A file whose band table files a document under another key than its stored record
// says loads; Remove(id) then leaves the id in that table without a record, and
// QueryTopK used to look the record up without checking (end() dereferenced).
TEST(MalformedIndexFileTest, RemovedIdLeftInATableDoesNotCrashQueryTopK) {
  const std::string path = std::string(NEARDUP_SOURCE_DIR) +
                           "/tests/fuzz/regressions/index_loader_fuzzer/removed_id_left_in_table_topk";
  std::ifstream in(path, std::ios::binary);
  if (!in) GTEST_SKIP() << "reproducer not found: " << path;
  std::string file(std::istreambuf_iterator<char>(in), {});
  ASSERT_EQ(file[0], '\x0a');  // fuzzer mode: stored_bits 32, 32-bit ids, fix checksums
  file.erase(0, 1);
  FixIndexChecksums(&file);
  SignerOptions signer;
  signer.minhash.num_perm = 16;
  MinHashLshOptions lsh;
  lsh.minhash = signer.minhash;
  lsh.banding = {.bands = 4, .rows = 4};
  lsh.stored_bits = 32;
  absl::StatusOr<MinHashLsh<uint32_t>> index = ParseMinHashLsh<uint32_t>(file, "crafted.ndidx", signer, lsh);
  // The loader now refuses an id listed twice in one band; if a file like this ever
  // loads again, QueryTopK must still survive the removal below.
  if (!index.ok()) {
    EXPECT_EQ(index.status().code(), absl::StatusCode::kDataLoss) << index.status();
    return;
  }
  std::vector<uint32_t> found;
  for (uint32_t i = 0; i < 10; ++i) {
    MinHashSignature sig;
    sig.params = signer.minhash;
    sig.empty = false;
    for (uint32_t j = 0; j < 16; ++j) sig.values.push_back(j < 8 ? (i / 2) * 131 + j : i * 1000 + j);
    ASSERT_TRUE(index->Query(sig, &found).ok());
    absl::StatusOr<std::vector<ScoredCandidate<uint32_t>>> top = index->QueryTopK(sig, 100);
    ASSERT_TRUE(top.ok()) << top.status();
    for (const ScoredCandidate<uint32_t>& c : *top) EXPECT_TRUE(index->Contains(c.id)) << c.id;
    if (!found.empty() && (i & 1)) (void)index->Remove(found.front());
  }
}

// ---------------------------------------------------------------------------------------
// Stress: minutes each; NEARDUP_STRESS=1 (scripts/stress.sh).

bool StressEnabled() {
  const char* v = std::getenv("NEARDUP_STRESS");
  return v != nullptr && std::string(v) == "1";
}

TEST_F(MalformedInputTest, StressOneGigabyteDocument) {
  if (!StressEnabled()) GTEST_SKIP() << "set NEARDUP_STRESS=1 (scripts/stress.sh)";
  constexpr size_t kBytes = size_t{1} << 30;
  const std::string word = "lorem \xE2\x80\x99ipsum\xFF ";  // one ill-formed byte per word
  {
    std::ofstream out(fs::path(dir_) / "big.jsonl", std::ios::binary);
    out << "{\"id\":\"big\",\"text\":\"";
    std::string chunk;
    while (chunk.size() < (1 << 20)) chunk += "lorem ipsum dolor ";
    for (size_t written = 0; written < kBytes; written += chunk.size()) out << chunk;
    out << "\"}\n{\"id\":\"after\",\"text\":\"x\"}\n";
  }
  Result r = ReadAll({(fs::path(dir_) / "big.jsonl").string()});
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_GE(r.docs[0].text.size(), kBytes);
  EXPECT_EQ(r.docs[1].id, "after");
  r.docs.clear();

  std::string text;
  text.reserve(kBytes + word.size());
  size_t words = 0;
  while (text.size() < kBytes) {
    text += word;
    ++words;
  }
  Normalizer norm;
  std::string out;
  EXPECT_EQ(norm.Normalize(text, &out).replaced_bytes, words);
}

TEST_F(MalformedInputTest, StressTenMillionOneWordDocuments) {
  if (!StressEnabled()) GTEST_SKIP() << "set NEARDUP_STRESS=1 (scripts/stress.sh)";
  constexpr uint64_t kDocs = 10000000;
  const std::string path = (fs::path(dir_) / "ten_million.jsonl").string();
  uint64_t bytes = 0;
  {
    std::ofstream out(path, std::ios::binary);
    std::string chunk;
    for (uint64_t i = 0; i < kDocs; ++i) {
      absl::StrAppend(&chunk, "{\"id\":", i, ",\"text\":\"w", i, "\"}\n");
      if (chunk.size() > (1 << 20)) {
        bytes += chunk.size();
        out << chunk;
        chunk.clear();
      }
    }
    bytes += chunk.size();
    out << chunk;
  }
  uint64_t problems = 0;
  InputOptions o;
  o.on_problem = [&problems](const InputProblem&) { ++problems; };
  DocumentReader reader({path}, o);
  Document doc;
  uint64_t n = 0;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&doc);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    if (n % 1000003 == 0) {
      ASSERT_EQ(doc.id, std::to_string(n));
      ASSERT_EQ(doc.text, "w" + std::to_string(n));
    }
    ++n;
  }
  EXPECT_EQ(n, kDocs);
  EXPECT_EQ(problems, 0u);
  EXPECT_EQ(reader.stats().bytes, bytes);
}

TEST(MalformedIndexFileTest, StressEveryByteOfAnIndexFileFlipped) {
  if (!StressEnabled()) GTEST_SKIP() << "set NEARDUP_STRESS=1 (scripts/stress.sh)";
  SignerOptions signer;
  signer.minhash.num_perm = 16;
  MinHashLshOptions lsh;
  lsh.minhash = signer.minhash;
  lsh.banding = {.bands = 4, .rows = 4};
  lsh.stored_bits = 8;
  absl::StatusOr<MinHashLsh<uint32_t>> index = MinHashLsh<uint32_t>::Create(lsh);
  ASSERT_TRUE(index.ok()) << index.status();
  for (uint32_t i = 0; i < 200; ++i) {
    MinHashSignature sig;
    sig.params = signer.minhash;
    sig.empty = false;
    for (uint32_t j = 0; j < 16; ++j) sig.values.push_back(j < 8 ? (i / 3) * 131 + j : i * 1000 + j);
    ASSERT_TRUE(index->Insert(i, sig).ok());
  }
  absl::StatusOr<std::string> bytes = SerializeMinHashLsh(*index, signer);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(ParseMinHashLsh<uint32_t>(*bytes, "ok.ndidx", signer, lsh).ok());
  // Every byte is under a checksum, so every single-byte change must be refused.
  std::string flipped = *bytes;
  for (size_t i = 0; i < flipped.size(); ++i) {
    for (const unsigned char mask : {0x01, 0x80, 0xFF}) {
      flipped[i] = static_cast<char>(flipped[i] ^ mask);
      absl::StatusOr<MinHashLsh<uint32_t>> back = ParseMinHashLsh<uint32_t>(flipped, "x.ndidx", signer, lsh);
      ASSERT_FALSE(back.ok()) << "byte " << i << " ^ " << int{mask} << " was accepted";
      flipped[i] = (*bytes)[i];
    }
  }
  // Every truncation too.
  for (size_t n = 0; n < bytes->size(); ++n) {
    ASSERT_FALSE(ParseMinHashLsh<uint32_t>(std::string_view(*bytes).substr(0, n), "t.ndidx", signer, lsh).ok())
        << "truncated to " << n;
  }
}

}  // namespace
}  // namespace neardup
