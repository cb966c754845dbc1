#include "xlner/io/utf8.hpp"

#include <cstdint>
#include <cstring>

#include "xlner/portable.hpp"
#if XLNER_SSE2
#include <emmintrin.h>
#endif

namespace xlner {

namespace {

/// The first byte of [s, s + n) that is not valid UTF-8 or, when `StopAtNul`, is NUL (n when none). ASCII runs
/// are skipped 16 bytes at a time (SSE2) or 8 (elsewhere).
template <bool StopAtNul>
size_t invalid_at(const char* s, size_t n) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s);
  size_t i = 0;
  while (i < n) {
#if XLNER_SSE2
    while (i + 16 <= n) {  // ASCII fast path, sixteen bytes at a time
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      int stop = _mm_movemask_epi8(x);
      if (StopAtNul) stop |= _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128()));
      if (stop) break;
      i += 16;
    }
#endif
    while (i + 8 <= n) {  // ASCII fast path, eight bytes at a time
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      uint64_t stop = w & 0x8080808080808080ULL;
      if (StopAtNul) stop |= (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;  // a zero byte
      if (stop) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (StopAtNul && c == 0) return i;
      ++i;
      continue;
    }
    size_t len;
    if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4;
    else
      return i;
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return i;
    if (c == 0xE0 && p[i + 1] < 0xA0) return i;   // overlong 3-byte form
    if (c == 0xED && p[i + 1] >= 0xA0) return i;  // UTF-16 surrogates
    if (c == 0xF0 && p[i + 1] < 0x90) return i;   // overlong 4-byte form
    if (c == 0xF4 && p[i + 1] >= 0x90) return i;  // past U+10FFFF
    i += len;
  }
  return n;
}

}  // namespace

size_t utf8_invalid_at(const char* s, size_t n) { return invalid_at<false>(s, n); }

size_t text_invalid_at(const char* s, size_t n) { return invalid_at<true>(s, n); }

namespace {

/// Python's str.isspace() for one code point.
inline bool py_isspace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
         cp == 0x3000;
}

/// Decode the code point starting at s[i] (valid UTF-8 assumed); sets its byte length.
inline uint32_t decode_at(const unsigned char* s, size_t i, size_t& len) {
  const unsigned char c = s[i];
  if (c < 0x80) {
    len = 1;
    return c;
  }
  if (c < 0xE0) {
    len = 2;
    return ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
  }
  if (c < 0xF0) {
    len = 3;
    return ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
  }
  len = 4;
  return ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
}

/// Start of the last code point before byte position e (valid UTF-8 assumed).
inline size_t prev_start(const unsigned char* s, size_t e) {
  size_t i = e - 1;
  while (i > 0 && (s[i] & 0xC0) == 0x80) --i;
  return i;
}

inline bool ascii_punct(unsigned char c) {
  return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

}  // namespace

bool is_punctuation(std::string_view tok) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(tok.data());
  size_t b = 0, e = tok.size(), len = 0;
  while (b < e && py_isspace(decode_at(s, b, len))) b += len;
  while (e > b) {
    const size_t k = prev_start(s, e);
    if (!py_isspace(decode_at(s, k, len))) break;
    e = k;
  }
  for (size_t i = b; i < e; ++i)
    if (!ascii_punct(s[i])) return false;  // any other byte (letters, digits, non-ASCII) is not punctuation
  return true;
}

}  // namespace xlner
