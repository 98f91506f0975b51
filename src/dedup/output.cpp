// The dedup pipeline's outputs: clusters, pairs, passages, deduplicated records, and
// the run's summary; written atomically.

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "neardup/dedup/dedup.hpp"
#include "neardup/internal/json_text.hpp"
#include "neardup/io/format.hpp"

namespace neardup {

using internal::AppendJsonString;
using internal::JsonNumber;

std::string ClusterJson(const DedupResult& result, const Cluster& cluster, size_t number) {
  const IdColumn& ids = result.corpus.ids;
  std::string line = absl::StrCat("{\"cluster\":", number, ",\"keep\":");
  AppendJsonString(ids[cluster.representative], &line);
  absl::StrAppend(&line, ",\"keep_rule\":\"", KeepRuleName(result.options.keep), "\",\"members\":[");
  for (size_t m = 0; m < cluster.members.size(); ++m) {
    absl::StrAppend(&line, m ? "," : "", "{\"id\":");
    AppendJsonString(ids[cluster.members[m].doc], &line);
    absl::StrAppend(&line, ",\"similarity\":", JsonNumber(cluster.members[m].similarity), "}");
  }
  line += "]}";
  return line;
}

std::string EscapeTsvField(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

absl::StatusOr<std::string> UnescapeTsvField(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    const char e = i + 1 < s.size() ? s[i + 1] : '\0';
    switch (e) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("bad escape at byte ", i, " of a TSV field"));
    }
    ++i;
  }
  return out;
}

std::string PairTsv(const DedupResult& result, const ScoredPair& pair) {
  return absl::StrCat(EscapeTsvField(result.corpus.ids[pair.a]), "\t", EscapeTsvField(result.corpus.ids[pair.b]),
                      "\t", JsonNumber(pair.similarity));
}

std::string PassageRepeatJson(const DedupResult& result, const PassageRepeat& r) {
  const IdColumn& ids = result.corpus.ids;
  return PassageRepeatJson(ids[r.passage.doc], r.passage.span, ids[r.dup_of.doc], r.dup_of.span, r.similarity);
}

std::string PassageRepeatJson(std::string_view id, Span span, std::string_view dup_of_id, Span dup_of_span,
                              float similarity) {
  std::string line = "{\"id\":";
  AppendJsonString(id, &line);
  absl::StrAppend(&line, ",\"start\":", span.start, ",\"end\":", span.end, ",\"dup_of\":{\"id\":");
  AppendJsonString(dup_of_id, &line);
  absl::StrAppend(&line, ",\"start\":", dup_of_span.start, ",\"end\":", dup_of_span.end,
                  "},\"similarity\":", JsonNumber(similarity), "}");
  return line;
}

namespace {

namespace fs = std::filesystem;

// One output: a temporary file beside the target until it is renamed into place.
struct PendingFile {
  std::unique_ptr<internal::AtomicFile> file;
  explicit operator bool() const { return file != nullptr; }
  absl::Status Write(const std::string& line) {
    if (absl::Status s = file->Write(line.data(), line.size()); !s.ok()) return s;
    return file->Write("\n", 1);
  }
};

// The same file for two names, when it exists; else the same normalized path.
bool SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  return fs::weakly_canonical(fs::absolute(a, ec), ec) == fs::weakly_canonical(fs::absolute(b, ec), ec);
}

bool Inside(const std::string& file, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  const fs::path d = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  const fs::path f = fs::weakly_canonical(fs::absolute(file, ec), ec);
  auto di = d.begin();
  auto fi = f.begin();
  for (; di != d.end() && !di->empty(); ++di, ++fi) {
    if (fi == f.end() || *fi != *di) return false;
  }
  return true;
}

}  // namespace

absl::Status RefuseOverwritingInputs(const std::vector<std::string>& inputs, const std::string& output,
                                     std::string_view what) {
  for (const std::string& input : inputs) {
    if (input != "-" && (SameFile(output, input) || Inside(output, input))) {
      return absl::InvalidArgumentError(absl::StrCat("the ", std::string(what), " ", output,
                                                     " would overwrite the input ", input, "; nothing was read"));
    }
  }
  return absl::OkStatus();
}

struct DedupOutputFiles::Impl {
  PendingFile clusters, pairs, passages, deduped, passage_deduped;
  std::vector<PendingFile*> All() { return {&clusters, &pairs, &passages, &deduped, &passage_deduped}; }
};

DedupOutputFiles::DedupOutputFiles(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DedupOutputFiles::DedupOutputFiles(DedupOutputFiles&&) noexcept = default;
DedupOutputFiles& DedupOutputFiles::operator=(DedupOutputFiles&&) noexcept = default;
DedupOutputFiles::~DedupOutputFiles() = default;

absl::StatusOr<DedupOutputFiles> DedupOutputFiles::Open(const DedupOutputs& outputs, const DocumentSource& source) {
  auto impl = std::make_unique<Impl>();
  const std::pair<const std::string*, const char*> named[] = {{&outputs.clusters, "clusters output"},
                                                              {&outputs.pairs, "pairs output"},
                                                              {&outputs.passages, "passages output"},
                                                              {&outputs.deduped, "deduplicated output"},
                                                              {&outputs.passage_deduped, "passage-deduplicated output"}};
  for (size_t i = 0; i < std::size(named); ++i) {
    const std::string& path = *named[i].first;
    if (path.empty()) continue;
    if (absl::Status s = RefuseOverwritingInputs(source.paths(), path, named[i].second); !s.ok()) return s;
    for (size_t j = 0; j < i; ++j) {
      if (!named[j].first->empty() && SameFile(path, *named[j].first)) {
        return absl::InvalidArgumentError(absl::StrCat("the ", named[i].second, " and the ", named[j].second,
                                                       " are the same file ", path, "; nothing was read"));
      }
    }
  }
  std::vector<PendingFile*> files = impl->All();
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& path = *named[i].first;
    if (path.empty()) continue;
    absl::StatusOr<std::unique_ptr<internal::AtomicFile>> file = internal::AtomicFile::Create(path, ".neardup-tmp");
    if (!file.ok()) {
      return absl::Status(file.status().code(), absl::StrCat("cannot write the ", named[i].second, " ", path, ": ",
                                                            file.status().message()));
    }
    files[i]->file = *std::move(file);
  }
  return DedupOutputFiles(std::move(impl));
}

absl::Status DedupOutputFiles::Commit(const DedupResult& result, const DocumentSource& source) {
  Impl& f = *impl_;
  if (f.clusters) {
    for (size_t c = 0; c < result.clusters.size(); ++c) {
      if (absl::Status s = f.clusters.Write(ClusterJson(result, result.clusters[c], c)); !s.ok()) return s;
    }
  }
  if (f.pairs) {
    for (const ScoredPair& p : result.pairs) {
      if (absl::Status s = f.pairs.Write(PairTsv(result, p)); !s.ok()) return s;
    }
  }
  if (f.passages) {
    for (const PassageRepeat& r : result.repeats) {
      if (absl::Status s = f.passages.Write(PassageRepeatJson(result, r)); !s.ok()) return s;
    }
  }
  if (f.deduped || f.passage_deduped) {
    std::vector<std::vector<Span>> drop(static_cast<bool>(f.passage_deduped) ? result.corpus.size() : 0);
    for (const PassageRepeat& r : result.repeats) {
      if (!drop.empty()) drop[r.passage.doc].push_back(r.passage.span);
    }
    const std::string& text_field = source.input().fields.text_field;
    const bool all = static_cast<bool>(f.passage_deduped);
    absl::Status s = ReadDocumentsAgain(
        source, result.corpus, [&](uint32_t d) { return all || !result.removed[d]; },
        [&](uint32_t d, const Document& doc) -> absl::Status {
          if (f.deduped && !result.removed[d]) {
            if (absl::Status w = f.deduped.Write(DedupRecord(doc, text_field)); !w.ok()) return w;
          }
          if (all) return f.passage_deduped.Write(DedupRecord(doc, text_field, RemoveSpans(doc.text, drop[d])));
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
  }
  for (PendingFile* file : f.All()) {
    if (!*file) continue;
    if (absl::Status s = file->file->Commit(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string DedupSummary(const DedupResult& r, std::string_view shingles) {
  const DedupStats& s = r.stats;
  std::string reasons;
  for (size_t k = 1; k < kNumProblemKinds; ++k) {
    if (s.problems_by_kind[k] == 0) continue;
    const auto kind = static_cast<ProblemKind>(k);
    absl::StrAppend(&reasons, reasons.empty() ? " (" : ", ",
                    kind == ProblemKind::kDuplicateId ? "duplicate id" : ProblemKindName(kind), ": ",
                    s.problems_by_kind[k]);
  }
  if (!reasons.empty()) reasons += ")";
  std::string out = absl::StrFormat("read %d records (%.1f MB): %d kept for dedup, %d skipped%s, %d empty\n",
                                    s.records, s.bytes_read / 1e6, s.documents, s.skipped, reasons, s.empty);
  if (s.warc_records != 0) {
    std::string kinds;
    for (size_t k = 0; k < kNumWarcSkipKinds; ++k) {
      if (s.warc_skipped[k] == 0) continue;
      absl::StrAppend(&kinds, kinds.empty() ? "" : ", ", WarcSkipKindName(static_cast<WarcSkipKind>(k)), ": ",
                      s.warc_skipped[k]);
    }
    absl::StrAppendFormat(&out, "WARC: %d records, %d not documents%s%s%s\n", s.warc_records,
                          [&] {
                            uint64_t n = 0;
                            for (const uint64_t c : s.warc_skipped) n += c;
                            return n;
                          }(),
                          kinds.empty() ? "" : " (", kinds, kinds.empty() ? "" : ")");
    if (s.warc_replaced_bytes != 0) {
      absl::StrAppendFormat(&out, "WARC: %d undecodable bytes replaced while converting charsets\n",
                            s.warc_replaced_bytes);
    }
  }
  if (s.failed_inputs != 0) {
    absl::StrAppendFormat(&out, "%d input(s) could not be read or ended early: see the messages above\n",
                          s.failed_inputs);
  }
  const DedupOptions& o = r.options;
  if (o.algorithm == DedupAlgorithm::kSimHash) {
    absl::StrAppendFormat(&out, "SimHash-64 over %s, distance <= %d (similarity >= %.4f)\n", shingles,
                          o.simhash_distance, o.VerifyThreshold());
  } else {
    const MinHashParams& m = r.corpus.signer.minhash;
    std::string verify;
    switch (s.verification) {
      case Verification::kPrecise:
        verify = absl::StrFormat(
            "precise (estimate, exact Jaccard within %.3f of the threshold: %d of %d pairs; %d texts read again)",
            o.PreciseMargin(), s.decided_exactly, s.candidates, s.texts_read_again);
        break;
      case Verification::kEstimate:
        verify = "estimated Jaccard";
        break;
      case Verification::kExact:
        verify = "exact Jaccard";
        break;
    }
    if (!s.verification_note.empty()) absl::StrAppend(&verify, "; ", s.verification_note);
    absl::StrAppendFormat(&out, "MinHash %s k=%d over %s, LSH %d bands x %d rows, threshold %g, verify %s\n",
                          m.algorithm == MinHashAlgorithm::kClassic ? "classic" : "oph", m.num_perm, shingles,
                          s.banding.bands, s.banding.rows, o.threshold, verify);
  }
  absl::StrAppendFormat(&out, "%d candidate pairs, %d verified, %d clusters (policy %s, keep %s), %d duplicates removed\n",
                        s.candidates, s.verified, s.clusters, ClusterPolicyName(o.policy), KeepRuleName(o.keep),
                        s.removed);
  if (o.passages) {
    absl::StrAppendFormat(&out, "%d repeated passages (%s split, %s >= %g, scope %s)\n", r.repeats.size(),
                          PassageSplitName(o.passages->split), PassageMeasureName(o.passages->measure),
                          o.passages->threshold, PassageScopeName(o.passages->scope));
  }
  if (s.replaced_bytes) absl::StrAppendFormat(&out, "%d ill-formed UTF-8 bytes replaced\n", s.replaced_bytes);
  absl::StrAppendFormat(&out,
                        "time: read+sign %.3f s, candidates %.3f s, verify %.3f s, cluster %.3f s, write %.3f s; "
                        "total %.3f s (%.1f MB/s, %u threads)",
                        s.seconds.sign, s.seconds.candidates, s.seconds.verify, s.seconds.cluster, s.seconds.apply,
                        s.seconds.total, s.bytes_read / 1e6 / std::max(s.seconds.total, 1e-9), s.threads);
  return out;
}

}  // namespace neardup
