// The crawler store's ids (store/crawler_index.hpp): the string id of every document
// handle, stored once, looked up by bytes. Not API.
#ifndef NEARDUP_SRC_STORE_ID_TABLE_HPP_
#define NEARDUP_SRC_STORE_ID_TABLE_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "neardup/index/minhash_lsh.hpp"
#include "neardup/internal/huge_pages.hpp"
#include "neardup/io/format.hpp"
#include "neardup/store/crawler_index.hpp"

namespace neardup::internal {

// An id as messages show it: quoted, cut after 80 bytes.
inline std::string ShownId(std::string_view id) {
  return absl::StrCat("\"", std::string(id.substr(0, 80)), id.size() > 80 ? "...\"" : "\"");
}

// InvalidArgument for an id that is empty or longer than kCrawlerMaxIdBytes.
inline absl::Status ValidateId(std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("document ids must not be empty");
  if (id.size() > kCrawlerMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("document id ", ShownId(id), " is ", id.size(),
                                                   " bytes, more than the limit of ", kCrawlerMaxIdBytes));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------
// Ids: every id's bytes in one string, a span per handle, and a hash set of handles
// looked up by id bytes (so each id is stored once).

class IdTable {
 public:
  static constexpr uint32_t kNone = ~uint32_t{0};

  IdTable() : set_(0, Hash{this}, Eq{this}) {}
  IdTable(const IdTable&) = delete;
  IdTable& operator=(const IdTable&) = delete;

  std::string_view Get(uint32_t h) const {
    const uint64_t s = spans_[h];
    return {bytes_.data() + (s >> kLengthBits), static_cast<size_t>(s & kLengthMask)};
  }
  bool Used(uint32_t h) const { return h < spans_.size() && (spans_[h] & kLengthMask) != 0; }
  uint32_t Find(std::string_view id) const {
    const auto it = set_.find(id);
    return it == set_.end() ? kNone : *it;
  }
  size_t size() const { return set_.size(); }
  uint32_t handles() const { return static_cast<uint32_t>(spans_.size()); }
  uint64_t live_bytes() const { return live_bytes_; }
  size_t free_handles() const { return free_.size(); }
  uint64_t MemoryBytes() const {
    return bytes_.capacity() + spans_.capacity() * sizeof(uint64_t) + free_.capacity() * sizeof(uint32_t) +
           set_.capacity() * (sizeof(uint32_t) + 1);
  }

  // Adds an id that is not present (ValidateId'd); returns its handle.
  absl::StatusOr<uint32_t> Add(std::string_view id) {
    uint32_t h;
    if (!free_.empty()) {
      h = free_.back();
      free_.pop_back();
    } else {
      if (spans_.size() > MinHashLsh<uint32_t>::kMaxDocId) {
        return absl::ResourceExhaustedError("the index holds the most documents it can (2^31)");
      }
      h = static_cast<uint32_t>(spans_.size());
      spans_.push_back(0);
    }
    spans_[h] = (static_cast<uint64_t>(bytes_.size()) << kLengthBits) | id.size();
    bytes_.append(id);
    live_bytes_ += id.size();
    set_.insert(h);
    return h;
  }

  void Remove(uint32_t h) {
    set_.erase(h);  // hashes the id, so before its span is cleared
    live_bytes_ -= spans_[h] & kLengthMask;
    spans_[h] = 0;
    free_.push_back(h);
    MaybeCompact();
  }

  // The snapshot's id section: n lengths, then the bytes of the used handles.
  std::string Encode() const {
    std::string out;
    out.reserve(spans_.size() * 4 + live_bytes_);
    for (const uint64_t s : spans_) AppendLe32(&out, static_cast<uint32_t>(s & kLengthMask));
    for (size_t h = 0; h < spans_.size(); ++h) {
      if (spans_[h] & kLengthMask) out.append(Get(static_cast<uint32_t>(h)));
    }
    return out;
  }

  // Reads an id section; `at` is the file offset of its payload, for messages.
  absl::Status Decode(const std::string& payload, uint64_t handles, uint64_t at, const std::string& name) {
    auto bad = [&](uint64_t offset, std::string_view what) {
      return absl::DataLossError(absl::StrCat(name, ": crawler ids at byte offset ", offset, ": ", std::string(what)));
    };
    if (handles > payload.size() / 4 || handles > uint64_t{MinHashLsh<uint32_t>::kMaxDocId} + 1) {
      return bad(at, absl::StrCat(handles, " handles cannot fit in ", payload.size(), " bytes"));
    }
    const size_t n = static_cast<size_t>(handles);
    uint64_t total = 0;
    for (size_t h = 0; h < n; ++h) {
      const uint32_t len = LoadLe32(&payload[4 * h]);
      if (len > kCrawlerMaxIdBytes) return bad(at + 4 * h, absl::StrCat("handle ", h, " has an id of ", len, " bytes"));
      total += len;
    }
    if (total != payload.size() - 4 * n) {
      return bad(
          at, absl::StrCat("the id lengths add up to ", total, " bytes, the section holds ", payload.size() - 4 * n));
    }
    bytes_.assign(payload, 4 * n, std::string::npos);
    spans_.assign(n, 0);
    uint64_t offset = 0;
    size_t used = 0;
    for (size_t h = 0; h < n; ++h) {
      const uint32_t len = LoadLe32(&payload[4 * h]);
      if (len != 0) {
        spans_[h] = (offset << kLengthBits) | len;
        offset += len;
        ++used;
      }
    }
    set_.reserve(used);
    constexpr size_t kAhead = 8;  // the set is probed at random: overlap the misses
    for (size_t h = n; h-- > 0;) {
      if (h >= kAhead && spans_[h - kAhead] != 0) set_.prefetch(static_cast<uint32_t>(h - kAhead));
      if (spans_[h] == 0) {
        free_.push_back(static_cast<uint32_t>(h));  // the smallest handle is reused first
        continue;
      }
      if (!set_.insert(static_cast<uint32_t>(h)).second) {
        return bad(at + 4 * n + (spans_[h] >> kLengthBits),
                   absl::StrCat("handle ", h, " repeats the id ", ShownId(Get(static_cast<uint32_t>(h)))));
      }
    }
    live_bytes_ = total;
    return absl::OkStatus();
  }

  // Every used handle, ascending.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t h = 0; h < spans_.size(); ++h) {
      if (spans_[h] & kLengthMask) fn(static_cast<uint32_t>(h));
    }
  }

 private:
  static constexpr int kLengthBits = 24;  // ids are at most 64 KiB
  static constexpr uint64_t kLengthMask = (uint64_t{1} << kLengthBits) - 1;

  static size_t HashBytes(std::string_view s) {
    return absl::Hash<absl::string_view>{}(absl::string_view(s.data(), s.size()));
  }

  struct Hash {
    using is_transparent = void;
    const IdTable* table;
    size_t operator()(uint32_t h) const { return HashBytes(table->Get(h)); }
    size_t operator()(std::string_view s) const { return HashBytes(s); }
  };
  struct Eq {
    using is_transparent = void;
    const IdTable* table;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, std::string_view b) const { return table->Get(a) == b; }
    bool operator()(std::string_view a, uint32_t b) const { return a == table->Get(b); }
  };

  // Rewrites the id bytes once removed ids outweigh live ones, and shrinks the set.
  void MaybeCompact() {
    const uint64_t dead = bytes_.size() - live_bytes_;
    if (dead > live_bytes_ && dead > (64u << 10)) {
      std::string fresh;
      fresh.reserve(live_bytes_);
      for (uint64_t& s : spans_) {
        if ((s & kLengthMask) == 0) continue;
        const uint64_t len = s & kLengthMask;
        const uint64_t at = fresh.size();
        fresh.append(bytes_, s >> kLengthBits, len);
        s = (at << kLengthBits) | len;
      }
      bytes_.swap(fresh);
    }
    if (set_.empty()) {
      Set(0, Hash{this}, Eq{this}).swap(set_);
    } else if (set_.size() * 4 < set_.capacity() && set_.capacity() > 1024) {
      set_.rehash(0);
    }
  }

  // Lookups probe the set and the spans at random: huge pages save their TLB misses.
  using Set = absl::flat_hash_set<uint32_t, Hash, Eq, HugePageAllocator<uint32_t>>;
  std::string bytes_;
  std::vector<uint64_t, HugePageAllocator<uint64_t>> spans_;  // offset << 24 | length; 0 = unused handle
  std::vector<uint32_t> free_;
  uint64_t live_bytes_ = 0;
  Set set_;
};

}  // namespace neardup::internal

#endif  // NEARDUP_SRC_STORE_ID_TABLE_HPP_
