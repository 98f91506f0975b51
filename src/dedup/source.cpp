// Document sources of the dedup pipeline, and reading their documents again.
#include "neardup/dedup/source.hpp"

#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neardup/dedup/dedup.hpp"
#include "neardup/internal/json_text.hpp"
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
  out += '}';
  return out;
}

absl::Status ReadDocumentsAgain(const DocumentSource& source, const SignedCorpus& corpus,
                                const std::function<bool(uint32_t doc)>& want,
                                const std::function<absl::Status(uint32_t doc, const Document& document)>& visit) {
  const auto n = static_cast<uint32_t>(corpus.size());
  Document doc;
  if (source.kind() == DocumentSource::Kind::kTexts) {
    for (uint32_t d = 0; d < n; ++d) {
      if (!want(d)) continue;
      const size_t i = corpus.sequence[d];
      doc.id = source.ids()[i];
      doc.text = source.texts()[i];
      doc.record = i + 1;
      if (absl::Status s = visit(d, doc); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  // Standard input cannot be read twice: its documents were held in memory by the
  // first read. Every other document is found again by its position among the
  // documents the files yield (`sequence`, which does not count stdin's).
  const auto held = [&](uint32_t d) { return corpus.held[d] != 0; };
  int64_t last_from_files = -1;  // the last wanted document that must be read from files
  for (uint32_t d = 0; d < n; ++d) {
    if (!held(d) && want(d)) last_from_files = d;
  }
  std::optional<DocumentReader> reader;
  if (last_from_files >= 0) {
    if (source.kind() == DocumentSource::Kind::kSignatures) {
      return absl::FailedPreconditionError("the texts of signature-file documents cannot be read again yet");
    }
    std::vector<std::string> paths;
    for (const std::string& p : source.paths()) {
      if (p != "-") paths.push_back(p);
    }
    InputOptions options = source.input();
    options.on_problem = nullptr;
    options.strict = false;  // the first read reported the problems
    options.keep_raw = true;
    reader.emplace(std::move(paths), std::move(options));
  }
  uint64_t position = 0;
  for (uint32_t d = 0; d < n; ++d) {
    if (held(d)) {
      if (!want(d)) continue;
      doc.id = corpus.ids[d];
      doc.text = corpus.held_texts[d];
      doc.raw = corpus.held_raw[d];
      if (absl::Status s = visit(d, doc); !s.ok()) return s;
      continue;
    }
    if (static_cast<int64_t>(d) > last_from_files) continue;
    for (;;) {
      absl::StatusOr<bool> more = reader->Next(&doc);
      if (!more.ok()) return more.status();
      if (!*more) {
        return absl::DataLossError(absl::StrCat("reading the inputs again: they ended before ", corpus.Where(d),
                                                " (changed since the first read?)"));
      }
      if (position++ == corpus.sequence[d]) break;
    }
    if (doc.id != corpus.ids[d]) {
      return absl::DataLossError(absl::StrCat("reading the inputs again: expected id ",
                                              internal::JsonString(corpus.ids[d]), " at ", corpus.Where(d),
                                              ", found ", internal::JsonString(doc.id),
                                              " (changed since the first read?)"));
    }
    if (want(d)) {
      if (absl::Status s = visit(d, doc); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace neardup
