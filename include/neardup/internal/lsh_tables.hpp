// The streaming MinHash LSH index's storage: one band table per band (64-bit key ->
// value, ordered linear probing) and the pool of id lists shared by keys.
// Not API: namespace neardup::internal; neardup/index/minhash_lsh.hpp is the interface.
#ifndef NEARDUP_INTERNAL_LSH_TABLES_HPP_
#define NEARDUP_INTERNAL_LSH_TABLES_HPP_

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
#include "neardup/internal/mix.hpp"
#include "neardup/signature/bbit.hpp"
#include "neardup/signature/minhash.hpp"

namespace neardup {

namespace internal {

// Reads and restores the private state for index files (io/index_file.hpp).
template <typename DocId>
struct LshIndexAccess;

// One band: 64-bit key -> Val, ordered linear probing (see the file comment). Val's
// all-ones value marks an empty slot.
template <typename Val>
class LshBandTable {
 public:
  struct Slot {
    uint32_t key_hi;
    uint32_t key_lo;
    Val val;
    uint64_t key() const noexcept { return (static_cast<uint64_t>(key_hi) << 32) | key_lo; }
  };
  static constexpr Val kEmpty = ~Val{0};
  static constexpr size_t kNotFound = ~size_t{0};

  size_t size() const noexcept { return count_; }
  uint32_t home_capacity() const noexcept { return home_capacity_; }
  const std::vector<Slot>& slots() const noexcept { return slots_; }
  size_t AllocatedBytes() const noexcept { return slots_.capacity() * sizeof(Slot); }
  Val& value(size_t pos) noexcept { return slots_[pos].val; }
  Val value(size_t pos) const noexcept { return slots_[pos].val; }

  size_t Find(uint64_t key) const noexcept {
    if (count_ == 0) return kNotFound;
    for (size_t p = Home(key, home_capacity_); p < slots_.size() && slots_[p].val != kEmpty; ++p) {
      const uint64_t k = slots_[p].key();
      if (k >= key) return k == key ? p : kNotFound;
    }
    return kNotFound;
  }

  // Hints that Find(key) is coming: the b probes of one document go to b unrelated
  // places in b large tables, and overlapping those cache misses is most of the speed.
  // A lookup reads 3.3 slots on average at the usual load, so it runs into the next
  // cache line about half the time: both lines are fetched (450 ns instead of 750 ns per
  // query on a 1M-document index). always_inline: GCC 12 otherwise judges an out-of-line
  // call of two prefetches to have no effect and deletes it.
  __attribute__((always_inline)) void Prefetch(uint64_t key) const noexcept {
#if defined(__GNUC__)
    if (count_ == 0) return;
    const char* home = reinterpret_cast<const char*>(slots_.data() + Home(key, home_capacity_));
    __builtin_prefetch(home);
    __builtin_prefetch(home + 64);
#endif
  }

  // Adds an absent key.
  void Insert(uint64_t key, Val val) {
    if (static_cast<double>(count_ + 1) > kMaxLoad * home_capacity_) Rebuild(GrownCapacity());
    while (!TryInsert(key, val)) Rebuild(GrownCapacity());
    ++count_;
  }

  // Removes the entry at pos (from Find): later entries of the run shift back one slot
  // while that keeps them at or after their home.
  void EraseAt(size_t pos) {
    size_t q = pos + 1;
    for (; q < slots_.size() && slots_[q].val != kEmpty && Home(slots_[q].key(), home_capacity_) < q; ++q) {
      slots_[q - 1] = slots_[q];
    }
    slots_[q - 1].val = kEmpty;
    --count_;
    if (count_ == 0) {
      std::vector<Slot>().swap(slots_);
      home_capacity_ = 0;
    } else if (home_capacity_ > kMinCapacity && static_cast<double>(count_) < kShrinkLoad * home_capacity_) {
      Rebuild(CapacityFor(count_));
    }
  }

 private:
  static constexpr double kMaxLoad = 0.9;
  static constexpr double kGrowth = 1.15;
  static constexpr double kShrinkLoad = 0.35;
  static constexpr double kRebuildLoad = 0.8;
  static constexpr uint32_t kMinCapacity = 16;

  static size_t Home(uint64_t key, uint32_t capacity) noexcept { return MulHiRange(key, capacity); }
  static size_t Tail(uint32_t capacity) noexcept { return 64 + capacity / 64; }

  static uint32_t CapacityFor(size_t entries) {
    const double want = std::max<double>(kMinCapacity, static_cast<double>(entries) / kRebuildLoad);
    return static_cast<uint32_t>(std::min<double>(want, std::numeric_limits<uint32_t>::max()));
  }

  uint32_t GrownCapacity() const {
    const double grown = std::max({static_cast<double>(kMinCapacity), home_capacity_ * kGrowth + 1,
                                   static_cast<double>(count_ + 1) / kMaxLoad + 1});
    return static_cast<uint32_t>(std::min<double>(grown, std::numeric_limits<uint32_t>::max()));
  }

  bool TryInsert(uint64_t key, Val val) {
    size_t p = Home(key, home_capacity_);
    while (p < slots_.size() && slots_[p].val != kEmpty && slots_[p].key() < key) ++p;
    size_t e = p;
    while (e < slots_.size() && slots_[e].val != kEmpty) ++e;
    if (e == slots_.size()) return false;
    std::copy_backward(slots_.begin() + p, slots_.begin() + e, slots_.begin() + e + 1);
    slots_[p] = Slot{static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key), val};
    return true;
  }

  // Entries are already in key order, and so in order of their new homes: each goes to
  // max(home, previous + 1), one pass to size the array and one to fill it.
  void Rebuild(uint32_t capacity) {
    size_t next = 0;
    for (const Slot& s : slots_) {
      if (s.val != kEmpty) next = std::max(Home(s.key(), capacity), next) + 1;
    }
    std::vector<Slot> fresh(std::max<size_t>(capacity, next) + Tail(capacity), Slot{0, 0, kEmpty});
    next = 0;
    for (const Slot& s : slots_) {
      if (s.val == kEmpty) continue;
      const size_t p = std::max(Home(s.key(), capacity), next);
      fresh[p] = s;
      next = p + 1;
    }
    slots_.swap(fresh);
    home_capacity_ = capacity;
  }

  template <typename>
  friend struct LshIndexAccess;

  uint32_t home_capacity_ = 0;
  size_t count_ = 0;
  std::vector<Slot> slots_;
};

// Sorted id lists in one vector. A block is [size][capacity ids], capacity the power of
// two >= max(size, 2); freed blocks go to a free list per capacity (the next link is
// kept in the first id word).
template <typename Val>
class LshIdListPool {
 public:
  static constexpr Val kNone = ~Val{0};

  std::span<const Val> List(Val o) const noexcept {
    return {words_.data() + o + 1, static_cast<size_t>(words_[o])};
  }
  size_t AllocatedBytes() const noexcept {
    return words_.capacity() * sizeof(Val) + free_heads_.capacity() * sizeof(Val);
  }
  size_t used_words() const noexcept { return words_.size(); }
  size_t free_words() const noexcept { return free_words_; }

  bool Contains(Val o, Val id) const noexcept {
    const std::span<const Val> l = List(o);
    return std::binary_search(l.begin(), l.end(), id);
  }

  // Words a new block or a grown block may need (to check limits before changing).
  static size_t BlockWords(size_t size) noexcept { return 1 + ClassCapacity(ClassOf(size)); }
  size_t GrowthWords(Val o) const noexcept {
    const size_t size = words_[o];
    return size == ClassCapacity(ClassOf(size)) ? BlockWords(size + 1) : 0;
  }

  Val NewPair(Val a, Val b) {
    const Val o = Allocate(ClassOf(2));
    words_[o] = 2;
    words_[o + 1] = std::min(a, b);
    words_[o + 2] = std::max(a, b);
    return o;
  }

  // Adds an id that is not in the list; returns the list's (possibly new) offset.
  Val Add(Val o, Val id) {
    const size_t size = words_[o];
    if (size == ClassCapacity(ClassOf(size))) o = Move(o, ClassOf(size), ClassOf(size + 1));
    Val* ids = words_.data() + o + 1;
    Val* at = std::upper_bound(ids, ids + size, id);
    std::copy_backward(at, ids + size, ids + size + 1);
    *at = id;
    words_[o] = static_cast<Val>(size + 1);
    return o;
  }

  // Removes an id that is in the list. When one id is left the block is freed, *last
  // gets that id and kNone is returned; otherwise the (possibly new) offset.
  Val Erase(Val o, Val id, Val* last) {
    const size_t size = words_[o];
    Val* ids = words_.data() + o + 1;
    Val* at = std::lower_bound(ids, ids + size, id);
    std::copy(at + 1, ids + size, at);
    words_[o] = static_cast<Val>(size - 1);
    if (size - 1 == 1) {
      *last = ids[0];
      Free(o, ClassOf(2));
      return kNone;
    }
    if (ClassOf(size - 1) < ClassOf(size)) o = Move(o, ClassOf(size), ClassOf(size - 1));
    return o;
  }

  // Copies the list at o of `from` into this pool, tightly; returns its offset here.
  Val CopyFrom(const LshIdListPool& from, Val o) {
    const std::span<const Val> l = from.List(o);
    const Val n = Allocate(ClassOf(l.size()));
    words_[n] = static_cast<Val>(l.size());
    std::copy(l.begin(), l.end(), words_.begin() + n + 1);
    return n;
  }

  void Clear() {
    std::vector<Val>().swap(words_);
    std::vector<Val>().swap(free_heads_);
    free_words_ = 0;
  }

 private:
  static uint32_t ClassOf(size_t size) noexcept {
    uint32_t c = 1;
    while ((size_t{1} << c) < size) ++c;
    return c;
  }
  static size_t ClassCapacity(uint32_t c) noexcept { return size_t{1} << c; }

  Val Allocate(uint32_t c) {
    if (c < free_heads_.size() && free_heads_[c] != kNone) {
      const Val o = free_heads_[c];
      free_heads_[c] = words_[o + 1];
      free_words_ -= 1 + ClassCapacity(c);
      return o;
    }
    const size_t o = words_.size();
    const size_t need = o + 1 + ClassCapacity(c);
    // Grow by a quarter rather than doubling: the pool is counted in the memory budget.
    if (need > words_.capacity()) words_.reserve(std::max(need, words_.capacity() + words_.capacity() / 4));
    words_.resize(need);
    return static_cast<Val>(o);
  }

  void Free(Val o, uint32_t c) {
    if (free_heads_.size() <= c) free_heads_.resize(c + 1, kNone);
    words_[o + 1] = free_heads_[c];
    free_heads_[c] = o;
    free_words_ += 1 + ClassCapacity(c);
  }

  Val Move(Val o, uint32_t old_class, uint32_t c) {
    const size_t size = words_[o];
    const Val n = Allocate(c);
    std::copy(words_.begin() + o, words_.begin() + o + 1 + size, words_.begin() + n);
    Free(o, old_class);
    return n;
  }

  template <typename>
  friend struct LshIndexAccess;

  std::vector<Val> words_;
  std::vector<Val> free_heads_;
  size_t free_words_ = 0;
};

inline std::string DescribeMinHashParams(const MinHashParams& p) {
  return absl::StrCat(MinHashAlgorithmName(p.algorithm), " k=", p.num_perm, " seed=", p.seed);
}

}  // namespace internal

}  // namespace neardup

#endif  // NEARDUP_INTERNAL_LSH_TABLES_HPP_
