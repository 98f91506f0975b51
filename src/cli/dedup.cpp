// `neardup dedup INPUT... -o clusters.jsonl`: near-duplicate articles and repeated
// passages in a corpus. The pipeline is the library's (dedup/dedup.hpp); this file maps
// flags to DedupOptions and writes the outputs.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "commands.hpp"
#include "console.hpp"
#include "neardup/dedup/dedup.hpp"

namespace neardup::cli {
namespace {

struct DedupFlags {
  std::vector<std::string> inputs;
  DedupOutputs outputs;
  double threshold = 0.8;
  std::string algo = "minhash";
  SignerFlags signer;
  uint32_t bands = 0;
  uint32_t rows = 0;
  int simhash_distance = 3;
  std::string verify = "precise";
  std::string policy = "star";
  std::string keep = "first";
  std::string pairs_mode = "verified";
  bool passages = false;
  std::string passage_split = "line";
  std::string passage_match = "near";
  std::string passage_measure = "jaccard";
  std::string passage_scope = "all";
  double passage_threshold = 0.8;
  uint32_t passage_min_chars = 20;
  unsigned threads = 0;
  InputFlags input;
  uint64_t max_documents = 0;
};

absl::StatusOr<DedupOptions> ToOptions(const DedupFlags& f) {
  DedupOptions o;
  o.threshold = f.threshold;
  absl::StatusOr<DedupAlgorithm> algo = ParseDedupAlgorithm(f.algo);
  absl::StatusOr<Verification> verify = ParseVerification(f.verify);
  absl::StatusOr<ClusterPolicy> policy = ParseClusterPolicy(f.policy);
  absl::StatusOr<KeepRule> keep = ParseKeepRule(f.keep);
  absl::StatusOr<PairsMode> pairs = ParsePairsMode(f.pairs_mode);
  for (const absl::Status& s : {algo.status(), verify.status(), policy.status(), keep.status(), pairs.status()}) {
    if (!s.ok()) return s;
  }
  o.algorithm = *algo;
  o.verify = *verify;
  o.policy = *policy;
  o.keep = *keep;
  o.pairs = f.outputs.pairs.empty() ? PairsMode::kNone : *pairs;
  o.signer = f.signer.ToOptions();
  if (f.bands != 0 || f.rows != 0) o.banding = LshParams{f.bands, f.rows};
  o.simhash_distance = f.simhash_distance;
  if (f.passages) {
    PassageOptions p;
    absl::StatusOr<PassageSplit> split = ParsePassageSplit(f.passage_split);
    absl::StatusOr<PassageMeasure> measure = ParsePassageMeasure(f.passage_measure);
    absl::StatusOr<PassageScope> scope = ParsePassageScope(f.passage_scope);
    for (const absl::Status& s : {split.status(), measure.status(), scope.status()}) {
      if (!s.ok()) return s;
    }
    p.split = *split;
    p.measure = *measure;
    p.scope = *scope;
    p.threshold = f.passage_threshold;
    p.min_chars = f.passage_min_chars;
    p.near = f.passage_match == "near";
    o.passages = p;
  } else if (!f.outputs.passages.empty() || !f.outputs.passage_deduped.empty()) {
    return absl::InvalidArgumentError("--passages-out and --write-passage-deduped need --passages");
  }
  o.max_documents = f.max_documents;
  o.threads = f.threads;
  if (absl::Status s = o.Validate(); !s.ok()) return s;
  return o;
}

int RunDedup(DedupFlags f) {
  Console console;
  const auto fail = [&console](const absl::Status& s) {
    console.EndProgress();
    console.Line(absl::StrCat("neardup dedup: error: ", s.message()));
    return kExitError;
  };
  absl::StatusOr<DedupOptions> options = ToOptions(f);
  if (!options.ok()) return fail(options.status());
  absl::StatusOr<DocumentSource> source = DocumentSource::FromPaths(f.inputs, f.input.ToOptions());
  if (!source.ok()) return fail(source.status());
  // Every output is created (as a temporary file) before any input is read.
  absl::StatusOr<DedupOutputFiles> outputs = DedupOutputFiles::Open(f.outputs, *source);
  if (!outputs.ok()) return fail(outputs.status());

  DedupCallbacks callbacks;
  callbacks.on_problem = [&console](const InputProblem& p) { console.Line(p.ToString()); };
  callbacks.on_progress = [&console](const DedupStats& s) {
    console.Progress(absl::StrFormat("neardup dedup: %d documents, %.1f MB read", s.documents, s.bytes_read / 1e6));
  };
  absl::StatusOr<DedupResult> result = Deduplicate(*source, *options, callbacks);
  console.EndProgress();
  if (!result.ok()) return fail(result.status());
  const auto t0 = std::chrono::steady_clock::now();
  if (absl::Status s = outputs->Commit(*result, *source); !s.ok()) return fail(s);
  const double apply = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result->stats.seconds.apply = apply;
  result->stats.seconds.total += apply;
  for (const absl::string_view line : absl::StrSplit(DedupSummary(*result, f.signer.ShingleDescription()), '\n')) {
    console.Line(absl::StrCat("neardup dedup: ", line));
  }
  return result->stats.failed_inputs != 0 ? kExitInputFailed : kExitOk;
}

}  // namespace

Command AddDedupCommand(CLI::App& root) {
  auto f = std::make_shared<DedupFlags>();
  CLI::App* app = root.add_subcommand(
      "dedup",
      "find clusters of near-duplicate documents and repeated passages (JSONL, .gz, .zst, '-', directories of .txt, "
      "or .ndsig signature files from `neardup sign`)");
  app->add_option("INPUT", f->inputs, "input files or directories ('-' = stdin), or signature files")->required();
  app->add_option("-o,--output", f->outputs.clusters, "clusters JSONL to write")->required();
  app->add_option("--threshold", f->threshold,
                  "Jaccard similarity at which documents are near-duplicates, in (0, 1]; 1 = same shingle set")
      ->capture_default_str();
  app->add_option("--algo", f->algo, "signature: minhash (Jaccard) or simhash (Hamming distance)")
      ->check(CLI::IsMember({"minhash", "simhash"}))
      ->capture_default_str();
  AddSignerFlags(app, &f->signer, "--minhash-algo");
  app->add_option("--bands", f->bands, "LSH bands (with --rows; default: chosen for the threshold)");
  app->add_option("--rows", f->rows, "LSH rows per band (with --bands)");
  app->add_option("--simhash-distance", f->simhash_distance, "--algo simhash: maximum Hamming distance (0-7)")
      ->check(CLI::Range(0, kMaxDedupSimHashDistance))
      ->capture_default_str();
  app->add_option("--verify", f->verify,
                  "precise: estimate, exact Jaccard near the threshold (reads those texts again); estimate: "
                  "signatures only; exact: exact Jaccard of every candidate")
      ->check(CLI::IsMember({"precise", "estimate", "exact"}))
      ->capture_default_str();
  app->add_option("--cluster-policy", f->policy,
                  "star: every member within the threshold of the kept copy (splits chains); connected: "
                  "connected components")
      ->check(CLI::IsMember({"star", "connected"}))
      ->capture_default_str();
  app->add_option("--keep", f->keep, "which copy is kept: first, longest or earliest-id")
      ->check(CLI::IsMember({"first", "longest", "earliest-id"}))
      ->capture_default_str();
  app->add_option("--write-deduped", f->outputs.deduped, "write the input records minus removed duplicates");
  app->add_option("--pairs", f->outputs.pairs,
                  "write pairs as id_a TAB id_b TAB similarity, ids escaped (\\\\ \\t \\n \\r)");
  app->add_option("--pairs-mode", f->pairs_mode,
                  "verified: candidate pairs that passed verification; all: every pair within a connected group "
                  "that passes (one similarity per pair of a group)")
      ->check(CLI::IsMember({"verified", "all"}))
      ->capture_default_str();
  app->add_flag("--passages", f->passages, "also find repeated passages within and across documents");
  app->add_option("--passages-out", f->outputs.passages, "with --passages: write repeated passages as JSONL");
  app->add_option("--write-passage-deduped", f->outputs.passage_deduped,
                  "with --passages: write every document with its repeated passages removed");
  app->add_option("--passage-split", f->passage_split, "passages are: line, blank-line, sentence or quote")
      ->check(CLI::IsMember({"line", "paragraph", "blank-line", "sentence", "quote"}))
      ->capture_default_str();
  app->add_option("--passage-match", f->passage_match,
                  "near: exact and near repeats; exact: only passages whose normalized text repeats exactly (what "
                  "python -m neardup.dask can find)")
      ->check(CLI::IsMember({"near", "exact"}))
      ->capture_default_str();
  app->add_option("--passage-measure", f->passage_measure, "near passages by jaccard or containment")
      ->check(CLI::IsMember({"jaccard", "containment"}))
      ->capture_default_str();
  app->add_option("--passage-scope", f->passage_scope, "all (within and across documents) or within")
      ->check(CLI::IsMember({"all", "within"}))
      ->capture_default_str();
  app->add_option("--passage-threshold", f->passage_threshold, "near-repeat passage similarity")
      ->capture_default_str();
  app->add_option("--passage-min-chars", f->passage_min_chars, "ignore shorter passages (normalized bytes)")
      ->capture_default_str();
  app->add_option("--threads", f->threads, "threads (0 = all cores)")->capture_default_str();
  AddInputFlags(app, &f->input);
  app->add_option("--max-documents", f->max_documents,
                  "stop with an error, writing nothing, if the inputs hold more documents (0 = no limit)");
  return {app, [f] { return RunDedup(*f); }};
}

}  // namespace neardup::cli
