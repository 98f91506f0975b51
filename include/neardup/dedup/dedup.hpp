// Stage 8: the whole dedup pipeline in one call, and its outputs.
//
// Input: a DocumentSource (files, texts in memory, or signature files) and DedupOptions.
// Output: clusters of near-duplicate documents with the copy each keeps, which
// documents are removed, the verified pairs, repeated passages, every skipped record
// with its reason and location, and per-stage counts and timings. The stages it runs
// are public (dedup/stages.hpp); this call only composes them.
//
//   auto source = neardup::DocumentSource::Files({"news.jsonl.gz"});
//   absl::StatusOr<neardup::DedupResult> r = neardup::Deduplicate(source, {.threshold = 0.8});
//   for (const neardup::Cluster& c : r->clusters) std::cout << neardup::ClusterJson(*r, c, 0) << "\n";
//
// Outputs (DedupOutputs): clusters JSONL, pairs TSV, repeated passages JSONL, and the
// input records minus removed duplicates (and minus repeated passages). Every output
// is written to a temporary file beside its target and renamed into place when
// complete; DedupOutputFiles::Open creates those files before anything is read, so an
// unwritable path fails at once, and refuses an output that is also an input or
// another output.
//
// Guarantees: the result depends only on the documents, their order and the options,
// never on the thread count. Bad input never aborts: a record that cannot be used is
// reported and skipped; an input that cannot be read is counted in
// stats.failed_inputs (the CLI exits 3).
#ifndef NEARDUP_DEDUP_DEDUP_HPP_
#define NEARDUP_DEDUP_DEDUP_HPP_

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/dedup/options.hpp"
#include "neardup/dedup/source.hpp"
#include "neardup/dedup/stages.hpp"
#include "neardup/passage/repeats.hpp"

namespace neardup {

struct DedupResult {
  SignedCorpus corpus;                // documents 0..n-1: ids, lengths, ordinals, signatures
  std::vector<Cluster> clusters;      // by kept document
  std::vector<uint8_t> removed;       // per document: 1 if a near-duplicate of a kept one
  std::vector<ScoredPair> pairs;      // as options.pairs asks
  std::vector<PassageRepeat> repeats; // with options.passages
  std::vector<InputProblem> skipped;  // every skipped record
  DedupStats stats;
  DedupOptions options;               // as run (banding filled in)
};

// Reports while the run goes on (both may be empty).
struct DedupCallbacks {
  std::function<void(const InputProblem&)> on_problem = nullptr;
  std::function<void(const DedupStats&)> on_progress = nullptr;
};

// Runs stages 1-4 (and passages). Errors: invalid options, strict-mode problems,
// max_documents, unreadable signature files, failed exact re-reads.
absl::StatusOr<DedupResult> Deduplicate(const DocumentSource& source, const DedupOptions& options,
                                        const DedupCallbacks& callbacks = {});

// One line of clusters.jsonl, without the newline:
//   {"cluster":N,"keep":"<id>","keep_rule":"first","members":[{"id":"<id>","similarity":1},...]}
std::string ClusterJson(const DedupResult& result, const Cluster& cluster, size_t number);
// One line of the pairs file: id_a TAB id_b TAB similarity. In ids, backslash, tab,
// newline and carriage return are written \\, \t, \n, \r (nothing else is escaped).
std::string PairTsv(const DedupResult& result, const ScoredPair& pair);
// The escaping of PairTsv, and its inverse (InvalidArgument on a bad escape).
std::string EscapeTsvField(std::string_view s);
absl::StatusOr<std::string> UnescapeTsvField(std::string_view s);
// One line of repeats.jsonl:
//   {"id":..,"start":..,"end":..,"dup_of":{"id":..,"start":..,"end":..},"similarity":..}
std::string PassageRepeatJson(const DedupResult& result, const PassageRepeat& repeat);
// The same line from the two documents' ids.
std::string PassageRepeatJson(std::string_view id, Span span, std::string_view dup_of_id, Span dup_of_span,
                              float similarity);

// The run's summary for people, one line per aspect (counts, method, clusters,
// passages, time); `shingles` describes them, e.g. "word 5-grams".
std::string DedupSummary(const DedupResult& result, std::string_view shingles);

struct DedupOutputs {
  std::string clusters = {};         // clusters JSONL ("" = none)
  std::string pairs = {};            // pairs TSV
  std::string passages = {};         // repeated passages JSONL
  std::string deduped = {};          // input records minus removed duplicates
  std::string passage_deduped = {};  // every record with its repeated passages removed
};

// InvalidArgument if `output` is one of `inputs` (the same file by any name) or lies
// inside an input directory; `what` names the output in the message.
absl::Status RefuseOverwritingInputs(const std::vector<std::string>& inputs, const std::string& output,
                                     std::string_view what);

// The output files of one run, open as temporary files until Commit.
class DedupOutputFiles {
 public:
  // Refuses (InvalidArgument) an output that is an input of `source` or another output,
  // and creates each output's temporary file (the errno's status if it cannot).
  static absl::StatusOr<DedupOutputFiles> Open(const DedupOutputs& outputs, const DocumentSource& source);
  DedupOutputFiles(DedupOutputFiles&&) noexcept;
  DedupOutputFiles& operator=(DedupOutputFiles&&) noexcept;
  ~DedupOutputFiles();  // removes the temporary files unless committed

  // Writes every output of `result` (the deduplicated records by a second read of the
  // source: only the records kept) and renames each into place.
  absl::Status Commit(const DedupResult& result, const DocumentSource& source);

 private:
  struct Impl;
  explicit DedupOutputFiles(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Stage 5. Calls visit(doc, document) in ordinal order for every document with
// want(doc) (a pure predicate, called more than once per document), read again from the source (or from memory for in-memory texts and
// stdin): its id, text and, for JSONL, the record as read (Document::raw).
absl::Status ReadDocumentsAgain(const DocumentSource& source, const SignedCorpus& corpus,
                                const std::function<bool(uint32_t doc)>& want,
                                const std::function<absl::Status(uint32_t doc, const Document& document)>& visit);

// The texts of `docs` (ascending, no repeats) read again on up to `threads` threads
// (0: all hardware threads), for exact checks: visit(worker, i, document) for docs[i],
// with its id and text (not its raw record); worker < threads picks per-thread
// scratch. Each thread reads shares of consecutive documents with its own reader, so
// the calls come in no fixed order across threads; the documents of inputs that are
// read in one pass from the start (compressed, WARC, directories: see
// CanReadRecordsInPlace) form one share, read by one thread while the others read the
// rest. Errors are those of ReadDocumentsAgain; when several shares fail, the first
// share's error is returned.
absl::Status ReadTextsAgainInParallel(
    const DocumentSource& source, const SignedCorpus& corpus, std::span<const uint32_t> docs, unsigned threads,
    const std::function<absl::Status(unsigned worker, size_t i, const Document& document)>& visit);

// The record a deduplicated output holds for `doc`: its JSONL line as read, or
// {"id":..,"<text_field>":..} for whole files and in-memory texts (and, with a
// replacement text, always that form).
std::string DedupRecord(const Document& doc, std::string_view text_field);
std::string DedupRecord(const Document& doc, std::string_view text_field, std::string_view replacement_text);

}  // namespace neardup

#endif  // NEARDUP_DEDUP_DEDUP_HPP_
