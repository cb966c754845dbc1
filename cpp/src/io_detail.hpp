/// @file io_detail.hpp
/// @brief Helpers shared by the io_*.cpp sources (not installed, not part of the API): character classes,
/// quoting of input in messages, text checks, whole-file reads, line scanning, tag interning and the
/// block-parallel formatter behind the writers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


#include "xlner/io/chunks.hpp"
#include "xlner/io/corpus.hpp"
#include "xlner/io/errors.hpp"
#include "xlner/io/utf8.hpp"
#include "xlner/parallel.hpp"

#include "xlner/portable.hpp"

#if XLNER_SSE2
#include <emmintrin.h>
#endif

namespace xlner {
namespace io_detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/// Bytes that can be part of a token in the fast path of the CoNLL reader: all but whitespace and NUL.
struct TokenByteTable {
  bool v[256];
  constexpr TokenByteTable() : v() {
    for (int i = 0; i < 256; ++i) v[i] = !(i == 0 || i == ' ' || i == '\t' || i == '\n' || i == '\r' || i == '\v' || i == '\f');
  }
  constexpr bool operator[](unsigned char c) const { return v[c]; }
};
constexpr TokenByteTable kTokenByte{};
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Bit k set when byte k of the 64 bytes at p is of the class (`Class::match`): the plain loop of the scans where
/// SSE2 is not used.
template <class Class>
inline uint64_t scalar_mask64(const char* p) {
  uint64_t m = 0;
  for (int k = 0; k < 64; ++k) m |= static_cast<uint64_t>(Class::match(static_cast<unsigned char>(p[k]))) << k;
  return m;
}

/// Bit k set when byte k of the 64 bytes at p is <= 0x20: the bytes that end a token or a line (whitespace, line
/// breaks, NUL) and the other control bytes. SSE2 where available (every x86-64), else a byte loop.
struct LowBytes {
  static bool match(unsigned char c) { return c <= 0x20; }
  static uint64_t mask64(const char* p) {
#if XLNER_SSE2
    const __m128i lim = _mm_set1_epi8(0x20);
    uint64_t m = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      const __m128i le = _mm_cmpeq_epi8(_mm_min_epu8(x, lim), x);  // x <= 0x20, unsigned
      m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(le))) << (16 * k);
    }
    return m;
#else
    return scalar_mask64<LowBytes>(p);
#endif
  }
};

/// Bit k set when byte k of the 64 bytes at p is a line break.
struct LineBreaks {
  static bool match(unsigned char c) { return c == '\n'; }
  static uint64_t mask64(const char* p) {
#if XLNER_SSE2
    const __m128i nl = _mm_set1_epi8('\n');
    uint64_t m = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl)))) << (16 * k);
    }
    return m;
#else
    return scalar_mask64<LineBreaks>(p);
#endif
  }
};

/// Finds the bytes of a class (LowBytes: token, field and line ends of the parsers' fast paths; LineBreaks) in a
/// text from a position on, 64 bytes per step, without a branch per byte. Never reads past the text.
template <class Class>
class ByteScanner {
 public:
  ByteScanner(const char* p, size_t n) : p_(p), n_(n), base_(n + 64) {}
  /// The first position >= pos holding a byte of the class, or n.
  size_t next(size_t pos) {
    while (pos < n_) {
      if (pos - base_ >= 64) load(pos);  // outside the window (also when pos < base_: the difference wraps)
      const uint64_t m = mask_ >> (pos - base_);
      if (m) return pos + static_cast<size_t>(ctz64(m));
      pos = base_ + 64;
    }
    return n_;
  }

 private:
  void load(size_t pos) {
    base_ = pos;
    if (n_ - pos >= 64) {
      mask_ = Class::mask64(p_ + pos);
    } else {
      mask_ = 0;
      for (size_t k = 0; pos + k < n_; ++k)
        mask_ |= static_cast<uint64_t>(Class::match(static_cast<unsigned char>(p_[pos + k]))) << k;
    }
  }
  const char* p_;
  size_t n_;
  size_t base_;
  uint64_t mask_ = 0;
};
using LowByteScanner = ByteScanner<LowBytes>;
using LineScanner = ByteScanner<LineBreaks>;

/// Show a piece of input in a message: quoted, cut after 40 bytes, control bytes escaped.
inline std::string quote(std::string_view s) {
  std::string out = "'";
  const size_t n = std::min<size_t>(s.size(), 40);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > n) out += "...";
  return out + "'";
}

inline std::string invalid_utf8_detail(const char* p, size_t bad, size_t line_begin) {
  char buf[96];
  if (p[bad] == '\0')
    std::snprintf(buf, sizeof buf, "NUL byte at column %zu (not a text file?)", bad - line_begin + 1);
  else
    std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02x at column %zu", static_cast<unsigned char>(p[bad]),
                  bad - line_begin + 1);
  return buf;
}

/// The whole file's bytes; FileError when it cannot be opened or read or is a directory, FormatError at the
/// first NUL byte of a pipe or device (not a text file: /dev/zero would never end).
std::string read_file(const std::string& path);

inline size_t skip_bom(const std::string_view& t) { return t.size() >= 3 && t.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0; }

/// The end of the line starting at pos (position of '\n' or n) and the start of the next line.
inline void line_bounds(const char* p, size_t n, size_t pos, size_t& end, size_t& next) {
  const void* nl = std::memchr(p + pos, '\n', n - pos);
  end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) : n;
  next = nl ? end + 1 : n;
}

/// Parse the pieces [cuts[k], cuts[k + 1]) of `text` (cuts: 0, the inner splits, text.size()) with
/// `parse(k, piece)` on `threads` threads. When pieces fail, the error of the first failing one (the first error in
/// file order) is rethrown, renumbered from its piece to the whole text: sentence + `sentences(piece)` of the
/// pieces before it, line + the line breaks before it.
template <class Piece, class Parse, class Count>
std::vector<Piece> parse_pieces(std::string_view text, const std::vector<size_t>& cuts, int threads, Parse parse,
                                Count sentences) {
  const int64_t k = static_cast<int64_t>(cuts.size()) - 1;
  std::vector<Piece> out(static_cast<size_t>(k));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(k));
  parallel_chunks(k, threads, k, [&](int64_t, int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const auto u = static_cast<size_t>(i);
      try {
        out[u] = parse(i, text.substr(cuts[u], cuts[u + 1] - cuts[u]));
      } catch (...) {
        errors[u] = std::current_exception();
      }
    }
  });
  int64_t before = 0;
  for (int64_t i = 0; i < k; ++i) {
    const auto u = static_cast<size_t>(i);
    if (!errors[u]) {
      before += sentences(out[u]);
      continue;
    }
    try {
      std::rethrow_exception(errors[u]);
    } catch (const FormatError& e) {
      if (i == 0) throw;
      const int64_t lines = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(cuts[u]), '\n');
      throw FormatError(e.path(), e.sentence() >= 0 ? e.sentence() + before : -1, e.field(), e.detail(),
                        e.line() >= 0 ? e.line() + lines : -1);
    }
  }
  return out;
}

/// 0, the inner cuts, n: the piece boundaries of a parse split at `splits` (checked) or, when there are none, into
/// `threads` pieces (sentence_splits; texts under 1 MiB are not split).
std::vector<size_t> piece_bounds(std::string_view text, const std::vector<size_t>& splits, int threads, bool conll);

/// Maps tag strings to tag ids (0 = O, 2l+1 = B-l, 2l+2 = I-l), growing the label list.
class TagInterner {
 public:
  explicit TagInterner(std::vector<std::string>& labels) : labels_(labels) {}
  /// Tag id, or -1 when `tag` is not O / B-X / I-X.
  int32_t id(std::string_view tag) {
    if (tag.size() == 1 && tag[0] == 'O') return 0;
    for (const auto& [known, id] : seen_)  // the tags met so far (a few): compared inline, no call per tag
      if (same(tag, known)) return id;
    if (tag.size() < 3 || tag[1] != '-' || (tag[0] != 'B' && tag[0] != 'I')) return -1;
    const std::string_view name = tag.substr(2);
    size_t l = 0;
    while (l < labels_.size() && labels_[l] != name) ++l;
    if (l == labels_.size()) {
      if (!xlner::valid_label(name)) return -1;
      labels_.emplace_back(name);
    }
    const auto id = static_cast<int32_t>(2 * l + (tag[0] == 'B' ? 1 : 2));
    if (seen_.size() < 64) seen_.emplace_back(std::string(tag), id);
    return id;
  }

 private:
  static bool same(std::string_view a, const std::string& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  std::vector<std::string>& labels_;
  std::vector<std::pair<std::string, int32_t>> seen_;
};

class FileWriter {
 public:
  explicit FileWriter(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb"), &std::fclose) {
    if (!f_) throw FileError(path + ": cannot open for writing (" + std::strerror(errno) + ")");
  }
  void write(const std::string& s) {
    if (!s.empty() && std::fwrite(s.data(), 1, s.size(), f_.get()) != s.size())
      throw FileError(path_ + ": write error (" + std::strerror(errno) + ")");
  }
  void close() {
    FILE* f = f_.release();
    if (std::fclose(f) != 0) throw FileError(path_ + ": write error on close (" + std::strerror(errno) + ")");
  }

 private:
  std::string path_;
  std::unique_ptr<FILE, int (*)(FILE*)> f_;
};

/// Format sentences [0, n) block by block on several threads and hand the blocks in order to `sink`.
template <class Format, class Sink>
void format_blocks(int64_t n, int threads, Format format, Sink sink) {
  const int t = resolve_threads(threads, std::max<int64_t>(n, 1));
  const int64_t per_block = int64_t{1} << 15;  // sentences formatted by one task
  const int64_t round = per_block * t;
  std::vector<std::string> bufs(static_cast<size_t>(t));
  for (int64_t b0 = 0; b0 < n; b0 += round) {
    const int64_t b1 = std::min(n, b0 + round);
    const int64_t chunks = (b1 - b0 + per_block - 1) / per_block;
    parallel_chunks(b1 - b0, t, chunks, [&](int64_t c, int64_t lo, int64_t hi) {
      std::string& buf = bufs[static_cast<size_t>(c)];
      buf.clear();
      format(b0 + lo, b0 + hi, buf);
    });
    for (int64_t c = 0; c < chunks; ++c) sink(bufs[static_cast<size_t>(c)]);
  }
}

/// Format sentences [0, n) (see format_blocks) into the file `path`.
template <class Format>
void write_blocks(const std::string& path, int64_t n, int threads, Format format) {
  FileWriter out(path);
  format_blocks(n, threads, format, [&](const std::string& block) { out.write(block); });
  out.close();
}

/// Format sentences [0, n) (see format_blocks) into one string.
template <class Format>
std::string format_to_string(int64_t n, int threads, Format format) {
  std::string out;
  format_blocks(n, threads, format, [&](const std::string& block) {
    if (out.empty()) out.reserve(block.size() * static_cast<size_t>((n + (int64_t{1} << 15) - 1) >> 15));
    out += block;
  });
  return out;
}

}  // namespace io_detail
}  // namespace xlner
