#include "xlner/io/chunks.hpp"

#include "io_detail.hpp"

namespace xlner {

using namespace io_detail;  // NOLINT(google-build-using-namespace): the shared helpers of the io sources

ChunkCut cut_sentences(std::string_view buf, int64_t max_sentences, bool conll, bool at_eof) {
  ChunkCut cut;
  const char* p = buf.data();
  const size_t n = buf.size();
  size_t pos = 0;
  if (!conll) {  // one sentence per line
    while (cut.sentences < max_sentences && pos < n) {
      const void* nl = std::memchr(p + pos, '\n', n - pos);
      if (!nl) {
        if (at_eof) {  // a last line without its line break
          cut.bytes = n;
          ++cut.sentences;
          ++cut.lines;
        }
        return cut;
      }
      pos = static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
      cut.bytes = pos;
      ++cut.sentences;
      ++cut.lines;
    }
    return cut;
  }
  // CoNLL: a sentence is a run of non-blank lines; it ends at the next blank line (or at the end of the input)
  bool in_sentence = false;
  int64_t lines = 0;
  while (pos < n) {
    size_t end, next;
    line_bounds(p, n, pos, end, next);
    if (end == n && !at_eof) break;  // an incomplete line: wait for more input
    size_t b = pos;
    while (b < end && is_space(p[b])) ++b;
    const bool blank = b == end;
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

}  // namespace xlner
