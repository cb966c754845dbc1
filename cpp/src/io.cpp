#include "xlner/io.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include <sys/stat.h>

#include "xlner/batch.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

namespace {

std::string format_where(const std::string& path, int64_t sentence, const std::string& field,
                         const std::string& detail, int64_t line) {
  std::string s = path;
  if (line >= 0) s += ", line " + std::to_string(line);
  if (sentence >= 0) s += ", sentence " + std::to_string(sentence) + " (0-based)";
  s += ", field " + field + ": " + detail;
  return s;
}

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

/// Show a piece of input in a message: quoted, cut after 40 bytes, control bytes escaped.
std::string quote(std::string_view s) {
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

std::string invalid_utf8_detail(const char* p, size_t bad, size_t line_begin) {
  char buf[96];
  if (p[bad] == '\0')
    std::snprintf(buf, sizeof buf, "NUL byte at column %zu (not a text file?)", bad - line_begin + 1);
  else
    std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02x at column %zu", static_cast<unsigned char>(p[bad]),
                  bad - line_begin + 1);
  return buf;
}

/// First byte of [p, p + n) that is not valid UTF-8 or is NUL (n when none): text files never contain NUL.
size_t text_invalid_at(const char* p, size_t n) {
  const size_t bad = utf8_invalid_at(p, n);
  const void* nul = std::memchr(p, '\0', bad);
  return nul ? static_cast<size_t>(static_cast<const char*>(nul) - p) : bad;
}

std::string read_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw FileError(path + ": cannot open for reading (" + std::strerror(errno) + ")");
  struct stat st;
  if (fstat(fileno(f.get()), &st) != 0) throw FileError(path + ": cannot stat (" + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw FileError(path + ": is a directory, expected a file");
  std::string out;
  if (!S_ISREG(st.st_mode)) {  // a pipe or a device: read blocks, stop at the first NUL byte (not text)
    char buf[1 << 16];
    for (size_t k; (k = std::fread(buf, 1, sizeof buf, f.get())) > 0;) {
      if (const void* nul = std::memchr(buf, '\0', k))
        throw FormatError(path, -1, "file",
                          "NUL byte at byte offset " +
                              std::to_string(out.size() + static_cast<size_t>(static_cast<const char*>(nul) - buf)) +
                              " (not a text file?)");
      out.append(buf, k);
    }
    if (std::ferror(f.get())) throw FileError(path + ": read error");
    return out;
  }
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    const long size = std::ftell(f.get());
    if (size > 0) out.resize(static_cast<size_t>(size));
    std::rewind(f.get());
  }
  size_t got = out.empty() ? 0 : std::fread(&out[0], 1, out.size(), f.get());
  out.resize(got);
  char buf[1 << 16];  // whatever the size query missed (pipes, growing files)
  for (size_t k; (k = std::fread(buf, 1, sizeof buf, f.get())) > 0;) out.append(buf, k);
  if (std::ferror(f.get())) throw FileError(path + ": read error");
  return out;
}

size_t skip_bom(const std::string_view& t) { return t.size() >= 3 && t.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0; }

/// The end of the line starting at pos (position of '\n' or n) and the start of the next line.
inline void line_bounds(const char* p, size_t n, size_t pos, size_t& end, size_t& next) {
  const void* nl = std::memchr(p + pos, '\n', n - pos);
  end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) : n;
  next = nl ? end + 1 : n;
}

/// Maps tag strings to tag ids (0 = O, 2l+1 = B-l, 2l+2 = I-l), growing the label list.
class TagInterner {
 public:
  /// A label name: no whitespace or control bytes, not starting with '-' (`B--`, `B-LOC x` are not tags).
  static bool valid_label(std::string_view name) {
    if (name.empty() || name[0] == '-') return false;
    for (char ch : name) {
      const unsigned char c = static_cast<unsigned char>(ch);
      if (c <= 0x20 || c == 0x7f) return false;
    }
    return true;
  }
  explicit TagInterner(std::vector<std::string>& labels) : labels_(labels) {}
  /// Tag id, or -1 when `tag` is not O / B-X / I-X.
  int32_t id(std::string_view tag) {
    if (tag.size() == 1 && tag[0] == 'O') return 0;
    if (tag == last_) return last_id_;
    if (tag.size() < 3 || tag[1] != '-' || (tag[0] != 'B' && tag[0] != 'I')) return -1;
    const std::string_view name = tag.substr(2);
    size_t l = 0;
    while (l < labels_.size() && labels_[l] != name) ++l;
    if (l == labels_.size()) {
      if (!valid_label(name)) return -1;
      labels_.emplace_back(name);
    }
    last_ = tag;
    last_id_ = static_cast<int32_t>(2 * l + (tag[0] == 'B' ? 1 : 2));
    return last_id_;
  }

 private:
  std::vector<std::string>& labels_;
  std::string_view last_;
  int32_t last_id_ = -1;
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

void append_double(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
    return;
  }
  if (std::isinf(x)) {
    out += x > 0 ? "Infinity" : "-Infinity";
    return;
  }
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  bool plain_int = true;
  for (char* q = buf; q < r.ptr; ++q)
    if (!(is_digit(*q) || *q == '-')) plain_int = false;
  out.append(buf, r.ptr);
  if (plain_int) out += ".0";  // keep floats recognisable as floats, as Python's json does
}

void append_int(std::string& out, int64_t x) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

}  // namespace

FormatError::FormatError(std::string path, int64_t sentence, std::string field, std::string detail, int64_t line)
    : std::invalid_argument(format_where(path, sentence, field, detail, line)),
      path_(std::move(path)),
      sentence_(sentence),
      field_(std::move(field)),
      detail_(std::move(detail)),
      line_(line) {}

size_t utf8_invalid_at(const char* s, size_t n) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s);
  size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {  // ASCII fast path, eight bytes at a time
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
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

std::vector<int32_t> TokenCorpus::lengths() const {
  std::vector<int32_t> out(static_cast<size_t>(size()));
  for (int64_t i = 0; i < size(); ++i) {
    const int64_t len = sent_offsets[i + 1] - sent_offsets[i];
    if (len > std::numeric_limits<int32_t>::max())
      throw std::out_of_range(path + ": sentence " + std::to_string(i) + " has too many tokens");
    out[static_cast<size_t>(i)] = static_cast<int32_t>(len);
  }
  return out;
}

void TokenCorpus::push_token(std::string_view tok) {
  if (tok.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw std::length_error("token longer than 2 GiB");
  tok_begin.push_back(static_cast<int64_t>(text.size()));
  tok_len.push_back(static_cast<int32_t>(tok.size()));
  text.append(tok.data(), tok.size());
}

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

std::vector<uint8_t> punctuation_mask(const TokenCorpus& c) {
  if (!c.has_tokens) throw std::invalid_argument(c.path + ": punctuation_mask needs the tokens (keep_tokens)");
  std::vector<uint8_t> out(static_cast<size_t>(c.n_tokens()));
  for (int64_t t = 0; t < c.n_tokens(); ++t) out[static_cast<size_t>(t)] = is_punctuation(c.token(t)) ? 1 : 0;
  return out;
}

TokenCorpus parse_conll(std::string text, const std::string& path, const ConllOptions& opt) {
  TokenCorpus c;
  c.path = path;
  c.labels = opt.labels;
  c.has_tokens = opt.keep_tokens;
  c.has_tags = opt.with_tags;
  TagInterner interner(c.labels);
  const char* p = text.data();
  const size_t n = text.size();
  const size_t bad = text_invalid_at(p, n);
  const size_t estimate = n / 8 + 16;
  if (opt.keep_tokens) {
    c.tok_begin.reserve(estimate);
    c.tok_len.reserve(estimate);
  }
  if (opt.with_tags) c.tags.reserve(estimate);
  c.sent_offsets.reserve(estimate / 8);
  int64_t line = 0, sent = 0, ntok = 0;
  bool in_sentence = false;
  size_t pos = opt.skip_bom ? skip_bom(text) : 0;
  const unsigned char* u = reinterpret_cast<const unsigned char*>(p);  // u[n] == 0 (std::string terminator)
  while (pos < n) {
    // Fast path for the common line `token<SP or TAB>tag` or `token` (LF or CRLF): one scan, no trimming.
    // Anything else (blank lines, more fields, extra whitespace, errors) takes the general path below.
    {
      size_t q = pos;
      while (kTokenByte[u[q]]) ++q;
      if (q > pos) {
        size_t gb = q, ge = q, next = 0;
        bool fast = false;
        if (q == n || p[q] == '\n' || (p[q] == '\r' && p[q + 1] == '\n')) {
          fast = !opt.with_tags;  // a single field: a tag is missing unless tags are not read
          next = q == n ? n : (p[q] == '\n' ? q + 1 : q + 2);
        } else if (p[q] == ' ' || p[q] == '\t') {
          size_t r = q + 1;
          while (kTokenByte[u[r]]) ++r;
          if (r > q + 1 && (r == n || p[r] == '\n' || (p[r] == '\r' && p[r + 1] == '\n'))) {
            gb = q + 1;
            ge = r;
            next = r == n ? n : (p[r] == '\n' ? r + 1 : r + 2);
            fast = true;
          }
        }
        if (fast && bad >= next) {
          int32_t id = 0;
          if (opt.with_tags) id = interner.id(std::string_view(p + gb, ge - gb));
          if (id >= 0 && q - pos <= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
            if (opt.with_tags) c.tags.push_back(id);
            if (opt.keep_tokens) {
              c.tok_begin.push_back(static_cast<int64_t>(pos));
              c.tok_len.push_back(static_cast<int32_t>(q - pos));
            }
            ++line;
            ++ntok;
            in_sentence = true;
            pos = next;
            continue;
          }
        }
      }
    }
    size_t end, next;
    line_bounds(p, n, pos, end, next);
    ++line;
    size_t b = pos, e = end;
    while (b < e && is_space(p[b])) ++b;
    while (e > b && is_space(p[e - 1])) --e;
    if (b == e) {  // blank line: closes the sentence being built
      if (bad < next) throw FormatError(path, sent, "text", invalid_utf8_detail(p, bad, pos), line);
      if (in_sentence) {
        c.sent_offsets.push_back(ntok);
        ++sent;
        in_sentence = false;
      }
      pos = next;
      continue;
    }
    // The token: up to the first tab when the line has one, else up to the first space.
    const void* tab = std::memchr(p + b, '\t', e - b);
    size_t te = tab ? static_cast<size_t>(static_cast<const char*>(tab) - p) : b;
    if (!tab)
      while (te < e && p[te] != ' ') ++te;
    while (te > b && is_space(p[te - 1])) --te;
    if (bad < next) {
      const char* field = bad < te ? "token" : (opt.with_tags ? "tag" : "text");
      throw FormatError(path, sent, field, invalid_utf8_detail(p, bad, pos), line);
    }
    const std::string_view token(p + b, te - b);
    if (opt.with_tags) {
      // The tag: the last tab-separated (or space-separated) field.
      size_t gb = e;
      const char stop = tab ? '\t' : ' ';
      while (gb > b && p[gb - 1] != stop) --gb;
      while (gb < e && is_space(p[gb])) ++gb;
      int32_t id;
      if (gb <= b || gb >= e) {
        if (token != "-DOCSTART-")
          throw FormatError(path, sent, "tag", "missing tag in line " + quote(std::string_view(p + pos, end - pos)),
                            line);
        id = 0;  // a bare -DOCSTART- line
      } else {
        const std::string_view tag(p + gb, e - gb);
        id = interner.id(tag);
        if (id < 0)
          throw FormatError(path, sent, "tag", "token " + std::to_string(ntok - c.sent_offsets.back()) + ": " +
                                                   quote(tag) +
                                                   " is not an IOB2 tag (O, B-X or I-X; X without spaces, control "
                                                   "characters or a leading '-')",
                            line);
      }
      c.tags.push_back(id);
    }
    if (opt.keep_tokens) {
      if (token.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        throw FormatError(path, sent, "token", "token longer than 2 GiB", line);
      c.tok_begin.push_back(static_cast<int64_t>(b));
      c.tok_len.push_back(static_cast<int32_t>(token.size()));
    }
    ++ntok;
    in_sentence = true;
    pos = next;
  }
  if (in_sentence) c.sent_offsets.push_back(ntok);  // no trailing blank line
  if (ntok == 0) throw FormatError(path, -1, "file", "empty file (no token lines)");
  if (opt.keep_tokens) c.text = std::move(text);
  return c;
}

TokenCorpus read_conll(const std::string& path, const ConllOptions& opt) {
  return parse_conll(read_file(path), path, opt);
}

TokenCorpus parse_token_lines(std::string text, const std::string& path, bool keep_tokens, bool bom) {
  TokenCorpus c;
  c.path = path;
  c.has_tokens = keep_tokens;
  c.has_tags = false;
  const char* p = text.data();
  const size_t n = text.size();
  const size_t bad = text_invalid_at(p, n);
  if (keep_tokens) {
    c.tok_begin.reserve(n / 6 + 16);
    c.tok_len.reserve(n / 6 + 16);
  }
  int64_t sent = 0, ntok = 0;
  size_t pos = bom ? skip_bom(text) : 0;
  while (pos < n) {
    size_t end, next;
    line_bounds(p, n, pos, end, next);
    if (bad < next) throw FormatError(path, sent, "tokens", invalid_utf8_detail(p, bad, pos), sent + 1);
    size_t q = pos;
    const int64_t before = ntok;
    while (true) {
      while (q < end && is_space(p[q])) ++q;
      if (q >= end) break;
      const size_t tb = q;
      while (q < end && !is_space(p[q])) ++q;
      if (keep_tokens) {
        if (q - tb > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
          throw FormatError(path, sent, "tokens", "token longer than 2 GiB", sent + 1);
        c.tok_begin.push_back(static_cast<int64_t>(tb));
        c.tok_len.push_back(static_cast<int32_t>(q - tb));
      }
      ++ntok;
    }
    if (ntok == before)
      throw FormatError(path, sent, "tokens", "empty line: a sentence without tokens", sent + 1);
    c.sent_offsets.push_back(ntok);
    ++sent;
    pos = next;
  }
  if (sent == 0) throw FormatError(path, -1, "file", "empty file (no sentences)");
  if (keep_tokens) c.text = std::move(text);
  return c;
}

TokenCorpus read_token_lines(const std::string& path, bool keep_tokens) {
  return parse_token_lines(read_file(path), path, keep_tokens);
}

namespace {

/// True when the line [b, e) (trimmed) is `token<spaces>tag` with an IOB2 tag (O, B-X, I-X).
bool two_fields_with_tag(const char* p, size_t b, size_t e) {
  size_t q = b;
  while (q < e && !is_space(p[q])) ++q;
  size_t g = q;
  while (g < e && is_space(p[g])) ++g;
  if (g == q || g >= e) return false;
  for (size_t r = g; r < e; ++r)
    if (is_space(p[r])) return false;
  const std::string_view tag(p + g, e - g);
  return tag == "O" || (tag.size() >= 3 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-' &&
                        TagInterner::valid_label(tag.substr(2)));
}

}  // namespace

bool looks_like_conll(std::string_view head) {
  const char* p = head.data();
  const size_t n = head.size();
  size_t pos = skip_bom(head);
  bool seen_text = false, blank_after_text = false, all_tagged = true;
  while (pos < n) {
    size_t end, next;
    line_bounds(p, n, pos, end, next);
    size_t b = pos, e = end;
    while (b < e && is_space(p[b])) ++b;
    while (e > b && is_space(p[e - 1])) --e;
    if (b == e) {
      if (seen_text) blank_after_text = true;
    } else {
      if (!seen_text && std::memchr(p + b, '\t', e - b)) return true;
      if (blank_after_text) return true;
      // an unterminated last line may be cut (the head of a larger file): judged only when it is the only line
      const bool terminated = end < n;
      if (terminated || !seen_text) all_tagged = all_tagged && two_fields_with_tag(p, b, e);
      seen_text = true;
    }
    pos = next;
  }
  // a single space-separated CoNLL sentence: every line `token tag` with an IOB2 tag
  return seen_text && all_tagged;
}

TokenCorpus read_tokens(const std::string& path, bool keep_tokens) {
  std::string text = read_file(path);
  const bool conll = looks_like_conll(std::string_view(text).substr(0, size_t{1} << 16));
  if (conll) {
    ConllOptions opt;
    opt.with_tags = false;
    opt.keep_tokens = keep_tokens;
    return parse_conll(std::move(text), path, opt);
  }
  return parse_token_lines(std::move(text), path, keep_tokens);
}

namespace {

/// Why `pair` is not a valid talp pair (slow path, only for the error message).
std::string talp_pair_problem(std::string_view pair, const TalpOptions& opt) {
  std::vector<std::string_view> fields;
  size_t b = 0;
  for (size_t i = 0; i <= pair.size(); ++i) {
    if (i == pair.size() || pair[i] == '-' || (opt.allow_possible && pair[i] == 'p')) {
      fields.push_back(pair.substr(b, i - b));
      b = i + 1;
    }
  }
  std::string what = "pair " + quote(pair);
  if (fields.size() != 2) {
    std::string s = what + " has " + std::to_string(fields.size()) + (fields.size() == 1 ? " field" : " fields") +
                    ", expected 2 (i-j" + (opt.allow_possible ? " or ipj" : "") + ")";
    if (!opt.allow_possible && pair.find('p') != std::string_view::npos)
      s += "; 'p' (possible) links are read only from gold files";
    return s;
  }
  for (const auto& f : fields) {
    bool digits = !f.empty();
    for (char ch : f) digits = digits && is_digit(ch);
    if (!digits) return what + ": field " + quote(f) + " is not a non-negative integer";
  }
  return what + ": index too large";
}

/// Parse a run of digits at p[i..end) into v; false on no digits or overflow past INT32_MAX.
inline bool parse_index(const char* p, size_t& i, size_t end, int64_t& v) {
  const size_t start = i;
  v = 0;
  while (i < end && is_digit(p[i])) {
    v = v * 10 + (p[i] - '0');
    if (v > std::numeric_limits<int32_t>::max()) return false;
    ++i;
  }
  return i > start;
}

}  // namespace

Alignments parse_talp(std::string_view text, const std::string& path, const TalpOptions& opt) {
  Alignments a;
  a.path = path;
  const char* p = text.data();
  const size_t n = text.size();
  if (n == 0) throw FormatError(path, -1, "file", "empty file (no alignment lines)");
  const size_t bad = text_invalid_at(p, n);
  a.src.reserve(n / 5 + 16);
  a.tgt.reserve(n / 5 + 16);
  a.possible.reserve(n / 5 + 16);
  a.offsets.reserve(n / 40 + 16);
  int64_t sent = 0;
  size_t pos = opt.skip_bom ? skip_bom(text) : 0;
  while (pos < n || sent == 0) {
    size_t end, next;
    line_bounds(p, n, pos, end, next);
    if (bad < next) throw FormatError(path, sent, "alignment", invalid_utf8_detail(p, bad, pos), sent + 1);
    size_t q = pos;
    int64_t pair = 0;
    while (true) {
      while (q < end && is_space(p[q])) ++q;
      if (q >= end) break;
      const size_t tb = q;
      while (q < end && !is_space(p[q])) ++q;
      size_t r = tb;
      int64_t i = 0, j = 0;
      bool ok = parse_index(p, r, q, i) && r < q;
      const char sep = ok ? p[r] : '\0';
      ok = ok && (sep == '-' || (opt.allow_possible && sep == 'p'));
      if (ok) ++r;
      ok = ok && parse_index(p, r, q, j) && r == q;
      if (!ok)
        throw FormatError(path, sent, "alignment pair " + std::to_string(pair),
                          talp_pair_problem(std::string_view(p + tb, q - tb), opt), sent + 1);
      if (opt.one_based) {
        if (i == 0 || j == 0)
          throw FormatError(path, sent, "alignment pair " + std::to_string(pair),
                            "pair " + quote(std::string_view(p + tb, q - tb)) + " has index 0 in a 1-based file",
                            sent + 1);
        --i;
        --j;
      }
      a.src.push_back(static_cast<int32_t>(i));
      a.tgt.push_back(static_cast<int32_t>(j));
      a.possible.push_back(sep == 'p' ? 1 : 0);
      ++pair;
    }
    a.offsets.push_back(static_cast<int64_t>(a.src.size()));
    ++sent;
    pos = next;
    if (pos >= n) break;
  }
  return a;
}

Alignments read_talp(const std::string& path, const TalpOptions& opt) {
  const std::string text = read_file(path);
  return parse_talp(text, path, opt);
}

void check_alignments(const std::string& path, const int64_t* offsets, int64_t n_aln, const int32_t* src,
                      const int32_t* tgt, const int32_t* src_len, const int32_t* tgt_len, int64_t n,
                      const std::string& src_path, const std::string& tgt_path, int64_t first_sentence) {
  if (n_aln != n) {
    const int64_t first_missing = std::min(n_aln, n);
    throw FormatError(path, first_missing, "line count",
                      std::to_string(n_aln) + " alignment lines, but " + src_path + " and " + tgt_path + " have " +
                          std::to_string(n) + " sentences (sentence " + std::to_string(first_missing) +
                          " is the first one missing from the shorter side)");
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t b = offsets[i], e = offsets[i + 1];
    const int64_t g = i + first_sentence;  // sentence index in the whole file
    const int32_t sl = src_len[i], tl = tgt_len[i];
    for (int64_t k = b; k < e; ++k) {
      const int32_t s = src[k], t = tgt[k];
      const bool src_bad = s < 0 || s >= sl, tgt_bad = t < 0 || t >= tl;
      if (!src_bad && !tgt_bad) continue;
      const std::string link = std::to_string(s) + "-" + std::to_string(t);
      if (src_bad)
        throw FormatError(path, g, "alignment pair " + std::to_string(k - b) + " (source index)",
                          "link " + link + ": source index " + std::to_string(s) + " is past the end of sentence " +
                              std::to_string(g) + " of " + src_path + " (" + std::to_string(sl) + " tokens)",
                          g + 1);
      throw FormatError(path, g, "alignment pair " + std::to_string(k - b) + " (target index)",
                        "link " + link + ": target index " + std::to_string(t) + " is past the end of sentence " +
                            std::to_string(g) + " of " + tgt_path + " (" + std::to_string(tl) + " tokens)",
                        g + 1);
    }
  }
}

std::vector<std::string> iob2_tag_names(const std::vector<std::string>& labels) {
  std::vector<std::string> names{"O"};
  names.reserve(2 * labels.size() + 1);
  for (const auto& l : labels) {
    names.push_back("B-" + l);
    names.push_back("I-" + l);
  }
  return names;
}

namespace {

/// Check the arguments of write_conll / format_conll and return the formatter of sentences [lo, hi).
auto conll_formatter(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                     const std::vector<std::string>& tag_names, char sep) {
  if (!tokens.has_tokens) throw std::invalid_argument("write_conll: the corpus was read without its tokens");
  if (n_tags != tokens.n_tokens())
    throw std::invalid_argument("field tags: " + std::to_string(n_tags) + " tags for " +
                                std::to_string(tokens.n_tokens()) + " tokens of " + tokens.path);
  const int64_t n = tokens.size();
  const int64_t n_names = static_cast<int64_t>(tag_names.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = tokens.sent_offsets[i]; t < tokens.sent_offsets[i + 1]; ++t)
      if (tag_ids[t] < 0 || tag_ids[t] >= n_names)
        throw std::invalid_argument(where(i, "tags") + "token " + std::to_string(t - tokens.sent_offsets[i]) +
                                    " has tag id " + std::to_string(tag_ids[t]) + ", but there are " +
                                    std::to_string(n_names) + " tag names");
  return [&tokens, tag_ids, &tag_names, sep](int64_t lo, int64_t hi, std::string& buf) {
    const int64_t t0 = tokens.sent_offsets[lo], t1 = tokens.sent_offsets[hi];
    size_t need = static_cast<size_t>(hi - lo);
    for (int64_t t = t0; t < t1; ++t) need += static_cast<size_t>(tokens.tok_len[t]) + 8;
    buf.reserve(need);
    for (int64_t i = lo; i < hi; ++i) {
      for (int64_t t = tokens.sent_offsets[i]; t < tokens.sent_offsets[i + 1]; ++t) {
        buf.append(tokens.text.data() + tokens.tok_begin[t], static_cast<size_t>(tokens.tok_len[t]));
        buf += sep;
        buf += tag_names[static_cast<size_t>(tag_ids[t])];
        buf += '\n';
      }
      buf += '\n';
    }
  };
}

/// Check the arguments of write_spans_jsonl / format_spans_jsonl and return the formatter.
auto spans_formatter(const SpanArrays& s, const std::vector<std::string>& labels) {
  if (s.n < 0 || s.offsets == nullptr || s.objective == nullptr)
    throw std::invalid_argument("write_spans_jsonl: offsets and objective are required");
  if (s.offsets[0] != 0) throw std::invalid_argument("field offsets: first offset must be 0");
  const int64_t n_labels = static_cast<int64_t>(labels.size());
  for (int64_t i = 0; i < s.n; ++i) {
    if (s.offsets[i + 1] < s.offsets[i]) throw std::invalid_argument(where(i, "offsets") + "offsets decrease");
    for (int64_t k = s.offsets[i]; k < s.offsets[i + 1]; ++k) {
      if (s.label[k] < 0 || s.label[k] >= n_labels)
        throw std::invalid_argument(where(i, "label") + "label id " + std::to_string(s.label[k]) +
                                    " has no name (" + std::to_string(n_labels) + " labels)");
      if (s.end[k] <= s.start[k] || s.start[k] < 0)
        throw std::invalid_argument(where(i, "start/end") + "empty or negative span [" + std::to_string(s.start[k]) +
                                    ", " + std::to_string(s.end[k]) + ")");
    }
  }
  return [s, &labels](int64_t lo, int64_t hi, std::string& buf) {
    buf.reserve(static_cast<size_t>(hi - lo) * 40 + static_cast<size_t>(s.offsets[hi] - s.offsets[lo]) * 80);
    for (int64_t i = lo; i < hi; ++i) {
      buf += "{\"objective\": ";
      append_double(buf, s.objective[i]);
      buf += ", \"spans\": [";
      for (int64_t k = s.offsets[i]; k < s.offsets[i + 1]; ++k) {
        if (k > s.offsets[i]) buf += ", ";
        buf += "{\"start\": ";
        append_int(buf, s.start[k]);
        buf += ", \"end\": ";
        append_int(buf, s.end[k]);
        buf += ", \"label\": ";
        append_json_string(buf, labels[static_cast<size_t>(s.label[k])]);
        buf += ", \"entity\": ";
        append_int(buf, s.entity[k]);
        buf += ", \"score\": ";
        append_double(buf, s.score[k]);
        buf += '}';
      }
      buf += "]}\n";
    }
  };
}

}  // namespace

void write_conll(const std::string& path, const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                 const std::vector<std::string>& tag_names, char sep, int threads) {
  write_blocks(path, tokens.size(), threads, conll_formatter(tokens, tag_ids, n_tags, tag_names, sep));
}

std::string format_conll(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                         const std::vector<std::string>& tag_names, char sep, int threads) {
  return format_to_string(tokens.size(), threads, conll_formatter(tokens, tag_ids, n_tags, tag_names, sep));
}

void write_spans_jsonl(const std::string& path, const SpanArrays& s, const std::vector<std::string>& labels,
                       int threads) {
  write_blocks(path, s.n, threads, spans_formatter(s, labels));
}

std::string format_spans_jsonl(const SpanArrays& s, const std::vector<std::string>& labels, int threads) {
  return format_to_string(s.n, threads, spans_formatter(s, labels));
}

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
