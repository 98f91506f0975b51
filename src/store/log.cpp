// The crawler store's log: header codec and writes (log.hpp).
#include "log.hpp"

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

}  // namespace neardup::internal
