// KeyedMinHashLsh (store/keyed_index.hpp): a MinHashLsh named by the crawler store's id
// table, kept in the crawler store's snapshot format.
#include "neardup/store/keyed_index.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "id_table.hpp"
#include "log.hpp"
#include "neardup/io/format.hpp"
#include "neardup/io/index_file.hpp"
#include "neardup/store/crawler_index.hpp"
#include "snapshot.hpp"

namespace neardup {

using internal::IdTable;
using internal::MinHashOnly;
using internal::ShownId;

struct KeyedMinHashLsh::Impl {
  SignerOptions signer;
  MinHashLshOptions options;
  std::optional<MinHashLsh<uint32_t>> lsh;
  IdTable ids;
};

namespace {

// The crawler index's rules for the parameters (CrawlerIndexOptions::Validate).
absl::Status ValidateKeyed(const SignerOptions& signer, const MinHashLshOptions& options) {
  if (!(options.minhash == signer.minhash)) {
    return absl::InvalidArgumentError("the index's MinHash parameters differ from the signer's");
  }
  CrawlerIndexOptions crawler;
  crawler.signer = signer;
  crawler.banding = options.banding;
  crawler.stored_bits = options.stored_bits;
  return crawler.Validate();
}

}  // namespace

KeyedMinHashLsh::KeyedMinHashLsh(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyedMinHashLsh::KeyedMinHashLsh(KeyedMinHashLsh&&) noexcept = default;
KeyedMinHashLsh& KeyedMinHashLsh::operator=(KeyedMinHashLsh&&) noexcept = default;
KeyedMinHashLsh::~KeyedMinHashLsh() = default;

absl::StatusOr<KeyedMinHashLsh> KeyedMinHashLsh::Create(const SignerOptions& signer, const MinHashLshOptions& options) {
  if (absl::Status s = ValidateKeyed(signer, options); !s.ok()) return s;
  absl::StatusOr<MinHashLsh<uint32_t>> lsh = MinHashLsh<uint32_t>::Create(options);
  if (!lsh.ok()) return lsh.status();
  auto impl = std::make_unique<Impl>();
  impl->signer = MinHashOnly(signer);
  impl->options = options;
  impl->lsh.emplace(*std::move(lsh));
  return KeyedMinHashLsh(std::move(impl));
}

absl::StatusOr<KeyedMinHashLsh> KeyedMinHashLsh::Load(const std::string& path) {
  absl::StatusOr<IndexFileInfo> info = ReadIndexFileInfo(path);
  if (!info.ok()) return info.status();
  if (info->object_type != kObjectTypeCrawlerIndex) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is a ", ObjectTypeName(info->object_type),
                                                      " file, not a crawler index snapshot (no keys)"));
  }
  const std::string log_path = path + ".log";
  struct stat st;
  if (::stat(log_path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) > internal::kLogHeaderBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": its log ", log_path, " holds ", static_cast<uint64_t>(st.st_size) - internal::kLogHeaderBytes,
                     " bytes of changes the snapshot may not have; checkpoint the index first "
                     "(CrawlerIndex::Checkpoint, or `neardup index add|remove|merge`)"));
  }
  auto impl = std::make_unique<Impl>();
  impl->signer = MinHashOnly(info->signer);
  impl->options = info->lsh;
  if (absl::Status s = ValidateKeyed(impl->signer, impl->options); !s.ok()) return s;
  absl::StatusOr<uint64_t> seq = internal::ReadCrawlerSnapshot(path, impl->signer, impl->options, &impl->lsh, &impl->ids);
  if (!seq.ok()) return seq.status();
  return KeyedMinHashLsh(std::move(impl));
}

absl::Status KeyedMinHashLsh::Save(const std::string& path) const {
  const Impl& m = *impl_;
  // A CrawlerIndex holds this lock while it has the files open.
  const std::string lock_path = path + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return internal::ErrnoError(lock_path, "cannot open", errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{lock_fd};
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": a crawler index is open there (", lock_path, " is locked)"));
    }
    return internal::ErrnoError(lock_path, "cannot lock", errno);
  }
  if (absl::Status s = internal::WriteCrawlerSnapshot(path, *m.lsh, m.signer, m.ids, 1); !s.ok()) return s;
  return internal::WriteFileAtomically(path + ".log",
                                       internal::EncodeLogHeader(1, internal::OptionsFingerprint(m.signer, m.options)));
}

absl::Status KeyedMinHashLsh::Insert(std::string_view key, const MinHashSignature& signature) {
  Impl& m = *impl_;
  if (absl::Status s = internal::ValidateId(key); !s.ok()) return s;
  if (m.ids.Find(key) != IdTable::kNone) {
    return absl::AlreadyExistsError(absl::StrCat("key ", ShownId(key), " is already indexed"));
  }
  if (signature.empty) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key ", ShownId(key), " has an empty MinHash signature (no shingles); empty documents are not indexed"));
  }
  absl::StatusOr<uint32_t> h = m.ids.Add(key);
  if (!h.ok()) return h.status();
  if (absl::Status s = m.lsh->Insert(*h, signature); !s.ok()) {
    m.ids.Remove(*h);
    return s;
  }
  return absl::OkStatus();
}

absl::Status KeyedMinHashLsh::Remove(std::string_view key) {
  Impl& m = *impl_;
  const uint32_t h = m.ids.Find(key);
  if (h == IdTable::kNone) return absl::NotFoundError(absl::StrCat("key ", ShownId(key), " is not indexed"));
  if (absl::Status s = m.lsh->Remove(h); !s.ok()) return s;
  m.ids.Remove(h);
  return absl::OkStatus();
}

absl::Status KeyedMinHashLsh::Query(const MinHashSignature& signature, std::vector<std::string_view>* keys) const {
  const Impl& m = *impl_;
  std::vector<uint32_t> handles;
  if (absl::Status s = m.lsh->Query(signature, &handles); !s.ok()) return s;
  keys->clear();
  keys->reserve(handles.size());
  for (const uint32_t h : handles) keys->push_back(m.ids.Get(h));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KeyedMatch>> KeyedMinHashLsh::QueryTopK(const MinHashSignature& signature, size_t k,
                                                                   double min_jaccard) const {
  const Impl& m = *impl_;
  absl::StatusOr<std::vector<ScoredCandidate<uint32_t>>> top = m.lsh->QueryTopK(signature, k, min_jaccard);
  if (!top.ok()) return top.status();
  std::vector<KeyedMatch> out;
  out.reserve(top->size());
  for (const ScoredCandidate<uint32_t>& c : *top) out.push_back({m.ids.Get(c.id), c.jaccard});
  return out;
}

bool KeyedMinHashLsh::Contains(std::string_view key) const { return impl_->ids.Find(key) != IdTable::kNone; }
size_t KeyedMinHashLsh::size() const { return impl_->ids.size(); }
const SignerOptions& KeyedMinHashLsh::signer() const noexcept { return impl_->signer; }
const MinHashLshOptions& KeyedMinHashLsh::options() const noexcept { return impl_->options; }

}  // namespace neardup
