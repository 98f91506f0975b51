// `neardup bench`: runs the built executable for a few hundredths of a second and checks
// that --json prints one valid JSON object with every hash at every size and every
// signing path, each with a positive finite speed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace neardup {
namespace {

namespace fs = std::filesystem;

// A strict JSON reader (RFC 8259) for the test: objects, arrays, strings with escapes,
// numbers, true / false / null. Fails on anything else, trailing bytes included.
struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;
};

class JsonReader {
 public:
  explicit JsonReader(const std::string& s) : s_(s) {}
  bool ReadDocument(Json* out) {
    if (!Value(out)) return false;
    Space();
    return i_ == s_.size();
  }

 private:
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool Literal(const char* word) {
    const std::string w(word);
    if (s_.compare(i_, w.size(), w) != 0) return false;
    i_ += w.size();
    return true;
  }
  bool String(std::string* out) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    while (i_ < s_.size() && s_[i_] != '"') {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        const char e = s_[i_];
        if (e == 'u') {
          if (i_ + 4 >= s_.size()) return false;
          for (int k = 1; k <= 4; ++k) {
            if (!std::isxdigit(static_cast<unsigned char>(s_[i_ + k]))) return false;
          }
          i_ += 4;
          out->push_back('?');
        } else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
          out->push_back(e);
        } else {
          return false;
        }
      } else {
        out->push_back(static_cast<char>(c));
      }
      ++i_;
    }
    if (i_ >= s_.size()) return false;
    ++i_;
    return true;
  }
  bool Number(double* out) {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      const size_t d = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return i_ > d;
    };
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    *out = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
    return true;
  }
  bool Value(Json* out) {
    Space();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') {
      out->kind = Json::kObject;
      ++i_;
      Space();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      for (;;) {
        Space();
        std::string key;
        if (!String(&key)) return false;
        Space();
        if (i_ >= s_.size() || s_[i_] != ':') return false;
        ++i_;
        Json v;
        if (!Value(&v)) return false;
        if (!out->object.emplace(key, std::move(v)).second) return false;  // no duplicate keys
        Space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
        return false;
      }
    }
    if (c == '[') {
      out->kind = Json::kArray;
      ++i_;
      Space();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      for (;;) {
        Json v;
        if (!Value(&v)) return false;
        out->array.push_back(std::move(v));
        Space();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
        return false;
      }
    }
    if (c == '"') {
      out->kind = Json::kString;
      return String(&out->string);
    }
    if (c == 't' || c == 'f') {
      out->kind = Json::kBool;
      return Literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') return Literal("null");
    out->kind = Json::kNumber;
    return Number(&out->number);
  }

  const std::string& s_;
  size_t i_ = 0;
};

TEST(JsonReaderTest, RejectsWhatIsNotJson) {
  Json j;
  EXPECT_TRUE(JsonReader(R"({"a": [1, 2.5e3, "x\"y"], "b": {"c": null}})").ReadDocument(&j));
  for (const char* bad : {"{\"a\": 1,}", "{\"a\": nan}", "{\"a\": 1} x", "[1 2]", "{\"a\": 01}", "{'a': 1}"}) {
    Json k;
    EXPECT_FALSE(JsonReader(bad).ReadDocument(&k)) << bad;
  }
}

TEST(BenchCliTest, JsonHasEveryHashAtEverySizeAndEverySigner) {
  const std::string cli = NEARDUP_CLI_PATH;
  if (cli.empty() || !fs::exists(cli)) GTEST_SKIP() << "neardup executable not built";
  std::string tmpl = (fs::path(::testing::TempDir()) / "neardup_bench_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  const std::string cmd = "'" + cli + "' bench --json --seconds 0.05 > '" + (dir / "out").string() + "' 2> '" +
                          (dir / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  std::ifstream in(dir / "out");
  const std::string out((std::istreambuf_iterator<char>(in)), {});
  fs::remove_all(dir);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;

  Json doc;
  ASSERT_TRUE(JsonReader(out).ReadDocument(&doc)) << out;
  ASSERT_EQ(doc.kind, Json::kObject);
  ASSERT_TRUE(doc.object.count("machine"));
  const Json& machine = doc.object.at("machine");
  for (const char* key : {"cpu", "cores", "kernel", "compiler", "build_type", "simd_kernels"}) {
    EXPECT_TRUE(machine.object.count(key)) << key;
  }
  EXPECT_EQ(machine.object.at("cores").kind, Json::kNumber);

  ASSERT_TRUE(doc.object.count("hashes"));
  std::map<std::string, std::set<int>> sizes;
  for (const Json& h : doc.object.at("hashes").array) {
    ASSERT_EQ(h.object.size(), 4u);
    const double ns = h.object.at("ns_per_call").number;
    const double gbs = h.object.at("gb_per_s").number;
    EXPECT_TRUE(std::isfinite(ns) && ns > 0 && std::isfinite(gbs) && gbs > 0) << h.object.at("name").string;
    const int bytes = static_cast<int>(h.object.at("bytes").number);
    EXPECT_NEAR(gbs, bytes / ns, 1e-6 * gbs);
    EXPECT_TRUE(sizes[h.object.at("name").string].insert(bytes).second);
  }
  const std::set<int> every_size = {8, 16, 32, 64, 128, 256, 512, 1024, 4096};
  for (const char* name : {"xxh3_64", "xxh3_128", "xxh64", "absl_hash", "sha1_32_datasketch", "murmur3_x64_128",
                           "murmur3_x86_32", "fnv1a_64", "crc32c", "crc32c_table"}) {
    EXPECT_EQ(sizes[name], every_size) << name;
  }
  EXPECT_EQ(sizes.size(), 10u);

  ASSERT_TRUE(doc.object.count("signers"));
  std::set<std::string> signers;
  for (const Json& s : doc.object.at("signers").array) {
    const std::string& name = s.object.at("name").string;
    signers.insert(name);
    for (const char* key : {"mb_per_s", "ns_per_doc", "ratio_to_xxh3"}) {
      const Json& v = s.object.at(key);
      EXPECT_TRUE(v.kind == Json::kNumber && std::isfinite(v.number) && v.number > 0) << name << " " << key;
    }
  }
  for (const char* name : {"minhash_oph_128 (from shingles)", "minhash_classic_128 (from shingles)",
                           "simhash_64 (from shingles)", "datasketch_minhash_128 (words)",
                           "signer: text -> oph MinHash-128", "signer: text -> oph MinHash-128 + SimHash-64"}) {
    EXPECT_TRUE(signers.count(name)) << name;
  }
}

}  // namespace
}  // namespace neardup
