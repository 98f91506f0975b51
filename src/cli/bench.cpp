// `neardup bench [--json] [--seconds S]`: how fast this machine hashes and signs.
//
// Hashes: ns per call and GB/s at 8 to 4096 bytes for XXH3-64 (what neardup's shingles
// use), XXH3-128, XXH64, absl::Hash (salted per process, so only for in-memory tables),
// SHA-1 truncated to 32 bits (datasketch's token hash), MurmurHash3 x64-128 and x86-32,
// FNV-1a 64 and CRC-32C (the SSE4.2 instruction when the CPU has it, and the table).
// Each call hashes the same bytes, as bench/hash_bench.cpp does, so the two agree.
// Signers: MB/s of input text and ns per document on generated news articles (~3 KB)
// for the MinHash and SimHash kernels over precomputed shingles, datasketch-compatible
// MinHash over whitespace-split words, and whole text -> signature (neardup::Signer),
// also on short documents (300-1,000 bytes, mixed scripts); each with its ratio to
// XXH3-64 over the same documents.
// Every figure is the median of several timed rounds of one core, in CPU time; --seconds is the
// wall time spent measuring (default 25; with set-up it ends within a minute).
#include <sys/utsname.h>
#include <time.h>

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../../bench/news_corpus.hpp"  // the benchmarks' own generator: figures agree
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "commands.hpp"
#include "neardup/internal/hashes.hpp"
#include "neardup/internal/kernels.hpp"
#include "neardup/signature/datasketch.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup::cli {
namespace {

// This thread's CPU time, the clock Google Benchmark reports by default: on a machine
// shared with other work, wall time would count the time other processes ran.
double CpuSeconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct BenchFlags {
  bool json = false;
  double seconds = 25;
};

// Keeps the compiler from hoisting a hash out of its loop or dropping its result.
template <class T>
inline void Opaque(T& v) {
  asm volatile("" : "+r"(v));
}
inline void Consume(uint64_t v) { asm volatile("" : : "r"(v)); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

constexpr int kRounds = 5;

double WallSeconds() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Median CPU seconds per call of fn(): calls are batched so that a round lasts about
// `budget` / kRounds seconds of wall time, which bounds the whole run even when other
// processes share the core.
template <class Fn>
double SecondsPerCall(double budget, Fn fn) {
  const double round = budget / kRounds;
  uint64_t batch = 1;
  double wall = 0, cpu = 0;
  for (;;) {  // calibration: grow the batch until one takes a round's time
    const double w0 = WallSeconds(), c0 = CpuSeconds();
    for (uint64_t i = 0; i < batch; ++i) fn();
    cpu = CpuSeconds() - c0;
    wall = WallSeconds() - w0;
    if (wall >= round || batch >= (uint64_t{1} << 40)) break;
    batch = wall > round / 64 ? static_cast<uint64_t>(static_cast<double>(batch) * round / wall) + 1 : batch * 8;
  }
  std::vector<double> per_call{cpu / static_cast<double>(batch)};
  for (int r = 1; r < kRounds; ++r) {
    const double c0 = CpuSeconds();
    for (uint64_t i = 0; i < batch; ++i) fn();
    per_call.push_back((CpuSeconds() - c0) / static_cast<double>(batch));
  }
  return Median(per_call);
}

// `hash` is a lambda, inlined into the timed loop.
template <class Hash>
double HashNs(double budget, const char* data, size_t len, Hash hash) {
  return 1e9 * SecondsPerCall(budget, [&] {
    const char* p = data;
    Opaque(p);
    Consume(hash(p, len));
  });
}

struct HashRow {
  std::string name;
  size_t bytes;
  double ns;
};

constexpr size_t kSizes[] = {8, 16, 32, 64, 128, 256, 512, 1024, 4096};

std::vector<HashRow> MeasureHashes(double budget) {
  std::string input(4096, '\0');
  bench::CorpusRng rng(2024);
  for (char& c : input) c = static_cast<char>(rng.Next());
  const char* data = input.data();
  std::vector<HashRow> rows;
  const double cell = budget / (10 * std::size(kSizes));
  auto run = [&](std::string name, auto hash) {
    for (const size_t len : kSizes) rows.push_back({name, len, HashNs(cell, data, len, hash)});
  };
  run("xxh3_64", [](const char* p, size_t n) { return XXH3_64bits_withSeed(p, n, 0); });
  run("xxh3_128", [](const char* p, size_t n) {
    const XXH128_hash_t h = XXH3_128bits_withSeed(p, n, 0);
    return h.low64 ^ h.high64;
  });
  run("xxh64", [](const char* p, size_t n) { return XXH64(p, n, 0); });
  run("absl_hash", [](const char* p, size_t n) {
    return static_cast<uint64_t>(absl::Hash<absl::string_view>{}(absl::string_view(p, n)));
  });
  run("sha1_32_datasketch",
      [](const char* p, size_t n) { return uint64_t{datasketch::Sha1Hash32(std::string_view(p, n))}; });
  run("murmur3_x64_128", [](const char* p, size_t n) {
    const internal::Hash128 h = internal::Murmur3X64_128(p, n, 0);
    return h.low ^ h.high;
  });
  run("murmur3_x86_32", [](const char* p, size_t n) { return uint64_t{internal::Murmur3X86_32(p, n, 0)}; });
  run("fnv1a_64", [](const char* p, size_t n) { return internal::Fnv1a64(p, n); });
  run("crc32c", [](const char* p, size_t n) { return uint64_t{internal::Crc32c(p, n)}; });
  run("crc32c_table", [](const char* p, size_t n) { return uint64_t{internal::Crc32cTable(0, p, n)}; });
  return rows;
}

struct SignerRow {
  std::string name;
  std::string corpus;
  double mb_per_s;
  double ns_per_doc;
  double bytes_per_doc;
  double ns_per_unit;      // per shingle (neardup) or per token (datasketch)
  double ratio_to_xxh3;    // this path's MB/s over XXH3-64's on the same documents
};

struct Corpus {
  std::string name;
  std::vector<std::string> docs;
  size_t bytes = 0;
  double xxh3_ns_per_pass = 0;
};

// Median seconds of one pass over the corpus.
template <class Fn>
double PassSeconds(double budget, const Corpus& c, Fn per_doc) {
  return SecondsPerCall(budget, [&] {
    for (size_t i = 0; i < c.docs.size(); ++i) per_doc(i);
  });
}

std::vector<SignerRow> MeasureSigners(double budget) {
  std::vector<Corpus> corpora(2);
  corpora[0].name = "news ~3 KB";
  corpora[0].docs = bench::NewsArticles(64, 1);
  corpora[1].name = "short 300-1000 B, mixed scripts";
  corpora[1].docs = bench::ShortDocuments(256, 1);
  const double cell = budget / 10;
  for (Corpus& c : corpora) {
    c.bytes = bench::TotalBytes(c.docs);
    c.xxh3_ns_per_pass = 1e9 * PassSeconds(cell / 4, c, [&](size_t i) {
      const char* p = c.docs[i].data();
      Opaque(p);
      Consume(XXH3_64bits(p, c.docs[i].size()));
    });
  }
  std::vector<SignerRow> rows;
  auto add = [&](const Corpus& c, std::string name, double seconds_per_pass, double units) {
    const double ns = 1e9 * seconds_per_pass;
    rows.push_back({std::move(name), c.name, static_cast<double>(c.bytes) / seconds_per_pass / 1e6,
                    ns / static_cast<double>(c.docs.size()), static_cast<double>(c.bytes) / c.docs.size(),
                    units > 0 ? ns / units : 0, c.xxh3_ns_per_pass / ns});
  };

  const Corpus& news = corpora[0];
  // The kernels alone, over each article's shingles (computed once, outside the timing).
  std::vector<std::vector<uint64_t>> shingles(news.docs.size());
  double total_shingles = 0;
  {
    Signer signer;
    for (size_t i = 0; i < news.docs.size(); ++i) {
      signer.Sign(news.docs[i]);
      shingles[i].assign(signer.last_shingles().begin(), signer.last_shingles().end());
      total_shingles += static_cast<double>(shingles[i].size());
    }
  }
  for (const MinHashAlgorithm algorithm : {MinHashAlgorithm::kOnePermutation, MinHashAlgorithm::kClassic}) {
    MinHasher minhasher({.algorithm = algorithm, .num_perm = 128, .seed = kDefaultMinHashSeed});
    MinHashSignature sig;
    const double s = PassSeconds(cell, news, [&](size_t i) {
      minhasher.Sign(shingles[i], &sig);
      Consume(sig.values[0]);
    });
    add(news, absl::StrCat("minhash_", MinHashAlgorithmName(algorithm), "_128 (from shingles)"), s, total_shingles);
  }
  {
    SimHasher simhasher(0);
    const double s = PassSeconds(cell, news, [&](size_t i) { Consume(simhasher.Sign64(shingles[i])); });
    add(news, "simhash_64 (from shingles)", s, total_shingles);
  }
  // datasketch-compatible MinHash-128 over whitespace-split words, as `text.split()`
  // feeds MinHash.update_batch.
  {
    std::vector<std::vector<std::string_view>> words(news.docs.size());
    double total_words = 0;
    for (size_t i = 0; i < news.docs.size(); ++i) {
      const std::string_view d = news.docs[i];
      size_t start = 0;
      while (start < d.size()) {
        const size_t stop = std::min(d.find_first_of(" \n\t\r", start), d.size());
        if (stop > start) words[i].push_back(d.substr(start, stop - start));
        start = stop + 1;
      }
      total_words += static_cast<double>(words[i].size());
    }
    absl::StatusOr<datasketch::MinHash> mh = datasketch::MinHash::Create(128, 1);
    if (mh.ok()) {
      const double s = PassSeconds(cell, news, [&](size_t i) {
        mh->Clear();
        mh->UpdateBatch(words[i]);
        Consume(mh->hashvalues()[0]);
      });
      add(news, "datasketch_minhash_128 (words)", s, total_words);
    }
  }
  // Whole text -> signature, on both corpora.
  SignerOptions oph;
  oph.compute_simhash = false;
  SignerOptions classic = oph;
  classic.minhash.algorithm = MinHashAlgorithm::kClassic;
  SignerOptions simhash;
  simhash.compute_minhash = false;
  const SignerOptions both;
  const struct {
    const char* name;
    const SignerOptions* options;
  } paths[] = {{"signer: text -> oph MinHash-128", &oph},
               {"signer: text -> classic MinHash-128", &classic},
               {"signer: text -> SimHash-64", &simhash},
               {"signer: text -> oph MinHash-128 + SimHash-64", &both}};
  for (const Corpus& c : corpora) {
    for (const auto& path : paths) {
      if (&c != &news && path.options != &oph) continue;
      Signer signer(*path.options);
      DocumentSignature sig;
      double shingle_count = 0;
      for (const auto& d : c.docs) shingle_count += signer.Sign(d).num_shingles;
      const double s = PassSeconds(cell, c, [&](size_t i) {
        signer.Sign(c.docs[i], &sig);
        Consume(sig.simhash + sig.num_shingles);
      });
      add(c, path.name, s, shingle_count);
    }
  }
  return rows;
}

std::string CpuName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

struct Machine {
  std::string cpu, kernel, compiler, build_type, simd_kernels;
  unsigned cores;
};

Machine DescribeMachine() {
  Machine m;
  m.cpu = CpuName();
  m.cores = std::thread::hardware_concurrency();
  utsname u{};
  m.kernel = ::uname(&u) == 0 ? absl::StrCat(u.sysname, " ", u.release, " ", u.machine) : "unknown";
#if defined(__clang__)
  m.compiler = absl::StrCat("clang ", __clang_version__);
#elif defined(__GNUC__)
  m.compiler = absl::StrCat("gcc ", __VERSION__);
#else
  m.compiler = "unknown";
#endif
#if defined(NDEBUG) && defined(__OPTIMIZE__)
  m.build_type = "Release";
#elif defined(__OPTIMIZE__)
  m.build_type = "optimized, assertions on";
#else
  m.build_type = "Debug (unoptimized: figures are not representative)";
#endif
  std::vector<std::string> names;
  for (const internal::KernelSet* k : internal::SupportedKernels()) names.emplace_back(k->name);
  m.simd_kernels = absl::StrCat(absl::StrJoin(names, ","), " (active: ", std::string(internal::ActiveKernels().name),
                                "); crc32c: ", std::string(internal::Crc32cUsesSse42() ? "sse4.2" : "table"));
  return m;
}

void PrintJson(const Machine& m, const std::vector<HashRow>& hashes, const std::vector<SignerRow>& signers) {
  std::string out = "{\"machine\": {";
  absl::StrAppend(&out, "\"cpu\": ", JsonString(m.cpu), ", \"cores\": ", m.cores,
                  ", \"kernel\": ", JsonString(m.kernel), ", \"compiler\": ", JsonString(m.compiler),
                  ", \"build_type\": ", JsonString(m.build_type),
                  ", \"simd_kernels\": ", JsonString(m.simd_kernels), "},\n \"hashes\": [");
  for (size_t i = 0; i < hashes.size(); ++i) {
    const HashRow& h = hashes[i];
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", "{\"name\": ", JsonString(h.name), ", \"bytes\": ", h.bytes,
                    ", \"ns_per_call\": ", JsonNumber(h.ns),
                    ", \"gb_per_s\": ", JsonNumber(static_cast<double>(h.bytes) / h.ns), "}");
  }
  absl::StrAppend(&out, "],\n \"signers\": [");
  for (size_t i = 0; i < signers.size(); ++i) {
    const SignerRow& s = signers[i];
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", "{\"name\": ", JsonString(s.name),
                    ", \"corpus\": ", JsonString(s.corpus), ", \"mb_per_s\": ", JsonNumber(s.mb_per_s),
                    ", \"ns_per_doc\": ", JsonNumber(s.ns_per_doc),
                    ", \"bytes_per_doc\": ", JsonNumber(s.bytes_per_doc),
                    ", \"ns_per_unit\": ", JsonNumber(s.ns_per_unit),
                    ", \"ratio_to_xxh3\": ", JsonNumber(s.ratio_to_xxh3), "}");
  }
  absl::StrAppend(&out, "]}\n");
  std::fputs(out.c_str(), stdout);
}

void PrintTable(const Machine& m, const std::vector<HashRow>& hashes, const std::vector<SignerRow>& signers) {
  std::printf("machine: %s, %u cores, %s\ncompiler: %s (%s)\nkernels: %s\n\n", m.cpu.c_str(), m.cores,
              m.kernel.c_str(), m.compiler.c_str(), m.build_type.c_str(), m.simd_kernels.c_str());
  std::printf("hashes, ns per call (GB/s at 4096 bytes); absl_hash is salted per process\n%-20s", "bytes");
  for (const size_t b : kSizes) std::printf("%8zu", b);
  std::printf("  %8s\n", "GB/s");
  for (size_t i = 0; i < hashes.size(); i += std::size(kSizes)) {
    std::printf("%-20s", hashes[i].name.c_str());
    for (size_t j = 0; j < std::size(kSizes); ++j) std::printf("%8.1f", hashes[i + j].ns);
    const HashRow& last = hashes[i + std::size(kSizes) - 1];
    std::printf("  %8.2f\n", static_cast<double>(last.bytes) / last.ns);
  }
  std::printf("\nsigning, one core (MB/s of input text)\n%-46s %-32s %9s %11s %10s %9s\n", "path", "corpus",
              "MB/s", "ns/doc", "ns/unit", "vs XXH3");
  for (const SignerRow& s : signers) {
    std::printf("%-46s %-32s %9.1f %11.0f %10.2f %9.4f\n", s.name.c_str(), s.corpus.c_str(), s.mb_per_s,
                s.ns_per_doc, s.ns_per_unit, s.ratio_to_xxh3);
  }
}

int RunBench(const BenchFlags& f) {
  if (!(f.seconds > 0) || f.seconds > 3600) {
    std::fprintf(stderr, "neardup bench: error: --seconds must be in (0, 3600], got %g\n", f.seconds);
    return kExitError;
  }
  const Machine machine = DescribeMachine();
  const std::vector<HashRow> hashes = MeasureHashes(0.4 * f.seconds);
  const std::vector<SignerRow> signers = MeasureSigners(0.6 * f.seconds);
  if (f.json) {
    PrintJson(machine, hashes, signers);
  } else {
    PrintTable(machine, hashes, signers);
  }
  return kExitOk;
}

}  // namespace

Command AddBenchCommand(CLI::App& root) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* app = root.add_subcommand("bench", "measure hash and signing speed on this machine");
  app->add_flag("--json", flags->json, "print one JSON object instead of tables");
  app->add_option("--seconds", flags->seconds, "total time to spend measuring")->capture_default_str();
  return {app, [flags] { return RunBench(*flags); }};
}

}  // namespace neardup::cli
