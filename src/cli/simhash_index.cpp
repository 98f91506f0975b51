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
#include "index_shared.hpp"
#include "neardup/io/format.hpp"
#include "neardup/io/input.hpp"
#include "neardup/store/simhash_crawler_index.hpp"

namespace neardup::cli {
namespace {

absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> OpenExisting(const SimHashIndexCommand& c) {
  absl::StatusOr<SimHashCrawlerIndexInfo> info = ReadSimHashCrawlerIndexInfo(c.path);
  if (!info.ok()) return info.status();
  SimHashCrawlerIndexOptions o = info->options;
  o.max_documents = c.max_documents;
  // Every command that changes the index ends with a checkpoint (exit 0: all of it is
  // durable); meanwhile each change is written before the next (a kill -9 keeps a
  // prefix of the input) and synced by the log's sync thread, not one fdatasync each.
  o.sync = SyncPolicy::kEveryN;
  o.sync_every = 8192;
  return SimHashCrawlerIndex::Open(c.path, o);
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
    return IndexError(console, "create", absl::AlreadyExistsError(absl::StrCat(c.path, " already exists")));
  }
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = SimHashCrawlerIndex::Open(c.path, o);
  if (!index.ok()) return IndexError(console, "create", index.status());
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return IndexError(console, "create", s);
  console.Line(absl::StrFormat("neardup index create: %s: %s", c.path, Description((*index)->options())));
  return kExitOk;
}

int RunSimHashAdd(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return IndexError(console, "add", index.status());
  DocumentReader reader = IndexInputReader(c.args, c.input, console);
  Document doc;
  uint64_t added = 0, rejected = 0, replaced = 0;
  for (;;) {
    absl::StatusOr<bool> more = reader.Next(&doc);
    if (!more.ok()) return IndexError(console, "add", more.status());
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
        return IndexError(console, "add",
                     absl::Status(s.code(), absl::StrCat(where, ": ", s.message(), " (", added, " added before it)")));
      }
      console.Line(absl::StrCat(where, ": ", s.message(), "; record skipped"));
      ++rejected;
      continue;
    }
    ++added;
    console.Progress(absl::StrFormat("neardup index add: %d documents", added));
  }
  if (absl::Status s = (*index)->Checkpoint(); !s.ok()) return IndexError(console, "add", s);
  console.Line(absl::StrFormat(
      "neardup index add: %d added, %d skipped (%d unreadable records); %d replaced an indexed capture of their URI; "
      "%d documents indexed",
      added, rejected + reader.stats().problems, reader.stats().problems, replaced, (*index)->size()));
  return reader.stats().failed_inputs != 0 ? kExitInputFailed : kExitOk;
}

int RunSimHashRemove(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return IndexError(console, "remove", index.status());
  return RemoveIds(**index, c.args, console);
}

int RunSimHashQuery(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return IndexError(console, "query", index.status());
  DocumentReader reader = IndexInputReader(c.args, c.input, console);
  return PrintQueryLines(reader, console, [&](const Document& doc, std::string* line) -> absl::StatusOr<size_t> {
    absl::StatusOr<std::vector<SimHashCrawlerMatch>> matches = (*index)->Query(doc.text);
    if (!matches.ok()) return matches.status();
    for (size_t i = 0; i < matches->size(); ++i) {
      absl::StrAppend(line, i ? "," : "", "{\"id\":", JsonString((*matches)[i].id),
                      ",\"distance\":", (*matches)[i].distance, "}");
    }
    return matches->size();
  });
}

int RunSimHashStats(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return IndexError(console, "stats", index.status());
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
  return MergeOther<SimHashCrawlerIndex>(c.args, [&] { return OpenExisting(c); }, console);
}

int RunSimHashCheck(const SimHashIndexCommand& c) {
  Console console;
  absl::StatusOr<SimHashCrawlerIndexInfo> info = ReadSimHashCrawlerIndexInfo(c.path);
  if (!info.ok()) return IndexError(console, "check", info.status());
  // Opening reads every section and verifies its checksum, then replays the log.
  absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> index = OpenExisting(c);
  if (!index.ok()) return IndexError(console, "check", index.status());
  const CrawlerRecovery& r = (*index)->recovery();
  std::printf("%s: ok: SimHash crawler index snapshot, format version %u, %llu bytes, %llu documents in the "
              "snapshot, %s\n",
              c.path.c_str(), info->format_version, static_cast<unsigned long long>(info->file_bytes),
              static_cast<unsigned long long>(r.snapshot_documents), Description(info->options).c_str());
  PrintRecovery(r);
  return kExitOk;
}

}  // namespace neardup::cli
