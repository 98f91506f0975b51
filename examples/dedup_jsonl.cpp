// Deduplicates a JSONL file through the library's one call, writing the same clusters
// JSONL as `neardup dedup IN.jsonl -o OUT.jsonl` with default options.
//
//   example_dedup_jsonl news.jsonl clusters.jsonl
#include <cstdio>

#include "neardup/dedup/dedup.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IN.jsonl OUT.jsonl\n", argv[0]);
    return 2;
  }
  const neardup::DocumentSource source = neardup::DocumentSource::Files({argv[1]});
  neardup::DedupCallbacks report;
  report.on_problem = [](const neardup::InputProblem& p) { std::fprintf(stderr, "%s\n", p.ToString().c_str()); };

  // Created before anything is read: an unwritable output fails at once.
  absl::StatusOr<neardup::DedupOutputFiles> out = neardup::DedupOutputFiles::Open({.clusters = argv[2]}, source);
  if (!out.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(out.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<neardup::DedupResult> result = neardup::Deduplicate(source, {}, report);
  if (!result.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(result.status().message()).c_str());
    return 1;
  }
  if (absl::Status s = out->Commit(*result, source); !s.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "%zu documents, %zu clusters, %llu removed\n", result->corpus.size(),
               result->clusters.size(), static_cast<unsigned long long>(result->stats.removed));
  return result->stats.failed_inputs != 0 ? 3 : 0;
}
