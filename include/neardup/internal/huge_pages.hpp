// An allocator for large arrays that are probed at random: hash tables and the SimHash
// index's bucket heads and lists. A block of 2 MiB or more is 2 MiB aligned and, on
// Linux, advised as transparent huge pages (madvise MADV_HUGEPAGE) before it is first
// touched, so the kernel backs it with 2 MiB pages where it can. At 10M documents the
// SimHash crawler index's tables span about a gigabyte, and with 4 KiB pages nearly
// every probe also misses the TLB; with huge pages a QueryOrInsert costs ~3.4 us of CPU
// instead of ~4.8 us (bench/simhash_crawler_index_bench). Systems whose THP setting
// is "never" (or other kernels) get ordinary pages: only speed differs. Not API.
#ifndef NEARDUP_INTERNAL_HUGE_PAGES_HPP_
#define NEARDUP_INTERNAL_HUGE_PAGES_HPP_

#include <cstddef>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace neardup::internal {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) return std::allocator<T>().allocate(n);
    const size_t rounded = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
    void* p = std::aligned_alloc(kHugePageBytes, rounded);
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: ordinary pages otherwise
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugePageBytes) {
      std::allocator<T>().deallocate(p, n);
    } else {
      std::free(p);
    }
  }

  template <typename U>
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator<U>&) noexcept {
    return true;
  }
};

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_HUGE_PAGES_HPP_
