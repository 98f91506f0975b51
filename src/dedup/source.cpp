// Document sources of the dedup pipeline, and reading their documents again.
#include "neardup/dedup/source.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/dedup/dedup.hpp"
#include "neardup/internal/json_text.hpp"
#include "neardup/internal/parallel.hpp"
#include "neardup/io/signature_file.hpp"

namespace neardup {

DocumentSource DocumentSource::Files(std::vector<std::string> paths, InputOptions input) {
  DocumentSource s;
  s.kind_ = Kind::kFiles;
  s.paths_ = std::move(paths);
  s.input_ = std::move(input);
  return s;
}

DocumentSource DocumentSource::Texts(std::vector<std::string> ids, std::vector<std::string> texts) {
  DocumentSource s;
  s.kind_ = Kind::kTexts;
  s.ids_ = std::move(ids);
  s.texts_ = std::move(texts);
  return s;
}

DocumentSource DocumentSource::Signatures(std::vector<std::string> paths, InputOptions input) {
  DocumentSource s;
  s.kind_ = Kind::kSignatures;
  s.paths_ = std::move(paths);
  s.input_ = std::move(input);
  return s;
}

bool IsNeardupFile(const std::string& path) {
  if (path == "-") return false;
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof(kNeardupFileMagic)];
  if (!in.read(magic, sizeof(magic))) return false;
  return std::memcmp(magic, kNeardupFileMagic, sizeof(magic)) == 0;
}

absl::StatusOr<DocumentSource> DocumentSource::FromPaths(std::vector<std::string> paths, InputOptions input) {
  const std::string* signature = nullptr;
  const std::string* text = nullptr;
  for (const std::string& p : paths) {
    const std::string** first = IsNeardupFile(p) ? &signature : &text;
    if (*first == nullptr) *first = &p;
  }
  if (signature != nullptr && text != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot mix signature files and text inputs in one run: ", *signature, " is a neardup signature file, ",
        *text, " is not (sign the texts with `neardup sign`, or give only texts)"));
  }
  if (signature != nullptr) return Signatures(std::move(paths), std::move(input));
  return Files(std::move(paths), std::move(input));
}

std::string DedupRecord(const Document& doc, std::string_view text_field) {
  if (!doc.raw.empty()) return doc.raw;
  return DedupRecord(doc, text_field, doc.text);
}

std::string DedupRecord(const Document& doc, std::string_view text_field, std::string_view replacement_text) {
  std::string out = "{\"id\":";
  internal::AppendJsonString(doc.id, &out);
  out += ',';
  internal::AppendJsonString(text_field, &out);
  out += ':';
  internal::AppendJsonString(replacement_text, &out);
  if (!doc.warc_record_id.empty()) {  // WARC input: which record the line came from
    out += ",\"warc_record_id\":";
    internal::AppendJsonString(doc.warc_record_id, &out);
    out += ",\"warc_date\":";
    internal::AppendJsonString(doc.warc_date, &out);
  }
  out += '}';
  return out;
}

absl::Status CheckInputUnchanged(const SignedCorpus& corpus, uint32_t input) {
  const std::string& path = corpus.inputs[input];
  const InputIdentity& then = corpus.identities[input];
  if (then.path.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is a format version 1 signature file: it does not say where its texts are"));
  }
  if (then.path == "-") return absl::FailedPreconditionError("standard input cannot be read again");
  absl::StatusOr<InputIdentity> now = IdentifyInput(path);
  if (!now.ok()) return now.status();
  if (now->size != then.size || now->mtime_ns != then.mtime_ns) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " has changed since it was read (size ", then.size, " -> ", now->size, ", modification time ",
        then.mtime_ns, " -> ", now->mtime_ns, " ns): its texts cannot be read again"));
  }
  return absl::OkStatus();
}

namespace {

// A record read again must be the document read first.
absl::Status CheckSameId(const SignedCorpus& corpus, uint32_t d, const Document& document) {
  if (document.id == corpus.ids[d]) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("reading ", corpus.Where(d), " again: expected id ",
                                                    internal::JsonString(corpus.ids[d]), ", found ",
                                                    internal::JsonString(document.id), " (has the input changed?)"));
}

// Every input `refs` name, checked once.
absl::Status CheckInputsUnchanged(const SignedCorpus& corpus, std::span<const RecordRef> refs) {
  std::vector<bool> checked(corpus.inputs.size(), false);
  for (const RecordRef& r : refs) {
    if (r.input >= checked.size() || checked[r.input]) continue;
    checked[r.input] = true;
    if (absl::Status s = CheckInputUnchanged(corpus, r.input); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadDocumentsAgain(const DocumentSource& source, const SignedCorpus& corpus,
                                const std::function<bool(uint32_t doc)>& want,
                                const std::function<absl::Status(uint32_t doc, const Document& document)>& visit) {
  const auto n = static_cast<uint32_t>(corpus.size());
  Document doc;
  if (source.kind() == DocumentSource::Kind::kTexts) {
    for (uint32_t d = 0; d < n; ++d) {
      if (!want(d)) continue;
      const size_t i = corpus.record[d] - 1;
      doc.id = source.ids()[i];
      doc.text = source.texts()[i];
      doc.record = i + 1;
      if (absl::Status s = visit(d, doc); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  // Standard input cannot be read twice: its documents were held in memory by the
  // first read. Every other document is read again where it is, by its ordinal and
  // byte offset, from inputs checked to be unchanged.
  const auto held = [&](uint32_t d) { return corpus.held[d] != 0; };
  std::vector<RecordRef> refs;
  std::vector<uint32_t> ref_doc;
  for (uint32_t d = 0; d < n; ++d) {
    if (held(d) || !want(d)) continue;
    refs.push_back({corpus.input[d], corpus.record[d], corpus.offset[d]});
    ref_doc.push_back(d);
  }
  uint32_t next_held = 0;  // held documents before the next one read are visited first
  const auto visit_held_before = [&](uint32_t stop) -> absl::Status {
    for (; next_held < stop; ++next_held) {
      if (!held(next_held) || !want(next_held)) continue;
      doc.id = corpus.ids[next_held];
      doc.text = corpus.held_texts[next_held];
      doc.raw = corpus.held_raw[next_held];
      if (absl::Status s = visit(next_held, doc); !s.ok()) return s;
    }
    return absl::OkStatus();
  };
  if (!refs.empty()) {
    if (absl::Status s = CheckInputsUnchanged(corpus, refs); !s.ok()) return s;
    InputOptions options = source.input();
    options.keep_raw = true;
    absl::Status s = ReadRecords(corpus.inputs, refs, options, [&](size_t i, Document& document) -> absl::Status {
      const uint32_t d = ref_doc[i];
      if (absl::Status h = visit_held_before(d); !h.ok()) return h;
      if (absl::Status c = CheckSameId(corpus, d, document); !c.ok()) return c;
      return visit(d, document);
    });
    if (!s.ok()) return s;
  }
  return visit_held_before(n);
}

absl::Status ReadTextsAgainInParallel(
    const DocumentSource& source, const SignedCorpus& corpus, std::span<const uint32_t> docs, unsigned threads,
    const std::function<absl::Status(unsigned worker, size_t i, const Document& document)>& visit) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const bool texts = source.kind() == DocumentSource::Kind::kTexts;
  const auto in_memory = [&](uint32_t d) { return texts || corpus.held[d] != 0; };
  // The inputs are checked before any thread starts.
  std::vector<RecordRef> refs;
  for (const uint32_t d : docs) {
    if (!in_memory(d)) refs.push_back({corpus.input[d], corpus.record[d], corpus.offset[d]});
  }
  if (absl::Status s = CheckInputsUnchanged(corpus, refs); !s.ok()) return s;
  // Which inputs are read record by record at their places (plain JSONL): theirs are
  // split among threads. Every other input is read in one pass from its start by each
  // reader (compressed, WARC) or listed by each (directories), so their documents form
  // one share, read first.
  std::vector<int8_t> in_place(corpus.inputs.size(), -1);
  for (const RecordRef& r : refs) {
    if (in_place[r.input] < 0) in_place[r.input] = CanReadRecordsInPlace(corpus.inputs[r.input]) ? 1 : 0;
  }
  // Shares of consecutive documents (so each reader moves forward through its input),
  // several per thread so that a thread slowed by others still finishes with the rest.
  const size_t share = std::max<size_t>(64, docs.size() / (8 * static_cast<size_t>(threads)) + 1);
  std::vector<std::vector<size_t>> shares(1);  // shares[0]: the inputs read in one pass
  for (size_t i = 0; i < docs.size(); ++i) {
    const uint32_t d = docs[i];
    if (!in_memory(d) && in_place[corpus.input[d]] == 0) {
      shares[0].push_back(i);
      continue;
    }
    if (shares.size() == 1 || shares.back().size() == share) shares.emplace_back();
    shares.back().push_back(i);
  }
  InputOptions options = source.input();
  options.keep_raw = false;
  std::vector<absl::Status> status(shares.size());
  std::atomic<bool> failed{false};
  (void)internal::ParallelForChunks(shares.size(), threads, 1, [&](unsigned worker, size_t k) {
    if (failed.load(std::memory_order_relaxed)) return;
    Document doc;
    std::vector<RecordRef> read;
    std::vector<size_t> slot;
    absl::Status s;
    for (const size_t i : shares[k]) {
      if (!s.ok()) break;
      const uint32_t d = docs[i];
      if (texts) {
        const size_t r = corpus.record[d] - 1;
        doc.id = source.ids()[r];
        doc.text = source.texts()[r];
        s = visit(worker, i, doc);
      } else if (corpus.held[d]) {
        doc.id = corpus.ids[d];
        doc.text = corpus.held_texts[d];
        s = visit(worker, i, doc);
      } else {
        read.push_back({corpus.input[d], corpus.record[d], corpus.offset[d]});
        slot.push_back(i);
      }
    }
    if (s.ok() && !read.empty()) {
      s = ReadRecords(corpus.inputs, read, options, [&](size_t r, Document& document) -> absl::Status {
        if (absl::Status c = CheckSameId(corpus, docs[slot[r]], document); !c.ok()) return c;
        return visit(worker, slot[r], document);
      });
    }
    if (!s.ok()) {
      status[k] = std::move(s);
      failed.store(true, std::memory_order_relaxed);
    }
  });
  for (absl::Status& s : status) {
    if (!s.ok()) return std::move(s);
  }
  return absl::OkStatus();
}

}  // namespace neardup
