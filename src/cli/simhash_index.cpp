// `neardup index create|add|remove|query|stats|merge|check` for SimHash crawler indexes
// (store/simhash_crawler_index.hpp). index.cpp parses the flags and dispatches here when
// the file is a SimHash one (or `create --algo simhash`).
//
//   neardup index create pages.ndsci --algo simhash [--simhash-distance 3]
//   neardup index query pages.ndsci new.jsonl  # {"id":"new","duplicates":[{"id":"a","distance":1}]}
#include "simhash_index.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "console.hpp"
#include "neardup/io/format.hpp"
#include "neardup/io/input.hpp"
#include "neardup/store/simhash_crawler_index.hpp"

namespace neardup::cli {
namespace {

int Error(Console& console, std::string_view command, const absl::Status& s) {
  console.EndProgress();
  console.Line(absl::StrCat("neardup index ", std::string(command), ": error: ", s.message()));
  return kExitError;
}

absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> OpenExisting(const SimHashIndexCommand& c) {
  absl::StatusOr<SimHashCrawlerIndexInfo> info = ReadSimHashCrawlerIndexInfo(c.path);
  if (!info.ok()) return info.status();
  SimHashCrawlerIndexOptions o = info->options;
  o.max_documents = c.max_documents;
  return SimHashCrawlerIndex::Open(c.path, o);
}

DocumentReader MakeReader(const SimHashIndexCommand& c, Console& console) {
  InputOptions o = c.input.ToOptions();
  o.on_problem = [&console](const InputProblem& p) { console.Line(p.ToString()); };
  return DocumentReader(c.args, o);
}

std::string Description(const SimHashCrawlerIndexOptions& o) {
  return absl::StrFormat("SimHash-64 over %s %u-grams, Hamming distance <= %d", ShingleKindName(o.signer.shingle.kind),
                         o.signer.shingle.n, o.max_distance);
}

}  // namespace

bool IsSimHashCrawlerIndex(const std::string& path) {
  absl::StatusOr<FileKind> kind = IdentifyFile(path);
  return kind.ok() && kind->type == ObjectType::kSimHashCrawlerSnapshot;
}

int RunSimHashCreate(const SimHashIndexCommand& c) {
  Console console;
  SimHashCrawlerIndexOptions o;
  o.signer = c.signer.ToOptions();
  o.max_distance = c.max_distance;
  if (IdentifyFile(c.path).ok()) {
    return Error(console, "create", absl::AlreadyExistsError(absl::StrCat(c.path, " already exists")));
  }
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = SimHashCrawlerIndex::Open(c.path, o);
  if (!index.ok()) return Error(console, "create", index.status());
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return Error(console, "create", s);
  console.Line(absl::StrFormat("neardup index create: %s: %s", c.path, Description((*index)->options())));
  return kExitOk;
}

int RunSimHashAdd(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return Error(console, "add", index.status());
  DocumentReader reader = MakeReader(c, console);
  Document doc;
  uint64_t added = 0, rejected = 0, replaced = 0;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&doc);
    if (!more.ok()) return Error(console, "add", more.status());
    if (!*more) break;
    absl::Status s = (*index)->Insert(doc.id, doc.text);
    if (s.code() == absl::StatusCode::kAlreadyExists && !doc.warc_record_id.empty()) {
      // A page crawled again replaces its entry: the index holds the latest capture.
      s = (*index)->Remove(doc.id);
      if (s.ok()) s = (*index)->Insert(doc.id, doc.text);
      if (s.ok()) ++replaced;
    }
    if (!s.ok()) {
      const std::string where = doc.line ? absl::StrCat(doc.file, ":", doc.line) : doc.file;
      if (c.input.strict || s.code() == absl::StatusCode::kResourceExhausted) {
        return Error(console, "add",
                     absl::Status(s.code(), absl::StrCat(where, ": ", s.message(), " (", added, " added before it)")));
      }
      console.Line(absl::StrCat(where, ": ", s.message(), "; record skipped"));
      ++rejected;
      continue;
    }
    ++added;
    console.Progress(absl::StrFormat("neardup index add: %d documents", added));
  }
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return Error(console, "add", s);
  console.Line(absl::StrFormat(
      "neardup index add: %d added, %d skipped (%d unreadable records); %d replaced an indexed capture of their URI; "
      "%d documents indexed",
      added, rejected + reader.stats().problems, reader.stats().problems, replaced, (*index)->size()));
  return reader.stats().failed_inputs != 0 ? kExitInputFailed : kExitOk;
}

int RunSimHashRemove(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return Error(console, "remove", index.status());
  uint64_t removed = 0, missing = 0;
  for (const std::string& id : c.args) {
    if (absl::Status s = (*index)->Remove(id); !s.ok()) {
      console.Line(absl::StrCat("neardup index remove: ", s.message()));
      ++missing;
    } else {
      ++removed;
    }
  }
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return Error(console, "remove", s);
  console.Line(absl::StrFormat("neardup index remove: %d removed, %d not found; %d documents indexed", removed,
                               missing, (*index)->size()));
  return missing == 0 ? kExitOk : kExitError;
}

int RunSimHashQuery(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return Error(console, "query", index.status());
  DocumentReader reader = MakeReader(c, console);
  Document doc;
  uint64_t queried = 0, with_duplicates = 0;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&doc);
    if (!more.ok()) return Error(console, "query", more.status());
    if (!*more) break;
    absl::StatusOr<std::vector<SimHashCrawlerMatch>> matches = (*index)->Query(doc.text);
    if (!matches.ok()) return Error(console, "query", matches.status());
    std::string line = absl::StrCat("{\"id\":", JsonString(doc.id), ",\"duplicates\":[");
    for (size_t i = 0; i < matches->size(); ++i) {
      absl::StrAppend(&line, i ? "," : "", "{\"id\":", JsonString((*matches)[i].id),
                      ",\"distance\":", (*matches)[i].distance, "}");
    }
    line += "]}\n";
    std::fputs(line.c_str(), stdout);
    ++queried;
    with_duplicates += !matches->empty();
  }
  console.Line(absl::StrFormat("neardup index query: %d documents, %d with near-duplicates in the index", queried,
                               with_duplicates));
  return reader.stats().failed_inputs != 0 ? kExitInputFailed : kExitOk;
}

int RunSimHashStats(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return Error(console, "stats", index.status());
  const SimHashCrawlerIndexStats s = (*index)->Stats();
  const SimHashCrawlerIndexOptions& o = (*index)->options();
  std::printf("documents        %llu\n", static_cast<unsigned long long>(s.documents));
  std::printf("simhash          64 bits seed=%llu, Hamming distance <= %d\n",
              static_cast<unsigned long long>(o.signer.simhash_seed), o.max_distance);
  std::printf("shingles         %s %u-grams\n", ShingleKindName(o.signer.shingle.kind), o.signer.shingle.n);
  std::printf("tables           %d permuted tables over %d blocks\n", s.tables, s.num_blocks);
  std::printf("ids              %llu bytes\n", static_cast<unsigned long long>(s.id_bytes));
  std::printf("log              %llu records, %llu bytes\n", static_cast<unsigned long long>(s.log_records),
              static_cast<unsigned long long>(s.log_bytes));
  return kExitOk;
}

int RunSimHashMerge(const SimHashIndexCommand& c) {
  Console console;
  if (c.args.size() != 1) {
    return Error(console, "merge", absl::InvalidArgumentError("merge takes exactly one other index"));
  }
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return Error(console, "merge", index.status());
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> other = SimHashCrawlerIndex::Open(c.args[0], (*index)->options());
  if (!other.ok()) return Error(console, "merge", other.status());
  absl::StatusOr<CrawlerMergeResult> r = (*index)->Merge(**other);
  if (!r.ok()) return Error(console, "merge", r.status());
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return Error(console, "merge", s);
  console.Line(absl::StrFormat("neardup index merge: %d inserted, %d already present; %d documents indexed",
                               r->inserted, r->already_present, (*index)->size()));
  return kExitOk;
}

int RunSimHashCheck(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<SimHashCrawlerIndexInfo> info = ReadSimHashCrawlerIndexInfo(c.path);
  if (!info.ok()) return Error(console, "check", info.status());
  // Opening reads every section and verifies its checksum, then replays the log.
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return Error(console, "check", index.status());
  const CrawlerRecovery& r = (*index)->recovery();
  std::printf("%s: ok: SimHash crawler index snapshot, format version %u, %llu bytes, %llu documents in the "
              "snapshot, %s\n",
              c.path.c_str(), info->format_version, static_cast<unsigned long long>(info->file_bytes),
              static_cast<unsigned long long>(r.snapshot_documents), Description(info->options).c_str());
  std::printf("log: %llu records replayed, %llu bytes of torn tail dropped%s%s\n",
              static_cast<unsigned long long>(r.log_records_replayed),
              static_cast<unsigned long long>(r.log_bytes_dropped), r.log_tail_problem.empty() ? "" : ": ",
              r.log_tail_problem.c_str());
  return kExitOk;
}

}  // namespace neardup::cli
