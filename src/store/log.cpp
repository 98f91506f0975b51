// The crawler store's log: header codec, writes, replay and opening (log.hpp).
#include "log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <cerrno>

namespace neardup::internal {

uint64_t OptionsFingerprint(const SignerOptions& signer, const MinHashLshOptions& lsh) {
  std::string b;
  AppendLe32(&b, signer.normalize.Bits());
  b.push_back(static_cast<char>(signer.shingle.kind));
  AppendLe32(&b, signer.shingle.n);
  AppendLe64(&b, signer.shingle.seed);
  b.push_back(static_cast<char>(lsh.minhash.algorithm));
  AppendLe32(&b, lsh.minhash.num_perm);
  AppendLe64(&b, lsh.minhash.seed);
  AppendLe32(&b, lsh.banding.bands);
  AppendLe32(&b, lsh.banding.rows);
  AppendLe32(&b, lsh.stored_bits);
  return XXH3_64bits(b.data(), b.size());
}

std::string EncodeLogHeader(uint64_t first_seq, uint64_t fingerprint, ObjectType type) {
  std::string h(kLogHeaderBytes, '\0');
  EncodeHeaderPrefix(type, kLogFormatVersion, h.data());
  StoreLe64(&h[16], first_seq);
  StoreLe64(&h[24], fingerprint);
  SealHeader(h.data(), kLogChecksumOffset);
  return h;
}

absl::Status CheckLogHeader(std::string_view header, const std::string& log_path, uint64_t fingerprint,
                            uint64_t* first_seq, ObjectType type) {
  HeaderPrefix prefix;
  if (absl::Status s = CheckHeader(header, log_path, {static_cast<uint32_t>(type)}, kLogFormatVersion, kLogHeaderBytes,
                                   kLogChecksumOffset, &prefix, "log header");
      !s.ok()) {
    return s;
  }
  if (LoadLe64(header.data() + 24) != fingerprint) {
    return FormatError(absl::StatusCode::kFailedPrecondition, log_path, "log header", 24,
                       "the log was written by an index with other options than its snapshot");
  }
  *first_seq = LoadLe64(header.data() + 16);
  return absl::OkStatus();
}

absl::Status WriteFd(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(path, "log write failed", errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> LockIndexFiles(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(lock_path, "cannot open", errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": the index is already open (", lock_path, " is locked)"));
    }
    return ErrnoError(lock_path, "cannot lock", err);
  }
  return fd;
}

absl::Status ReplayLog(int fd, const LogFormat& format, uint64_t start_seq, ApplyRecord apply,
                       CrawlerRecovery* recovery, LogReplay* out) {
  const std::string& log_path = format.log_path;
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError(log_path, "cannot stat", errno);
  LogReader in(fd, static_cast<uint64_t>(st.st_size));
  // A file shorter than the header is refused by the check, which names its length.
  const size_t head = static_cast<size_t>(std::min<uint64_t>(in.size(), kLogHeaderBytes));
  absl::StatusOr<const char*> h = in.At(0, head, log_path);
  if (!h.ok()) return h.status();
  if (absl::Status s =
          CheckLogHeader(std::string_view(*h, head), log_path, format.fingerprint, &out->first_seq, format.type);
      !s.ok()) {
    return s;
  }
  if (out->first_seq == 0 || out->first_seq > start_seq) {
    return FormatError(absl::StatusCode::kDataLoss, log_path, "log header", 16,
                       absl::StrCat("the log starts at sequence number ", out->first_seq, ", the snapshot needs ",
                                    start_seq, " (records are missing)"));
  }
  uint64_t offset = kLogHeaderBytes;
  uint64_t seq = out->first_seq;
  out->records = 0;
  while (offset < in.size()) {
    const uint64_t left = in.size() - offset;
    std::string problem;
    const char* r = nullptr;
    uint32_t len = 0;
    if (left < kRecordHeaderBytes) {
      problem = absl::StrCat("incomplete record header (", left, " bytes)");
    } else {
      absl::StatusOr<const char*> p = in.At(offset, kRecordHeaderBytes, log_path);
      if (!p.ok()) return p.status();
      len = LoadLe32(*p);
      if (len > kMaxLogPayload) {
        problem = absl::StrCat("record length ", len, " is over the limit of ", kMaxLogPayload);
      } else if (left < kRecordHeaderBytes + len + kRecordTrailerBytes) {
        problem = absl::StrCat("incomplete record (", left, " of ", kRecordHeaderBytes + len + kRecordTrailerBytes,
                               " bytes)");
      } else {
        p = in.At(offset, kRecordHeaderBytes + len + kRecordTrailerBytes, log_path);
        if (!p.ok()) return p.status();
        r = *p;
        if (XXH3_64bits(r, kRecordHeaderBytes + len) != LoadLe64(r + kRecordHeaderBytes + len)) {
          problem = "record checksum mismatch";
        } else if (LoadLe64(r + 8) != seq) {
          problem = absl::StrCat("sequence number ", LoadLe64(r + 8), ", expected ", seq);
        } else if ((r[4] != kRecordInsert && r[4] != kRecordRemove) || r[5] != 0 || r[6] != 0 || r[7] != 0) {
          problem = absl::StrCat("unknown record type ", static_cast<int>(static_cast<uint8_t>(r[4])));
        }
      }
    }
    if (!problem.empty()) {
      recovery->log_bytes_dropped = in.size() - offset;
      recovery->log_tail_problem = absl::StrCat("byte offset ", offset, ": ", problem);
      break;
    }
    if (seq >= start_seq) {
      const char* payload = r + kRecordHeaderBytes;
      absl::Status s;
      if (r[4] == kRecordInsert) {
        const uint32_t id_len = len >= 4 ? LoadLe32(payload) : 0;
        if (len < 4 || uint64_t{len} != 4 + uint64_t{id_len} + 8 * uint64_t{format.insert_words}) {
          s = absl::DataLossError(absl::StrCat("insert record of ", len, " bytes does not fit this index"));
        } else {
          s = apply(kRecordInsert, std::string_view(payload + 4, id_len), payload + 4 + id_len);
        }
      } else {
        s = apply(kRecordRemove, std::string_view(payload, len), nullptr);
      }
      if (!s.ok()) {
        return absl::DataLossError(
            absl::StrCat(log_path, ": record ", seq, " at byte offset ", offset,
                         " cannot be replayed (does the log belong to this snapshot?): ", s.message()));
      }
      ++recovery->log_records_replayed;
    } else {
      ++recovery->log_records_skipped;
    }
    ++out->records;
    ++seq;
    offset += kRecordHeaderBytes + len + kRecordTrailerBytes;
  }
  out->last_seq = std::max(seq, start_seq) - 1;
  out->good_end = offset;
  return absl::OkStatus();
}

namespace {

absl::StatusOr<int> OpenForAppend(const std::string& log_path) {
  const int fd = ::open(log_path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0) return ErrnoError(log_path, "cannot open", errno);
  return fd;
}

}  // namespace

absl::Status OpenSnapshotAndLog(const std::string& snapshot_path, const LogFormat& format,
                                absl::FunctionRef<absl::Status()> create,
                                absl::FunctionRef<absl::Status(uint64_t* start_seq)> load, ApplyRecord apply,
                                CrawlerRecovery* recovery, Log* log) {
  const std::string& log_path = format.log_path;
  auto new_log = [&](uint64_t first_seq) {
    return WriteFileAtomically(log_path, EncodeLogHeader(first_seq, format.fingerprint, format.type));
  };
  struct stat st;
  const bool have_snapshot = ::stat(snapshot_path.c_str(), &st) == 0;
  const bool have_log = ::stat(log_path.c_str(), &st) == 0;
  uint64_t start_seq = 1;
  if (!have_snapshot) {
    if (have_log) {
      return absl::FailedPreconditionError(
          absl::StrCat(snapshot_path, ": no snapshot, but a log ", log_path, " exists; refusing to start over"));
    }
    if (absl::Status s = create(); !s.ok()) return s;
    if (absl::Status s = new_log(1); !s.ok()) return s;
    recovery->created = true;
  } else {
    if (absl::Status s = load(&start_seq); !s.ok()) return s;
    if (!have_log) {  // a crash between writing the first snapshot and its log
      if (absl::Status s = new_log(start_seq); !s.ok()) return s;
    }
  }
  absl::StatusOr<int> fd = OpenForAppend(log_path);
  if (!fd.ok()) return fd.status();
  LogReplay replay{.first_seq = start_seq, .last_seq = start_seq - 1, .good_end = kLogHeaderBytes};
  absl::Status s = ReplayLog(*fd, format, start_seq, apply, recovery, &replay);
  if (s.ok() && replay.first_seq != start_seq && recovery->log_records_replayed == 0) {
    // A checkpoint was interrupted after its snapshot: everything in this log is in the
    // snapshot, and the log may even end before it (records that were still in memory
    // went into the snapshot only). Start the log at the snapshot's sequence number, so
    // new records follow the snapshot without a gap.
    ::close(*fd);
    s = new_log(start_seq);
    if (!s.ok()) return s;
    fd = OpenForAppend(log_path);
    if (!fd.ok()) return fd.status();
    replay.last_seq = start_seq - 1;
    replay.good_end = kLogHeaderBytes;
    replay.records = 0;
  } else if (s.ok() && recovery->log_bytes_dropped != 0) {
    // Later records must follow the last good one, not the damage.
    if (::ftruncate(*fd, static_cast<off_t>(replay.good_end)) != 0 || ::fdatasync(*fd) != 0) {
      s = ErrnoError(log_path, "cannot cut off the damaged log tail", errno);
    }
  }
  if (!s.ok()) {
    ::close(*fd);
    return s;
  }
  log->Start(*fd, log_path, replay.last_seq, replay.good_end, replay.records);
  return absl::OkStatus();
}

absl::Status ReplaceLogAfterSnapshot(Log* log, const LogFormat& format, uint64_t start_seq) {
  if (absl::Status s =
          WriteFileAtomically(format.log_path, EncodeLogHeader(start_seq, format.fingerprint, format.type));
      !s.ok()) {
    log->EndExclusive(-1, 0, absl::OkStatus());
    return s;
  }
  const int fd = ::open(format.log_path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    const absl::Status s = ErrnoError(format.log_path, "cannot open the new log", errno);
    log->EndExclusive(-1, 0, s);  // the old file is gone: nothing more can be logged
    return s;
  }
  log->EndExclusive(fd, kLogHeaderBytes, absl::OkStatus());
  return absl::OkStatus();
}

}  // namespace neardup::internal
