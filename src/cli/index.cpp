// `neardup index create|add|remove|query|stats|merge|check PATH ...`: a durable
// near-duplicate index for crawlers (store/crawler_index.hpp) from the command line.
//
//   neardup index create pages.ndidx [--threshold 0.8] [--num-perm 128] [--ngram 5]
//   neardup index add pages.ndidx crawl-day1.jsonl.zst     # insert every document
//   neardup index query pages.ndidx new-pages.jsonl        # one JSON line per document
//   neardup index remove pages.ndidx ID...
//   neardup index stats pages.ndidx
//   neardup index merge pages.ndidx shard2.ndidx
//   neardup index check pages.ndidx                        # header, sections, checksums
//   neardup index create pages.ndsci --algo simhash [--simhash-distance 3]
// Every command but create reads the index's parameters, and whether it is a MinHash
// or a SimHash index (simhash_index.cpp), from its file, so they are given once. Changes are logged as they are made and end with a checkpoint.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.hpp"
#include "neardup/dedup/options.hpp"
#include "console.hpp"
#include "index_shared.hpp"
#include "neardup/store/crawler_index.hpp"
#include "neardup/io/format.hpp"
#include "neardup/io/index_file.hpp"
#include "neardup/io/simhash_index_file.hpp"
#include "neardup/index/lsh_params.hpp"
#include "neardup/io/input.hpp"
#include "simhash_index.hpp"

namespace neardup::cli {
namespace {

struct IndexFlags {
  std::string path;
  std::vector<std::string> args;  // inputs, ids or the other index
  SignerFlags signer;
  double threshold = 0.8;
  uint32_t bands = 0;
  uint32_t rows = 0;
  uint32_t stored_bits = 8;
  InputFlags input;
  uint64_t max_documents = 0;
  std::string algo = "minhash";  // create: minhash or simhash (oph / classic: MinHash with that algorithm)
  int simhash_distance = 3;      // create --algo simhash
  std::vector<std::string> given;  // the flags on the command line, e.g. "--num-perm"
};

bool Given(const IndexFlags& f, std::string_view flag) {
  return std::find(f.given.begin(), f.given.end(), flag) != f.given.end();
}

int UsageError(std::string_view command, std::string_view message) {
  Console console;
  console.Line(absl::StrCat("neardup index ", std::string(command), ": usage error: ", std::string(message)));
  return kExitUsage;
}

// The flags of `create` that only one kind of index uses: given for the other kind they
// would be silently ignored, so they are refused.
constexpr std::string_view kMinHashOnlyFlags[] = {"--minhash-algo", "--num-perm", "--seed",       "--bands",
                                                  "--rows",         "--stored-bits", "--threshold"};

int RefusedCreateFlags(const IndexFlags& f) {
  if (f.algo == "simhash") {
    for (const std::string_view flag : kMinHashOnlyFlags) {
      if (Given(f, flag)) {
        return UsageError("create", absl::StrCat(std::string(flag),
                                                 " is a MinHash option; an index made with --algo simhash does not "
                                                 "use it (its near-duplicates are within --simhash-distance)"));
      }
    }
    return kExitOk;
  }
  if (Given(f, "--simhash-distance")) {
    return UsageError("create", absl::StrCat("--simhash-distance is a SimHash option; an index made with --algo ", f.algo,
                                             " does not use it (its near-duplicates are at --threshold)"));
  }
  if (f.algo != "minhash" && Given(f, "--minhash-algo")) {
    return UsageError("create", absl::StrCat("--minhash-algo goes with --algo minhash; --algo ", f.algo,
                                             " already names the MinHash algorithm"));
  }
  return kExitOk;
}

SimHashIndexCommand SimHashCommand(const IndexFlags& f) {
  return {.path = f.path,
          .args = f.args,
          .signer = f.signer,
          .max_distance = f.simhash_distance,
          .input = f.input,
          .max_documents = f.max_documents};
}

// The options of the index at `path`, from its file.
absl::StatusOr<CrawlerIndexOptions> OptionsOf(const std::string& path, double threshold) {
  absl::StatusOr<IndexFileInfo> info = ReadIndexFileInfo(path);
  if (!info.ok()) return info.status();
  CrawlerIndexOptions o;
  o.signer = info->signer;
  o.signer.compute_simhash = false;
  o.banding = info->lsh.banding;
  o.stored_bits = info->lsh.stored_bits;
  o.threshold = threshold;
  return o;
}

absl::StatusOr<std::unique_ptr<CrawlerIndex>> OpenExisting(const IndexFlags& f) {
  absl::StatusOr<CrawlerIndexOptions> o = OptionsOf(f.path, f.threshold);
  if (!o.ok()) return o.status();
  o->max_documents = f.max_documents;
  return CrawlerIndex::Open(f.path, *o);
}

// A command on a SimHash index: refuses --threshold, which only MinHash queries use.
int RunOnSimHash(const IndexFlags& f, std::string_view command, int (*run)(const SimHashIndexCommand&)) {
  if (Given(f, "--threshold")) {
    return UsageError(command, absl::StrCat("--threshold is a MinHash option; ", f.path,
                                            " is a SimHash index, whose Hamming distance was set when it was created"));
  }
  return run(SimHashCommand(f));
}

int RunCreate(const IndexFlags& f) {
  if (const int refused = RefusedCreateFlags(f); refused != kExitOk) return refused;
  if (f.algo == "simhash") return RunSimHashCreate(SimHashCommand(f));
  if (f.algo != "minhash") {  // `--algo oph|classic`, as before there was a SimHash index
    IndexFlags minhash = f;
    minhash.signer.algo = f.algo;
    minhash.algo = "minhash";
    return RunCreate(minhash);
  }
  Console console;
  CrawlerIndexOptions o;
  o.signer = f.signer.ToOptions();
  o.signer.compute_simhash = false;
  o.threshold = f.threshold;
  o.stored_bits = f.stored_bits;
  if (f.bands != 0 || f.rows != 0) {
    o.banding = {f.bands, f.rows};
  } else {
    absl::StatusOr<LshParams> banding = RecallWeightedBanding(f.threshold, o.signer.minhash.num_perm);
    if (!banding.ok()) return IndexError(console, "create", banding.status());
    o.banding = *banding;
  }
  if (IdentifyFile(f.path).ok()) {  // an index of either kind
    return IndexError(console, "create", absl::AlreadyExistsError(absl::StrCat(f.path, " already exists")));
  }
  absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = CrawlerIndex::Open(f.path, o);
  if (!index.ok()) return IndexError(console, "create", index.status());
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return IndexError(console, "create", s);
  console.Line(absl::StrFormat("neardup index create: %s: MinHash %s k=%d over %s, LSH %d x %d, %d-bit stored signatures",
                               f.path, f.signer.algo, o.signer.minhash.num_perm, f.signer.ShingleDescription(),
                               o.banding.bands, o.banding.rows, o.stored_bits));
  return kExitOk;
}

// Documents go in by batches (one log write and sync each, CrawlerIndex::InsertBatch)
// of up to kAddBatchDocuments or kAddBatchBytes of text, whichever is reached first: a
// kill -9 leaves a prefix of the input in the index, exit 0 means all of it is durable.
constexpr size_t kAddBatchDocuments = 16384;
constexpr size_t kAddBatchBytes = 64u << 20;

int RunAdd(const IndexFlags& f) {
  if (IsSimHashCrawlerIndex(f.path)) return RunOnSimHash(f, "add", &RunSimHashAdd);
  Console console;
  absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = OpenExisting(f);
  if (!index.ok()) return IndexError(console, "add", index.status());
  DocumentReader reader = IndexInputReader(f.args, f.input, console);
  std::vector<Document> batch;
  std::vector<CrawlerDocument> views;
  uint64_t added = 0, rejected = 0, replaced = 0;
  bool done = false;
  while (!done) {
    batch.clear();
    size_t bytes = 0;
    while (batch.size() < kAddBatchDocuments && bytes < kAddBatchBytes) {
      Document doc;
      absl::StatusOr<bool> more = reader.Next(&doc);
      if (!more.ok()) return IndexError(console, "add", more.status());
      if (!*more) {
        done = true;
        break;
      }
      bytes += doc.text.size();
      batch.push_back(std::move(doc));
    }
    views.clear();
    for (const Document& d : batch) views.push_back({d.id, d.text});
    // With --strict nothing after the first failure goes in. At the document limit every
    // later insert of the batch fails too, so the count before it is exact either way.
    absl::StatusOr<std::vector<absl::Status>> results = (*index)->InsertBatch(views, f.input.strict);
    if (!results.ok()) return IndexError(console, "add", results.status());
    for (size_t i = 0; i < batch.size(); ++i) {
      absl::Status s = (*results)[i];
      const Document& doc = batch[i];
      if (s.code() == absl::StatusCode::kAlreadyExists && !doc.warc_record_id.empty()) {
        // A page crawled again replaces its entry: the index holds the latest capture.
        s = (*index)->Remove(doc.id);
        if (s.ok()) s = (*index)->Insert(doc.id, doc.text);
        replaced += s.ok();
      }
      if (s.ok()) {
        ++added;
        continue;
      }
      const std::string where = doc.line ? absl::StrCat(doc.file, ":", doc.line) : doc.file;
      if (f.input.strict || s.code() == absl::StatusCode::kResourceExhausted) {
        // What was added is in the log, replayed at the next open.
        return IndexError(console, "add",
                     absl::Status(s.code(), absl::StrCat(where, ": ", s.message(), " (", added, " added before it)")));
      }
      console.Line(absl::StrCat(where, ": ", s.message(), "; record skipped"));
      ++rejected;
    }
    console.Progress(absl::StrFormat("neardup index add: %d documents", added));
  }
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return IndexError(console, "add", s);
  console.Line(absl::StrFormat("neardup index add: %d added, %d skipped (%d unreadable records); %d replaced an indexed capture of their URI; %d documents indexed",
                               added, rejected + reader.stats().problems, reader.stats().problems, replaced, (*index)->size()));
  return reader.stats().failed_inputs != 0 ? kExitInputFailed : kExitOk;
}

int RunRemove(const IndexFlags& f) {
  if (IsSimHashCrawlerIndex(f.path)) return RunOnSimHash(f, "remove", &RunSimHashRemove);
  Console console;
  absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = OpenExisting(f);
  if (!index.ok()) return IndexError(console, "remove", index.status());
  return RemoveIds(**index, f.args, console);
}

int RunQuery(const IndexFlags& f) {
  if (IsSimHashCrawlerIndex(f.path)) return RunOnSimHash(f, "query", &RunSimHashQuery);
  Console console;
  absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = OpenExisting(f);
  if (!index.ok()) return IndexError(console, "query", index.status());
  DocumentReader reader = IndexInputReader(f.args, f.input, console);
  return PrintQueryLines(reader, console, [&](const Document& doc, std::string* line) -> absl::StatusOr<size_t> {
    absl::StatusOr<std::vector<CrawlerMatch>> matches = (*index)->Query(doc.text);
    if (!matches.ok()) return matches.status();
    for (size_t i = 0; i < matches->size(); ++i) {
      absl::StrAppend(line, i ? "," : "", "{\"id\":", JsonString((*matches)[i].id),
                      ",\"similarity\":", JsonNumber((*matches)[i].similarity), "}");
    }
    return matches->size();
  });
}

int RunStats(const IndexFlags& f) {
  if (IsSimHashCrawlerIndex(f.path)) return RunOnSimHash(f, "stats", &RunSimHashStats);
  Console console;
  absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = OpenExisting(f);
  if (!index.ok()) return IndexError(console, "stats", index.status());
  const CrawlerIndexStats s = (*index)->Stats();
  const CrawlerIndexOptions& o = (*index)->options();
  std::printf("documents        %llu\n", static_cast<unsigned long long>(s.documents));
  std::printf("minhash          %s k=%u seed=%llu\n", MinHashAlgorithmName(o.signer.minhash.algorithm),
              o.signer.minhash.num_perm, static_cast<unsigned long long>(o.signer.minhash.seed));
  std::printf("shingles         %s %u-grams\n", ShingleKindName(o.signer.shingle.kind), o.signer.shingle.n);
  std::printf("lsh              %u bands x %u rows, %u-bit stored signatures\n", o.banding.bands, o.banding.rows,
              o.stored_bits);
  std::printf("memory           %llu bytes (%.1f per document per band in the tables)\n",
              static_cast<unsigned long long>(s.MemoryBytes()), s.lsh.BytesPerDocumentBand());
  std::printf("log              %llu records, %llu bytes\n", static_cast<unsigned long long>(s.log_records),
              static_cast<unsigned long long>(s.log_bytes));
  return kExitOk;
}

int RunMerge(const IndexFlags& f) {
  if (IsSimHashCrawlerIndex(f.path)) return RunOnSimHash(f, "merge", &RunSimHashMerge);
  Console console;
  return MergeOther<CrawlerIndex>(f.args, [&] { return OpenExisting(f); }, console);
}

int RunCheck(const IndexFlags& f) {
  Console console;
  absl::StatusOr<FileKind> kind = IdentifyFile(f.path);
  if (!kind.ok()) return IndexError(console, "check", kind.status());
  if (kind->type == ObjectType::kSimHashCrawlerSnapshot) return RunSimHashCheck(SimHashCommand(f));
  if (kind->type == ObjectType::kSimHashIndex) {
    absl::StatusOr<SimHashIndexFileInfo> sim = ReadSimHashIndexFileInfo(f.path);
    if (!sim.ok()) return IndexError(console, "check", sim.status());
    absl::StatusOr<SimHashIndex> loaded = LoadSimHashIndex(f.path, sim->signer, sim->index);
    if (!loaded.ok()) return IndexError(console, "check", loaded.status());
    std::printf("%s: ok: %s, %llu entries, %llu bytes\n", f.path.c_str(), kind->Name().c_str(),
                static_cast<unsigned long long>(sim->entries), static_cast<unsigned long long>(sim->file_bytes));
    return kExitOk;
  }
  if (kind->type != ObjectType::kCrawlerSnapshot) {
    // A log is checked with its snapshot: replaying it is the check.
    const std::string hint =
        kind->type == ObjectType::kCrawlerLog || kind->type == ObjectType::kSimHashCrawlerLog ? "; check the index it belongs to (the path without .log)" : "";
    return IndexError(console, "check",
                 absl::FailedPreconditionError(absl::StrCat(f.path, " is a ", kind->Name(),
                                                            ", not a crawler index snapshot", hint)));
  }
  absl::StatusOr<IndexFileInfo> info = ReadIndexFileInfo(f.path);
  if (!info.ok()) return IndexError(console, "check", info.status());
  // Opening reads every section and verifies its checksum, then replays the log.
  absl::StatusOr<std::unique_ptr<CrawlerIndex>> index = OpenExisting(f);
  if (!index.ok()) return IndexError(console, "check", index.status());
  const CrawlerRecovery& r = (*index)->recovery();
  std::printf("%s: ok: format version %u, %u sections, %llu bytes, %llu documents in the snapshot\n", f.path.c_str(),
              info->format_version, info->sections, static_cast<unsigned long long>(info->file_bytes),
              static_cast<unsigned long long>(r.snapshot_documents));
  PrintRecovery(r);
  return kExitOk;
}

}  // namespace

Command AddIndexCommand(CLI::App& root) {
  auto f = std::make_shared<IndexFlags>();
  CLI::App* app = root.add_subcommand("index", "a durable near-duplicate index for crawlers");
  app->require_subcommand(1);
  struct Sub {
    const char* name;
    const char* help;
    int (*run)(const IndexFlags&);
    const char* args_help;
  };
  static constexpr Sub kSubs[] = {
      {"create", "create an empty index", &RunCreate, nullptr},
      {"add", "insert every document of the inputs", &RunAdd, "inputs (JSONL, .gz, .zst, '-', directories)"},
      {"remove", "remove documents by id", &RunRemove, "ids"},
      {"query", "print each input document's near-duplicates in the index (JSONL)", &RunQuery,
       "inputs (JSONL, .gz, .zst, '-', directories)"},
      {"stats", "print the index's parameters and size", &RunStats, nullptr},
      {"merge", "merge another index with the same parameters into this one", &RunMerge, "the other index"},
      {"check", "verify the file's header, sections and checksums and replay its log", &RunCheck, nullptr},
  };
  std::vector<std::pair<CLI::App*, int (*)(const IndexFlags&)>> subs;
  for (const Sub& s : kSubs) {
    CLI::App* sub = app->add_subcommand(s.name, s.help);
    sub->add_option("PATH", f->path, "index file")->required();
    if (s.args_help != nullptr) sub->add_option("ARGS", f->args, s.args_help)->required();
    sub->add_option("--threshold", f->threshold, "near-duplicate: estimated Jaccard at least this")
        ->capture_default_str();
    if (s.run == &RunCreate) {
      sub->add_option("--algo", f->algo,
                      "minhash (Jaccard) or simhash (Hamming distance); oph / classic: minhash with that algorithm")
          ->check(CLI::IsMember({"minhash", "simhash", "oph", "classic"}))
          ->capture_default_str();
      AddSignerFlags(sub, &f->signer, "--minhash-algo");
      sub->add_option("--simhash-distance", f->simhash_distance, "--algo simhash: maximum Hamming distance (0-7)")
          ->check(CLI::Range(0, kMaxSimHashDistance))
          ->capture_default_str();
      sub->add_option("--bands", f->bands, "LSH bands (with --rows; default: chosen for the threshold)");
      sub->add_option("--rows", f->rows, "LSH rows per band (with --bands)");
      sub->add_option("--stored-bits", f->stored_bits, "bits kept per MinHash value for similarity (1-32)")
          ->capture_default_str();
    }
    if (s.run == &RunAdd || s.run == &RunMerge) {
      sub->add_option("--max-documents", f->max_documents,
                      "stop when the index would hold more documents than this (0 = no limit)");
    }
    if (s.run == &RunAdd || s.run == &RunQuery) {
      AddInputFlags(sub, &f->input, /*with_limits=*/false);
    }
    subs.push_back({sub, s.run});
  }
  return {app, [f, subs] {
            for (const auto& [sub, run] : subs) {
              if (!sub->parsed()) continue;
              for (const CLI::Option* o : sub->get_options()) {
                if (o->count() > 0 && !o->get_lnames().empty()) f->given.push_back("--" + o->get_lnames()[0]);
              }
              return run(*f);
            }
            return kExitUsage;
          }};
}

}  // namespace neardup::cli
