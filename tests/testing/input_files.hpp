// A fixture for tests that read input files (tests/io, tests/malformed): a fresh
// temporary directory per test, writing and reading its files, gzip / zstd through
// the system's tools, and a DocumentReader run to the end with everything it reported.
#ifndef NEARDUP_TESTS_TESTING_INPUT_FILES_HPP_
#define NEARDUP_TESTS_TESTING_INPUT_FILES_HPP_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "neardup/io/input.hpp"

namespace neardup_test {

class InputFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "neardup_input_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes a file under the temp directory (creating its directories); its path.
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::filesystem::path p = std::filesystem::path(dir_) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static bool HaveTool(const std::string& tool) {
    return std::system(("command -v " + tool + " > /dev/null 2>&1").c_str()) == 0;
  }
  // Compresses `path` with the gzip or zstd command into path + ".gz" / ".zst".
  static std::string Compress(const std::string& tool, const std::string& path) {
    const std::string out = path + (tool == "gzip" ? ".gz" : ".zst");
    const std::string cmd = tool == "gzip" ? "gzip -c -n '" + path + "' > '" + out + "'"
                                           : "zstd -q -f '" + path + "' -o '" + out + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return out;
  }

  struct Result {
    std::vector<neardup::Document> docs;
    std::vector<neardup::InputProblem> problems;
    neardup::InputStats stats;
    absl::Status status;
  };
  // Reads every document of the inputs; stops at the first error (kept in status).
  static Result ReadAll(std::vector<std::string> inputs, neardup::InputOptions options = {}) {
    Result r;
    options.on_problem = [&r](const neardup::InputProblem& p) { r.problems.push_back(p); };
    neardup::DocumentReader reader(std::move(inputs), std::move(options));
    neardup::Document doc;
    for (;;) {
      absl::StatusOr<bool> more = reader.Next(&doc);
      if (!more.ok()) {
        r.status = more.status();
        break;
      }
      if (!*more) break;
      r.docs.push_back(doc);
    }
    r.stats = reader.stats();
    return r;
  }
  static std::vector<std::string> Ids(const Result& r) {
    std::vector<std::string> ids;
    for (const auto& d : r.docs) ids.push_back(d.id);
    return ids;
  }
  static std::vector<std::string> Messages(const Result& r) {
    std::vector<std::string> out;
    for (const auto& p : r.problems) out.push_back(p.ToString());
    return out;
  }

  std::string dir_;
};

}  // namespace neardup_test

#endif  // NEARDUP_TESTS_TESTING_INPUT_FILES_HPP_
