// Writes a deterministic news-like JSONL corpus with planted near-duplicates to
// stdout, for scripts/bench_dedup.sh (not a Google Benchmark program, hence not named
// *_bench.cpp; the script compiles it with g++ directly).
//
//   gen_corpus --docs 1000000 --doc-bytes 300 --dup-percent 10 --seed 1 > corpus.jsonl
//   gen_corpus --bytes 1000000000 > corpus.jsonl     # stop after ~1 GB of text
//   gen_corpus --docs 100000 --short-mixed 1          # 300-1,000-byte documents, mixed
//                                                     # scripts (bench::ShortDocuments)
//
// Each record is {"id":"d<N>","text":...}. About --dup-percent of the records are
// edited copies (tests/testing/labelled_corpus.hpp edits: substitutions, sentence and
// paragraph edits, site chrome, quote/case/entity changes) of one of the last 4096
// originals, so duplicates are spread through the file as in a crawl.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../tests/testing/labelled_corpus.hpp"

int main(int argc, char** argv) {
  uint64_t docs = 0, bytes = 0, doc_bytes = 3000, seed = 1, short_mixed = 0;
  unsigned dup_percent = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char* flag = argv[i];
    const uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(flag, "--docs") == 0) {
      docs = v;
    } else if (std::strcmp(flag, "--bytes") == 0) {
      bytes = v;
    } else if (std::strcmp(flag, "--doc-bytes") == 0) {
      doc_bytes = v;
    } else if (std::strcmp(flag, "--dup-percent") == 0) {
      dup_percent = static_cast<unsigned>(v);
    } else if (std::strcmp(flag, "--seed") == 0) {
      seed = v;
    } else if (std::strcmp(flag, "--short-mixed") == 0) {
      short_mixed = v;
    } else {
      std::fprintf(stderr, "gen_corpus: unknown flag %s\n", flag);
      return 2;
    }
  }
  if (docs == 0 && bytes == 0) {
    std::fprintf(stderr, "usage: gen_corpus (--docs N | --bytes B) [--doc-bytes 3000] [--dup-percent 10] [--seed 1] [--short-mixed 1]\n");
    return 2;
  }
  neardup::bench::CorpusRng rng(seed);
  constexpr size_t kRecent = 4096;
  std::vector<std::string> recent;
  recent.reserve(kRecent);
  uint64_t written = 0, text_bytes = 0, copies = 0;
  std::string line, edits;
  static char buffer[1 << 20];
  std::setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
  while ((docs == 0 || written < docs) && (bytes == 0 || text_bytes < bytes)) {
    std::string text;
    if (!recent.empty() && rng.Chance(dup_percent)) {
      edits.clear();
      text = neardup_test::labelled_internal::EditCopy(recent[rng.Below(recent.size())], rng, &edits);
      ++copies;
    } else {
      text = short_mixed != 0 ? std::move(neardup::bench::ShortDocuments(1, rng.Next())[0])
                              : neardup::bench::NewsArticle(rng, doc_bytes / 2 + rng.Below(doc_bytes + 1));
      if (recent.size() < kRecent) {
        recent.push_back(text);
      } else {
        recent[rng.Below(kRecent)] = text;
      }
    }
    line = "{\"id\":\"d" + std::to_string(written) + "\",\"text\":" + neardup_test::JsonQuote(text) + "}\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    text_bytes += text.size();
    ++written;
  }
  std::fprintf(stderr, "gen_corpus: %llu documents (%llu edited copies), %llu text bytes\n",
               static_cast<unsigned long long>(written), static_cast<unsigned long long>(copies),
               static_cast<unsigned long long>(text_bytes));
  return std::fflush(stdout) == 0 ? 0 : 1;
}
