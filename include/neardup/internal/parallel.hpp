// ParallelFor: the library's one way of running work on threads. Not API beyond the
// name signer.hpp re-exports.
#ifndef NEARDUP_INTERNAL_PARALLEL_HPP_
#define NEARDUP_INTERNAL_PARALLEL_HPP_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace neardup::internal {

// Runs fn(worker, index) for every index in [0, n) on `threads` threads (0 = all
// hardware threads, the calling thread being worker 0); indexes are handed out in
// small chunks (ParallelFor: 16 at a time; ParallelForChunks: `chunk` at a time, 1
// for items that are each a large piece of work). If a thread cannot be started
// (std::thread throws), the work still completes on the threads that did start and the
// calling thread, and the returned status says so (ResourceExhausted, naming how many
// of how many threads ran). fn must not depend on which worker runs an index (use
// `worker` only to pick per-thread scratch), so the results are the same either way.
template <class Fn>
absl::Status ParallelForChunks(size_t n, unsigned threads, size_t chunk, Fn&& fn) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  chunk = std::max<size_t>(chunk, 1);
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>((n + chunk - 1) / chunk, 1)));
  std::atomic<size_t> next{0};
  auto work = [&](unsigned worker) {
    for (;;) {
      const size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) return;
      const size_t end = std::min(n, begin + chunk);
      for (size_t i = begin; i < end; ++i) fn(worker, i);
    }
  };
  if (threads <= 1) {
    work(0);
    return absl::OkStatus();
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  std::string failure;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work, t);
    } catch (const std::system_error& e) {
      failure = e.what();
      break;
    }
  }
  work(0);
  for (auto& t : pool) t.join();
  if (failure.empty()) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat("could not start thread ", pool.size() + 1, " of ", threads,
                                                   " (", failure, "); the work ran on ", pool.size() + 1,
                                                   " threads"));
}

template <class Fn>
absl::Status ParallelFor(size_t n, unsigned threads, Fn&& fn) {
  return ParallelForChunks(n, threads, 16, std::forward<Fn>(fn));
}

}  // namespace neardup::internal

#endif  // NEARDUP_INTERNAL_PARALLEL_HPP_
