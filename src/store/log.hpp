// The crawler store's append-only log (store/crawler_index.hpp documents its layout):
// the header codec, group commit of records, and sequential reads for replay. Not API.
#ifndef NEARDUP_SRC_STORE_LOG_HPP_
#define NEARDUP_SRC_STORE_LOG_HPP_

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/io/format.hpp"
#include "neardup/signature/signer.hpp"
#include "neardup/store/crawler_index.hpp"

namespace neardup::internal {

inline constexpr uint32_t kLogFormatVersion = 1;
inline constexpr size_t kLogHeaderBytes = 64;
inline constexpr size_t kLogChecksumOffset = 56;
inline constexpr size_t kRecordHeaderBytes = 16;
inline constexpr size_t kRecordTrailerBytes = 8;
inline constexpr uint32_t kMaxLogPayload = 1u << 20;
inline constexpr uint8_t kRecordInsert = 1;
inline constexpr uint8_t kRecordRemove = 2;
inline constexpr size_t kLogReadChunk = 4u << 20;

// ---------------------------------------------------------------------------------
// The log: records are appended to a buffer under the index's writer lock (so they are
// in the order of the changes) and written, and synced per policy, by whichever
// waiting caller gets there first, for everyone appended so far (group commit).

// XXH3-64 of the options a log's records depend on; a log from other options is refused.
uint64_t OptionsFingerprint(const SignerOptions& signer, const MinHashLshOptions& lsh);

// The 64-byte log header (format version 1) of a MinHash crawler log (kCrawlerLog) or,
// laid out the same, a SimHash one (kSimHashCrawlerLog).
std::string EncodeLogHeader(uint64_t first_seq, uint64_t fingerprint, ObjectType type = ObjectType::kCrawlerLog);

// Checks a log header (new logs, and format version 1 logs stored as type 4) of object
// type `type` and its fingerprint; sets *first_seq. Errors name the log and the byte offset.
absl::Status CheckLogHeader(std::string_view header, const std::string& log_path, uint64_t fingerprint,
                            uint64_t* first_seq, ObjectType type = ObjectType::kCrawlerLog);

absl::Status WriteFd(int fd, const char* p, size_t n, const std::string& path);

class Log {
 public:
  Log(SyncPolicy policy, uint32_t every) : policy_(policy), every_(every) {}
  ~Log() {
    if (fd_ >= 0) ::close(fd_);
  }

  void Start(int fd, std::string path, uint64_t last_seq, uint64_t file_bytes, uint64_t records) {
    fd_ = fd;
    path_ = std::move(path);
    appended_.store(last_seq);
    written_ = synced_ = last_seq;
    acknowledged_.store(last_seq);
    file_bytes_ = file_bytes;
    records_ = records;
  }

  // The last sequence number appended. Changes only under the index's writer lock.
  uint64_t last_appended() const { return appended_.load(std::memory_order_acquire); }

  absl::Status error() {
    std::lock_guard<std::mutex> l(mu_);
    return error_;
  }

  // Appends one record; the caller holds the index's writer lock.
  uint64_t Append(uint8_t type, std::string_view id, std::span<const uint64_t> keys = {},
                  std::span<const uint64_t> packed = {}) {
    std::lock_guard<std::mutex> l(mu_);
    const uint64_t seq = appended_.load(std::memory_order_relaxed) + 1;
    const size_t start = pending_.size();
    const size_t payload = type == kRecordInsert ? 4 + id.size() + 8 * (keys.size() + packed.size()) : id.size();
    AppendLe32(&pending_, static_cast<uint32_t>(payload));
    pending_.push_back(static_cast<char>(type));
    pending_.append(3, '\0');
    AppendLe64(&pending_, seq);
    if (type == kRecordInsert) AppendLe32(&pending_, static_cast<uint32_t>(id.size()));
    pending_.append(id);
    for (const uint64_t k : keys) AppendLe64(&pending_, k);
    for (const uint64_t w : packed) AppendLe64(&pending_, w);
    AppendLe64(&pending_, XXH3_64bits(pending_.data() + start, pending_.size() - start));
    appended_.store(seq, std::memory_order_release);
    return seq;
  }

  // Returns once record `seq` is as durable as the policy promises.
  absl::Status WaitAcknowledged(uint64_t seq) {
    if (acknowledged_.load(std::memory_order_acquire) >= seq) return absl::OkStatus();
    return Wait(seq, policy_ == SyncPolicy::kEveryOp);
  }
  absl::Status SyncAll() { return Wait(last_appended(), true); }

  // Writes what is pending (and fdatasyncs it when `sync`), then closes the file.
  void Close(bool sync) {
    (void)Wait(last_appended(), sync);
    std::lock_guard<std::mutex> l(mu_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Checkpoint: waits for the writing caller to finish and keeps others from writing.
  void BeginExclusive() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return !busy_; });
    busy_ = true;
  }
  // Ends it. `new_fd` >= 0: a snapshot now holds every appended record, and new_fd is
  // the fresh log (header_bytes long) to write from now on. `failure`: the log can no
  // longer be trusted (the file was replaced but cannot be opened).
  void EndExclusive(int new_fd, uint64_t header_bytes, absl::Status failure) {
    std::lock_guard<std::mutex> l(mu_);
    if (new_fd >= 0) {
      ::close(fd_);
      fd_ = new_fd;
      pending_.clear();
      written_ = synced_ = appended_.load();
      acknowledged_.store(written_);
      unsynced_ = 0;
      file_bytes_ = header_bytes;
      records_ = 0;
      error_ = absl::OkStatus();
    }
    if (!failure.ok()) error_ = failure;
    busy_ = false;
    cv_.notify_all();
  }

  void Counts(uint64_t* file_bytes, uint64_t* records) {
    std::lock_guard<std::mutex> l(mu_);
    *file_bytes = file_bytes_ + pending_.size();
    *records = records_ + (appended_.load() - written_);
  }

 private:
  absl::Status Wait(uint64_t seq, bool need_sync) {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      if (!error_.ok()) return error_;
      if (written_ >= seq && (!need_sync || synced_ >= seq)) break;
      if (busy_) {
        cv_.wait(l);
        continue;
      }
      busy_ = true;
      std::string batch;
      batch.swap(pending_);
      pending_.swap(spare_);
      const uint64_t target = appended_.load();
      const uint64_t records = target - written_;
      const bool sync = need_sync || (policy_ == SyncPolicy::kEveryN && unsynced_ + records >= every_);
      const int fd = fd_;
      l.unlock();
      absl::Status s = WriteFd(fd, batch.data(), batch.size(), path_);
      if (s.ok() && sync && ::fdatasync(fd) != 0) s = ErrnoError(path_, "log fdatasync failed", errno);
      l.lock();
      busy_ = false;
      cv_.notify_all();
      if (!s.ok()) {
        error_ = s;
        continue;
      }
      written_ = target;
      file_bytes_ += batch.size();
      records_ += records;
      if (sync) {
        synced_ = target;
        unsynced_ = 0;
      } else {
        unsynced_ += records;
      }
      acknowledged_.store(policy_ == SyncPolicy::kEveryOp ? synced_ : written_, std::memory_order_release);
      batch.clear();
      spare_.swap(batch);
    }
    return absl::OkStatus();
  }

  const SyncPolicy policy_;
  const uint32_t every_;
  std::atomic<uint64_t> appended_{0};
  std::atomic<uint64_t> acknowledged_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int fd_ = -1;
  std::string path_;
  std::string pending_;
  std::string spare_;
  bool busy_ = false;  // a caller is writing (or a checkpoint runs)
  uint64_t written_ = 0;
  uint64_t synced_ = 0;
  uint64_t unsynced_ = 0;
  uint64_t file_bytes_ = 0;
  uint64_t records_ = 0;
  absl::Status error_;
};

// Sequential reads of the log with a bounded buffer.
class LogReader {
 public:
  LogReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  uint64_t size() const { return size_; }
  // The n bytes at `offset` (n <= the chunk size), or an error; offsets only grow.
  absl::StatusOr<const char*> At(uint64_t offset, size_t n, const std::string& path) {
    if (offset < base_ || offset + n > base_ + buf_.size()) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, kLogReadChunk), size_ - offset));
      buf_.resize(want);
      size_t got = 0;
      while (got < want) {
        const ssize_t r = ::pread(fd_, buf_.data() + got, want - got, static_cast<off_t>(offset + got));
        if (r < 0) {
          if (errno == EINTR) continue;
          return ErrnoError(path, "log read failed", errno);
        }
        if (r == 0) return absl::DataLossError(absl::StrCat(path, ": the log shrank while being read"));
        got += static_cast<size_t>(r);
      }
      base_ = offset;
    }
    return buf_.data() + (offset - base_);
  }

 private:
  int fd_;
  uint64_t size_;
  uint64_t base_ = 0;
  std::string buf_;
};

}  // namespace neardup::internal

#endif  // NEARDUP_SRC_STORE_LOG_HPP_
