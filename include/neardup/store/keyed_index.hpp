// A string-keyed MinHash LSH index in memory (the Python package's LSHIndex): a
// MinHashLsh whose documents are named by string keys, saved as a crawler index
// snapshot (store/crawler_index.hpp, object type 3) so that `neardup index stats|query|
// check|add` and CrawlerIndex::Open read it, and loaded from one, whoever wrote it.
//
//   auto index = neardup::KeyedMinHashLsh::Create(signer_options, {.minhash = signer_options.minhash,
//                                                                  .banding = {9, 13}, .stored_bits = 8});
//   index->Insert("https://a.example/", signer.Sign(text).minhash);
//   std::vector<std::string_view> keys;
//   index->Query(signer.Sign(other).minhash, &keys);
//   index->Save("pages.ndidx");    // then: neardup index query pages.ndidx new.jsonl
//
// Unlike CrawlerIndex it keeps no log and takes no lock while open: it is a value that
// one thread changes (queries may run from many threads while nothing changes).
// Keys are as CrawlerIndex ids: 1 byte to kCrawlerMaxIdBytes, any bytes.
// Save writes the snapshot and an empty log beside it ("<path>.log"), atomically each,
// as a new crawler index has; it refuses (FailedPrecondition) while a CrawlerIndex has
// the path open. Load reads a snapshot whose log holds no changes after it (a log with
// records is refused with FailedPrecondition: checkpoint the index first), checked as
// CrawlerIndex::Open checks it (DataLoss naming the section and byte offset).
#ifndef NEARDUP_STORE_KEYED_INDEX_HPP_
#define NEARDUP_STORE_KEYED_INDEX_HPP_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/signature/minhash.hpp"
#include "neardup/signature/signer.hpp"

namespace neardup {

struct KeyedMatch {
  std::string_view key;  // valid until the index changes
  double jaccard = 0;    // estimated from the stored signatures
};

class KeyedMinHashLsh {
 public:
  // signer: the options the signatures come from (stored in the file; SimHash is not
  // used). options.minhash must be signer.minhash and stored_bits 1..32 (the crawler
  // index's range). InvalidArgument otherwise.
  static absl::StatusOr<KeyedMinHashLsh> Create(const SignerOptions& signer, const MinHashLshOptions& options);
  // Parameters come from the file.
  static absl::StatusOr<KeyedMinHashLsh> Load(const std::string& path);

  KeyedMinHashLsh(KeyedMinHashLsh&&) noexcept;
  KeyedMinHashLsh& operator=(KeyedMinHashLsh&&) noexcept;
  ~KeyedMinHashLsh();

  // AlreadyExists for a key already indexed, InvalidArgument for a bad key or a
  // signature with other parameters, FailedPrecondition for an empty signature.
  absl::Status Insert(std::string_view key, const MinHashSignature& signature);
  // NotFound if the key is not indexed.
  absl::Status Remove(std::string_view key);
  // Keys of the documents sharing a band with the signature, in handle order.
  absl::Status Query(const MinHashSignature& signature, std::vector<std::string_view>* keys) const;
  // The k candidates with the highest estimated Jaccard (at least min_jaccard), highest
  // first, ties by key.
  absl::StatusOr<std::vector<KeyedMatch>> QueryTopK(const MinHashSignature& signature, size_t k,
                                                    double min_jaccard) const;
  bool Contains(std::string_view key) const;
  size_t size() const;

  const SignerOptions& signer() const noexcept;
  const MinHashLshOptions& options() const noexcept;

  absl::Status Save(const std::string& path) const;

 private:
  struct Impl;
  explicit KeyedMinHashLsh(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup

#endif  // NEARDUP_STORE_KEYED_INDEX_HPP_
