// CrawlerIndex: opening, recovery, changes, queries and checkpoints. The pieces are
// id_table.hpp (string ids), rw_lock.hpp (the writer-preferring lock) and log.hpp (the
// append-only log); the file formats are documented in store/crawler_index.hpp and
// io/index_file.hpp.
#include "neardup/store/crawler_index.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "id_table.hpp"
#include "log.hpp"
#include "neardup/io/format.hpp"
#include "neardup/internal/parallel.hpp"
#include "neardup/io/index_file.hpp"
#include "rw_lock.hpp"
#include "snapshot.hpp"

namespace neardup {
namespace {

using internal::AppendLe32;
using internal::CheckLogHeader;
using internal::EncodeLogHeader;
using internal::IdTable;
using internal::kLogHeaderBytes;
using internal::kRecordHeaderBytes;
using internal::kRecordInsert;
using internal::kRecordRemove;
using internal::kRecordTrailerBytes;
using internal::kMaxLogPayload;
using internal::Log;
using internal::LogReader;
using internal::OptionsFingerprint;
using internal::RwLock;
using internal::ShownId;
using internal::ValidateId;
using internal::AppendLe64;
using internal::ErrnoError;
using internal::LoadLe32;
using internal::LoadLe64;
using internal::MinHashOnly;
using internal::StoreLe32;
using internal::StoreLe64;

// ---------------------------------------------------------------------------------
// Signers for callers that pass text: one per concurrent caller, reused.

class SignerPool {
 public:
  explicit SignerPool(const SignerOptions& options) : options_(options) {}

  MinHashSignature Sign(std::string_view text) {
    std::unique_ptr<Signer> signer;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!free_.empty()) {
        signer = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!signer) signer = std::make_unique<Signer>(options_);
    DocumentSignature sig;
    signer->Sign(text, &sig);
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(std::move(signer));
    return std::move(sig.minhash);
  }

 private:
  SignerOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Signer>> free_;
};

}  // namespace

// ---------------------------------------------------------------------------------

absl::Status CrawlerIndexOptions::Validate() const {
  if (absl::Status s = signer.Validate(); !s.ok()) return s;
  if (stored_bits == 0) {
    return absl::InvalidArgumentError(
        "a crawler index needs stored signatures: stored_bits must be 1, 2, 4, 8, 16 or 32, got 0");
  }
  absl::StatusOr<MinHashLsh<uint32_t>> probe =
      MinHashLsh<uint32_t>::Create({.minhash = signer.minhash, .banding = banding, .stored_bits = stored_bits});
  if (!probe.ok()) return probe.status();
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat("threshold must be in (0, 1], got ", threshold));
  }
  if (max_results == 0) return absl::InvalidArgumentError("max_results must be at least 1");
  if (sync != SyncPolicy::kEveryOp && sync != SyncPolicy::kEveryN && sync != SyncPolicy::kNever) {
    return absl::InvalidArgumentError(absl::StrCat("unknown sync policy ", static_cast<int>(sync)));
  }
  if (sync == SyncPolicy::kEveryN && sync_every == 0) {
    return absl::InvalidArgumentError("sync_every must be at least 1");
  }
  return absl::OkStatus();
}

struct CrawlerIndex::Impl {
  Impl(const std::string& p, const CrawlerIndexOptions& o)
      : path(p),
        log_path(p + ".log"),
        options(o),
        signer_options(MinHashOnly(o.signer)),
        lsh_options{.minhash = o.signer.minhash, .banding = o.banding, .stored_bits = o.stored_bits},
        fingerprint(0),
        signers(MinHashOnly(o.signer)),
        log(o.sync, o.sync_every) {
    options.signer = signer_options;
    fingerprint = OptionsFingerprint(signer_options, lsh_options);
  }

  ~Impl() {
    if (lsh.has_value()) log.Close(options.sync != SyncPolicy::kNever);
    if (lock_fd >= 0) ::close(lock_fd);  // releases the flock, last
  }

  absl::Status Open();
  absl::Status CreateFresh();
  absl::Status LoadSnapshot(uint64_t* start_seq);
  absl::Status ApplyInsert(std::string_view id, std::span<const uint64_t> keys, std::span<const uint64_t> packed);
  absl::Status ApplyRemove(std::string_view id);

  // The near-duplicates of sig; the caller holds mu or write_mu.
  absl::Status Match(const MinHashSignature& sig, std::vector<CrawlerMatch>* out) const;
  // Scored handles -> matches with ids, most similar first; the caller holds mu or write_mu.
  void Named(std::span<const ScoredCandidate<uint32_t>> top, std::vector<CrawlerMatch>* out) const;
  // Inserts an id that is not present and logs it; the caller holds write_mu.
  absl::Status InsertLocked(std::string_view id, const MinHashSignature& sig);
  absl::Status CheckWritable() { return log.error(); }
  // ResourceExhausted when one more document would pass options.max_documents.
  absl::Status CheckRoom() const {
    if (options.max_documents == 0 || ids.size() < options.max_documents) return absl::OkStatus();
    return absl::ResourceExhaustedError(
        absl::StrCat("the index holds its limit of ", options.max_documents,
                     " documents (CrawlerIndexOptions::max_documents); remove documents or open it with a higher "
                     "limit"));
  }

  std::string path;
  std::string log_path;
  CrawlerIndexOptions options;
  SignerOptions signer_options;
  MinHashLshOptions lsh_options;
  uint64_t fingerprint;
  CrawlerRecovery recovery;
  int lock_fd = -1;
  SignerPool signers;

  // Every change holds write_mu throughout and mu exclusively while it modifies lsh or
  // ids; readers hold mu shared. So a change (or a Checkpoint) reads the state with
  // write_mu alone while queries go on, and a waiting change never blocks queries.
  std::mutex write_mu;
  mutable RwLock mu;
  std::optional<MinHashLsh<uint32_t>> lsh;
  IdTable ids;
  mutable Log log;
  internal::LogFormat log_format;  // set by Open
  std::atomic<uint64_t> checkpoints{0};
};

absl::Status CrawlerIndex::Impl::ApplyInsert(std::string_view id, std::span<const uint64_t> keys,
                                             std::span<const uint64_t> packed) {
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  if (ids.Find(id) != IdTable::kNone) {
    return absl::AlreadyExistsError(absl::StrCat("document ", ShownId(id), " is already in the index"));
  }
  std::unique_lock<RwLock> l(mu);
  absl::StatusOr<uint32_t> h = ids.Add(id);
  if (!h.ok()) return h.status();
  if (absl::Status s = lsh->InsertStored(*h, keys, packed); !s.ok()) {
    ids.Remove(*h);
    return s;
  }
  return absl::OkStatus();
}

absl::Status CrawlerIndex::Impl::ApplyRemove(std::string_view id) {
  const uint32_t h = ids.Find(id);
  if (h == IdTable::kNone) return absl::NotFoundError(absl::StrCat("document ", ShownId(id), " is not in the index"));
  std::unique_lock<RwLock> l(mu);
  if (absl::Status s = lsh->Remove(h); !s.ok()) return s;
  ids.Remove(h);
  return absl::OkStatus();
}

absl::Status CrawlerIndex::Impl::Match(const MinHashSignature& sig, std::vector<CrawlerMatch>* out) const {
  out->clear();
  absl::StatusOr<std::vector<ScoredCandidate<uint32_t>>> top =
      lsh->QueryTopK(sig, options.max_results, options.threshold);
  if (!top.ok()) return top.status();
  Named(*top, out);
  return absl::OkStatus();
}

void CrawlerIndex::Impl::Named(std::span<const ScoredCandidate<uint32_t>> top, std::vector<CrawlerMatch>* out) const {
  out->clear();
  out->reserve(top.size());
  for (const ScoredCandidate<uint32_t>& c : top) out->push_back({std::string(ids.Get(c.id)), c.jaccard});
  std::sort(out->begin(), out->end(), [](const CrawlerMatch& a, const CrawlerMatch& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.id < b.id;
  });
}

absl::Status CrawlerIndex::Impl::InsertLocked(std::string_view id, const MinHashSignature& sig) {
  if (absl::Status s = CheckRoom(); !s.ok()) return s;
  absl::StatusOr<uint32_t> h;
  {
    std::unique_lock<RwLock> l(mu);
    h = ids.Add(id);
    if (!h.ok()) return h.status();
    if (absl::Status s = lsh->Insert(*h, sig); !s.ok()) {
      ids.Remove(*h);
      return s;
    }
  }
  const MinHashLsh<uint32_t>::StoredDocument stored = lsh->Stored(*h);
  log.Append(kRecordInsert, id, stored.band_keys, stored.packed);
  return absl::OkStatus();
}

absl::Status CrawlerIndex::Impl::CreateFresh() {
  absl::StatusOr<MinHashLsh<uint32_t>> fresh = MinHashLsh<uint32_t>::Create(lsh_options);
  if (!fresh.ok()) return fresh.status();
  lsh.emplace(*std::move(fresh));
  return internal::WriteCrawlerSnapshot(path, *lsh, signer_options, ids, 1);
}

absl::Status CrawlerIndex::Impl::LoadSnapshot(uint64_t* start_seq) {
  absl::StatusOr<uint64_t> seq = internal::ReadCrawlerSnapshot(path, signer_options, lsh_options, &lsh, &ids);
  if (!seq.ok()) return seq.status();
  *start_seq = *seq;
  recovery.snapshot_documents = lsh->size();
  return absl::OkStatus();
}

absl::Status CrawlerIndex::Impl::Open() {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<int> lock = internal::LockIndexFiles(path);
  if (!lock.ok()) return lock.status();
  lock_fd = *lock;
  const size_t b = lsh_options.banding.bands;
  const size_t w = (static_cast<size_t>(lsh_options.minhash.num_perm) * lsh_options.stored_bits + 63) / 64;
  std::vector<uint64_t> keys(b), packed(w);
  auto apply = [&](uint8_t type, std::string_view id, const char* words) {
    if (type == kRecordRemove) return ApplyRemove(id);
    for (size_t i = 0; i < b; ++i) keys[i] = LoadLe64(words + 8 * i);
    for (size_t i = 0; i < w; ++i) packed[i] = LoadLe64(words + 8 * (b + i));
    return ApplyInsert(id, keys, packed);
  };
  log_format = {.log_path = log_path, .fingerprint = fingerprint, .type = ObjectType::kCrawlerLog, .insert_words = b + w};
  return internal::OpenSnapshotAndLog(
      path, log_format, [&] { return CreateFresh(); }, [&](uint64_t* start_seq) { return LoadSnapshot(start_seq); },
      apply, &recovery, &log);
}

// ---------------------------------------------------------------------------------

CrawlerIndex::CrawlerIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CrawlerIndex::~CrawlerIndex() = default;

absl::StatusOr<std::unique_ptr<CrawlerIndex>> CrawlerIndex::Open(const std::string& path,
                                                                 const CrawlerIndexOptions& options) {
  auto impl = std::make_unique<Impl>(path, options);
  if (absl::Status s = impl->Open(); !s.ok()) {
    impl->lsh.reset();  // nothing to flush
    return s;
  }
  return std::unique_ptr<CrawlerIndex>(new CrawlerIndex(std::move(impl)));
}

const CrawlerIndexOptions& CrawlerIndex::options() const noexcept { return impl_->options; }
const CrawlerRecovery& CrawlerIndex::recovery() const noexcept { return impl_->recovery; }

absl::Status CrawlerIndex::Insert(std::string_view id, std::string_view text) {
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  return InsertSignature(id, impl_->signers.Sign(text));
}

absl::Status CrawlerIndex::InsertSignature(std::string_view id, const MinHashSignature& signature) {
  Impl& m = *impl_;
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  if (signature.empty) {
    return absl::FailedPreconditionError(absl::StrCat(
        "document ", ShownId(id), " has no shingles (empty after normalization); empty documents are not indexed"));
  }
  uint64_t observed;
  absl::Status result;
  {
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.CheckWritable(); !s.ok()) return s;
    if (m.ids.Find(id) != IdTable::kNone) {
      result = absl::AlreadyExistsError(absl::StrCat("document ", ShownId(id), " is already in the index"));
    } else {
      result = m.InsertLocked(id, signature);
    }
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  return result;
}

absl::StatusOr<std::vector<absl::Status>> CrawlerIndex::InsertBatch(std::span<const CrawlerDocument> documents,
                                                                     bool stop_at_first_error) {
  Impl& m = *impl_;
  std::vector<absl::Status> results(documents.size());
  std::vector<MinHashSignature> signatures(documents.size());
  // Signed on every core (each document's status and signature depend on it alone;
  // with stop_at_first_error, those after the first failure are signed for nothing).
  (void)internal::ParallelFor(documents.size(), 0, [&](unsigned, size_t i) {
    const CrawlerDocument& d = documents[i];
    results[i] = ValidateId(d.id);
    if (!results[i].ok()) return;
    signatures[i] = m.signers.Sign(d.text);
    if (signatures[i].empty) {
      results[i] = absl::FailedPreconditionError(absl::StrCat(
          "document ", ShownId(d.id), " has no shingles (empty after normalization); empty documents are not indexed"));
    }
  });
  uint64_t observed;
  {
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.CheckWritable(); !s.ok()) return s;
    bool stopped = false;
    for (size_t i = 0; i < documents.size(); ++i) {
      if (stopped) {
        results[i] = absl::AbortedError("not inserted: an earlier document of the batch failed");
        continue;
      }
      if (results[i].ok()) {
        if (m.ids.Find(documents[i].id) != IdTable::kNone) {
          results[i] = absl::AlreadyExistsError(
              absl::StrCat("document ", ShownId(documents[i].id), " is already in the index"));
        } else {
          results[i] = m.InsertLocked(documents[i].id, signatures[i]);
        }
      }
      stopped = stop_at_first_error && !results[i].ok();
    }
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  return results;
}

absl::Status CrawlerIndex::Remove(std::string_view id) {
  Impl& m = *impl_;
  uint64_t observed;
  absl::Status result;
  {
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.CheckWritable(); !s.ok()) return s;
    result = m.ApplyRemove(id);
    if (result.ok()) m.log.Append(kRecordRemove, id);
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  return result;
}

absl::StatusOr<std::vector<CrawlerMatch>> CrawlerIndex::Query(std::string_view text) const {
  return Query(impl_->signers.Sign(text));
}

absl::StatusOr<std::vector<CrawlerMatch>> CrawlerIndex::Query(const MinHashSignature& signature) const {
  std::vector<CrawlerMatch> out;
  std::shared_lock<RwLock> l(impl_->mu);
  if (absl::Status s = impl_->Match(signature, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<std::vector<CrawlerMatch>>> CrawlerIndex::QueryBatch(
    std::span<const MinHashSignature> signatures) const {
  std::vector<std::vector<ScoredCandidate<uint32_t>>> top;
  std::vector<std::vector<CrawlerMatch>> out(signatures.size());
  std::shared_lock<RwLock> l(impl_->mu);
  if (absl::Status s = impl_->lsh->QueryTopKBatch(signatures, impl_->options.max_results,
                                                  impl_->options.threshold, &top);
      !s.ok()) {
    return s;
  }
  for (size_t j = 0; j < top.size(); ++j) impl_->Named(top[j], &out[j]);
  return out;
}

absl::StatusOr<QueryOrInsertResult> CrawlerIndex::QueryOrInsert(std::string_view id, std::string_view text) {
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  return QueryOrInsert(id, impl_->signers.Sign(text));
}

absl::StatusOr<QueryOrInsertResult> CrawlerIndex::QueryOrInsert(std::string_view id,
                                                                const MinHashSignature& signature) {
  Impl& m = *impl_;
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  if (signature.empty) {
    return absl::FailedPreconditionError(absl::StrCat(
        "document ", ShownId(id), " has no shingles (empty after normalization); empty documents are not indexed"));
  }
  QueryOrInsertResult r;
  uint64_t observed;
  {
    // No other change can run until the insert: the query's answer still holds then.
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.CheckWritable(); !s.ok()) return s;
    if (absl::Status s = m.Match(signature, &r.duplicates); !s.ok()) return s;
    if (m.ids.Find(id) != IdTable::kNone) {
      r.already_present = true;
    } else if (r.duplicates.empty() || m.options.insert_duplicates) {
      if (absl::Status s = m.InsertLocked(id, signature); !s.ok()) return s;
      r.inserted = true;
    }
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  return r;
}

bool CrawlerIndex::Contains(std::string_view id) const {
  std::shared_lock<RwLock> l(impl_->mu);
  return impl_->ids.Find(id) != IdTable::kNone;
}

size_t CrawlerIndex::size() const {
  std::shared_lock<RwLock> l(impl_->mu);
  return impl_->lsh->size();
}

absl::StatusOr<CrawlerMergeResult> CrawlerIndex::Merge(const CrawlerIndex& other) {
  Impl& m = *impl_;
  const Impl& o = *other.impl_;
  if (&other == this) return absl::InvalidArgumentError("cannot merge an index into itself");
  if (o.fingerprint != m.fingerprint) {
    return absl::FailedPreconditionError(absl::StrCat("cannot merge ", o.path, " into ", m.path,
                                                      ": they were made with other options (normalization, shingles, "
                                                      "MinHash, banding or stored_bits differ)"));
  }
  // Copied out under the other's lock and inserted under ours: never both at once, so
  // two indexes merging into each other cannot deadlock.
  const size_t b = m.lsh_options.banding.bands;
  std::vector<std::string> merged_ids;
  std::vector<uint64_t> words;
  size_t packed_words = 0;
  {
    std::shared_lock<RwLock> l(o.mu);
    merged_ids.reserve(o.ids.size());
    o.ids.ForEach([&](uint32_t h) {
      const MinHashLsh<uint32_t>::StoredDocument d = o.lsh->Stored(h);
      packed_words = d.packed.size();
      merged_ids.emplace_back(o.ids.Get(h));
      words.insert(words.end(), d.band_keys.begin(), d.band_keys.end());
      words.insert(words.end(), d.packed.begin(), d.packed.end());
    });
  }
  CrawlerMergeResult result;
  absl::Status stopped;  // the document limit was reached (what was inserted stays)
  uint64_t observed;
  {
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.CheckWritable(); !s.ok()) return s;
    for (size_t i = 0; i < merged_ids.size(); ++i) {
      if (m.ids.Find(merged_ids[i]) != IdTable::kNone) {
        ++result.already_present;
        continue;
      }
      if (absl::Status s = m.CheckRoom(); !s.ok()) {
        stopped = absl::Status(s.code(), absl::StrCat("merge stopped after inserting ", result.inserted, " of ",
                                                      merged_ids.size(), " documents: ", s.message()));
        break;
      }
      const std::span<const uint64_t> doc(words.data() + i * (b + packed_words), b + packed_words);
      if (absl::Status s = m.ApplyInsert(merged_ids[i], doc.first(b), doc.subspan(b)); !s.ok()) return s;
      m.log.Append(kRecordInsert, merged_ids[i], doc.first(b), doc.subspan(b));
      ++result.inserted;
    }
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  if (!stopped.ok()) return stopped;
  return result;
}

absl::Status CrawlerIndex::Checkpoint() {
  Impl& m = *impl_;
  // Holding write_mu freezes the state (changes wait) while queries go on.
  std::lock_guard<std::mutex> w(m.write_mu);
  const uint64_t start_seq = m.log.last_appended() + 1;
  m.log.BeginExclusive();
  absl::Status s = internal::WriteCrawlerSnapshot(m.path, *m.lsh, m.signer_options, m.ids, start_seq);
  if (!s.ok()) {
    // The old snapshot and log still hold everything: carry on with them.
    m.log.EndExclusive(-1, 0, absl::OkStatus());
    return s;
  }
  if (absl::Status s = internal::ReplaceLogAfterSnapshot(&m.log, m.log_format, start_seq); !s.ok()) return s;
  m.checkpoints.fetch_add(1);
  return absl::OkStatus();
}

absl::Status CrawlerIndex::Sync() { return impl_->log.SyncAll(); }

CrawlerIndexStats CrawlerIndex::Stats() const {
  const Impl& m = *impl_;
  CrawlerIndexStats s;
  {
    std::shared_lock<RwLock> l(m.mu);
    s.documents = m.lsh->size();
    s.lsh = m.lsh->Stats();
    s.id_bytes = m.ids.live_bytes();
    s.id_memory_bytes = m.ids.MemoryBytes();
    s.free_handles = m.ids.free_handles();
    s.next_sequence = m.log.last_appended() + 1;
  }
  m.log.Counts(&s.log_bytes, &s.log_records);
  s.checkpoints = m.checkpoints.load();
  return s;
}

}  // namespace neardup
