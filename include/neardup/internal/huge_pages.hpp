// An allocator for large arrays that are read at random (the LSH band tables): blocks of
// kHugePageMinBytes or more are aligned to 2 MiB and, on Linux, advised as transparent
// huge pages. A query probes b tables of tens of megabytes at unrelated places; with 4
// KiB pages each probe is also a TLB miss and a page walk, which costs as much as the
// cache miss itself. Elsewhere (or when the kernel declines) it is a plain aligned
// allocation, so behaviour never depends on it.

#ifndef NEARDUP_INTERNAL_HUGE_PAGES_HPP_
#define NEARDUP_INTERNAL_HUGE_PAGES_HPP_

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace neardup::internal {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;
inline constexpr size_t kHugePageMinBytes = size_t{8} << 20;

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: allocator rebind

  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMinBytes) return std::allocator<T>().allocate(n);
    void* p = std::aligned_alloc(kHugePageBytes, Rounded(bytes));
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, Rounded(bytes), MADV_HUGEPAGE);  // advice only: ignored if refused
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugePageMinBytes) {
      std::allocator<T>().deallocate(p, n);
    } else {
      std::free(p);
    }
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static size_t Rounded(size_t bytes) noexcept { return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }
};

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_HUGE_PAGES_HPP_
