// Stage 5b: a streaming MinHash LSH index (banding) for documents that arrive and leave
// one at a time, e.g. in a crawler.
//
// Input: (document id, MinHash signature). Output: the ids of indexed documents that
// share at least one band key with a query signature (lsh_params.hpp defines the keys),
// sorted and unique; with stored signatures, also the top k by estimated Jaccard.
//
//   auto index = neardup::MinHashLsh<>::Create({.minhash = params, .banding = {9, 13}});
//   absl::Status s = index->Insert(7, signature);
//   absl::StatusOr<std::vector<uint32_t>> ids = index->Query(other_signature);
//
// Layout (all plain vectors, so a later format can write them as they are):
//   - per band, one open-addressing table of 12-byte slots {64-bit key, 32-bit value}
//     (16 bytes for 64-bit ids), linear probing with every run of occupied slots kept
//     in key order (Amble and Knuth 1974's ordered hash table; the home slot is the
//     key's high bits, floor(key * capacity / 2^64), so the table as a whole is sorted).
//     Order lets a miss stop early, deletion shift back without tombstones and a resize
//     be one linear merge, so the table runs at 78-90% load (growth factor 1.15);
//   - the value is the document id itself when one document has the key, or (top bit
//     set) the offset of a sorted id list in a shared pool with power-of-two blocks and
//     free lists;
//   - optionally each document's b band keys and its signature, b-bit packed
//     (bbit.hpp), for QueryTopK and Remove(id).
// Measured at k = 128, b x r = 9 x 13: about 14 bytes per document per band without
// stored signatures (bench/index_bench.cpp). Removal returns slots and list blocks at
// once; tables shrink below 35% load and the pool is compacted when more than half free.
//
// Guarantees: results depend only on the set of indexed (id, signature) pairs, never on
// insertion order or process. Ids of a 32-bit index must be below 2^31 (2^63 for
// 64-bit): the top bit tags list offsets. Empty signatures (no shingles) are refused
// with FailedPrecondition: an empty document is no one's near-duplicate.
// Thread safety: const methods may run concurrently; Insert / Remove need exclusive
// access. Cost: Insert and Query hash b bands and probe b tables (one or two cache
// misses each); lists shared by many documents cost O(list) per change.
#ifndef NEARDUP_INDEX_MINHASH_LSH_HPP_
#define NEARDUP_INDEX_MINHASH_LSH_HPP_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "neardup/index/lsh_params.hpp"
#include "neardup/internal/lsh_tables.hpp"
#include "neardup/internal/mix.hpp"
#include "neardup/signature/bbit.hpp"
#include "neardup/signature/minhash.hpp"

namespace neardup {

struct MinHashLshOptions {
  MinHashParams minhash;  // signatures must have exactly these parameters
  LshParams banding;      // b x r with b * r <= minhash.num_perm
  // 0 keeps no signatures. 1, 2, 4, 8, 16 or 32 keeps each document's band keys and its
  // signature with that many bits per value (32: whole), which enables QueryTopK and
  // Remove(id) without the signature.
  uint32_t stored_bits = 0;
};

template <typename DocId>
struct ScoredCandidate {
  DocId id = 0;
  double jaccard = 0;  // estimated from the stored signatures
  friend bool operator==(const ScoredCandidate&, const ScoredCandidate&) = default;
};

struct MinHashLshStats {
  uint64_t documents = 0;
  uint64_t bands = 0;
  uint64_t band_entries = 0;    // distinct (band, key) pairs
  uint64_t shared_entries = 0;  // of which hold a list of two or more documents
  uint64_t table_bytes = 0;     // slot arrays, as allocated
  uint64_t list_bytes = 0;      // the id list pool, as allocated
  uint64_t stored_bytes = 0;    // stored band keys + signatures + the id map (estimate)
  // (table_bytes + list_bytes) / (documents * bands): the index without stored signatures.
  double BytesPerDocumentBand() const {
    return documents == 0 ? 0.0
                          : static_cast<double>(table_bytes + list_bytes) /
                                (static_cast<double>(documents) * static_cast<double>(bands));
  }
};


template <typename DocId = uint32_t>
class MinHashLsh {
  template <typename>
  friend struct internal::LshIndexAccess;
  static_assert(std::is_same_v<DocId, uint32_t> || std::is_same_v<DocId, uint64_t>,
                "document ids are uint32_t or uint64_t");
  using Table = internal::LshBandTable<DocId>;
  using Pool = internal::LshIdListPool<DocId>;

 public:
  // The top bit of a slot value tags a list offset, so ids stay below it.
  static constexpr DocId kListTag = DocId{1} << (sizeof(DocId) * 8 - 1);
  static constexpr DocId kMaxDocId = kListTag - 1;

  static absl::StatusOr<MinHashLsh> Create(const MinHashLshOptions& options) {
    if (absl::Status s = options.minhash.Validate(); !s.ok()) return s;
    if (absl::Status s = ValidateLshParams(options.banding, options.minhash.num_perm); !s.ok()) return s;
    if (options.stored_bits != 0 && !IsValidBBitWidth(options.stored_bits)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "stored_bits must be 0 (keep no signatures) or a b-bit width 1, 2, 4, 8, 16 or 32, got ",
          options.stored_bits));
    }
    return MinHashLsh(options);
  }

  const MinHashLshOptions& options() const noexcept { return options_; }
  size_t size() const noexcept { return num_docs_; }
  bool stores_signatures() const noexcept { return options_.stored_bits != 0; }

  // Adds a document. AlreadyExists if the id is indexed (with stored signatures: at all;
  // without: under one of this signature's band keys, the only place the index looks).
  absl::Status Insert(DocId id, const MinHashSignature& sig) {
    if (id > kMaxDocId) {
      return absl::OutOfRangeError(
          absl::StrCat("document id ", id, " exceeds the largest id this index stores (", kMaxDocId, ")"));
    }
    if (absl::Status s = CheckSignature(sig); !s.ok()) return s;
    if (sig.empty) {
      return absl::FailedPreconditionError(absl::StrCat(
          "document ", id, " has an empty MinHash signature (no shingles); empty documents are not indexed"));
    }
    if (stores_signatures() && record_of_.contains(id)) return AlreadyIndexed(id);
    keys_.resize(options_.banding.bands);
    ComputeLshBandKeys(sig.values, options_.banding.rows, band_seeds_, keys_);
    if (stores_signatures()) {
      // CompressBBit cannot fail: stored_bits was validated by Create.
      packed_ = std::move(CompressBBit(sig, options_.stored_bits)->words);
    }
    return InsertKeyed(id);
  }

  // Adds a document in its stored form (as Stored() returns it): its b band keys and its
  // signature packed stored_bits wide. This is how indexes are merged and logs replayed
  // without the full signatures. Needs stored signatures.
  absl::Status InsertStored(DocId id, std::span<const uint64_t> band_keys, std::span<const uint64_t> packed) {
    if (!stores_signatures()) {
      return absl::FailedPreconditionError(
          "InsertStored needs stored signatures (MinHashLshOptions::stored_bits)");
    }
    if (id > kMaxDocId) {
      return absl::OutOfRangeError(
          absl::StrCat("document id ", id, " exceeds the largest id this index stores (", kMaxDocId, ")"));
    }
    if (band_keys.size() != options_.banding.bands || packed.size() != packed_words_) {
      return absl::InvalidArgumentError(absl::StrCat("stored document ", id, " has ", band_keys.size(),
                                                     " band keys and ", packed.size(), " packed words, expected ",
                                                     options_.banding.bands, " and ", packed_words_));
    }
    // Unused high bits of the last word are 0 in every packed signature (bbit.hpp), and
    // the similarity estimate counts on it.
    if (packed.back() & ~LastWordMask()) {
      return absl::InvalidArgumentError(
          absl::StrCat("stored document ", id, " has bits set past the last packed value"));
    }
    if (record_of_.contains(id)) return AlreadyIndexed(id);
    keys_.assign(band_keys.begin(), band_keys.end());
    packed_.assign(packed.begin(), packed.end());
    return InsertKeyed(id);
  }

  // The stored form of an indexed document: its b band keys and its signature packed
  // stored_bits wide (bbit.hpp's layout). Empty spans when the id is not indexed or the
  // index keeps no signatures. Valid until the index next changes.
  struct StoredDocument {
    std::span<const uint64_t> band_keys;
    std::span<const uint64_t> packed;
  };
  StoredDocument Stored(DocId id) const {
    const auto it = record_of_.find(id);
    if (it == record_of_.end()) return {};
    const uint64_t* r = &records_[static_cast<size_t>(it->second) * record_words_];
    return {{r + 1, options_.banding.bands}, {r + 1 + options_.banding.bands, packed_words_}};
  }

 private:
  // Insert once keys_ (and, with stored signatures, packed_) hold the document's.
  absl::Status InsertKeyed(DocId id) {
    const uint32_t bands = options_.banding.bands;
    for (uint32_t i = 0; i < bands; ++i) tables_[i].Prefetch(keys_[i]);
    // Check every band before changing any, so a refused insert leaves no trace.
    size_t new_words = 0;
    for (uint32_t i = 0; i < bands; ++i) {
      const size_t pos = tables_[i].Find(keys_[i]);
      if (pos == Table::kNotFound) continue;
      const DocId v = tables_[i].value(pos);
      if (v & kListTag) {
        if (pool_.Contains(v & ~kListTag, id)) return AlreadyIndexed(id);
        new_words += pool_.GrowthWords(v & ~kListTag);
      } else {
        if (v == id) return AlreadyIndexed(id);
        new_words += Pool::BlockWords(2);
      }
    }
    if (pool_.used_words() + new_words > kMaxDocId - 1) {
      return absl::ResourceExhaustedError(absl::StrCat("the shared id lists of this index are full (",
                                                       pool_.used_words(), " words); use 64-bit ids"));
    }
    for (uint32_t i = 0; i < bands; ++i) {
      Table& t = tables_[i];
      const size_t pos = t.Find(keys_[i]);
      if (pos == Table::kNotFound) {
        t.Insert(keys_[i], id);
        continue;
      }
      DocId& v = t.value(pos);
      v = (v & kListTag) ? (kListTag | pool_.Add(v & ~kListTag, id)) : (kListTag | pool_.NewPair(v, id));
    }
    if (stores_signatures()) StoreRecord(id);
    ++num_docs_;
    return absl::OkStatus();
  }

 public:

  // Ids of indexed documents sharing a band key with sig, ascending. An empty signature
  // has no candidates.
  absl::Status Query(const MinHashSignature& sig, std::vector<DocId>* out) const {
    out->clear();
    if (absl::Status s = CheckSignature(sig); !s.ok()) return s;
    if (sig.empty || num_docs_ == 0) return absl::OkStatus();
    const uint32_t bands = options_.banding.bands, rows = options_.banding.rows;
    absl::InlinedVector<uint64_t, 32> keys(bands);
    ComputeLshBandKeys(sig.values, rows, band_seeds_, keys);
    for (uint32_t i = 0; i < bands; ++i) tables_[i].Prefetch(keys[i]);
    for (uint32_t i = 0; i < bands; ++i) {
      const size_t pos = tables_[i].Find(keys[i]);
      if (pos == Table::kNotFound) continue;
      const DocId v = tables_[i].value(pos);
      if (v & kListTag) {
        const std::span<const DocId> l = pool_.List(v & ~kListTag);
        out->insert(out->end(), l.begin(), l.end());
      } else {
        out->push_back(v);
      }
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<DocId>> Query(const MinHashSignature& sig) const {
    std::vector<DocId> out;
    if (absl::Status s = Query(sig, &out); !s.ok()) return s;
    return out;
  }

  // Query for many signatures at once: (*out)[j] is exactly what Query(sigs[j]) gives.
  // The probes of the whole batch form one pipeline, each prefetched kBatchLookahead
  // probes before it is read, so cache misses overlap across documents and not only
  // across the b bands of one: on an index much larger than the cache, 1.5 to 2 times
  // the throughput of single queries. If any signature has other parameters the batch
  // is refused, and the message names its position.
  absl::Status QueryBatch(std::span<const MinHashSignature> sigs, std::vector<std::vector<DocId>>* out) const {
    out->resize(sigs.size());
    for (size_t j = 0; j < sigs.size(); ++j) {
      (*out)[j].clear();
      if (absl::Status s = CheckSignature(sigs[j]); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("signature ", j, " of the batch: ", s.message()));
      }
    }
    if (num_docs_ == 0) return absl::OkStatus();
    const uint32_t bands = options_.banding.bands, rows = options_.banding.rows;
    std::vector<uint64_t> keys;
    for (size_t begin = 0; begin < sigs.size(); begin += kBatchChunk) {
      const size_t n = std::min(kBatchChunk, sigs.size() - begin);
      keys.assign(n * bands, 0);
      for (size_t j = 0; j < n; ++j) {
        if (!sigs[begin + j].empty) {
          ComputeLshBandKeys(sigs[begin + j].values, rows, band_seeds_, std::span(keys).subspan(j * bands, bands));
        }
      }
      // Probe t is band t % bands of document t / bands; `ahead` runs kBatchLookahead
      // probes in front of the reads.
      const size_t total = keys.size();
      size_t ahead = 0, ahead_band = 0;
      const auto prefetch_next = [&] {
        if (!sigs[begin + ahead / bands].empty) tables_[ahead_band].Prefetch(keys[ahead]);
        ++ahead;
        if (++ahead_band == bands) ahead_band = 0;
      };
      while (ahead < std::min(total, kBatchLookahead)) prefetch_next();
      for (size_t j = 0, t = 0; j < n; ++j) {
        std::vector<DocId>& found = (*out)[begin + j];
        for (uint32_t i = 0; i < bands; ++i, ++t) {
          if (ahead < total) prefetch_next();
          if (sigs[begin + j].empty) continue;
          const size_t pos = tables_[i].Find(keys[t]);
          if (pos == Table::kNotFound) continue;
          const DocId v = tables_[i].value(pos);
          if (v & kListTag) {
            const std::span<const DocId> l = pool_.List(v & ~kListTag);
            found.insert(found.end(), l.begin(), l.end());
          } else {
            found.push_back(v);
          }
        }
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
      }
    }
    return absl::OkStatus();
  }

  // The candidates with the k highest estimated Jaccard similarities (at least
  // min_jaccard), highest first, ties by id. Needs stored signatures.
  absl::StatusOr<std::vector<ScoredCandidate<DocId>>> QueryTopK(const MinHashSignature& sig, size_t k,
                                                                double min_jaccard = 0.0) const {
    if (!stores_signatures()) {
      return absl::FailedPreconditionError(
          "QueryTopK needs stored signatures (MinHashLshOptions::stored_bits)");
    }
    absl::StatusOr<std::vector<DocId>> ids = Query(sig);
    if (!ids.ok()) return ids.status();
    std::vector<ScoredCandidate<DocId>> scored;
    if (absl::Status s = Score(sig, *ids, k, min_jaccard, &scored); !s.ok()) return s;
    return scored;
  }

  // QueryTopK for many signatures through QueryBatch's pipeline: (*out)[j] is exactly
  // what QueryTopK(sigs[j], k, min_jaccard) gives.
  absl::Status QueryTopKBatch(std::span<const MinHashSignature> sigs, size_t k, double min_jaccard,
                              std::vector<std::vector<ScoredCandidate<DocId>>>* out) const {
    if (!stores_signatures()) {
      return absl::FailedPreconditionError(
          "QueryTopKBatch needs stored signatures (MinHashLshOptions::stored_bits)");
    }
    std::vector<std::vector<DocId>> ids;
    if (absl::Status s = QueryBatch(sigs, &ids); !s.ok()) return s;
    // Scoring a candidate takes two dependent cache misses (its entry in record_of_,
    // then its record): issue the first for the whole batch, then the second, then score.
    for (const std::vector<DocId>& l : ids) {
      for (const DocId id : l) record_of_.prefetch(id);
    }
    for (const std::vector<DocId>& l : ids) {
      for (const DocId id : l) {
        const auto record = record_of_.find(id);
        if (record != record_of_.end()) PrefetchRecord(record->second);
      }
    }
    out->resize(sigs.size());
    for (size_t j = 0; j < sigs.size(); ++j) {
      if (absl::Status s = Score(sigs[j], ids[j], k, min_jaccard, &(*out)[j]); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  static constexpr size_t kBatchChunk = 64;
  static constexpr size_t kBatchLookahead = 24;

  // QueryTopK's ranking of the candidates `ids` of sig.
  absl::Status Score(const MinHashSignature& sig, std::span<const DocId> ids, size_t k, double min_jaccard,
                     std::vector<ScoredCandidate<DocId>>* out) const {
    std::vector<ScoredCandidate<DocId>>& scored = *out;
    scored.clear();
    if (ids.empty()) return absl::OkStatus();
    absl::StatusOr<BBitSignature> packed = CompressBBit(sig, options_.stored_bits);
    if (!packed.ok()) return packed.status();
    scored.reserve(ids.size());
    for (const DocId id : ids) {
      // A loaded file can file an id under a key other than its record's (the loader
      // does not cross-check them); Remove(id) then leaves it in that table without a
      // record. Skip it rather than dereference end().
      const auto record = record_of_.find(id);
      if (record == record_of_.end()) continue;
      const double j = EstimateStored(*packed, record->second);
      if (j >= min_jaccard) scored.push_back({id, j});
    }
    const auto better = [](const ScoredCandidate<DocId>& a, const ScoredCandidate<DocId>& b) {
      return a.jaccard != b.jaccard ? a.jaccard > b.jaccard : a.id < b.id;
    };
    if (scored.size() > k) {
      std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(k), scored.end(), better);
      scored.resize(k);
    } else {
      std::sort(scored.begin(), scored.end(), better);
    }
    return absl::OkStatus();
  }

 public:

  // Removes a document indexed under this signature. NotFound (and no change) if some
  // band of the signature does not hold the id. With stored signatures the stored band
  // keys are used and sig is only checked for parameters.
  absl::Status Remove(DocId id, const MinHashSignature& sig) {
    if (absl::Status s = CheckSignature(sig); !s.ok()) return s;
    if (stores_signatures()) return Remove(id);
    if (sig.empty) {
      return absl::FailedPreconditionError(absl::StrCat(
          "document ", id, " has an empty MinHash signature; empty documents are never indexed"));
    }
    keys_.resize(options_.banding.bands);
    ComputeLshBandKeys(sig.values, options_.banding.rows, band_seeds_, keys_);
    return RemoveWithKeys(id, keys_);
  }

  // Removes a document by id alone. Needs stored signatures.
  absl::Status Remove(DocId id) {
    if (!stores_signatures()) {
      return absl::FailedPreconditionError(
          "Remove(id) needs stored signatures (MinHashLshOptions::stored_bits); pass the signature");
    }
    const auto it = record_of_.find(id);
    if (it == record_of_.end()) {
      return absl::NotFoundError(absl::StrCat("document ", id, " is not in the index"));
    }
    const uint32_t record = it->second;
    const uint64_t* keys = &records_[static_cast<size_t>(record) * record_words_ + 1];
    keys_.assign(keys, keys + options_.banding.bands);
    if (absl::Status s = RemoveWithKeys(id, keys_); !s.ok()) return s;
    DropRecord(record);
    return absl::OkStatus();
  }

  // With stored signatures: whether the id is indexed.
  bool Contains(DocId id) const { return record_of_.contains(id); }

  // Walks every slot: O(table size).
  MinHashLshStats Stats() const {
    MinHashLshStats s;
    s.documents = num_docs_;
    s.bands = options_.banding.bands;
    for (const Table& t : tables_) {
      s.band_entries += t.size();
      s.table_bytes += t.AllocatedBytes();
      for (const auto& slot : t.slots())
        s.shared_entries += slot.val != Table::kEmpty && (slot.val & kListTag);
    }
    s.table_bytes += tables_.capacity() * sizeof(Table) + band_seeds_.capacity() * sizeof(uint64_t);
    s.list_bytes = pool_.AllocatedBytes();
    s.stored_bytes = records_.capacity() * sizeof(uint64_t) +
                     record_of_.bucket_count() * (sizeof(std::pair<DocId, uint32_t>) + 1);
    return s;
  }

  // The tables, read-only (for tests and a later on-disk format).
  std::span<const internal::LshBandTable<DocId>> tables() const noexcept { return tables_; }

 private:
  explicit MinHashLsh(const MinHashLshOptions& options)
      : options_(options),
        band_seeds_(LshBandSeeds(options.minhash.seed, options.banding.bands)),
        tables_(options.banding.bands) {
    if (options_.stored_bits != 0) {
      const size_t per_word = 64 / options_.stored_bits;
      packed_words_ = (options_.minhash.num_perm + per_word - 1) / per_word;
      record_words_ = 1 + options_.banding.bands + packed_words_;
    }
  }

  absl::Status CheckSignature(const MinHashSignature& sig) const {
    if (!(sig.params == options_.minhash)) {
      return absl::InvalidArgumentError(absl::StrCat("MinHash parameters differ from the index's: expected ",
                                                     internal::DescribeMinHashParams(options_.minhash),
                                                     ", got ", internal::DescribeMinHashParams(sig.params)));
    }
    if (sig.values.size() != options_.minhash.num_perm) {
      return absl::InvalidArgumentError(absl::StrCat("MinHash signature has ", sig.values.size(),
                                                     " values, expected ", options_.minhash.num_perm));
    }
    return absl::OkStatus();
  }

  static absl::Status AlreadyIndexed(DocId id) {
    return absl::AlreadyExistsError(absl::StrCat("document ", id, " is already in the index"));
  }

  absl::Status RemoveWithKeys(DocId id, std::span<const uint64_t> keys) {
    const uint32_t bands = options_.banding.bands;
    positions_.resize(bands);
    for (uint32_t i = 0; i < bands; ++i) tables_[i].Prefetch(keys[i]);
    for (uint32_t i = 0; i < bands; ++i) {
      const size_t pos = tables_[i].Find(keys[i]);
      const DocId v = pos == Table::kNotFound ? Table::kEmpty : tables_[i].value(pos);
      const bool present =
          pos != Table::kNotFound && ((v & kListTag) ? pool_.Contains(v & ~kListTag, id) : v == id);
      if (!present) {
        return absl::NotFoundError(
            absl::StrCat("document ", id, " is not in the index under this signature (band ", i, ")"));
      }
      positions_[i] = pos;
    }
    for (uint32_t i = 0; i < bands; ++i) {
      Table& t = tables_[i];
      DocId& v = t.value(positions_[i]);
      if (!(v & kListTag)) {
        t.EraseAt(positions_[i]);
        continue;
      }
      DocId last = 0;
      const DocId o = pool_.Erase(v & ~kListTag, id, &last);
      v = o == Pool::kNone ? last : (kListTag | o);
    }
    --num_docs_;
    MaybeCompactPool();
    return absl::OkStatus();
  }

  // Rewrites the pool without free blocks once they outweigh the live ones, walking
  // the tables in order so the result is the same however the holes arose.
  void MaybeCompactPool() {
    const size_t free_words = pool_.free_words();
    if (free_words == pool_.used_words()) {  // no list left
      pool_.Clear();
      return;
    }
    if (free_words < 4096 || free_words * 2 < pool_.used_words()) return;
    Pool fresh;
    for (Table& t : tables_) {
      for (size_t p = 0; p < t.slots().size(); ++p) {
        const DocId v = t.value(p);
        if (v != Table::kEmpty && (v & kListTag))
          t.value(p) = kListTag | fresh.CopyFrom(pool_, v & ~kListTag);
      }
    }
    pool_ = std::move(fresh);
  }

  void StoreRecord(DocId id) {
    const size_t record = records_.size() / record_words_;
    records_.resize(records_.size() + record_words_);
    uint64_t* r = &records_[record * record_words_];
    r[0] = id;
    std::copy(keys_.begin(), keys_.end(), r + 1);
    std::copy(packed_.begin(), packed_.end(), r + 1 + options_.banding.bands);
    record_of_[id] = static_cast<uint32_t>(record);
  }

  // The bits of the last packed word that hold values (the rest are 0).
  uint64_t LastWordMask() const noexcept {
    const size_t used_bits = (options_.minhash.num_perm * options_.stored_bits) % 64;
    return used_bits == 0 ? ~uint64_t{0} : (uint64_t{1} << used_bits) - 1;
  }

  // Moves the last record into the hole so the records stay dense.
  void DropRecord(uint32_t record) {
    const size_t last = records_.size() / record_words_ - 1;
    record_of_.erase(static_cast<DocId>(records_[static_cast<size_t>(record) * record_words_]));
    if (record != last) {
      std::copy_n(records_.begin() + static_cast<ptrdiff_t>(last * record_words_), record_words_,
                  records_.begin() + static_cast<ptrdiff_t>(static_cast<size_t>(record) * record_words_));
      record_of_[static_cast<DocId>(records_[static_cast<size_t>(record) * record_words_])] = record;
    }
    records_.resize(last * record_words_);
    if (records_.size() * 4 < records_.capacity()) records_.shrink_to_fit();
    if (record_of_.empty()) absl::flat_hash_map<DocId, uint32_t>().swap(record_of_);
  }

  // The b-bit estimate of bbit.hpp's EstimateJaccard, on a stored record.
  __attribute__((always_inline)) void PrefetchRecord(uint32_t record) const noexcept {
    const char* words = reinterpret_cast<const char*>(
        &records_[static_cast<size_t>(record) * record_words_ + 1 + options_.banding.bands]);
    for (size_t b = 0; b < packed_words_ * 8; b += 64) __builtin_prefetch(words + b);
  }

  double EstimateStored(const BBitSignature& q, uint32_t record) const {
    const uint64_t* words =
        &records_[static_cast<size_t>(record) * record_words_ + 1 + options_.banding.bands];
    const uint32_t bits = options_.stored_bits;
    size_t zeros = 0;
    for (size_t w = 0; w < packed_words_; ++w) zeros += internal::ZeroGroups(q.words[w] ^ words[w], bits);
    const size_t padding = packed_words_ * (64 / bits) - options_.minhash.num_perm;
    const double m = static_cast<double>(zeros - padding) / options_.minhash.num_perm;
    const double r = std::ldexp(1.0, -static_cast<int>(bits));
    const double j = (m - r) / (1.0 - r);
    return j < 0.0 ? 0.0 : (j > 1.0 ? 1.0 : j);
  }

  MinHashLshOptions options_;
  std::vector<uint64_t> band_seeds_;
  std::vector<Table> tables_;
  Pool pool_;
  size_t num_docs_ = 0;
  // Stored records: [id][b band keys][packed signature words], dense.
  size_t packed_words_ = 0;
  size_t record_words_ = 0;
  std::vector<uint64_t> records_;
  absl::flat_hash_map<DocId, uint32_t> record_of_;  // in-memory only; rebuilt from records_
  // Scratch for Insert / Remove.
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> packed_;
  std::vector<size_t> positions_;
};

}  // namespace neardup

#endif  // NEARDUP_INDEX_MINHASH_LSH_HPP_
