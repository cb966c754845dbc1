#include "xlner/io/chunks.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "io_detail.hpp"

namespace xlner {

using namespace io_detail;  // NOLINT(google-build-using-namespace): the shared helpers of the io sources

namespace {

/// Set bits of x (inline: no library call where the target has no popcount instruction).
inline int popcount64(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}

/// The first line break at or after pos that is followed by a byte <= 0x20 or ends the text (n when none), and in
/// `breaks` the number of line breaks before it from pos on; 64 bytes per step.
size_t next_low_line(const char* p, size_t n, size_t pos, int64_t& breaks) {
  for (; n - pos >= 65 && pos < n; pos += 64) {
    const uint64_t nl = LineBreaks::mask64(p + pos);
    const uint64_t hit = nl & LowBytes::mask64(p + pos + 1);
    if (hit) {
      const int k = ctz64(hit);
      breaks += popcount64(nl & ((uint64_t{1} << k) - 1));
      return pos + static_cast<size_t>(k);
    }
    breaks += popcount64(nl);
  }
  for (; pos < n; ++pos) {
    if (p[pos] != '\n') continue;
    if (pos + 1 == n || static_cast<unsigned char>(p[pos + 1]) <= 0x20) return pos;
    ++breaks;
  }
  return n;
}

}  // namespace

ChunkCut cut_sentences(std::string_view buf, int64_t max_sentences, bool conll, bool at_eof) {
  ChunkCut cut;
  const char* p = buf.data();
  const size_t n = buf.size();
  size_t pos = 0;
  if (!conll) {  // one sentence per line
    LineScanner lines(p, n);
    while (cut.sentences < max_sentences && pos < n) {
      const size_t nl = lines.next(pos);
      if (nl == n) {
        if (at_eof) {  // a last line without its line break
          cut.bytes = n;
          ++cut.sentences;
          ++cut.lines;
        }
        return cut;
      }
      pos = nl + 1;
      cut.bytes = pos;
      ++cut.sentences;
      ++cut.lines;
    }
    return cut;
  }
  // CoNLL: a sentence is a run of non-blank lines; it ends at the next blank line (or at the end of the input)
  bool in_sentence = false;
  int64_t lines = 0;
  LineScanner scan(p, n);
  while (pos < n) {
    if (in_sentence && static_cast<unsigned char>(p[pos]) > 0x20) {
      // Inside a sentence, lines that start with a byte > 0x20 (not blank) only add to the line count: skip to the
      // first line break followed by a byte <= 0x20 (a blank line, maybe) or by the end of the text
      int64_t breaks = 0;
      const size_t nl = next_low_line(p, n, pos, breaks);
      lines += breaks;
      if (nl < n) {
        ++lines;
        pos = nl + 1;
        continue;
      }
      if (!at_eof) break;  // the last line is incomplete: wait for more input
      ++lines;
      pos = n;
      break;
    }
    size_t end, next;
    bool blank;
    if (static_cast<unsigned char>(p[pos]) > 0x20) {  // not blank: find its end by the scanner (no call per line)
      blank = false;
      end = scan.next(pos + 1);
      next = end < n ? end + 1 : n;
    } else {
      line_bounds(p, n, pos, end, next);
      size_t b = pos;
      while (b < end && is_space(p[b])) ++b;
      blank = b == end;
    }
    if (end == n && !at_eof) break;  // an incomplete line: wait for more input
    if (blank && in_sentence) {
      in_sentence = false;
      ++cut.sentences;
    } else if (!blank) {
      if (!in_sentence && cut.sentences == max_sentences) break;  // the next sentence starts here
      in_sentence = true;
    }
    pos = next;
    ++lines;
    if (!in_sentence) {  // a boundary (or blank lines before the first sentence): safe to cut here
      cut.bytes = pos;
      cut.lines = lines;
    }
  }
  if (in_sentence && at_eof && pos >= n) {  // the last sentence has no blank line after it
    ++cut.sentences;
    cut.bytes = n;
    cut.lines = lines;
  }
  return cut;
}

namespace {

/// True when the line starting at `pos` (a line start) is blank and ends with a line break; `end`: its '\n'.
bool blank_line_at(const char* p, size_t n, size_t pos, size_t& end) {
  size_t q = pos;
  while (q < n && is_space(p[q])) ++q;
  end = q;
  return q < n && p[q] == '\n';
}

}  // namespace

std::vector<size_t> sentence_splits(std::string_view text, int pieces, bool conll) {
  std::vector<size_t> cuts;
  const char* p = text.data();
  const size_t n = text.size();
  for (int k = 1; k < pieces; ++k) {
    size_t pos = std::max(n / static_cast<size_t>(pieces) * static_cast<size_t>(k), cuts.empty() ? 0 : cuts.back());
    // the first line break at or after pos ends a (maybe partial) line: the cut goes after it (one sentence per
    // line) or after the first blank line that follows it (CoNLL)
    size_t cut = n;
    while (pos < n) {
      const void* nl = std::memchr(p + pos, '\n', n - pos);
      if (!nl) break;
      const size_t line = static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
      size_t end;
      if (!conll) {
        cut = line;
        break;
      }
      if (blank_line_at(p, n, line, end)) {
        cut = end + 1;
        break;
      }
      pos = line;
    }
    if (cut >= n) break;
    if (cuts.empty() || cut > cuts.back()) cuts.push_back(cut);
  }
  return cuts;
}

std::vector<size_t> io_detail::piece_bounds(std::string_view text, const std::vector<size_t>& splits, int threads,
                                            bool conll) {
  std::vector<size_t> bounds{0};
  if (!splits.empty()) {
    check_splits(text, splits, conll);
    bounds.insert(bounds.end(), splits.begin(), splits.end());
  } else {
    const int t = resolve_threads(threads, static_cast<int64_t>(text.size() >> 20));
    if (t > 1) {
      const auto cuts = sentence_splits(text, t, conll);
      bounds.insert(bounds.end(), cuts.begin(), cuts.end());
    }
  }
  bounds.push_back(text.size());
  return bounds;
}

void check_splits(std::string_view text, const std::vector<size_t>& splits, bool conll) {
  const char* p = text.data();
  const size_t n = text.size();
  size_t prev = 0;
  for (const size_t c : splits) {
    if (c <= prev || c >= n)
      throw std::invalid_argument("split offset " + std::to_string(c) + ": offsets must increase and lie inside the " +
                                  std::to_string(n) + " bytes of text");
    if (p[c - 1] != '\n') throw std::invalid_argument("split offset " + std::to_string(c) + " is not a line start");
    if (conll) {
      size_t b = c - 1;  // the line that ends at c - 1 must be blank
      while (b > 0 && p[b - 1] != '\n') --b;
      size_t end;
      if (!blank_line_at(p, n, b, end) || end != c - 1)
        throw std::invalid_argument("split offset " + std::to_string(c) + " does not follow a blank line");
    }
    prev = c;
  }
}

}  // namespace xlner
