// `neardup dedup INPUT... -o clusters.jsonl`: near-duplicate articles and repeated
// passages in a corpus.
//
// Stages (each timed in the summary):
//   1. read + sign: documents are read in batches and signed on --threads threads
//      (MinHash by default, SimHash with --algo simhash); per document only its id,
//      location, length and signature stay in memory. With --passages, every
//      document's passages go through a PassageRepeatFinder in input order.
//   2. candidates: MinHash LSH by sorting band keys (index/lsh_batch.hpp), or all
//      SimHash pairs within --simhash-distance (index/simhash_index.hpp);
//   3. verify: estimated Jaccard from the full signatures (default) or exact Jaccard of
//      the shingle sets (--verify exact), at least --threshold;
//   4. cluster: union-find with chain protection (--cluster-policy star, the default:
//      every member within the threshold of its kept representative);
//   5. write: clusters.jsonl, --pairs, --passages-out, and in a second read of the
//      inputs --write-deduped / --write-passage-deduped.
// The output is identical for every --threads value.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "batch_signing.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "neardup/cluster/clusters.hpp"
#include "neardup/index/lsh_batch.hpp"
#include "neardup/index/lsh_params.hpp"
#include "neardup/index/simhash_index.hpp"
#include "neardup/io/input.hpp"
#include "neardup/passage/repeats.hpp"
#include "neardup/shingle/similarity.hpp"

namespace neardup::cli {
namespace {

struct DedupFlags {
  std::vector<std::string> inputs;
  std::string output;
  double threshold = 0.8;
  std::string algo = "minhash";
  SignerFlags signer;
  uint32_t bands = 0;
  uint32_t rows = 0;
  int simhash_distance = 3;
  std::string verify = "estimate";
  std::string policy = "star";
  std::string keep = "first";
  std::string write_deduped;
  std::string pairs;
  bool passages = false;
  std::string passages_out;
  std::string write_passage_deduped;
  std::string passage_split = "line";
  std::string passage_measure = "jaccard";
  std::string passage_scope = "all";
  double passage_threshold = 0.8;
  uint32_t passage_min_chars = 20;
  unsigned threads = 0;
  InputFlags input;
  uint64_t max_documents = 0;
};

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What stage 1 keeps per accepted document.
struct Corpus {
  std::vector<std::string> ids;
  std::vector<uint64_t> bytes;
  std::vector<uint32_t> file;  // index into files
  std::vector<uint64_t> line;
  std::vector<std::string> files;
  std::vector<uint32_t> minhash;  // k values per document
  std::vector<uint8_t> empty;
  std::vector<uint64_t> simhash;
  std::vector<std::vector<uint64_t>> shingle_sets;  // --verify exact only
  std::vector<std::string> raw;                     // stdin + --write-deduped only
  std::vector<uint8_t> accepted;                    // per document the reader returned
  size_t Size() const { return ids.size(); }
  std::string Where(uint32_t d) const {
    return line[d] == 0 ? files[file[d]] : absl::StrCat(files[file[d]], ":", line[d]);
  }
};

// The JSONL record a document came from, or a new one for a text file.
std::string RecordJson(const Document& doc, std::string_view text_field, std::string_view text) {
  return absl::StrCat("{\"id\":", JsonString(doc.id), ",", JsonString(text_field), ":", JsonString(text), "}");
}

class Output {
 public:
  absl::Status Open(const std::string& path) {
    path_ = path;
    out_.open(path, std::ios::binary | std::ios::trunc);
    if (!out_) return absl::UnavailableError(absl::StrCat("cannot write ", path));
    return absl::OkStatus();
  }
  std::ofstream& stream() { return out_; }
  absl::Status Close() {
    out_.close();
    if (out_.fail()) return absl::DataLossError(absl::StrCat("error writing ", path_));
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::ofstream out_;
};

int Fail(Console& console, const absl::Status& s) {
  console.EndProgress();
  console.Line(absl::StrCat("neardup dedup: error: ", s.message()));
  return kExitError;
}

int RunDedup(const DedupFlags& f) {
  Console console;
  const auto start = Clock::now();
  const bool use_simhash = f.algo == "simhash";
  SignerOptions options = f.signer.ToOptions();
  options.compute_minhash = !use_simhash;
  options.compute_simhash = use_simhash;
  const uint32_t k = options.minhash.num_perm;
  const unsigned threads = f.threads != 0 ? f.threads : std::max(1u, std::thread::hardware_concurrency());
  const KeepRule keep = *ParseKeepRule(f.keep);
  const bool exact = f.verify == "exact";
  const bool keep_raw = !f.write_deduped.empty() &&
                        std::find(f.inputs.begin(), f.inputs.end(), "-") != f.inputs.end();
  if (!(f.threshold > 0 && f.threshold <= 1)) {
    return Fail(console, absl::InvalidArgumentError(
                             absl::StrCat("--threshold must be in (0, 1], got ", f.threshold)));
  }
  std::optional<LshParams> banding;
  if (!use_simhash) {
    if (f.bands != 0 || f.rows != 0) {
      banding = LshParams{f.bands, f.rows};
      if (absl::Status s = ValidateLshParams(*banding, k); !s.ok()) return Fail(console, s);
    } else {
      // Every candidate is verified, so a false positive costs one signature comparison
      // while a false negative is a missed duplicate: weight misses 19:1. At t = 0.8,
      // k = 128 this picks 16 x 8 (candidate probability 0.95 at 0.8, 0.994 at 0.85)
      // instead of the balanced 9 x 13 (0.40 and 0.69).
      absl::StatusOr<LshChoice> choice =
          ChooseLshParams(std::min(f.threshold, 0.99), k, /*fp_weight=*/0.05, /*fn_weight=*/0.95);
      if (!choice.ok()) return Fail(console, choice.status());
      banding = choice->params;
    }
  }

  std::optional<PassageRepeatFinder> finder;
  PassageOptions passage_options;
  if (f.passages) {
    passage_options.split = *ParsePassageSplit(f.passage_split);
    passage_options.measure = *ParsePassageMeasure(f.passage_measure);
    passage_options.scope = *ParsePassageScope(f.passage_scope);
    passage_options.threshold = f.passage_threshold;
    passage_options.min_chars = f.passage_min_chars;
    passage_options.normalize = options.normalize;
    absl::StatusOr<PassageRepeatFinder> made = PassageRepeatFinder::Create(passage_options);
    if (!made.ok()) return Fail(console, made.status());
    finder.emplace(*std::move(made));
  }
  std::vector<PassageRepeat> repeats;

  // Stage 1: read and sign.
  Corpus corpus;
  absl::flat_hash_map<std::string, uint32_t> id_index;
  absl::flat_hash_map<std::string, uint32_t> file_index;
  uint64_t duplicate_ids = 0, replaced_bytes = 0, empty_docs = 0;
  InputOptions input_options = f.input.ToOptions();
  input_options.keep_raw = keep_raw;
  input_options.on_problem = [&console](const InputProblem& p) { console.Line(p.ToString()); };
  DocumentReader reader(f.inputs, input_options);
  std::vector<Normalizer> normalizers(threads, Normalizer(options.normalize));
  std::vector<Shingler> shinglers(threads, Shingler(options.shingle));
  std::vector<std::string> scratch(threads);
  absl::Status read_status = SignInBatches(
      &reader, options, threads,
      [&](std::span<Document> docs, std::span<const DocumentSignature> sigs) -> absl::Status {
        const size_t first = corpus.Size();
        std::vector<uint8_t> take(docs.size(), 0);
        for (size_t i = 0; i < docs.size(); ++i) {
          const Document& doc = docs[i];
          const auto [it, inserted] = id_index.try_emplace(doc.id, static_cast<uint32_t>(corpus.Size()));
          if (!inserted) {
            ++duplicate_ids;
            corpus.accepted.push_back(0);
            const std::string where = doc.line == 0 ? doc.file : absl::StrCat(doc.file, ":", doc.line);
            const std::string msg = absl::StrCat(where, ": duplicate id ", JsonString(doc.id), " (first at ",
                                                 corpus.Where(it->second), "); record skipped");
            if (f.input.strict) return absl::InvalidArgumentError(msg);
            console.Line(msg);
            continue;
          }
          if (f.max_documents != 0 && corpus.Size() == f.max_documents) {
            const std::string where = doc.line == 0 ? doc.file : absl::StrCat(doc.file, ":", doc.line);
            return absl::ResourceExhaustedError(absl::StrCat(
                where, ": more than --max-documents ", f.max_documents,
                " documents to hold in memory; nothing was written (split the input, or raise the limit: a "
                "document takes about ",
                use_simhash ? 8 : 4 * options.minhash.num_perm, " bytes of signature plus its id and 40 bytes)"));
          }
          take[i] = 1;
          corpus.accepted.push_back(1);
          const auto [fit, fnew] = file_index.try_emplace(doc.file, static_cast<uint32_t>(corpus.files.size()));
          if (fnew) corpus.files.push_back(doc.file);
          corpus.ids.push_back(doc.id);
          corpus.bytes.push_back(doc.text.size());
          corpus.file.push_back(fit->second);
          corpus.line.push_back(doc.line);
          const DocumentSignature& sig = sigs[i];
          corpus.empty.push_back(sig.empty() ? 1 : 0);
          empty_docs += sig.empty();
          replaced_bytes += sig.replaced_bytes;
          if (use_simhash) {
            corpus.simhash.push_back(sig.simhash);
          } else {
            corpus.minhash.insert(corpus.minhash.end(), sig.minhash.values.begin(), sig.minhash.values.end());
          }
          if (keep_raw) corpus.raw.push_back(doc.raw.empty() ? RecordJson(doc, f.input.text_field, doc.text) : doc.raw);
          if (finder) finder->AddDocument(static_cast<uint32_t>(corpus.Size() - 1), doc.text, &repeats);
        }
        if (exact) {
          std::vector<size_t> taken;
          for (size_t i = 0; i < docs.size(); ++i) {
            if (take[i]) taken.push_back(i);
          }
          corpus.shingle_sets.resize(first + taken.size());
          ParallelFor(taken.size(), threads, [&](unsigned w, size_t t) {
            normalizers[w].Normalize(docs[taken[t]].text, &scratch[w]);
            corpus.shingle_sets[first + t] = MakeShingleSet(shinglers[w].Shingle(scratch[w]));
          });
        }
        console.Progress(absl::StrFormat("neardup dedup: %d documents, %.1f MB read", corpus.Size(),
                                         reader.stats().bytes / 1e6));
        return absl::OkStatus();
      });
  console.EndProgress();
  if (!read_status.ok()) return Fail(console, read_status);
  const double t_read = Since(start);
  const auto n = static_cast<uint32_t>(corpus.Size());

  // Stage 2: candidates. Stage 3: verification.
  auto t0 = Clock::now();
  std::vector<std::pair<uint32_t, uint32_t>> candidates;
  const auto estimate = [&](uint32_t a, uint32_t b) {
    const std::span<const uint32_t> va(corpus.minhash.data() + static_cast<size_t>(a) * k, k);
    const std::span<const uint32_t> vb(corpus.minhash.data() + static_cast<size_t>(b) * k, k);
    return static_cast<double>(CountMatches(va, vb)) / k;
  };
  const auto similarity = [&](uint32_t a, uint32_t b) -> double {
    if (use_simhash) return 1.0 - HammingDistance(corpus.simhash[a], corpus.simhash[b]) / 64.0;
    if (exact) return ExactJaccard(corpus.shingle_sets[a], corpus.shingle_sets[b]);
    return estimate(a, b);
  };
  double verify_threshold = f.threshold;
  if (use_simhash) {
    // Empty documents all have fingerprint 0: leave them out rather than pair them all.
    std::vector<uint64_t> fps;
    std::vector<uint32_t> doc_of;
    for (uint32_t d = 0; d < n; ++d) {
      if (corpus.empty[d]) continue;
      fps.push_back(corpus.simhash[d]);
      doc_of.push_back(d);
    }
    absl::StatusOr<std::vector<SimHashPair>> pairs =
        FindSimHashPairs(fps, {.max_distance = f.simhash_distance, .num_threads = threads});
    if (!pairs.ok()) return Fail(console, pairs.status());
    candidates.reserve(pairs->size());
    for (const SimHashPair& p : *pairs) candidates.push_back({doc_of[p.i], doc_of[p.j]});
    verify_threshold = 1.0 - f.simhash_distance / 64.0;
  } else {
    // Exact verification is not bound by the signature: refine long LSH runs a few
    // standard errors below the threshold so accepted pairs survive with high probability.
    const double se = std::sqrt(f.threshold * (1 - f.threshold) / k);
    const double refine = exact ? std::max(0.0, f.threshold - 4 * se) : f.threshold;
    absl::StatusOr<LshBatchResult> lsh = GenerateLshCandidates(
        MinHashMatrixView{options.minhash, corpus.minhash, corpus.empty},
        {.banding = *banding, .verify_threshold = refine});
    if (!lsh.ok()) return Fail(console, lsh.status());
    candidates.reserve(lsh->pairs.size());
    for (const CandidatePair& p : lsh->pairs) candidates.push_back({p.first, p.second});
  }
  const size_t num_candidates = candidates.size();
  const double t_candidates = Since(t0);
  t0 = Clock::now();
  const std::vector<ScoredPair> verified = VerifyPairs(std::move(candidates), verify_threshold, similarity, threads);
  const double t_verify = Since(t0);

  // Stage 4: clusters.
  t0 = Clock::now();
  const std::vector<uint32_t> rank = KeepRanks(keep, corpus.ids, corpus.bytes, n);
  const std::vector<Cluster> clusters = BuildClusters(
      n, verified, rank,
      {.threshold = verify_threshold,
       .policy = f.policy == "connected" ? ClusterPolicy::kConnected : ClusterPolicy::kStar},
      similarity);
  const double t_cluster = Since(t0);

  // Stage 5: outputs.
  t0 = Clock::now();
  std::vector<uint8_t> removed(n, 0);
  uint64_t duplicates = 0;
  {
    Output out;
    if (absl::Status s = out.Open(f.output); !s.ok()) return Fail(console, s);
    for (size_t c = 0; c < clusters.size(); ++c) {
      const Cluster& cl = clusters[c];
      std::string line = absl::StrCat("{\"cluster\":", c, ",\"keep\":", JsonString(corpus.ids[cl.representative]),
                                      ",\"keep_rule\":\"", KeepRuleName(keep), "\",\"members\":[");
      for (size_t m = 0; m < cl.members.size(); ++m) {
        const ClusterMember& mem = cl.members[m];
        absl::StrAppend(&line, m ? "," : "", "{\"id\":", JsonString(corpus.ids[mem.doc]),
                        ",\"similarity\":", JsonNumber(mem.similarity), "}");
        if (mem.doc != cl.representative) {
          removed[mem.doc] = 1;
          ++duplicates;
        }
      }
      line += "]}\n";
      out.stream() << line;
    }
    if (absl::Status s = out.Close(); !s.ok()) return Fail(console, s);
  }
  if (!f.pairs.empty()) {
    Output out;
    if (absl::Status s = out.Open(f.pairs); !s.ok()) return Fail(console, s);
    for (const ScoredPair& p : verified) {
      out.stream() << corpus.ids[p.a] << '\t' << corpus.ids[p.b] << '\t' << JsonNumber(p.similarity) << '\n';
    }
    if (absl::Status s = out.Close(); !s.ok()) return Fail(console, s);
  }
  std::vector<std::vector<Span>> drop_spans;
  if (f.passages) {
    if (!f.passages_out.empty()) {
      Output out;
      if (absl::Status s = out.Open(f.passages_out); !s.ok()) return Fail(console, s);
      for (const PassageRepeat& r : repeats) {
        out.stream() << "{\"id\":" << JsonString(corpus.ids[r.passage.doc]) << ",\"start\":" << r.passage.span.start
                     << ",\"end\":" << r.passage.span.end << ",\"dup_of\":{\"id\":"
                     << JsonString(corpus.ids[r.dup_of.doc]) << ",\"start\":" << r.dup_of.span.start
                     << ",\"end\":" << r.dup_of.span.end << "},\"similarity\":" << JsonNumber(r.similarity)
                     << "}\n";
      }
      if (absl::Status s = out.Close(); !s.ok()) return Fail(console, s);
    }
    drop_spans.resize(n);
    for (const PassageRepeat& r : repeats) drop_spans[r.passage.doc].push_back(r.passage.span);
  }
  if (!f.write_deduped.empty() || !f.write_passage_deduped.empty()) {
    Output deduped, passage_deduped;
    if (!f.write_deduped.empty()) {
      if (absl::Status s = deduped.Open(f.write_deduped); !s.ok()) return Fail(console, s);
    }
    if (!f.write_passage_deduped.empty()) {
      if (absl::Status s = passage_deduped.Open(f.write_passage_deduped); !s.ok()) return Fail(console, s);
    }
    if (keep_raw) {
      for (uint32_t d = 0; d < n; ++d) {
        if (!removed[d]) deduped.stream() << corpus.raw[d] << '\n';
      }
    }
    if (!keep_raw || !f.write_passage_deduped.empty()) {
      // Second read: the same inputs yield the same records in the same order; problems
      // were reported in the first read.
      InputOptions again = f.input.ToOptions();
      again.keep_raw = true;
      DocumentReader second(f.inputs, again);
      Document doc;
      size_t ordinal = 0;
      uint32_t d = 0;
      for (;;) {
        absl::StatusOr<bool> more = second.Next(&doc);
        if (!more.ok()) return Fail(console, more.status());
        if (!*more || ordinal >= corpus.accepted.size()) break;
        if (!corpus.accepted[ordinal++]) continue;
        if (!keep_raw && !f.write_deduped.empty() && !removed[d]) {
          deduped.stream() << (doc.raw.empty() ? RecordJson(doc, f.input.text_field, doc.text) : doc.raw) << '\n';
        }
        if (!f.write_passage_deduped.empty()) {
          const std::string cleaned = drop_spans.empty() ? doc.text : RemoveSpans(doc.text, drop_spans[d]);
          passage_deduped.stream() << RecordJson(doc, f.input.text_field, cleaned) << '\n';
        }
        ++d;
      }
    }
    if (!f.write_deduped.empty()) {
      if (absl::Status s = deduped.Close(); !s.ok()) return Fail(console, s);
    }
    if (!f.write_passage_deduped.empty()) {
      if (absl::Status s = passage_deduped.Close(); !s.ok()) return Fail(console, s);
    }
  }
  const double t_write = Since(t0);

  const InputStats& stats = reader.stats();
  std::string reasons;
  for (size_t r = 1; r < kNumProblemKinds; ++r) {
    if (stats.problems_by_kind[r] == 0) continue;
    absl::StrAppend(&reasons, reasons.empty() ? " (" : ", ", ProblemKindName(static_cast<ProblemKind>(r)), ": ",
                    stats.problems_by_kind[r]);
  }
  if (duplicate_ids) absl::StrAppend(&reasons, reasons.empty() ? " (" : ", ", "duplicate id: ", duplicate_ids);
  if (!reasons.empty()) reasons += ")";
  const double total = Since(start);
  console.Line(absl::StrFormat("neardup dedup: read %d documents (%.1f MB): %d kept for dedup, %d skipped%s, %d empty",
                               stats.documents + stats.problems, stats.bytes / 1e6, n,
                               stats.problems + duplicate_ids, reasons, empty_docs));
  if (use_simhash) {
    console.Line(absl::StrFormat("neardup dedup: SimHash-64 over %s, distance <= %d (similarity >= %.4f)",
                                 f.signer.ShingleDescription(), f.simhash_distance, verify_threshold));
  } else {
    console.Line(absl::StrFormat("neardup dedup: MinHash %s k=%d over %s, LSH %d bands x %d rows, threshold %g, verify %s",
                                 f.signer.algo, k, f.signer.ShingleDescription(), banding->bands, banding->rows,
                                 f.threshold, exact ? "exact Jaccard" : "estimated Jaccard"));
  }
  console.Line(absl::StrFormat("neardup dedup: %d candidate pairs, %d verified, %d clusters (policy %s, keep %s), %d duplicates removed",
                               num_candidates, verified.size(), clusters.size(), f.policy, KeepRuleName(keep),
                               duplicates));
  if (f.passages) {
    console.Line(absl::StrFormat("neardup dedup: %d repeated passages (%s split, %s >= %g, scope %s)", repeats.size(),
                                 f.passage_split, f.passage_measure, f.passage_threshold, f.passage_scope));
  }
  if (replaced_bytes) console.Line(absl::StrFormat("neardup dedup: %d ill-formed UTF-8 bytes replaced", replaced_bytes));
  console.Line(absl::StrFormat(
      "neardup dedup: time: read+sign %.3f s, candidates %.3f s, verify %.3f s, cluster %.3f s, write %.3f s; "
      "total %.3f s (%.1f MB/s, %u threads)",
      t_read, t_candidates, t_verify, t_cluster, t_write, total, stats.bytes / 1e6 / std::max(total, 1e-9), threads));
  return kExitOk;
}

}  // namespace

Command AddDedupCommand(CLI::App& root) {
  auto f = std::make_shared<DedupFlags>();
  CLI::App* app = root.add_subcommand(
      "dedup", "find clusters of near-duplicate documents and repeated passages (JSONL, .gz, .zst, '-' or directories of .txt)");
  app->add_option("INPUT", f->inputs, "input files or directories ('-' = stdin)")->required();
  app->add_option("-o,--output", f->output, "clusters JSONL to write")->required();
  app->add_option("--threshold", f->threshold, "Jaccard similarity at which documents are near-duplicates")
      ->capture_default_str();
  app->add_option("--algo", f->algo, "signature: minhash (Jaccard) or simhash (Hamming distance)")
      ->check(CLI::IsMember({"minhash", "simhash"}))
      ->capture_default_str();
  AddSignerFlags(app, &f->signer, "--minhash-algo");
  app->add_option("--bands", f->bands, "LSH bands (with --rows; default: chosen for the threshold)");
  app->add_option("--rows", f->rows, "LSH rows per band (with --bands)");
  app->add_option("--simhash-distance", f->simhash_distance, "--algo simhash: maximum Hamming distance (0-7)")
      ->check(CLI::Range(0, 7))
      ->capture_default_str();
  app->add_option("--verify", f->verify, "verify candidates by estimate (from signatures) or exact (shingle sets)")
      ->check(CLI::IsMember({"estimate", "exact"}))
      ->capture_default_str();
  app->add_option("--cluster-policy", f->policy,
                  "star: every member within the threshold of the kept copy (splits chains); connected: "
                  "connected components")
      ->check(CLI::IsMember({"star", "connected"}))
      ->capture_default_str();
  app->add_option("--keep", f->keep, "which copy is kept: first, longest or earliest-id")
      ->check(CLI::IsMember({"first", "longest", "earliest-id"}))
      ->capture_default_str();
  app->add_option("--write-deduped", f->write_deduped, "write the input records minus removed duplicates");
  app->add_option("--pairs", f->pairs, "write id_a<TAB>id_b<TAB>similarity for every verified pair");
  app->add_flag("--passages", f->passages, "also find repeated passages within and across documents");
  app->add_option("--passages-out", f->passages_out, "with --passages: write repeated passages as JSONL");
  app->add_option("--write-passage-deduped", f->write_passage_deduped,
                  "with --passages: write every document with its repeated passages removed");
  app->add_option("--passage-split", f->passage_split, "passages are: line, blank-line, sentence or quote")
      ->check(CLI::IsMember({"line", "paragraph", "blank-line", "sentence", "quote"}))
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
