// SimHashCrawlerIndex: opening, recovery, changes, queries and checkpoints. It shares
// its pieces with the MinHash store: id_table.hpp (string ids), rw_lock.hpp (the
// writer-preferring lock) and log.hpp (the append-only log, group commit, reads); the
// file formats are documented in store/simhash_crawler_index.hpp.
#include "neardup/store/simhash_crawler_index.hpp"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "id_table.hpp"
#include "log.hpp"
#include "neardup/io/format.hpp"
#include "neardup/io/internal/header_fields.hpp"
#include "rw_lock.hpp"

namespace neardup {
namespace {

using internal::AppendLe32;
using internal::AppendLe64;
using internal::ErrnoError;
using internal::FormatError;
using internal::IdTable;
using internal::kRecordInsert;
using internal::kRecordRemove;
using internal::LoadLe32;
using internal::LoadLe64;
using internal::Log;
using internal::RwLock;
using internal::ShownId;
using internal::StoreLe32;
using internal::StoreLe64;

constexpr uint32_t kSnapshotVersion = 1;
constexpr size_t kHeaderBytes = 128;
constexpr size_t kHeaderChecksumOffset = 120;
constexpr size_t kSectionHeaderBytes = 32;
constexpr uint32_t kTagFingerprints = 18;
constexpr uint32_t kTagIds = 16;
constexpr ObjectType kLogType = ObjectType::kSimHashCrawlerLog;

using internal::ValidateId;  // id_table.hpp, shared with the MinHash store

absl::Status EmptyText(std::string_view id) {
  return absl::FailedPreconditionError(absl::StrCat(
      "document ", ShownId(id), " has no shingles (empty after normalization); empty documents are not indexed"));
}

// The index needs SimHash only, and only the fields a SimHash depends on are stored.
SignerOptions SimHashOnly(SignerOptions o) {
  o.compute_minhash = false;
  o.compute_simhash = true;
  o.minhash = MinHashParams{};
  return o;
}

uint64_t OptionsFingerprint(const SimHashCrawlerIndexOptions& o) {
  std::string b = "simhash crawler";
  AppendLe32(&b, o.signer.normalize.Bits());
  b.push_back(static_cast<char>(o.signer.shingle.kind));
  AppendLe32(&b, o.signer.shingle.n);
  AppendLe64(&b, o.signer.shingle.seed);
  AppendLe64(&b, o.signer.simhash_seed);
  AppendLe32(&b, static_cast<uint32_t>(o.max_distance));
  AppendLe32(&b, static_cast<uint32_t>(o.num_blocks));
  return XXH3_64bits(b.data(), b.size());
}

// Signers for callers that pass text: one per concurrent caller, reused.
class SignerPool {
 public:
  explicit SignerPool(const SignerOptions& options) : options_(options) {}

  // The fingerprint, or nullopt for a text without shingles.
  std::optional<uint64_t> Sign(std::string_view text) {
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
    if (sig.empty()) return std::nullopt;
    return sig.simhash;
  }

 private:
  SignerOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Signer>> free_;
};

// Appends a 32-byte section header and its payload.
void AppendSection(std::string* out, uint32_t tag, uint64_t elements, std::string_view payload) {
  char h[kSectionHeaderBytes] = {};
  StoreLe32(h, tag);
  StoreLe32(h + 4, 0);
  StoreLe64(h + 8, payload.size());
  StoreLe64(h + 16, elements);
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  XXH3_64bits_update(st, h, 24);
  XXH3_64bits_update(st, payload.data(), payload.size());
  StoreLe64(h + 24, XXH3_64bits_digest(st));
  XXH3_freeState(st);
  out->append(h, kSectionHeaderBytes);
  out->append(payload);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoError(path, "cannot open", errno);
  std::string bytes;
  char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes.append(buf, got);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return ErrnoError(path, "read failed", EIO);
  return bytes;
}

// Checks the header of a snapshot held in `bytes` (the whole file, or its start when
// only the header is wanted) and decodes it.
absl::Status DecodeHeader(std::string_view bytes, const std::string& path, SimHashCrawlerIndexInfo* info) {
  internal::HeaderPrefix prefix;
  if (absl::Status s = internal::CheckHeader(bytes, path, {kObjectTypeSimHashCrawlerSnapshot}, kSnapshotVersion,
                                             kHeaderBytes, kHeaderChecksumOffset, &prefix);
      !s.ok()) {
    return s;
  }
  const char* h = bytes.data();
  auto bad = [&](absl::StatusCode code, uint64_t at, const std::string& what) {
    return FormatError(code, path, "header", at, what);
  };
  if (LoadLe32(h + 16) != 0) return bad(absl::StatusCode::kFailedPrecondition, 16, "unknown flags");
  if (LoadLe32(h + 20) != kHeaderBytes) {
    return bad(absl::StatusCode::kDataLoss, 20, absl::StrCat("header size ", LoadLe32(h + 20), ", expected 128"));
  }
  info->format_version = prefix.version;
  SignerOptions& signer = info->options.signer;
  if (std::optional<internal::HeaderFieldError> e = internal::DecodeSignerFields(h, &signer)) {
    return bad(e->code, e->offset, e->what);
  }
  signer = SimHashOnly(signer);
  signer.simhash_seed = LoadLe64(h + 56);
  if (LoadLe32(h + 64) != 64) {
    return bad(absl::StatusCode::kFailedPrecondition, 64,
               absl::StrCat("fingerprints of ", LoadLe32(h + 64), " bits; this build reads 64-bit ones"));
  }
  info->options.max_distance = static_cast<int>(LoadLe32(h + 68));
  info->options.num_blocks = static_cast<int>(LoadLe32(h + 72));
  if (LoadLe32(h + 76) != 2) {
    return bad(absl::StatusCode::kDataLoss, 76, absl::StrCat("section count ", LoadLe32(h + 76), ", expected 2"));
  }
  info->documents = LoadLe64(h + 80);
  info->file_bytes = LoadLe64(h + 88);
  info->first_log_sequence = LoadLe64(h + 96);
  if (info->first_log_sequence == 0 || info->first_log_sequence == ~uint64_t{0}) {
    return bad(absl::StatusCode::kDataLoss, 96,
               absl::StrCat("first log sequence number ", info->first_log_sequence, " is not valid"));
  }
  if (absl::Status s = info->options.Validate(); !s.ok()) {
    return bad(absl::StatusCode::kDataLoss, 68, std::string(s.message()));
  }
  return absl::OkStatus();
}

// "max_distance expected 3, found 4; ..." for every parameter that differs.
std::string Mismatches(const SimHashCrawlerIndexOptions& want, const SimHashCrawlerIndexOptions& have) {
  std::vector<std::string> out;
  auto field = [&](std::string_view name, auto expected, auto found) {
    if (expected != found) out.push_back(absl::StrCat(std::string(name), " expected ", expected, ", found ", found));
  };
  field("normalization bits", want.signer.normalize.Bits(), have.signer.normalize.Bits());
  field("shingle kind", ShingleKindName(want.signer.shingle.kind), ShingleKindName(have.signer.shingle.kind));
  field("shingle n", want.signer.shingle.n, have.signer.shingle.n);
  field("shingle seed", want.signer.shingle.seed, have.signer.shingle.seed);
  field("simhash seed", want.signer.simhash_seed, have.signer.simhash_seed);
  field("max_distance", want.max_distance, have.max_distance);
  field("num_blocks", want.num_blocks, have.num_blocks);
  return absl::StrJoin(out, "; ");
}

}  // namespace

// ---------------------------------------------------------------------------------

absl::Status SimHashCrawlerIndexOptions::Validate() const {
  if (absl::Status s = signer.shingle.Validate(); !s.ok()) return s;
  if (max_distance < 0 || max_distance > kMaxSimHashDistance) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_distance must be in [0, ", kMaxSimHashDistance, "], got ", max_distance));
  }
  if (num_blocks != 0) {
    if (absl::Status s = SimHashPlan::Create(max_distance, num_blocks).status(); !s.ok()) return s;
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

absl::StatusOr<SimHashCrawlerIndexInfo> ReadSimHashCrawlerIndexInfo(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoError(path, "cannot open", errno);
  char h[kHeaderBytes];
  const size_t got = std::fread(h, 1, sizeof(h), f);
  std::fclose(f);
  SimHashCrawlerIndexInfo info;
  if (absl::Status s = DecodeHeader(std::string_view(h, got), path, &info); !s.ok()) return s;
  return info;
}

struct SimHashCrawlerIndex::Impl {
  Impl(const std::string& p, const SimHashCrawlerIndexOptions& o)
      : path(p), log_path(p + ".log"), options(o), signers(SimHashOnly(o.signer)), log(o.sync, o.sync_every) {
    options.signer = SimHashOnly(o.signer);
    fingerprint = OptionsFingerprint(options);
  }

  ~Impl() {
    if (sim.has_value()) log.Close(options.sync != SyncPolicy::kNever);
    if (lock_fd >= 0) ::close(lock_fd);  // releases the flock, last
  }

  absl::Status Open();
  absl::Status WriteSnapshot(uint64_t first_log_sequence);
  absl::Status LoadSnapshot(uint64_t* start_seq);
  absl::Status ApplyInsert(std::string_view id, uint64_t fp);
  absl::Status ApplyRemove(std::string_view id);
  // The near-duplicates of fp; the caller holds mu or write_mu.
  void Match(uint64_t fp, std::vector<SimHashMatch>* scratch, std::vector<SimHashCrawlerMatch>* out) const;
  // Inserts an id that is not present and logs it; the caller holds write_mu.
  absl::Status InsertLocked(std::string_view id, uint64_t fp);
  absl::Status CheckRoom() const {
    if (options.max_documents == 0 || ids.size() < options.max_documents) return absl::OkStatus();
    return absl::ResourceExhaustedError(
        absl::StrCat("the index holds its limit of ", options.max_documents,
                     " documents (SimHashCrawlerIndexOptions::max_documents); remove documents or open it with a "
                     "higher limit"));
  }

  std::string path;
  std::string log_path;
  SimHashCrawlerIndexOptions options;
  uint64_t fingerprint = 0;
  CrawlerRecovery recovery;
  int lock_fd = -1;
  mutable SignerPool signers;

  // As in the MinHash store: changes hold write_mu throughout and mu exclusively while
  // they modify sim or ids; readers hold mu shared.
  std::mutex write_mu;
  mutable RwLock mu;
  std::optional<SimHashIndex> sim;
  IdTable ids;
  mutable Log log;
  internal::LogFormat log_format;  // set by Open
  std::vector<SimHashMatch> change_scratch;  // under write_mu
  std::atomic<uint64_t> checkpoints{0};
};

absl::Status SimHashCrawlerIndex::Impl::ApplyInsert(std::string_view id, uint64_t fp) {
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  if (ids.Find(id) != IdTable::kNone) {
    return absl::AlreadyExistsError(absl::StrCat("document ", ShownId(id), " is already in the index"));
  }
  std::unique_lock<RwLock> l(mu);
  absl::StatusOr<uint32_t> h = ids.Add(id);
  if (!h.ok()) return h.status();
  if (absl::Status s = sim->Insert(*h, fp); !s.ok()) {
    ids.Remove(*h);
    return s;
  }
  return absl::OkStatus();
}

absl::Status SimHashCrawlerIndex::Impl::ApplyRemove(std::string_view id) {
  const uint32_t h = ids.Find(id);
  if (h == IdTable::kNone) return absl::NotFoundError(absl::StrCat("document ", ShownId(id), " is not in the index"));
  std::unique_lock<RwLock> l(mu);
  if (absl::Status s = sim->Remove(h); !s.ok()) return s;
  ids.Remove(h);
  return absl::OkStatus();
}

void SimHashCrawlerIndex::Impl::Match(uint64_t fp, std::vector<SimHashMatch>* scratch,
                                      std::vector<SimHashCrawlerMatch>* out) const {
  out->clear();
  (void)sim->Query(fp, options.max_distance, scratch);  // the distance is always in range
  if (scratch->empty()) return;
  out->reserve(scratch->size());
  for (const SimHashMatch& m : *scratch) out->push_back({std::string(ids.Get(static_cast<uint32_t>(m.id))), m.distance});
  std::sort(out->begin(), out->end(), [](const SimHashCrawlerMatch& a, const SimHashCrawlerMatch& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
  if (out->size() > options.max_results) out->resize(options.max_results);
}

absl::Status SimHashCrawlerIndex::Impl::InsertLocked(std::string_view id, uint64_t fp) {
  if (absl::Status s = CheckRoom(); !s.ok()) return s;
  {
    std::unique_lock<RwLock> l(mu);
    absl::StatusOr<uint32_t> h = ids.Add(id);
    if (!h.ok()) return h.status();
    if (absl::Status s = sim->Insert(*h, fp); !s.ok()) {
      ids.Remove(*h);
      return s;
    }
  }
  log.Append(kRecordInsert, id, std::span<const uint64_t>(&fp, 1));
  return absl::OkStatus();
}

absl::Status SimHashCrawlerIndex::Impl::WriteSnapshot(uint64_t first_log_sequence) {
  const uint32_t handles = ids.handles();
  std::string fps(8 * size_t{handles}, '\0');
  const std::span<const uint64_t> slot_ids = sim->ids(), slot_fps = sim->fingerprints();
  for (size_t s = 0; s < slot_ids.size(); ++s) StoreLe64(&fps[8 * slot_ids[s]], slot_fps[s]);
  std::string body;
  AppendSection(&body, kTagFingerprints, handles, fps);
  std::string().swap(fps);
  AppendSection(&body, kTagIds, handles, ids.Encode());
  std::string header(kHeaderBytes, '\0');
  internal::EncodeHeaderPrefix(ObjectType::kSimHashCrawlerSnapshot, kSnapshotVersion, header.data());
  StoreLe32(&header[20], kHeaderBytes);
  MinHashParams no_minhash;  // the MinHash fields of the shared header layout stay 0
  no_minhash.algorithm = static_cast<MinHashAlgorithm>(0);
  no_minhash.num_perm = 0;
  no_minhash.seed = 0;
  internal::EncodeSignerFields(options.signer.normalize, options.signer.shingle, no_minhash, header.data());
  StoreLe64(&header[56], options.signer.simhash_seed);
  StoreLe32(&header[64], 64);
  StoreLe32(&header[68], static_cast<uint32_t>(options.max_distance));
  StoreLe32(&header[72], static_cast<uint32_t>(options.num_blocks));
  StoreLe32(&header[76], 2);
  StoreLe64(&header[80], ids.size());
  StoreLe64(&header[88], kHeaderBytes + body.size());
  StoreLe64(&header[96], first_log_sequence);
  internal::SealHeader(header.data(), kHeaderChecksumOffset);
  return internal::WriteFileAtomically(path, [&](internal::ByteSink& out) {
    if (absl::Status s = out.Write(header.data(), header.size()); !s.ok()) return s;
    return out.Write(body.data(), body.size());
  });
}

absl::Status SimHashCrawlerIndex::Impl::LoadSnapshot(uint64_t* start_seq) {
  absl::StatusOr<std::string> file = ReadWholeFile(path);
  if (!file.ok()) return file.status();
  const std::string& bytes = *file;
  SimHashCrawlerIndexInfo info;
  if (absl::Status s = DecodeHeader(bytes, path, &info); !s.ok()) return s;
  if (const std::string diff = Mismatches(options, info.options); !diff.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the index was built with other parameters than expected: ", diff));
  }
  if (info.file_bytes != bytes.size()) {
    return FormatError(absl::StatusCode::kDataLoss, path, "header", 88,
                       absl::StrCat("the header says the file is ", info.file_bytes, " bytes, it is ", bytes.size(),
                                    info.file_bytes > bytes.size() ? " (truncated)" : ""));
  }
  // The two sections, each checked before its payload is used.
  struct Section {
    uint32_t tag;
    const char* name;
    uint64_t elements = 0;
    uint64_t at = 0;  // payload offset
    std::string payload;
  } sections[2] = {{kTagFingerprints, "SimHash fingerprints", 0, 0, {}}, {kTagIds, "crawler ids", 0, 0, {}}};
  uint64_t at = kHeaderBytes;
  for (Section& sec : sections) {
    auto bad = [&](uint64_t offset, std::string_view what) {
      return FormatError(absl::StatusCode::kDataLoss, path, absl::StrCat(sec.name, " section"), offset, what);
    };
    if (bytes.size() - at < kSectionHeaderBytes) {
      return bad(at, absl::StrCat("truncated: ", bytes.size() - at, " bytes left, a section header is 32"));
    }
    const char* h = bytes.data() + at;
    if (LoadLe32(h) != sec.tag || LoadLe32(h + 4) != 0) {
      return bad(at, absl::StrCat("section tag ", LoadLe32(h), " index ", LoadLe32(h + 4), ", expected tag ",
                                  sec.tag, " index 0"));
    }
    const uint64_t length = LoadLe64(h + 8);
    if (length > bytes.size() - at - kSectionHeaderBytes) {
      return bad(at + 8, absl::StrCat("payload of ", length, " bytes, only ", bytes.size() - at - kSectionHeaderBytes,
                                      " follow"));
    }
    XXH3_state_t* st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, h, 24);
    XXH3_64bits_update(st, h + kSectionHeaderBytes, length);
    const uint64_t computed = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    if (computed != LoadLe64(h + 24)) {
      return bad(at + 24, internal::ChecksumMismatch(at, at + kSectionHeaderBytes + length, LoadLe64(h + 24), computed));
    }
    sec.elements = LoadLe64(h + 16);
    sec.at = at + kSectionHeaderBytes;
    sec.payload.assign(h + kSectionHeaderBytes, length);
    at += kSectionHeaderBytes + length;
  }
  if (at != bytes.size()) {
    return FormatError(absl::StatusCode::kDataLoss, path, "end of file", at,
                       absl::StrCat(bytes.size() - at, " bytes after the last section"));
  }
  const Section& fps = sections[0];
  const Section& id_section = sections[1];
  if (fps.payload.size() != 8 * fps.elements || fps.elements != id_section.elements) {
    return FormatError(absl::StatusCode::kDataLoss, path, "SimHash fingerprints section", fps.at,
                       absl::StrCat(fps.elements, " fingerprints in ", fps.payload.size(), " bytes for ",
                                    id_section.elements, " id handles"));
  }
  if (absl::Status s = ids.Decode(id_section.payload, id_section.elements, id_section.at, path); !s.ok()) return s;
  if (ids.size() != info.documents) {
    return FormatError(absl::StatusCode::kDataLoss, path, "crawler ids section", id_section.at,
                       absl::StrCat(ids.size(), " ids, the header says ", info.documents, " documents"));
  }
  std::vector<uint64_t> handles, values;
  handles.reserve(ids.size());
  values.reserve(ids.size());
  ids.ForEach([&](uint32_t h) {
    handles.push_back(h);
    values.push_back(LoadLe64(&fps.payload[8 * size_t{h}]));
  });
  absl::StatusOr<SimHashIndex> built = SimHashIndex::Build(
      {.max_distance = options.max_distance, .num_blocks = options.num_blocks}, handles, values);
  if (!built.ok()) return built.status();
  sim.emplace(*std::move(built));
  *start_seq = info.first_log_sequence;
  recovery.snapshot_documents = ids.size();
  return absl::OkStatus();
}

absl::Status SimHashCrawlerIndex::Impl::Open() {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<int> lock = internal::LockIndexFiles(path);
  if (!lock.ok()) return lock.status();
  lock_fd = *lock;
  auto create = [&]() -> absl::Status {
    absl::StatusOr<SimHashIndex> fresh =
        SimHashIndex::Create({.max_distance = options.max_distance, .num_blocks = options.num_blocks});
    if (!fresh.ok()) return fresh.status();
    sim.emplace(*std::move(fresh));
    return WriteSnapshot(1);
  };
  auto apply = [&](uint8_t type, std::string_view id, const char* words) {
    return type == kRecordRemove ? ApplyRemove(id) : ApplyInsert(id, LoadLe64(words));
  };
  log_format = {.log_path = log_path, .fingerprint = fingerprint, .type = kLogType, .insert_words = 1};
  return internal::OpenSnapshotAndLog(
      path, log_format, create, [&](uint64_t* start_seq) { return LoadSnapshot(start_seq); }, apply, &recovery, &log);
}

// ---------------------------------------------------------------------------------

SimHashCrawlerIndex::SimHashCrawlerIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimHashCrawlerIndex::~SimHashCrawlerIndex() = default;

absl::StatusOr<std::unique_ptr<SimHashCrawlerIndex>> SimHashCrawlerIndex::Open(
    const std::string& path, const SimHashCrawlerIndexOptions& options) {
  auto impl = std::make_unique<Impl>(path, options);
  if (absl::Status s = impl->Open(); !s.ok()) {
    impl->sim.reset();  // nothing to flush
    return s;
  }
  return std::unique_ptr<SimHashCrawlerIndex>(new SimHashCrawlerIndex(std::move(impl)));
}

const SimHashCrawlerIndexOptions& SimHashCrawlerIndex::options() const noexcept { return impl_->options; }
const CrawlerRecovery& SimHashCrawlerIndex::recovery() const noexcept { return impl_->recovery; }

absl::StatusOr<uint64_t> SimHashCrawlerIndex::Fingerprint(std::string_view text) const {
  const std::optional<uint64_t> fp = impl_->signers.Sign(text);
  if (!fp.has_value()) {
    return absl::FailedPreconditionError("the text has no shingles (empty after normalization)");
  }
  return *fp;
}

absl::Status SimHashCrawlerIndex::Insert(std::string_view id, std::string_view text) {
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  const std::optional<uint64_t> fp = impl_->signers.Sign(text);
  if (!fp.has_value()) return EmptyText(id);
  return InsertFingerprint(id, *fp);
}

absl::Status SimHashCrawlerIndex::InsertFingerprint(std::string_view id, uint64_t fingerprint) {
  Impl& m = *impl_;
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  uint64_t observed;
  absl::Status result;
  {
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.log.error(); !s.ok()) return s;
    if (m.ids.Find(id) != IdTable::kNone) {
      result = absl::AlreadyExistsError(absl::StrCat("document ", ShownId(id), " is already in the index"));
    } else {
      result = m.InsertLocked(id, fingerprint);
    }
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  return result;
}

absl::Status SimHashCrawlerIndex::Remove(std::string_view id) {
  Impl& m = *impl_;
  uint64_t observed;
  absl::Status result;
  {
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.log.error(); !s.ok()) return s;
    result = m.ApplyRemove(id);
    if (result.ok()) m.log.Append(kRecordRemove, id);
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  return result;
}

absl::StatusOr<std::vector<SimHashCrawlerMatch>> SimHashCrawlerIndex::Query(std::string_view text) const {
  const std::optional<uint64_t> fp = impl_->signers.Sign(text);
  if (!fp.has_value()) return std::vector<SimHashCrawlerMatch>{};  // no one's near-duplicate
  return Query(*fp);
}

std::vector<SimHashCrawlerMatch> SimHashCrawlerIndex::Query(uint64_t fingerprint) const {
  thread_local std::vector<SimHashMatch> scratch;
  std::vector<SimHashCrawlerMatch> out;
  std::shared_lock<RwLock> l(impl_->mu);
  impl_->Match(fingerprint, &scratch, &out);
  return out;
}

absl::StatusOr<SimHashQueryOrInsertResult> SimHashCrawlerIndex::QueryOrInsert(std::string_view id,
                                                                              std::string_view text) {
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  const std::optional<uint64_t> fp = impl_->signers.Sign(text);
  if (!fp.has_value()) return EmptyText(id);
  return QueryOrInsert(id, *fp);
}

absl::StatusOr<SimHashQueryOrInsertResult> SimHashCrawlerIndex::QueryOrInsert(std::string_view id,
                                                                              uint64_t fingerprint) {
  Impl& m = *impl_;
  if (absl::Status s = ValidateId(id); !s.ok()) return s;
  SimHashQueryOrInsertResult r;
  uint64_t observed;
  {
    // No other change can run until the insert: the query's answer still holds then.
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.log.error(); !s.ok()) return s;
    m.Match(fingerprint, &m.change_scratch, &r.duplicates);
    if (m.ids.Find(id) != IdTable::kNone) {
      r.already_present = true;
    } else if (r.duplicates.empty() || m.options.insert_duplicates) {
      if (absl::Status s = m.InsertLocked(id, fingerprint); !s.ok()) return s;
      r.inserted = true;
    }
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  return r;
}

bool SimHashCrawlerIndex::Contains(std::string_view id) const {
  std::shared_lock<RwLock> l(impl_->mu);
  return impl_->ids.Find(id) != IdTable::kNone;
}

size_t SimHashCrawlerIndex::size() const {
  std::shared_lock<RwLock> l(impl_->mu);
  return impl_->ids.size();
}

absl::StatusOr<CrawlerMergeResult> SimHashCrawlerIndex::Merge(const SimHashCrawlerIndex& other) {
  Impl& m = *impl_;
  const Impl& o = *other.impl_;
  if (&other == this) return absl::InvalidArgumentError("cannot merge an index into itself");
  if (o.fingerprint != m.fingerprint) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot merge ", o.path, " into ", m.path, ": they were made with other options: ",
                     Mismatches(m.options, o.options)));
  }
  // Copied out under the other's lock and inserted under ours: never both at once, so
  // two indexes merging into each other cannot deadlock.
  std::vector<std::string> merged_ids;
  std::vector<uint64_t> fps;
  {
    std::shared_lock<RwLock> l(o.mu);
    const std::span<const uint64_t> handles = o.sim->ids(), values = o.sim->fingerprints();
    merged_ids.reserve(handles.size());
    fps.assign(values.begin(), values.end());
    for (const uint64_t h : handles) merged_ids.emplace_back(o.ids.Get(static_cast<uint32_t>(h)));
  }
  CrawlerMergeResult result;
  absl::Status stopped;  // the document limit was reached (what was inserted stays)
  uint64_t observed;
  {
    std::lock_guard<std::mutex> w(m.write_mu);
    if (absl::Status s = m.log.error(); !s.ok()) return s;
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
      if (absl::Status s = m.InsertLocked(merged_ids[i], fps[i]); !s.ok()) return s;
      ++result.inserted;
    }
    observed = m.log.last_appended();
  }
  if (absl::Status s = m.log.WaitAcknowledged(observed); !s.ok()) return s;
  if (!stopped.ok()) return stopped;
  return result;
}

absl::Status SimHashCrawlerIndex::Checkpoint() {
  Impl& m = *impl_;
  // Holding write_mu freezes the state (changes wait) while queries go on.
  std::lock_guard<std::mutex> w(m.write_mu);
  const uint64_t start_seq = m.log.last_appended() + 1;
  m.log.BeginExclusive();
  absl::Status s = m.WriteSnapshot(start_seq);
  if (!s.ok()) {
    // The old snapshot and log still hold everything: carry on with them.
    m.log.EndExclusive(-1, 0, absl::OkStatus());
    return s;
  }
  if (absl::Status s = internal::ReplaceLogAfterSnapshot(&m.log, m.log_format, start_seq); !s.ok()) return s;
  m.checkpoints.fetch_add(1);
  return absl::OkStatus();
}

absl::Status SimHashCrawlerIndex::Sync() { return impl_->log.SyncAll(); }

SimHashCrawlerIndexStats SimHashCrawlerIndex::Stats() const {
  const Impl& m = *impl_;
  SimHashCrawlerIndexStats s;
  {
    std::shared_lock<RwLock> l(m.mu);
    s.documents = m.ids.size();
    s.id_bytes = m.ids.live_bytes();
    s.id_memory_bytes = m.ids.MemoryBytes();
    s.free_handles = m.ids.free_handles();
    s.num_blocks = m.sim->plan().num_blocks();
    s.tables = m.sim->plan().num_tables();
    s.next_sequence = m.log.last_appended() + 1;
  }
  m.log.Counts(&s.log_bytes, &s.log_records);
  s.checkpoints = m.checkpoints.load();
  return s;
}

}  // namespace neardup
