/// @file parallel.hpp
/// @brief The one parallel loop of the core: static chunks over [0, n), worker exceptions rethrown.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xlner {

/// Resolve a user thread count: <= 0 means all hardware threads; never more than `work_items`.
inline int resolve_threads(int threads, int64_t work_items) {
  int hw = static_cast<int>(std::thread::hardware_concurrency());
  if (hw <= 0) hw = 1;
  int t = threads <= 0 ? hw : threads;
  if (work_items < t) t = static_cast<int>(std::max<int64_t>(1, work_items));
  return t;
}

/// Split [0, n) into `chunks` contiguous ranges and call fn(chunk_index, begin, end) for each,
/// on `threads` threads (<= 0: all cores). The first exception thrown by a worker is rethrown
/// in the caller after all workers have stopped.
inline void parallel_chunks(int64_t n, int threads, int64_t chunks,
                            const std::function<void(int64_t, int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  chunks = std::max<int64_t>(1, std::min<int64_t>(chunks, n));
  int t = resolve_threads(threads, chunks);
  auto range = [&](int64_t c, int64_t& b, int64_t& e) {
    b = n * c / chunks;
    e = n * (c + 1) / chunks;
  };
  if (t == 1) {
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t b, e;
      range(c, b, e);
      fn(c, b, e);
    }
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  std::atomic<bool> failed{false};
  auto worker = [&]() {
    while (!failed.load(std::memory_order_relaxed)) {
      int64_t c = next.fetch_add(1);
      if (c >= chunks) break;
      int64_t b, e;
      range(c, b, e);
      try {
        fn(c, b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(t - 1));
  for (int i = 1; i < t; ++i) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

/// Appends `src` to `dst` (the columns of per-chunk parts concatenated in chunk order).
template <class T>
void append(std::vector<T>& dst, const std::vector<T>& src) {
  dst.insert(dst.end(), src.begin(), src.end());
}

/// Appends the CSR offsets of a per-chunk part (its leading 0 dropped) shifted by `base`, the items already in
/// the concatenation.
template <class T>
void append_offsets(std::vector<T>& dst, const std::vector<T>& part, T base) {
  for (size_t k = 1; k < part.size(); ++k) dst.push_back(base + part[k]);
}

/// Default number of chunks for a batch of n items on t threads (a few chunks per thread for balance).
inline int64_t default_chunks(int64_t n, int threads) {
  int t = resolve_threads(threads, std::max<int64_t>(n, 1));
  return std::max<int64_t>(1, std::min<int64_t>(n, static_cast<int64_t>(t) * 8));
}

}  // namespace xlner
