#include "neardup/io/input.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/io/input_identity.hpp"
#include "neardup/io/jsonl.hpp"
#include "testing/input_files.hpp"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using InputTest = neardup_test::InputFilesTest;

TEST_F(InputTest, ReadsGoodLinesWithStringAndIntegerIds) {
  const std::string path = Write("good.jsonl",
                                 "{\"id\":\"a\",\"text\":\"first\"}\n"
                                 "{\"text\":\"second\",\"id\":42,\"extra\":[1,{\"x\":null}]}\n"
                                 "{\"id\":18446744073709551615,\"text\":\"third\"}\n"
                                 "{\"id\":-7,\"text\":\"caf\\u00e9 \\\"q\\\"\"}\n");
  const Result r = ReadAll({path});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(Ids(r), ElementsAre("a", "42", "18446744073709551615", "-7"));
  EXPECT_EQ(r.docs[1].text, "second");
  EXPECT_EQ(r.docs[3].text, "caf\xC3\xA9 \"q\"");
  EXPECT_EQ(r.docs[2].file, path);
  EXPECT_EQ(r.docs[2].line, 3u);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.stats.documents, 4u);
  EXPECT_EQ(r.stats.bytes, Slurp(path).size());
  EXPECT_EQ(r.stats.files, 1u);
}

TEST_F(InputTest, ReportsEveryBadLineWithFileLineAndReasonAndGoesOn) {
  Write("data.jsonl",
        "{\"id\":1,\"text\":\"ok one\"}\n"                  // 1
        "{\"id\":2,\"text\":\"unterminated}\n"              // 2
        "{\"id\":3,\"body\":\"no text field\"}\n"           // 3
        "{\"id\":4,\"text\":17}\n"                          // 4
        "{\"text\":\"no id\"}\n"                            // 5
        "{\"id\":1.5,\"text\":\"float id\"}\n"              // 6
        "[1,2,3]\n"                                         // 7
        "{\"id\":\"\",\"text\":\"empty id\"}\n"             // 8
        "{\"id\":true,\"text\":\"bool id\"}\n"              // 9
        "{\"id\":10,\"text\":null}\n"                       // 10
        "{\"id\":11,\"text\":\"ok\"} trailing\n"            // 11
        "{\"id\":12,\"text\":\"bad utf8 \xFF\"}\n"          // 12
        "{\"id\":13,\"text\":\"ok two\"}\n");               // 13
  // Relative path: messages show the path as given.
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  const Result r = ReadAll({"data.jsonl"});
  fs::current_path(old);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(Ids(r), ElementsAre("1", "13"));
  EXPECT_EQ(r.docs[1].line, 13u);
  const std::vector<std::string> m = Messages(r);
  ASSERT_EQ(m.size(), 11u);
  EXPECT_THAT(m[0], StartsWith("data.jsonl:2: malformed JSON: "));
  EXPECT_EQ(m[1], "data.jsonl:3: missing string field \"text\"");
  EXPECT_EQ(m[2], "data.jsonl:4: field \"text\" is an integer, expected a string");
  EXPECT_EQ(m[3], "data.jsonl:5: missing string or integer field \"id\"");
  EXPECT_EQ(m[4],
            "data.jsonl:6: field \"id\" is a floating-point number, expected a string or an "
            "integer");
  EXPECT_EQ(m[5], "data.jsonl:7: expected a JSON object, found an array");
  EXPECT_EQ(m[6], "data.jsonl:8: field \"id\" is an empty string");
  EXPECT_EQ(m[7], "data.jsonl:9: field \"id\" is a boolean, expected a string or an integer");
  EXPECT_EQ(m[8], "data.jsonl:10: field \"text\" is null, expected a string");
  EXPECT_THAT(m[9], StartsWith("data.jsonl:11: malformed JSON: "));
  EXPECT_THAT(m[10], StartsWith("data.jsonl:12: malformed JSON: "));
  EXPECT_THAT(m[10], HasSubstr("UTF-8"));

  EXPECT_EQ(r.problems[1].kind, ProblemKind::kBadText);
  EXPECT_EQ(r.problems[1].line, 3u);
  EXPECT_EQ(r.problems[1].file, "data.jsonl");
  EXPECT_EQ(r.stats.documents, 2u);
  EXPECT_EQ(r.stats.problems, 11u);
  const auto& by = r.stats.problems_by_kind;
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kMalformedJson)], 3u);
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kNotAnObject)], 1u);
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kBadText)], 3u);
  EXPECT_EQ(by[static_cast<size_t>(ProblemKind::kBadId)], 4u);
}

TEST_F(InputTest, ConfigurableFieldsJsonPointerAndNoIdField) {
  const std::string path = Write("f.jsonl",
                                 "{\"url\":\"u1\",\"body\":\"b1\",\"text\":\"ignored\"}\n"
                                 "{\"meta\":{\"key\":5},\"content\":{\"main\":\"nested\"}}\n");
  InputOptions o;
  o.fields = {.id_field = "url", .text_field = "body"};
  Result r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("u1"));
  EXPECT_EQ(r.docs[0].text, "b1");
  EXPECT_THAT(Messages(r), ElementsAre(path + ":2: missing string field \"body\""));

  o.fields = {.id_field = "/meta/key", .text_field = "/content/main"};
  r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("5"));
  EXPECT_EQ(r.docs[0].text, "nested");
  EXPECT_THAT(Messages(r), ElementsAre(path + ":1: missing string field \"/content/main\""));

  o.fields = {.id_field = "", .text_field = "text"};
  r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre(path + ":1"));
}

TEST_F(InputTest, CrlfBomBlankLinesAndMissingFinalNewline) {
  const std::string path = Write("w.jsonl",
                                 "\xEF\xBB\xBF{\"id\":1,\"text\":\"a\"}\r\n"
                                 "\r\n"
                                 "   \t \n"
                                 "\n"
                                 "{\"id\":2,\"text\":\"b\\r\"}\r\n"
                                 "{\"id\":3,\"text\":\"c\"}");
  const Result r = ReadAll({path});
  EXPECT_TRUE(r.problems.empty()) << Messages(r)[0];
  EXPECT_THAT(Ids(r), ElementsAre("1", "2", "3"));
  EXPECT_EQ(r.docs[1].text, "b\r");
  EXPECT_EQ(r.docs[1].line, 5u);
  EXPECT_EQ(r.docs[2].line, 6u);
}

TEST_F(InputTest, KeepRawKeepsTheLineAsRead) {
  const std::string path = Write("r.jsonl",
                                 "\xEF\xBB\xBF{\"id\":1, \"text\":\"a\\u0041\"}\r\n"
                                 "{\"id\":2,\"text\":\"b\"}");
  Write("dir/t.txt", "whole");
  InputOptions o;
  Result r = ReadAll({path, dir_ + "/dir"}, o);
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[0].raw, "");
  o.keep_raw = true;
  r = ReadAll({path, dir_ + "/dir"}, o);
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[0].text, "aA");
  EXPECT_EQ(r.docs[0].raw, "{\"id\":1, \"text\":\"a\\u0041\"}");
  EXPECT_EQ(r.docs[1].raw, "{\"id\":2,\"text\":\"b\"}");
  EXPECT_EQ(r.docs[2].raw, "");
}

TEST_F(InputTest, BomOnlyAcceptedOnTheFirstLine) {
  const std::string path = Write("b.jsonl",
                                 "{\"id\":1,\"text\":\"a\"}\n"
                                 "\xEF\xBB\xBF{\"id\":2,\"text\":\"b\"}\n");
  const Result r = ReadAll({path});
  EXPECT_THAT(Ids(r), ElementsAre("1"));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 2u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kMalformedJson);
}

TEST_F(InputTest, MaxDocumentBytes) {
  const std::string path = Write("m.jsonl",
                                 "{\"id\":1,\"text\":\"0123456789\"}\n"
                                 "{\"id\":2,\"text\":\"0123456789A\"}\n"
                                 "{\"id\":3,\"text\":\"short\"}\n");
  InputOptions o;
  o.max_document_bytes = 10;
  const Result r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("1", "3"));
  EXPECT_THAT(Messages(r), ElementsAre(path + ":2: text is 11 bytes, over the limit of 10 bytes "
                                              "(max_document_bytes)"));
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kTooLarge);
  EXPECT_EQ(r.problems[0].code, absl::StatusCode::kOutOfRange);
}

TEST_F(InputTest, MaxLineBytesSkipsLongLinesWithoutLosingCount) {
  // The long line spans several read buffers; the final one has no newline.
  const std::string big(3 << 20, 'x');
  const std::string path = Write("l.jsonl", "{\"id\":1,\"text\":\"a\"}\n" + big + "\n" +
                                                "{\"id\":3,\"text\":\"c\"}\n" + big);
  InputOptions o;
  o.max_line_bytes = 1000;
  const Result r = ReadAll({path}, o);
  EXPECT_THAT(Ids(r), ElementsAre("1", "3"));
  EXPECT_EQ(r.docs[1].line, 3u);
  EXPECT_THAT(Messages(r),
              ElementsAre(path + ":2: line is 3145728 bytes, over the limit of 1000 bytes "
                                 "(max_line_bytes)",
                          path + ":4: line is 3145728 bytes, over the limit of 1000 bytes "
                                 "(max_line_bytes)"));
}

TEST_F(InputTest, LinesLongerThanTheReadBuffersWork) {
  std::string text;
  for (int i = 0; text.size() < (5u << 20); ++i) absl::StrAppend(&text, "word", i, " ");
  const std::string path = Write("long.jsonl", "{\"id\":\"short\",\"text\":\"s\"}\n"
                                               "{\"id\":\"long\",\"text\":\"" + text + "\"}\n"
                                               "{\"id\":\"after\",\"text\":\"t\"}\n");
  const Result r = ReadAll({path});
  ASSERT_THAT(Ids(r), ElementsAre("short", "long", "after"));
  EXPECT_EQ(r.docs[1].text, text);
  EXPECT_EQ(r.docs[2].line, 3u);
}

TEST_F(InputTest, GzipAndZstdReadLikePlainFiles) {
  std::string content;
  for (int i = 0; i < 5000; ++i) {
    absl::StrAppend(&content, "{\"id\":", i, ",\"text\":\"document number ", i * 7919,
                    " with some words\"}\n");
  }
  const std::string plain = Write("c.jsonl", content);
  const Result expected = ReadAll({plain});
  ASSERT_EQ(expected.docs.size(), 5000u);
  for (const char* tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found; cannot write the fixture";
      continue;
    }
    const std::string compressed = Compress(tool, plain);
    // By extension, and sniffed from the magic bytes under another name.
    const std::string renamed = compressed + ".data";
    fs::copy_file(compressed, renamed);
    for (const std::string& path : {compressed, renamed}) {
      const Result r = ReadAll({path});
      EXPECT_TRUE(r.problems.empty()) << tool << ": " << Messages(r)[0];
      ASSERT_EQ(Ids(r), Ids(expected)) << tool;
      EXPECT_EQ(r.docs[4999].text, expected.docs[4999].text);
      EXPECT_EQ(r.docs[4999].line, 5000u);
      EXPECT_EQ(r.stats.bytes, content.size());
    }
  }
}

TEST_F(InputTest, ConcatenatedGzipMembersAndZstdFrames) {
  const std::string a = Write("a.jsonl", "{\"id\":1,\"text\":\"a\"}\n");
  const std::string b = Write("b.jsonl", "{\"id\":2,\"text\":\"b\"}\n");
  for (const char* tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string both = Write(std::string("both.jsonl.") + (tool[0] == 'g' ? "gz" : "zst"),
                                   Slurp(Compress(tool, a)) + Slurp(Compress(tool, b)));
    const Result r = ReadAll({both});
    EXPECT_TRUE(r.problems.empty()) << tool;
    EXPECT_THAT(Ids(r), ElementsAre("1", "2")) << tool;
  }
}

TEST_F(InputTest, TruncatedAndCorruptCompressedStreamsAreReported) {
  std::string content;
  for (int i = 0; i < 30000; ++i) {
    absl::StrAppend(&content, "{\"id\":", i, ",\"text\":\"x", i * 2654435761u, "\"}\n");
  }
  const std::string plain = Write("t.jsonl", content);
  for (const std::string tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool.c_str())) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string full = Slurp(Compress(tool, plain));
    const std::string ext = tool == "gzip" ? ".gz" : ".zst";
    const std::string cut = Write("cut.jsonl" + ext, full.substr(0, full.size() / 2));
    Result r = ReadAll({cut, plain});
    ASSERT_EQ(r.problems.size(), 1u) << tool;
    const InputProblem& p = r.problems[0];
    EXPECT_EQ(p.kind, ProblemKind::kCorruptStream);
    EXPECT_EQ(p.code, absl::StatusCode::kDataLoss);
    EXPECT_THAT(p.reason, StartsWith("truncated " + tool + " stream (ended after " +
                                     std::to_string(full.size() / 2) + " compressed bytes)"));
    // Every complete line before the cut is delivered, the cut line is not, and the
    // next input is read in full.
    ASSERT_GT(r.docs.size(), 30000u);
    const size_t before = r.docs.size() - 30000;
    EXPECT_GT(before, 1000u) << tool;
    EXPECT_EQ(p.line, before + 1);
    for (size_t i = 0; i < before; ++i) ASSERT_EQ(r.docs[i].id, std::to_string(i));
    EXPECT_EQ(r.docs[before].file, plain);

    std::string flipped = full;
    flipped[full.size() / 2] ^= 0x55;
    flipped[full.size() / 2 + 1] ^= 0x55;
    const std::string bad = Write("bad.jsonl" + ext, flipped);
    r = ReadAll({bad});
    ASSERT_FALSE(r.problems.empty()) << tool;
    EXPECT_EQ(r.problems.back().kind, ProblemKind::kCorruptStream) << r.problems.back().ToString();
    EXPECT_THAT(r.problems.back().reason, StartsWith("corrupt " + tool + " stream at compressed byte "));

    const std::string empty = Write("empty.jsonl" + ext, "");
    r = ReadAll({empty});
    EXPECT_THAT(Messages(r), ElementsAre(empty + ":1: truncated " + tool +
                                         " stream (ended after 0 compressed bytes)"));
  }
}

TEST_F(InputTest, DirectoryOfTextFilesInSortedOrder) {
  Write("corpus/b.txt", "bee");
  Write("corpus/a/c.txt", "sea");
  Write("corpus/a.txt", "ay");
  Write("corpus/z/y/x.txt", "deep");
  Write("corpus/notes.md", "not a text file");
  Write("corpus/a/data.jsonl", "{\"id\":1,\"text\":\"not read\"}\n");
  const Result r = ReadAll({dir_ + "/corpus"});
  EXPECT_TRUE(r.problems.empty());
  EXPECT_THAT(Ids(r), ElementsAre("a.txt", "a/c.txt", "b.txt", "z/y/x.txt"));
  EXPECT_EQ(r.docs[1].text, "sea");
  EXPECT_EQ(r.docs[1].file, dir_ + "/corpus/a/c.txt");
  EXPECT_EQ(r.docs[1].line, 0u);
  EXPECT_EQ(r.stats.bytes, 2u + 3u + 3u + 4u);
}

TEST_F(InputTest, SingleTextFileAndLimits) {
  const std::string small = Write("small.txt", "hello\nworld\n");
  const std::string big = Write("big.txt", std::string(100, 'x'));
  InputOptions o;
  o.max_document_bytes = 50;
  const Result r = ReadAll({small, big}, o);
  EXPECT_THAT(Ids(r), ElementsAre(small));
  EXPECT_EQ(r.docs[0].text, "hello\nworld\n");
  EXPECT_THAT(Messages(r), ElementsAre(big + ": file is 100 bytes, over the limit of 50 bytes "
                                             "(max_document_bytes)"));
}

TEST_F(InputTest, MissingInputIsReportedAndTheNextInputIsRead) {
  const std::string good = Write("g.jsonl", "{\"id\":1,\"text\":\"a\"}\n");
  const std::string missing = dir_ + "/missing.jsonl";
  const Result r = ReadAll({missing, dir_ + "/nodir/", good});
  EXPECT_THAT(Ids(r), ElementsAre("1"));
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].ToString(), missing + ": cannot open: No such file or directory");
  EXPECT_EQ(r.problems[0].code, absl::StatusCode::kNotFound);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kUnreadable);
  EXPECT_EQ(r.stats.problems_by_kind[static_cast<size_t>(ProblemKind::kUnreadable)], 2u);
}

TEST_F(InputTest, StrictModeReturnsTheFirstProblemAndStops) {
  const std::string path = Write("s.jsonl",
                                 "{\"id\":1,\"text\":\"a\"}\n"
                                 "{\"id\":2}\n"
                                 "{\"id\":3,\"text\":\"c\"}\n");
  InputOptions o;
  o.strict = true;
  int callbacks = 0;
  o.on_problem = [&](const InputProblem&) { ++callbacks; };
  DocumentReader reader({path}, o);
  Document doc;
  absl::StatusOr<bool> more = reader.Next(&doc);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(doc.id, "1");
  more = reader.Next(&doc);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(more.status().message()), path + ":2: missing string field \"text\"");
  // Sticky: the reader does not go on past the problem.
  EXPECT_EQ(reader.Next(&doc).status(), more.status());
  EXPECT_EQ(callbacks, 0);
  EXPECT_EQ(reader.stats().problems, 1u);

  DocumentReader missing({dir_ + "/none.jsonl"}, o);
  EXPECT_EQ(missing.Next(&doc).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(InputTest, EmptyTextFieldIsAnError) {
  InputOptions o;
  o.fields.text_field = "";
  DocumentReader reader({Write("x.jsonl", "{}\n")}, o);
  Document doc;
  EXPECT_EQ(reader.Next(&doc).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------
// Global ordinals: (input, record, offset).

// Everything a document carries, to compare two reads of it.
std::string Key(const Document& d) {
  return absl::StrCat(d.input, "|", d.record, "|", d.offset, "|", d.line, "|", d.file, "|", d.id,
                      "|", d.text, "|", d.raw);
}
std::vector<std::string> Keys(const std::vector<Document>& docs) {
  std::vector<std::string> keys;
  for (const Document& d : docs) keys.push_back(Key(d));
  return keys;
}

// Byte offsets of the lines of `content` (0 and every byte after a '\n').
std::vector<uint64_t> LineStarts(const std::string& content) {
  std::vector<uint64_t> starts = {0};
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\n' && i + 1 < content.size()) starts.push_back(i + 1);
  }
  return starts;
}

// JSONL with every line shape the reader accepts or skips: BOM, CRLF, blank lines,
// a bad record, a long line, and no final newline.
std::string MixedJsonl() {
  std::string s = "\xEF\xBB\xBF{\"id\":\"first\",\"text\":\"with BOM\"}\r\n";
  s += "\n   \t\r\n";
  for (int i = 0; i < 40; ++i) {
    absl::StrAppend(&s, "{\"id\":\"d", i, "\",\"text\":\"", std::string(static_cast<size_t>(i * 37 % 101), 'w'),
                    " doc ", i, "\"}", (i % 3 == 0 ? "\r\n" : "\n"));
    if (i % 7 == 3) s += "\n";
    if (i == 11) s += "{\"id\":\"bad\",\"text\":17}\n";
  }
  s += "{\"id\":\"last\",\"text\":\"no newline\"}";
  return s;
}

TEST_F(InputTest, JsonlOffsetsAreLineStartsAndRecordsAreLines) {
  const std::string content = MixedJsonl();
  const std::string path = Write("mixed.jsonl", content);
  const std::string other = Write("other.jsonl", "{\"id\":\"o\",\"text\":\"x\"}\n");
  InputOptions o;
  o.keep_raw = true;
  const Result r = ReadAll({other, path}, o);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.docs.size(), 1u + 1u + 40u + 1u);
  EXPECT_EQ(r.docs[0].input, 0u);
  EXPECT_EQ(r.docs[0].record, 1u);
  EXPECT_EQ(r.docs[0].offset, 0u);
  const std::vector<uint64_t> starts = LineStarts(content);
  for (size_t i = 1; i < r.docs.size(); ++i) {
    const Document& d = r.docs[i];
    EXPECT_EQ(d.input, 1u);
    EXPECT_EQ(d.record, d.line);
    ASSERT_GE(d.line, 1u);
    ASSERT_LE(d.line, starts.size());
    EXPECT_EQ(d.offset, starts[d.line - 1]) << d.id;
    // The raw line is at the offset (after the BOM on the first line).
    const size_t skip = d.offset == 0 ? 3 : 0;
    EXPECT_EQ(content.substr(d.offset + skip, d.raw.size()), d.raw) << d.id;
  }
  EXPECT_EQ(r.docs[1].id, "first");
  EXPECT_EQ(r.docs[1].offset, 0u);
  EXPECT_EQ(r.docs[2].line, 4u);  // after the BOM line and two blank lines
  EXPECT_EQ(r.docs[2].offset, content.find("{\"id\":\"d0\""));
  EXPECT_EQ(r.docs.back().offset, content.rfind('\n') + 1);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].input, 1u);
  EXPECT_EQ(r.problems[0].offset, content.find("{\"id\":\"bad\""));
  EXPECT_EQ(r.problems[0].offset, starts[r.problems[0].line - 1]);
  EXPECT_EQ(r.stats.failed_inputs, 0u);
  EXPECT_EQ(r.stats.bytes, content.size() + Slurp(other).size());
}

TEST_F(InputTest, CompressedOffsetsAreDecompressedOffsets) {
  const std::string plain = Write("mixed.jsonl", MixedJsonl());
  InputOptions o;
  o.keep_raw = true;
  const Result expected = ReadAll({plain}, o);
  for (const char* tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string compressed = Compress(tool, plain);
    const Result r = ReadAll({compressed}, o);
    ASSERT_EQ(r.docs.size(), expected.docs.size()) << tool;
    for (size_t i = 0; i < r.docs.size(); ++i) {
      Document want = expected.docs[i];
      want.file = compressed;
      EXPECT_EQ(Key(r.docs[i]), Key(want)) << tool;
    }
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].offset, expected.problems[0].offset);
  }
}

TEST_F(InputTest, DirectoryRecordsArePositionsInTheListing) {
  Write("corpus/b.txt", "bee");
  Write("corpus/a/c.txt", std::string(100, 'x'));  // too large: skipped, keeps its number
  Write("corpus/a.txt", "ay");
  Write("corpus/z/y/x.txt", "deep");
  const std::string single = Write("one.txt", "single");
  InputOptions o;
  o.max_document_bytes = 50;
  const Result r = ReadAll({single, dir_ + "/corpus"}, o);
  ASSERT_THAT(Ids(r), ElementsAre(single, "a.txt", "b.txt", "z/y/x.txt"));
  EXPECT_EQ(r.docs[0].input, 0u);
  EXPECT_EQ(r.docs[0].record, 1u);
  std::vector<uint64_t> records;
  for (size_t i = 1; i < r.docs.size(); ++i) {
    EXPECT_EQ(r.docs[i].input, 1u);
    EXPECT_EQ(r.docs[i].offset, 0u);
    EXPECT_EQ(r.docs[i].line, 0u);
    records.push_back(r.docs[i].record);
  }
  EXPECT_THAT(records, ElementsAre(1u, 3u, 4u));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].input, 1u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::kTooLarge);
  EXPECT_EQ(r.stats.failed_inputs, 0u);
}

// ---------------------------------------------------------------------------------------
// Input failures, apart from bad records.

TEST_F(InputTest, InputFailuresAreCountedApartFromBadRecords) {
  const std::string good = Write("good.jsonl",
                                 "{\"id\":1,\"text\":\"a\"}\n"
                                 "not json\n"
                                 "{\"id\":2}\n");
  const std::string missing = dir_ + "/missing.jsonl";
  const std::string loop = dir_ + "/loop.jsonl";
  fs::create_symlink(loop, loop);
  std::vector<std::string> inputs = {good, missing, loop};
  std::vector<std::string> failed = {missing, loop};
  // A read error after a successful open (EIO on an unmapped address).
  inputs.push_back("/proc/self/mem");
  failed.push_back("/proc/self/mem");
  for (const std::string tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string full = Slurp(Compress(tool, good));
    const std::string ext = tool == "gzip" ? ".gz" : ".zst";
    inputs.push_back(Write("cut.jsonl" + ext, full.substr(0, full.size() - 6)));
    failed.push_back(inputs.back());
    std::string flipped = full;
    flipped[full.size() / 2] ^= 0x55;
    flipped[full.size() / 2 + 1] ^= 0x55;
    inputs.push_back(Write("bad.jsonl" + ext, flipped));
    failed.push_back(inputs.back());
  }
  const Result r = ReadAll(inputs);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.stats.failed_inputs, failed.size());
  // The bad records (good.jsonl has two; the broken streams may decode some garbage
  // before the break) are problems, not failures.
  uint64_t failures = 0, bad_records_of_good = 0;
  for (const InputProblem& p : r.problems) {
    failures += IsInputFailure(p.kind) ? 1 : 0;
    bad_records_of_good += p.input == 0 ? 1 : 0;
  }
  EXPECT_EQ(r.stats.failed_inputs, failures);
  EXPECT_EQ(bad_records_of_good, 2u);
  EXPECT_GT(r.stats.problems, r.stats.failed_inputs);
  DocumentReader reader(inputs, {});
  Document doc;
  while (reader.Next(&doc).value_or(false)) {
  }
  std::vector<std::string> failed_files;
  for (const InputProblem& p : reader.input_failures()) {
    failed_files.push_back(p.file);
    EXPECT_TRUE(IsInputFailure(p.kind)) << p.ToString();
    ASSERT_LT(p.input, inputs.size());
    EXPECT_THAT(p.file, StartsWith(inputs[p.input])) << p.ToString();
  }
  EXPECT_EQ(failed_files, failed);
  EXPECT_EQ(reader.stats().failed_inputs, failed.size());
}

// The files of every input failure, newline-separated, read as user `nobody` when the
// test runs as root (root ignores permissions), in a child process.
std::string FailedFilesWithoutRoot(const std::vector<std::string>& inputs) {
  auto failed_files = [&inputs] {
    DocumentReader reader(inputs, {});
    Document doc;
    while (reader.Next(&doc).value_or(false)) {
    }
    std::string out;
    for (const InputProblem& p : reader.input_failures()) absl::StrAppend(&out, p.file, "\n");
    return out;
  };
  if (::geteuid() != 0) return failed_files();
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    int code = 1;
    if (::setgid(65534) == 0 && ::setuid(65534) == 0) {
      const std::string out = failed_files();
      code = ::write(fds[1], out.data(), out.size()) == static_cast<ssize_t>(out.size()) ? 0 : 1;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) return "child failed";
  return out;
}

TEST_F(InputTest, PermissionDeniedFilesAndDirectoriesAreInputFailures) {
  const std::string locked = Write("locked.jsonl", "{\"id\":9,\"text\":\"z\"}\n");
  const std::string ok = Write("ok.jsonl", "{\"id\":1,\"text\":\"a\"}\nnot json\n");
  Write("tree/ok.txt", "ok");
  const std::string locked_txt = Write("tree/locked.txt", "secret");
  Write("tree/sub/hidden.txt", "hidden");
  const std::string locked_dir = dir_ + "/tree/sub";
  for (const std::string& d : {dir_, dir_ + "/tree"}) {
    fs::permissions(d, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  }
  for (const std::string& f : {ok, dir_ + "/tree/ok.txt"}) {
    fs::permissions(f, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  }
  fs::permissions(locked, fs::perms::none);
  fs::permissions(locked_txt, fs::perms::none);
  fs::permissions(locked_dir, fs::perms::none);
  const std::string failed = FailedFilesWithoutRoot({ok, locked, dir_ + "/tree"});
  fs::permissions(locked_dir, fs::perms::owner_all);
  // Listing problems come before the directory's files.
  EXPECT_EQ(failed, locked + "\n" + locked_dir + "\n" + locked_txt + "\n");
}

TEST_F(InputTest, StrictModeCountsTheInputFailureItStopsAt) {
  InputOptions o;
  o.strict = true;
  DocumentReader reader({dir_ + "/none.jsonl"}, o);
  Document doc;
  EXPECT_EQ(reader.Next(&doc).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reader.stats().failed_inputs, 1u);
  ASSERT_EQ(reader.input_failures().size(), 1u);
  EXPECT_EQ(reader.input_failures()[0].file, dir_ + "/none.jsonl");
}

// ---------------------------------------------------------------------------------------
// IdentifyInput.

TEST_F(InputTest, IdentifyInputIsSizeAndModificationTime) {
  const std::string path = Write("id.jsonl", "12345");
  absl::StatusOr<InputIdentity> id = IdentifyInput(path);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->path, path);
  EXPECT_EQ(id->size, 5u);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(id->mtime_ns, int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec);
  EXPECT_GT(id->mtime_ns, int64_t{1500000000} * 1000000000);

  const struct timespec times[2] = {{0, UTIME_OMIT}, {1700000000, 123456789}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  id = IdentifyInput(path);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->mtime_ns, int64_t{1700000000123456789});

  const absl::StatusOr<InputIdentity> missing = IdentifyInput(dir_ + "/nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(missing.status().message()),
            dir_ + "/nope: cannot stat: No such file or directory");
  EXPECT_EQ(IdentifyInput("-").status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---------------------------------------------------------------------------------------
// ReadRecords.

struct Reread {
  std::vector<Document> docs;  // indexed like the refs
  std::vector<size_t> order;   // ref indices in call order
  absl::Status status;
};

Reread ReadBack(const std::vector<std::string>& inputs, const std::vector<RecordRef>& refs,
                const InputOptions& options) {
  Reread r;
  r.docs.resize(refs.size());
  r.status = ReadRecords(inputs, refs, options, [&r](size_t i, Document& doc) {
    r.docs[i] = std::move(doc);
    r.order.push_back(i);
    return absl::OkStatus();
  });
  return r;
}

RecordRef RefOf(const Document& d) { return {d.input, d.record, d.offset}; }

TEST_F(InputTest, ReadRecordsGivesWhatTheSequentialReadGaveForEveryInputKind) {
  const std::string plain = Write("mixed.jsonl", MixedJsonl());
  std::vector<std::string> inputs = {plain};
  for (const char* tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    inputs.push_back(Compress(tool, plain));
    // Sniffed, not named.
    inputs.push_back(inputs.back() + ".data");
    fs::copy_file(inputs[inputs.size() - 2], inputs.back());
  }
  Write("corpus/b.txt", "bee");
  Write("corpus/a/c.txt", "sea");
  Write("corpus/z.txt", "zed");
  inputs.push_back(dir_ + "/corpus");
  inputs.push_back(Write("single.txt", "single file"));

  for (const bool keep_raw : {false, true}) {
    for (const std::string id_field : {"id", ""}) {
      InputOptions o;
      o.keep_raw = keep_raw;
      o.fields.id_field = id_field;
      const Result seq = ReadAll(inputs, o);
      ASSERT_TRUE(seq.status.ok()) << seq.status;
      ASSERT_EQ(seq.docs.size(), (inputs.size() - 2) * 42 + 4);
      // Every document, in reverse, and a few twice.
      std::vector<RecordRef> refs;
      std::vector<const Document*> want;
      for (size_t i = seq.docs.size(); i-- > 0;) {
        refs.push_back(RefOf(seq.docs[i]));
        want.push_back(&seq.docs[i]);
        if (i % 10 == 0) {
          refs.push_back(RefOf(seq.docs[i]));
          want.push_back(&seq.docs[i]);
        }
      }
      const Reread back = ReadBack(inputs, refs, o);
      ASSERT_TRUE(back.status.ok()) << back.status;
      ASSERT_EQ(back.order.size(), refs.size());
      for (size_t i = 0; i < refs.size(); ++i) EXPECT_EQ(Key(back.docs[i]), Key(*want[i]));
      // Calls come in (input, offset) order.
      for (size_t i = 1; i < back.order.size(); ++i) {
        const RecordRef& a = refs[back.order[i - 1]];
        const RecordRef& b = refs[back.order[i]];
        EXPECT_LE(std::tie(a.input, a.offset, a.record), std::tie(b.input, b.offset, b.record));
      }
    }
  }
  // A subset: one compressed pass serves refs far apart.
  const Result seq = ReadAll(inputs);
  const std::vector<RecordRef> few = {RefOf(seq.docs[40]), RefOf(seq.docs[3]),
                                      RefOf(seq.docs[seq.docs.size() - 1])};
  const Reread back = ReadBack(inputs, few, {});
  ASSERT_TRUE(back.status.ok()) << back.status;
  EXPECT_EQ(back.docs[0].text, seq.docs[40].text);
  EXPECT_EQ(back.docs[2].text, "single file");
}

TEST_F(InputTest, ReadRecordsErrorsNameTheInputAndTheRecord) {
  const std::string content = MixedJsonl();
  const std::string path = Write("r.jsonl", content);
  Write("corpus/a.txt", "a");
  const std::string corpus = dir_ + "/corpus";
  const Result seq = ReadAll({path});
  const Document& d = seq.docs[5];
  const std::vector<std::string> inputs = {path, "-", corpus};
  auto status_of = [&](RecordRef ref, const InputOptions& o = {}) {
    return ReadBack(inputs, {ref}, o).status;
  };

  absl::Status s = status_of({1, 1, 0});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("cannot be re-read"));

  s = status_of({0, d.record, d.offset + 1});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(s.message()),
            absl::StrCat(path, ": record at byte ", d.offset + 1, " (line ", d.record,
                         "): not at the start of a line (has the file changed?)"));

  s = status_of({0, 99, content.size()});
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(std::string(s.message()),
            absl::StrCat(path, ": record at byte ", content.size(),
                         " (line 99): past the end of the file (", content.size(), " bytes)"));

  // A blank line and a bad record at a line start.
  s = status_of({0, 2, content.find('\n') + 1});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("a blank line, not a record"));
  s = status_of({0, seq.problems[0].line, seq.problems[0].offset});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("): field \"text\" is an integer"));
  InputOptions small;
  small.max_document_bytes = 3;
  EXPECT_EQ(status_of(RefOf(d), small).code(), absl::StatusCode::kOutOfRange);

  s = status_of({2, 2, 0});
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(std::string(s.message()),
            corpus + ": record 2 is not there: the directory has 1 .txt files");
  EXPECT_EQ(status_of({3, 1, 0}).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ReadBack({dir_ + "/gone.jsonl"}, {{0, 1, 0}}, {}).status.code(),
            absl::StatusCode::kNotFound);

  // The callback's error stops the call.
  int calls = 0;
  s = ReadRecords({path}, std::vector<RecordRef>{RefOf(seq.docs[1]), RefOf(seq.docs[2])}, {},
                  [&calls](size_t, Document&) {
                    ++calls;
                    return absl::CancelledError("enough");
                  });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);

  // The file changed: every offset moved by two bytes.
  Write("r.jsonl", "  " + content);
  s = status_of(RefOf(d));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST_F(InputTest, ReadRecordsOnCompressedInputsChecksLineNumbersAndTruncation) {
  const std::string plain = Write("c.jsonl", MixedJsonl());
  for (const std::string tool : {"gzip", "zstd"}) {
    if (!HaveTool(tool)) {
      ADD_FAILURE() << tool << " command not found";
      continue;
    }
    const std::string compressed = Compress(tool, plain);
    const Result seq = ReadAll({compressed});
    const Document& last = seq.docs.back();
    absl::Status s = ReadBack({compressed}, {{0, last.record + 1, last.offset}}, {}).status;
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << tool;
    EXPECT_THAT(std::string(s.message()),
                HasSubstr(absl::StrCat("the line there is line ", last.record)));
    s = ReadBack({compressed}, {{0, seq.docs[3].record, seq.docs[3].offset + 1}}, {}).status;
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << tool;
    s = ReadBack({compressed}, {{0, 1000, 1u << 20}}, {}).status;
    EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << tool;
    EXPECT_THAT(std::string(s.message()), HasSubstr("past the end of the input"));

    const std::string full = Slurp(compressed);
    const std::string cut =
        Write("cut.jsonl" + std::string(tool == "gzip" ? ".gz" : ".zst"), full.substr(0, full.size() - 6));
    s = ReadBack({cut}, {RefOf(last)}, {}).status;
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << tool << " " << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("truncated " + tool + " stream"));
    // A record before the cut is still there (zstd decodes whole blocks, and this
    // small file is one block, lost with its end).
    if (tool == "gzip") {
      s = ReadBack({cut}, {RefOf(seq.docs[3])}, {}).status;
      EXPECT_TRUE(s.ok()) << tool << " " << s;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Byte ranges.

TEST_F(InputTest, ByteRangesTileTheFileIntoTheSameDocuments) {
  std::string content = MixedJsonl();
  // Lines longer than the read buffers, so that ranges begin and end inside them.
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&content, "\n{\"id\":\"big", i, "\",\"text\":\"",
                    std::string(300000 + static_cast<size_t>(i), 'b'), "\"}");
  }
  content += "\n\n";
  const std::string path = Write("ranges.jsonl", content);
  const std::string small = Write("small.jsonl", "{\"id\":\"s\",\"text\":\"t\"}\n");
  InputOptions o;
  o.keep_raw = true;
  o.max_line_bytes = 300024;  // big2's line (300025 bytes) is skipped as too long
  const Result whole = ReadAll({small, path}, o);
  ASSERT_TRUE(whole.status.ok());
  ASSERT_EQ(whole.problems.size(), 2u);
  const uint64_t size = content.size();
  uint64_t state = 12345;
  auto next_random = [&state](uint64_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return (state >> 33) % bound;
  };
  const std::vector<uint64_t> starts = LineStarts(content);
  for (int parts = 1; parts <= 7; ++parts) {
    for (int trial = 0; trial < 6; ++trial) {
      std::vector<uint64_t> cuts = {0, size};
      for (int c = 1; c < parts; ++c) {
        // Exact line starts, bytes right around them, and anywhere.
        const uint64_t line_start = starts[next_random(starts.size())];
        switch (next_random(4)) {
          case 0: cuts.push_back(line_start); break;
          case 1: cuts.push_back(line_start + 1); break;
          case 2: cuts.push_back(line_start == 0 ? 0 : line_start - 1); break;
          default: cuts.push_back(next_random(size + 1)); break;
        }
      }
      std::sort(cuts.begin(), cuts.end());
      std::vector<Document> docs = {whole.docs[0]};
      std::vector<std::string> problems;
      uint64_t bytes = 0;
      for (size_t k = 0; k + 1 < cuts.size(); ++k) {
        InputOptions ranged = o;
        ranged.byte_ranges = {ByteRange{}, ByteRange{cuts[k], cuts[k + 1]}};
        Result part = ReadAll({small, path}, ranged);
        ASSERT_TRUE(part.status.ok()) << part.status;
        ASSERT_FALSE(part.docs.empty());
        ASSERT_EQ(part.docs[0].id, "s");
        docs.insert(docs.end(), part.docs.begin() + 1, part.docs.end());
        for (const std::string& m : Messages(part)) problems.push_back(m);
        bytes += part.stats.bytes - Slurp(small).size();
      }
      ASSERT_EQ(Keys(docs), Keys(whole.docs)) << parts << " parts, trial " << trial;
      EXPECT_EQ(problems, Messages(whole));
      EXPECT_EQ(bytes, size);
    }
  }
  // The last range may end past the file; an empty range reads nothing.
  o.byte_ranges = {ByteRange{}, ByteRange{size, ByteRange::kToEnd}};
  EXPECT_EQ(ReadAll({small, path}, o).docs.size(), 1u);
  o.byte_ranges = {ByteRange{}, ByteRange{10, 10}};
  EXPECT_EQ(ReadAll({small, path}, o).docs.size(), 1u);
}

TEST_F(InputTest, ByteRangesAreRefusedWhereTheyCannotWork) {
  const std::string plain = Write("p.jsonl", "{\"id\":1,\"text\":\"a\"}\n");
  Write("d/a.txt", "a");
  InputOptions o;
  o.byte_ranges = {ByteRange{1, 5}};
  for (const std::string& path : {dir_ + "/d", Write("x.txt", "x"), std::string("-")}) {
    const Result r = ReadAll({path}, o);
    EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_THAT(std::string(r.status.message()), StartsWith(path + ": a byte range needs"));
  }
  if (HaveTool("gzip")) {
    const std::string gz = Compress("gzip", plain);
    const std::string sniffed = gz + ".bin";
    fs::copy_file(gz, sniffed);
    for (const std::string& path : {gz, sniffed}) {
      const Result r = ReadAll({path}, o);
      EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(std::string(r.status.message()),
                path + ": a byte range needs an uncompressed JSONL file, not a compressed stream");
    }
    // The whole range is no range.
    o.byte_ranges = {ByteRange{}};
    EXPECT_THAT(Ids(ReadAll({gz}, o)), ElementsAre("1"));
  } else {
    ADD_FAILURE() << "gzip command not found";
  }
  o.byte_ranges = {ByteRange{}, ByteRange{}};
  EXPECT_EQ(ReadAll({plain}, o).status.code(), absl::StatusCode::kInvalidArgument);
  o.byte_ranges = {ByteRange{5, 4}};
  EXPECT_EQ(ReadAll({plain}, o).status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonlRecordParserTest, ParsesUnpaddedViews) {
  JsonlRecordParser parser;
  std::string id, text, reason;
  const std::string line = "{\"id\":\"k\",\"text\":\"v\"}trailing-bytes-outside-the-view";
  EXPECT_EQ(parser.Parse(std::string_view(line).substr(0, line.find('}') + 1), &id, &text, &reason),
            ProblemKind::kNone)
      << reason;
  EXPECT_EQ(id, "k");
  EXPECT_EQ(text, "v");
  EXPECT_EQ(parser.Parse("\"just a string\"", &id, &text, &reason), ProblemKind::kNotAnObject);
  EXPECT_EQ(reason, "expected a JSON object, found a string");
  EXPECT_EQ(parser.Parse("", &id, &text, &reason), ProblemKind::kMalformedJson);
}

}  // namespace
}  // namespace neardup
