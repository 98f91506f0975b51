// Stage 1 of the dedup pipeline: documents -> SignedCorpus.
#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "neardup/dedup/sign_batches.hpp"
#include "neardup/dedup/stages.hpp"
#include "neardup/internal/json_text.hpp"
#include "neardup/io/signature_file.hpp"

namespace neardup {

std::string SignedCorpus::Where(uint32_t d) const {
  return line[d] == 0 ? files[file[d]] : absl::StrCat(files[file[d]], ":", line[d]);
}

void DedupLog::Report(InputProblem p) {
  if (on_problem) on_problem(p);
  skipped.push_back(std::move(p));
}

namespace {

// Accepts documents in ordinal order: duplicate ids and the document limit are decided
// here, for every kind of source alike.
class CorpusBuilder {
 public:
  CorpusBuilder(SignedCorpus* corpus, const DedupOptions& options, bool strict, DedupLog* log,
                const DocumentHook& hook)
      : corpus_(corpus), options_(options), strict_(strict), log_(log), hook_(hook) {}

  bool has_hook() const { return static_cast<bool>(hook_); }

  // Returns whether the document was accepted (false: reported and skipped), or an error
  // that stops the run.
  absl::StatusOr<bool> Add(const Document& doc, uint64_t bytes, const DocumentSignature& sig, bool hold) {
    const auto next = static_cast<uint32_t>(corpus_->size());
    const auto it = ids_.find(std::string_view(doc.id));
    if (it != ids_.end()) {
      InputProblem p{.file = doc.file,
                     .line = doc.line,
                     .kind = ProblemKind::kDuplicateId,
                     .code = absl::StatusCode::kAlreadyExists,
                     .reason = absl::StrCat("duplicate id ", internal::JsonString(doc.id), " (first at ",
                                            corpus_->Where(*it), "); record skipped")};
      if (strict_) return p.ToStatus();
      ++log_->stats.duplicate_ids;
      ++log_->stats.skipped;
      ++log_->stats.problems_by_kind[static_cast<size_t>(ProblemKind::kDuplicateId)];
      log_->Report(std::move(p));
      return false;
    }
    if (options_.max_documents != 0 && next == options_.max_documents) {
      const std::string where = doc.line == 0 ? doc.file : absl::StrCat(doc.file, ":", doc.line);
      return absl::ResourceExhaustedError(absl::StrCat(
          where, ": more than --max-documents ", options_.max_documents,
          " documents to hold in memory; nothing was written (split the input, or raise the limit: a document "
          "takes about ",
          options_.algorithm == DedupAlgorithm::kSimHash ? 8 : 2 * options_.signer.minhash.num_perm,
          " bytes of signature plus its id and 60 bytes)"));
    }
    // Documents come file after file: only a new file name is looked up.
    if (corpus_->files.empty() || doc.file != corpus_->files[last_file_]) {
      const auto [fit, fnew] = files_.try_emplace(doc.file, static_cast<uint32_t>(corpus_->files.size()));
      if (fnew) corpus_->files.push_back(doc.file);
      last_file_ = fit->second;
    }
    corpus_->ids.push_back(doc.id);
    ids_.insert(next);
    corpus_->bytes.push_back(bytes);
    corpus_->input.push_back(doc.input);
    corpus_->record.push_back(doc.record);
    corpus_->offset.push_back(doc.offset);
    corpus_->file.push_back(last_file_);
    corpus_->line.push_back(doc.line);
    corpus_->empty.push_back(sig.empty() ? 1 : 0);
    log_->stats.empty += sig.empty();
    log_->stats.replaced_bytes += sig.replaced_bytes;
    if (corpus_->signer.compute_simhash) corpus_->simhash.push_back(sig.simhash);
    if (corpus_->signer.compute_minhash) {
      corpus_->minhash.Append(std::span<const uint32_t>(sig.minhash.values));
    }
    corpus_->held.push_back(hold ? 1 : 0);
    if (hold || !corpus_->held_texts.empty()) {
      corpus_->held_texts.resize(corpus_->size() - 1);
      corpus_->held_raw.resize(corpus_->size() - 1);
      corpus_->held_texts.push_back(hold ? doc.text : std::string());
      corpus_->held_raw.push_back(hold ? doc.raw : std::string());
    }
    ++log_->stats.documents;
    if (hook_) hook_(next, doc);
    return true;
  }

 private:
  SignedCorpus* corpus_;
  const DedupOptions& options_;
  bool strict_;
  DedupLog* log_;
  const DocumentHook& hook_;
  // Accepted documents by id: numbers into corpus_->ids, looked up by the id itself.
  struct IdHash {
    using is_transparent = void;
    const IdColumn* ids;
    size_t operator()(std::string_view id) const { return absl::HashOf(id); }
    size_t operator()(uint32_t d) const { return absl::HashOf((*ids)[d]); }
  };
  struct IdEq {
    using is_transparent = void;
    const IdColumn* ids;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, std::string_view b) const { return (*ids)[a] == b; }
    bool operator()(std::string_view a, uint32_t b) const { return a == (*ids)[b]; }
  };
  absl::flat_hash_set<uint32_t, IdHash, IdEq> ids_{0, IdHash{&corpus_->ids}, IdEq{&corpus_->ids}};
  absl::flat_hash_map<std::string, uint32_t> files_;
  uint32_t last_file_ = 0;  // the file of the document added last
};

unsigned Threads(unsigned requested) {
  return requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
}

absl::Status SignFiles(const DocumentSource& source, const DedupOptions& options, DedupLog* log,
                       CorpusBuilder* builder, SignedCorpus* corpus) {
  InputOptions input = source.input();
  // Standard input cannot be read twice: keep its records for the later stages.
  const bool has_stdin = std::find(source.paths().begin(), source.paths().end(), "-") != source.paths().end();
  input.keep_raw = has_stdin;
  input.on_problem = [log](const InputProblem& p) { log->Report(p); };
  corpus->inputs = source.paths();
  for (const std::string& path : source.paths()) {
    // What a later stage checks before it reads an input again.
    absl::StatusOr<InputIdentity> identity = IdentifyInput(path);
    corpus->identities.push_back(identity.ok() ? *identity : InputIdentity{path});
  }
  DocumentReader reader(source.paths(), input);
  absl::Status status = SignInBatches(
      &reader, corpus->signer, Threads(options.threads),
      [&](std::span<Document> docs, std::span<const DocumentSignature> sigs, const InputStats& read) -> absl::Status {
        for (size_t i = 0; i < docs.size(); ++i) {
          const bool from_stdin = docs[i].file == "<stdin>";
          absl::StatusOr<bool> added = builder->Add(docs[i], docs[i].text.size(), sigs[i], from_stdin);
          if (!added.ok()) return added.status();
        }
        log->stats.bytes_read = read.bytes;
        if (log->on_progress) log->on_progress(log->stats);
        return absl::OkStatus();
      });
  const InputStats& stats = reader.stats();
  log->stats.bytes_read = stats.bytes;
  log->stats.failed_inputs = stats.failed_inputs;
  log->stats.warc_records = stats.warc_records;
  log->stats.warc_skipped = stats.warc_skipped_by_kind;
  log->stats.warc_replaced_bytes = stats.warc_replaced_bytes;
  log->stats.skipped += stats.problems;
  for (size_t k = 0; k < kNumProblemKinds; ++k) log->stats.problems_by_kind[k] += stats.problems_by_kind[k];
  log->stats.records += stats.documents + stats.problems;
  return status;
}

// The signer fields a signature file's records depend on, for comparing shards.
bool SameSignatures(const SignerOptions& a, const SignerOptions& b) {
  return a.normalize.Bits() == b.normalize.Bits() && a.shingle.kind == b.shingle.kind && a.shingle.n == b.shingle.n &&
         a.shingle.seed == b.shingle.seed && a.minhash.algorithm == b.minhash.algorithm &&
         a.minhash.num_perm == b.minhash.num_perm && a.minhash.seed == b.minhash.seed &&
         a.simhash_seed == b.simhash_seed && a.compute_minhash == b.compute_minhash &&
         a.compute_simhash == b.compute_simhash;
}

// Signature files, shard by shard in order: their signatures and where each text is.
// The files' signer parameters are the run's (all shards must agree); the input tables
// are concatenated, so global input indexes follow the order of the shards.
absl::Status LoadSignatures(const DocumentSource& source, const DedupOptions& options, DedupLog* log,
                            CorpusBuilder* builder, SignedCorpus* corpus) {
  const bool minhash = options.algorithm == DedupAlgorithm::kMinHash;
  SignatureRecord rec;
  Document doc;
  SignerOptions first;  // what the first shard stores
  for (size_t shard = 0; shard < source.paths().size(); ++shard) {
    const std::string& path = source.paths()[shard];
    absl::StatusOr<SignatureFileReader> reader = SignatureFileReader::Open(path);
    if (!reader.ok()) return reader.status();
    const SignerOptions& stored = reader->info().options;
    if (shard == 0) {
      if (minhash && !stored.compute_minhash) {
        return absl::FailedPreconditionError(absl::StrCat(
            path, " holds no MinHash signatures: sign with MinHash, or deduplicate with --algo simhash"));
      }
      if (!minhash && !stored.compute_simhash) {
        return absl::FailedPreconditionError(
            absl::StrCat(path, " holds no SimHash signatures: deduplicate with --algo minhash"));
      }
      corpus->signer = stored;
      corpus->signer.compute_minhash = minhash;
      corpus->signer.compute_simhash = !minhash;
      first = stored;
    } else if (!SameSignatures(stored, first)) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, " was signed with other parameters than ", source.paths()[0],
          " (shingles, normalization, MinHash algorithm, k or seeds differ): sign every shard alike"));
    }
    const auto base = static_cast<uint32_t>(corpus->inputs.size());
    const std::vector<InputIdentity>& table = reader->input_table();
    if (table.empty()) {
      // Format version 1: no input table, so its texts cannot be found again.
      corpus->inputs.push_back(path);
      corpus->identities.push_back(InputIdentity{});
    }
    for (const InputIdentity& input : table) {
      corpus->inputs.push_back(input.path);
      corpus->identities.push_back(input);
    }
    for (uint64_t position = 1;; ++position) {
      absl::StatusOr<bool> more = reader->Next(&rec);
      if (!more.ok()) return more.status();
      if (!*more) break;
      ++log->stats.records;
      log->stats.bytes_read += rec.bytes;
      doc.id = rec.id;
      doc.input = base + rec.input;
      doc.record = rec.record;
      doc.offset = rec.offset;
      // Messages name the text's input and record when the file knows them.
      doc.file = table.empty() ? path : table[rec.input].path;
      doc.line = table.empty() || rec.record == 0 ? position : rec.record;
      absl::StatusOr<bool> added = builder->Add(doc, rec.bytes, rec.signature, false);
      if (!added.ok()) return added.status();
    }
    if (log->on_progress) log->on_progress(log->stats);
  }
  return absl::OkStatus();
}

absl::Status SignTexts(const DocumentSource& source, const DedupOptions& options, DedupLog* log,
                       CorpusBuilder* builder, SignedCorpus* corpus) {
  const std::vector<std::string>& ids = source.ids();
  const std::vector<std::string>& texts = source.texts();
  if (ids.size() != texts.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("texts source: ", ids.size(), " ids for ", texts.size(), " texts"));
  }
  corpus->inputs = {"<texts>"};
  const unsigned threads = Threads(options.threads);
  std::vector<Signer> signers(threads, Signer(corpus->signer));
  constexpr size_t kBatch = 4096;
  std::vector<DocumentSignature> sigs(std::min(kBatch, texts.size()));
  Document doc;
  doc.file = "<texts>";
  for (size_t begin = 0; begin < texts.size(); begin += kBatch) {
    const size_t end = std::min(texts.size(), begin + kBatch);
    (void)ParallelFor(end - begin, threads,
                [&](unsigned w, size_t i) { signers[w].Sign(texts[begin + i], &sigs[i]); });
    for (size_t i = begin; i < end; ++i) {
      doc.id = ids[i];
      doc.record = i + 1;
      doc.line = i + 1;
      log->stats.bytes_read += texts[i].size();
      ++log->stats.records;
      if (ids[i].empty()) {
        InputProblem p{.file = doc.file,
                       .line = i + 1,
                       .kind = ProblemKind::kBadId,
                       .code = absl::StatusCode::kInvalidArgument,
                       .reason = "empty id; record skipped"};
        if (source.input().strict) return p.ToStatus();
        ++log->stats.skipped;
        ++log->stats.problems_by_kind[static_cast<size_t>(ProblemKind::kBadId)];
        log->Report(std::move(p));
        continue;
      }
      // The hook (passages) reads the text: only then is it copied.
      if (builder->has_hook()) doc.text = texts[i];
      absl::StatusOr<bool> added = builder->Add(doc, texts[i].size(), sigs[i - begin], false);
      if (!added.ok()) return added.status();
    }
    if (log->on_progress) log->on_progress(log->stats);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SignedCorpus> SignDocuments(const DocumentSource& source, const DedupOptions& options,
                                           DedupLog* log, const DocumentHook& hook) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  SignedCorpus corpus;
  corpus.signer = options.SignerForRun();
  CorpusBuilder builder(&corpus, options, source.input().strict, log, hook);
  absl::Status status;
  switch (source.kind()) {
    case DocumentSource::Kind::kFiles:
      status = SignFiles(source, options, log, &builder, &corpus);
      break;
    case DocumentSource::Kind::kTexts:
      status = SignTexts(source, options, log, &builder, &corpus);
      break;
    case DocumentSource::Kind::kSignatures:
      status = LoadSignatures(source, options, log, &builder, &corpus);
      break;
  }
  if (!status.ok()) return status;
  // Only standard input's documents are held; drop the columns if there were none.
  if (std::find(corpus.held.begin(), corpus.held.end(), 1) == corpus.held.end()) {
    corpus.held_texts.clear();
    corpus.held_raw.clear();
  }
  return corpus;
}

}  // namespace neardup
