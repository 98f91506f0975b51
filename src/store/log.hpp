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
#include <thread>

#include "absl/functional/function_ref.h"
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
// in the order of the changes) and written by whichever waiting caller gets there
// first, for everyone appended so far (group commit). Every record is written before
// its change is acknowledged. Syncs: kEveryOp, the writing caller fdatasyncs before
// anyone is acknowledged; kEveryN, a sync thread fdatasyncs once sync_every records
// were written since the last sync, while appends and writes go on, and a caller waits
// for it only when its record would leave more than 2 x sync_every acknowledged records
// unsynced; kNever, the OS does (and Close / SyncAll).

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

class Log;

// Takes <path>.lock with a non-blocking flock and returns its fd (closing it releases
// the lock); FailedPrecondition naming both files when another opener holds it.
absl::StatusOr<int> LockIndexFiles(const std::string& path);

// What a log's records belong to.
struct LogFormat {
  std::string log_path;
  uint64_t fingerprint = 0;  // of the options the records depend on
  ObjectType type = ObjectType::kCrawlerLog;
  size_t insert_words = 0;  // 8-byte words after the id in an insert record
};

// Applies one record: an insert (kRecordInsert; `words` holds the insert_words
// little-endian 8-byte words that follow the id) or a remove (kRecordRemove).
using ApplyRecord = absl::FunctionRef<absl::Status(uint8_t type, std::string_view id, const char* words)>;

// Where replay stopped.
struct LogReplay {
  uint64_t first_seq = 0;  // the log header's first sequence number
  uint64_t last_seq = 0;   // the last one the index now holds (start_seq - 1 when none)
  uint64_t good_end = 0;   // byte offset after the last intact record
  uint64_t records = 0;    // intact records in the file
};

// Reads the log open on `fd` from its header on: checks the header (format, options,
// that it starts no later than start_seq), applies every intact record numbered
// start_seq or later and skips the earlier ones (a checkpoint interrupted before the
// log was replaced), and stops at the first torn or corrupt record, which it notes in
// *recovery (the caller cuts it off). A record that is intact but does not apply means
// the files do not belong together: DataLoss naming the record and its byte offset.
absl::Status ReplayLog(int fd, const LogFormat& format, uint64_t start_seq, ApplyRecord apply,
                       CrawlerRecovery* recovery, LogReplay* out);

// Opens a store's snapshot and log (the layout of store/crawler_index.hpp). With no
// snapshot: `create` makes an empty index and writes its snapshot (the log then starts
// at sequence 1), unless a log exists (refused). Otherwise `load` reads the snapshot
// and sets the first sequence number it does not hold; the log is replayed with
// `apply`, a torn tail cut off, and a log the snapshot already holds all of (a
// checkpoint interrupted before the log was replaced) started anew. On success `log`
// writes to the file from the last good record on.
absl::Status OpenSnapshotAndLog(const std::string& snapshot_path, const LogFormat& format,
                                absl::FunctionRef<absl::Status()> create,
                                absl::FunctionRef<absl::Status(uint64_t* start_seq)> load, ApplyRecord apply,
                                CrawlerRecovery* recovery, Log* log);

// A checkpoint's last step, between log->BeginExclusive() and the end of the
// exclusive section, once a snapshot holding every record before start_seq is durable:
// replaces the log with an empty one that starts there (records before start_seq in
// the old log would be skipped on replay anyway, so this is only tidying up) and ends
// the exclusive section. When the new log cannot be written, the old one goes on; when
// it was written but cannot be opened, nothing more can be logged (log->error()).
absl::Status ReplaceLogAfterSnapshot(Log* log, const LogFormat& format, uint64_t start_seq);

class Log {
 public:
  Log(SyncPolicy policy, uint32_t every) : policy_(policy), every_(every) {}
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;
  ~Log() {
    StopSyncThread();
    if (fd_ >= 0) ::close(fd_);
  }

  void Start(int fd, std::string path, uint64_t last_seq, uint64_t file_bytes, uint64_t records) {
    fd_ = fd;
    path_ = std::move(path);
    appended_.store(last_seq);
    written_ = synced_ = sync_point_ = last_seq;
    acknowledged_.store(last_seq);
    file_bytes_ = file_bytes;
    records_ = records;
    if (policy_ == SyncPolicy::kEveryN) sync_thread_ = std::thread([this] { SyncLoop(); });
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
    StopSyncThread();
    (void)Wait(last_appended(), sync);
    std::lock_guard<std::mutex> l(mu_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Checkpoint: waits for the writing caller and the sync thread to finish and keeps
  // others from writing or syncing.
  void BeginExclusive() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return !busy_ && !syncing_; });
    busy_ = true;
    exclusive_ = true;
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
      written_ = synced_ = sync_point_ = appended_.load();
      sync_wanted_ = false;
      acknowledged_.store(written_);
      file_bytes_ = header_bytes;
      records_ = 0;
      error_ = absl::OkStatus();
    }
    if (!failure.ok()) error_ = failure;
    busy_ = false;
    exclusive_ = false;
    cv_.notify_all();
    sync_cv_.notify_one();
  }

  void Counts(uint64_t* file_bytes, uint64_t* records) {
    std::lock_guard<std::mutex> l(mu_);
    *file_bytes = file_bytes_ + pending_.size();
    *records = records_ + (appended_.load() - written_);
  }

 private:
  // kEveryN: how many written records may be acknowledged before they are synced.
  uint64_t UnsyncedAllowance() const { return 2 * uint64_t{every_}; }

  // Called with mu_ held after written_ or synced_ moved.
  void Advanced() {
    uint64_t ack = written_;
    if (policy_ == SyncPolicy::kEveryOp) {
      ack = synced_;
    } else if (policy_ == SyncPolicy::kEveryN) {
      ack = std::min(written_, synced_ + UnsyncedAllowance());
      if (written_ - sync_point_ >= every_) {
        sync_point_ = written_;
        sync_wanted_ = true;
        sync_cv_.notify_one();
      }
    }
    acknowledged_.store(ack, std::memory_order_release);
    cv_.notify_all();
  }

  absl::Status Wait(uint64_t seq, bool need_sync) {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      if (!error_.ok()) return error_;
      const bool written = written_ >= seq;
      if (written && (need_sync ? synced_ >= seq
                                : policy_ != SyncPolicy::kEveryN || seq <= synced_ + UnsyncedAllowance())) {
        break;
      }
      if (written && !need_sync) {
        // kEveryN, and the sync thread lags behind: wait for it (Advanced asked for it).
        cv_.wait(l);
        continue;
      }
      if (busy_) {
        cv_.wait(l);
        continue;
      }
      // This caller writes what is pending (nothing, when only a sync is missing) and
      // syncs it when asked to; the others wait.
      busy_ = true;
      std::string batch;
      batch.swap(pending_);
      pending_.swap(spare_);
      const uint64_t target = appended_.load();
      const uint64_t records = target - written_;
      const int fd = fd_;
      l.unlock();
      absl::Status s = WriteFd(fd, batch.data(), batch.size(), path_);
      if (s.ok() && need_sync && ::fdatasync(fd) != 0) s = ErrnoError(path_, "log fdatasync failed", errno);
      l.lock();
      busy_ = false;
      if (!s.ok()) {
        error_ = s;
        cv_.notify_all();
        continue;
      }
      written_ = target;
      file_bytes_ += batch.size();
      records_ += records;
      if (need_sync) synced_ = std::max(synced_, target);
      Advanced();
      batch.clear();
      spare_.swap(batch);
    }
    return absl::OkStatus();
  }

  // kEveryN: fdatasyncs what was written whenever Advanced asks, concurrently with the
  // writes of later records (fdatasync and write on one file may run at once).
  void SyncLoop() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      sync_cv_.wait(l, [this] { return stop_ || (sync_wanted_ && !exclusive_ && error_.ok()); });
      if (stop_) return;
      sync_wanted_ = false;
      syncing_ = true;
      const uint64_t target = written_;
      const int fd = fd_;
      l.unlock();
      const bool ok = ::fdatasync(fd) == 0;
      const int err = errno;
      l.lock();
      syncing_ = false;
      if (!ok) {
        if (error_.ok()) error_ = ErrnoError(path_, "log fdatasync failed", err);
        cv_.notify_all();
        continue;
      }
      synced_ = std::max(synced_, target);
      Advanced();
    }
  }

  void StopSyncThread() {
    if (!sync_thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      sync_cv_.notify_one();
    }
    sync_thread_.join();
  }

  const SyncPolicy policy_;
  const uint32_t every_;
  std::atomic<uint64_t> appended_{0};
  std::atomic<uint64_t> acknowledged_{0};
  std::mutex mu_;
  std::condition_variable cv_;       // callers waiting for a write or sync, and checkpoints
  std::condition_variable sync_cv_;  // the sync thread, apart: appends need not wake it
  int fd_ = -1;
  std::string path_;
  std::string pending_;
  std::string spare_;
  bool busy_ = false;       // a caller is writing (or a checkpoint runs)
  bool exclusive_ = false;  // a checkpoint runs
  bool syncing_ = false;    // the sync thread is in fdatasync
  bool sync_wanted_ = false;
  bool stop_ = false;
  uint64_t written_ = 0;
  uint64_t synced_ = 0;
  uint64_t sync_point_ = 0;  // written_ when the last sync was asked for
  uint64_t file_bytes_ = 0;
  uint64_t records_ = 0;
  absl::Status error_;
  std::thread sync_thread_;
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
