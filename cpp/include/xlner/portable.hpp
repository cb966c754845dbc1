/// @file portable.hpp
/// @brief Compiler intrinsics used by the hot loops, with portable fallbacks: count of trailing zero bits, a
/// prefetch hint, and the switch between the SSE2 byte scans and their plain-loop versions.
#pragma once
#include <cstdint>
#if defined(_MSC_VER)
#include <intrin.h>
#endif

/// The SSE2 byte scans of the readers (io_detail.hpp, io_utf8.cpp) are used where the target has SSE2 (every
/// x86-64) unless XLNER_NO_SIMD is defined; the plain loops are then used, as on other targets. The C++ tests of
/// `.ci/run` build with XLNER_NO_SIMD so that both paths are tested.
#if defined(__SSE2__) && !defined(XLNER_NO_SIMD)
#define XLNER_SSE2 1
#else
#define XLNER_SSE2 0
#endif

namespace xlner {

/// Index of the lowest set bit of x (x must not be 0).
inline int ctz64(uint64_t x) {
#if defined(_MSC_VER)
  unsigned long k;
  _BitScanForward64(&k, x);
  return static_cast<int>(k);
#elif defined(__GNUC__) || defined(__clang__)
  return __builtin_ctzll(x);
#else
  int k = 0;
  while (!(x & 1)) x >>= 1, ++k;
  return k;
#endif
}

/// Hint that memory at p will be read soon (no effect where the compiler has no prefetch builtin).
inline void prefetch(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
}

}  // namespace xlner
