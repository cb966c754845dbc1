#include "xlner/io/conll.hpp"

#include <cstring>
#include <functional>
#include <limits>

#include "io_detail.hpp"
#include "xlner/batch.hpp"

namespace xlner {

using namespace io_detail;  // NOLINT(google-build-using-namespace): the shared helpers of the io sources

namespace {

/// The one CoNLL parser, on a view of the text (a whole text or a piece of it cut at a sentence boundary): token
/// offsets relative to the view, the text itself not kept, no check for an input without tokens. Nothing past the
/// view is read.
TokenCorpus parse_conll_piece(std::string_view text, const std::string& path, const ConllOptions& opt,
                              bool skip_bom_here) {
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
  size_t pos = skip_bom_here ? skip_bom(text) : 0;
  LowByteScanner scan(p, n);
  while (pos < n) {
    // Fast path for the common line `token<SP or TAB>tag` or `token` (LF or CRLF): the token and the tag end at
    // the next bytes <= 0x20 (scanned 64 bytes at a time), no trimming. Anything else (blank lines, more fields,
    // extra whitespace, control bytes, errors) takes the general path below.
    {
      const size_t q = scan.next(pos);
      if (q > pos) {
        size_t gb = q, ge = q, next = 0;
        bool fast = false;
        if (q == n || p[q] == '\n' || (p[q] == '\r' && q + 1 < n && p[q + 1] == '\n')) {
          fast = !opt.with_tags;  // a single field: a tag is missing unless tags are not read
          next = q == n ? n : (p[q] == '\n' ? q + 1 : q + 2);
        } else if (p[q] == ' ' || p[q] == '\t') {
          const size_t r = scan.next(q + 1);
          if (r > q + 1 && (r == n || p[r] == '\n' || (p[r] == '\r' && r + 1 < n && p[r + 1] == '\n'))) {
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
  return c;
}

/// The corpora of the pieces of one text (cut at `bounds`) as one corpus: sentences and tokens in order, token
/// offsets shifted to the whole text, labels in order of first appearance (as one parse would list them) and tag
/// ids renumbered accordingly.
TokenCorpus merge_pieces(std::vector<TokenCorpus>& parts, const std::vector<size_t>& bounds,
                         const std::vector<std::string>& labels, int threads) {
  const size_t k = parts.size();
  TokenCorpus c;
  c.path = parts[0].path;
  c.has_tokens = parts[0].has_tokens;
  c.has_tags = parts[0].has_tags;
  c.labels = labels;
  std::vector<std::vector<int32_t>> remap(k);  // per piece: its tag id -> the merged one (empty: the same)
  std::vector<int64_t> sents(k + 1, 0), toks(k + 1, 0);
  for (size_t j = 0; j < k; ++j) {
    const auto& names = parts[j].labels;
    std::vector<int32_t> ids(2 * names.size() + 1, 0);
    bool same = true;
    for (size_t l = 0; l < names.size(); ++l) {
      size_t g = 0;
      while (g < c.labels.size() && c.labels[g] != names[l]) ++g;
      if (g == c.labels.size()) c.labels.push_back(names[l]);
      ids[2 * l + 1] = static_cast<int32_t>(2 * g + 1);
      ids[2 * l + 2] = static_cast<int32_t>(2 * g + 2);
      same = same && g == l;
    }
    if (!same) remap[j] = std::move(ids);
    sents[j + 1] = sents[j] + parts[j].size();
    toks[j + 1] = toks[j] + parts[j].n_tokens();
  }
  const auto total = static_cast<size_t>(toks[k]);
  c.sent_offsets.assign(static_cast<size_t>(sents[k]) + 1, 0);
  if (c.has_tokens) {
    c.tok_begin.resize(total);
    c.tok_len.resize(total);
  }
  if (c.has_tags) c.tags.resize(total);
  parallel_chunks(static_cast<int64_t>(k), threads, static_cast<int64_t>(k), [&](int64_t, int64_t lo, int64_t hi) {
    for (auto j = static_cast<size_t>(lo); j < static_cast<size_t>(hi); ++j) {
      const TokenCorpus& part = parts[j];
      const int64_t t0 = toks[j];
      for (int64_t i = 1; i <= part.size(); ++i)
        c.sent_offsets[static_cast<size_t>(sents[j] + i)] = part.sent_offsets[static_cast<size_t>(i)] + t0;
      const auto n = static_cast<size_t>(part.n_tokens());
      if (c.has_tokens) {
        const auto shift = static_cast<int64_t>(bounds[j]);
        for (size_t t = 0; t < n; ++t) c.tok_begin[static_cast<size_t>(t0) + t] = part.tok_begin[t] + shift;
        std::copy(part.tok_len.begin(), part.tok_len.end(), c.tok_len.begin() + t0);
      }
      if (c.has_tags) {
        if (remap[j].empty()) {
          std::copy(part.tags.begin(), part.tags.end(), c.tags.begin() + t0);
        } else {
          for (size_t t = 0; t < n; ++t) c.tags[static_cast<size_t>(t0) + t] = remap[j][static_cast<size_t>(part.tags[t])];
        }
      }
    }
  });
  return c;
}

/// parse_conll without keeping the text: one piece, or the pieces parsed on `opt.threads` threads and merged.
TokenCorpus parse_conll_text(std::string_view text, const std::string& path, const ConllOptions& opt) {
  const auto bounds = piece_bounds(text, opt.splits, opt.threads, true);
  TokenCorpus c;
  if (bounds.size() == 2) {
    c = parse_conll_piece(text, path, opt, opt.skip_bom);
  } else {
    auto parts = parse_pieces<TokenCorpus>(
        text, bounds, opt.threads,
        [&](int64_t k, std::string_view piece) {
          return parse_conll_piece(piece, path, opt, k == 0 && opt.skip_bom);
        },
        [](const TokenCorpus& part) { return part.size(); });
    c = merge_pieces(parts, bounds, opt.labels, opt.threads);
  }
  if (c.n_tokens() == 0) throw FormatError(path, -1, "file", "empty file (no token lines)");
  return c;
}

}  // namespace

TokenCorpus parse_conll(std::string text, const std::string& path, const ConllOptions& opt) {
  TokenCorpus c = parse_conll_text(text, path, opt);
  if (opt.keep_tokens) c.text = std::move(text);
  return c;
}

TokenCorpus parse_conll_view(std::string_view text, const std::string& path, const ConllOptions& opt) {
  if (opt.keep_tokens) return parse_conll(std::string(text), path, opt);  // the corpus owns its tokens' bytes
  return parse_conll_text(text, path, opt);
}

TokenCorpus read_conll(const std::string& path, const ConllOptions& opt) {
  return parse_conll(read_file(path), path, opt);
}

namespace {

/// The one parser of one-sentence-per-line text, on a view (see parse_conll_piece).
TokenCorpus parse_token_lines_piece(std::string_view text, const std::string& path, bool keep_tokens, bool bom) {
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
  return c;
}

}  // namespace

TokenCorpus parse_token_lines(std::string text, const std::string& path, bool keep_tokens, bool skip_bom,
                              int threads, const std::vector<size_t>& splits) {
  const std::string_view view(text);
  const auto bounds = piece_bounds(view, splits, threads, false);
  TokenCorpus c;
  if (bounds.size() == 2) {
    c = parse_token_lines_piece(view, path, keep_tokens, skip_bom);
  } else {
    auto parts = parse_pieces<TokenCorpus>(
        view, bounds, threads,
        [&](int64_t k, std::string_view piece) {
          return parse_token_lines_piece(piece, path, keep_tokens, k == 0 && skip_bom);
        },
        [](const TokenCorpus& part) { return part.size(); });
    c = merge_pieces(parts, bounds, {}, threads);
  }
  if (c.size() == 0) throw FormatError(path, -1, "file", "empty file (no sentences)");
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
                        valid_label(tag.substr(2)));
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

/// The CoNLL writer: checks its arguments, then writes the text of sentences [lo, hi) with raw copies into a buffer
/// of the exact size (`bytes(lo, hi)`), so that blocks can be formatted in parallel straight into their place.
class ConllWriter {
 public:
  ConllWriter(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
              const std::vector<std::string>& tag_names, char sep)
      : tokens_(tokens), tags_(tag_ids) {
    if (!tokens.has_tokens) throw std::invalid_argument("write_conll: the corpus was read without its tokens");
    if (n_tags != tokens.n_tokens())
      throw std::invalid_argument("field tags: " + std::to_string(n_tags) + " tags for " +
                                  std::to_string(tokens.n_tokens()) + " tokens of " + tokens.path);
    const int64_t n_names = static_cast<int64_t>(tag_names.size());
    for (int64_t t = 0; t < n_tags; ++t) {
      if (tag_ids[t] >= 0 && tag_ids[t] < n_names) continue;
      const auto& off = tokens.sent_offsets;  // the sentence of token t, for the message
      const auto i = static_cast<int64_t>(std::upper_bound(off.begin(), off.end(), t) - off.begin()) - 1;
      throw std::invalid_argument(where(i, "tags") + "token " + std::to_string(t - off[static_cast<size_t>(i)]) +
                                  " has tag id " + std::to_string(tag_ids[t]) + ", but there are " +
                                  std::to_string(n_names) + " tag names");
    }
    columns_.resize(tag_names.size());
    for (size_t k = 0; k < tag_names.size(); ++k) {  // sep, name, '\n'
      Column& col = columns_[k];
      col.text = std::string(1, sep) + tag_names[k] + "\n";
      col.size = col.text.size();
      std::memcpy(col.bytes, col.text.data(), std::min<size_t>(col.size, sizeof col.bytes));
    }
  }

  /// Bytes of the text of sentences [lo, hi).
  size_t bytes(int64_t lo, int64_t hi) const {
    size_t need = static_cast<size_t>(hi - lo);
    const int64_t t1 = tokens_.sent_offsets[static_cast<size_t>(hi)];
    for (int64_t t = tokens_.sent_offsets[static_cast<size_t>(lo)]; t < t1; ++t)
      need += static_cast<size_t>(tokens_.tok_len[static_cast<size_t>(t)]) +
              columns_[static_cast<size_t>(tags_[t])].size;
    return need;
  }

  /// Write the text of sentences [lo, hi) at w (bytes(lo, hi) bytes); returns the end. Short tokens and tag
  /// columns are copied 16 bytes at a time (a fixed-size copy, no call) while the region [w, limit) and the text
  /// have room for it; the bytes written past a piece are overwritten by the next one.
  char* write(int64_t lo, int64_t hi, char* w, const char* limit) const {
    const char* text = tokens_.text.data();
    const size_t text_size = tokens_.text.size();
    for (int64_t i = lo; i < hi; ++i) {
      const int64_t t1 = tokens_.sent_offsets[static_cast<size_t>(i + 1)];
      for (int64_t t = tokens_.sent_offsets[static_cast<size_t>(i)]; t < t1; ++t) {
        const auto u = static_cast<size_t>(t);
        const auto len = static_cast<size_t>(tokens_.tok_len[u]);
        const auto begin = static_cast<size_t>(tokens_.tok_begin[u]);
        const Column& col = columns_[static_cast<size_t>(tags_[t])];
        if (len <= 16 && col.size <= 16 && begin + 16 <= text_size && limit - w >= 32 + 1) {
          std::memcpy(w, text + begin, 16);
          w += len;
          std::memcpy(w, col.bytes, 16);
          w += col.size;
          continue;
        }
        std::memcpy(w, text + begin, len);
        w += len;
        std::memcpy(w, col.text.data(), col.size);
        w += col.size;
      }
      *w++ = '\n';
    }
    return w;
  }

  /// As format_blocks takes it: sentences [lo, hi) into buf.
  void operator()(int64_t lo, int64_t hi, std::string& buf) const {
    buf.resize(bytes(lo, hi));
    write(lo, hi, &buf[0], buf.data() + buf.size());
  }

 private:
  /// The text after a token: the separator, the tag name, the line break (and its first 16 bytes, zero-padded).
  struct Column {
    std::string text;
    size_t size = 0;
    char bytes[16] = {};
  };
  const TokenCorpus& tokens_;
  const int32_t* tags_;
  std::vector<Column> columns_;
};

}  // namespace

void write_conll(const std::string& path, const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                 const std::vector<std::string>& tag_names, char sep, int threads) {
  write_blocks(path, tokens.size(), threads, ConllWriter(tokens, tag_ids, n_tags, tag_names, sep));
}

void format_conll_into(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                       const std::vector<std::string>& tag_names, char sep, int threads,
                       const std::function<char*(size_t)>& alloc) {
  const ConllWriter writer(tokens, tag_ids, n_tags, tag_names, sep);
  const int64_t n = tokens.size();
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(default_chunks(n, threads), n / 4096));
  std::vector<size_t> at(static_cast<size_t>(chunks) + 1, 0);
  auto range = [&](int64_t c, int64_t& lo, int64_t& hi) {
    lo = n * c / chunks;
    hi = n * (c + 1) / chunks;
  };
  parallel_chunks(chunks, threads, chunks, [&](int64_t, int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      int64_t lo, hi;
      range(c, lo, hi);
      at[static_cast<size_t>(c) + 1] = writer.bytes(lo, hi);
    }
  });
  for (size_t c = 1; c < at.size(); ++c) at[c] += at[c - 1];
  char* out = alloc(at.back());
  parallel_chunks(chunks, threads, chunks, [&](int64_t, int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      int64_t lo, hi;
      range(c, lo, hi);
      writer.write(lo, hi, out + at[static_cast<size_t>(c)], out + at[static_cast<size_t>(c) + 1]);
    }
  });
}

std::string format_conll(const TokenCorpus& tokens, const int32_t* tag_ids, int64_t n_tags,
                         const std::vector<std::string>& tag_names, char sep, int threads) {
  std::string out;
  format_conll_into(tokens, tag_ids, n_tags, tag_names, sep, threads, [&](size_t size) {
    out.resize(size);
    return &out[0];
  });
  return out;
}

TokenCorpus corpus_from_lists(const std::vector<std::vector<std::string>>& tokens,
                              const std::vector<std::vector<std::string>>* tags, std::vector<std::string> labels) {
  TokenCorpus c;
  c.path = "<memory>";
  c.has_tags = tags != nullptr;
  c.labels = std::move(labels);
  if (tags && tags->size() != tokens.size())
    throw std::invalid_argument("field tags: " + std::to_string(tags->size()) + " tag lists for " +
                                std::to_string(tokens.size()) + " sentences");
  TagInterner interner(c.labels);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const auto& toks = tokens[i];
    const auto sent = static_cast<int64_t>(i);
    if (tags && (*tags)[i].size() != toks.size())
      throw std::invalid_argument(where(sent, "tags") + std::to_string((*tags)[i].size()) + " tags for " +
                                  std::to_string(toks.size()) + " tokens");
    for (size_t k = 0; k < toks.size(); ++k) {
      const std::string& t = toks[k];
      if (t.empty() || t.find_first_of("\t\n\r") != std::string::npos || t.find_first_not_of(' ') == std::string::npos)
        throw std::invalid_argument(where(sent, "tokens") + "token " + std::to_string(k) +
                                    " is empty or contains a tab or line break");
      c.push_token(t);
      if (!tags) continue;
      const std::string& g = (*tags)[i][k];
      const int32_t id = interner.id(g);
      if (id < 0)
        throw std::invalid_argument(where(sent, "tags") + "token " + std::to_string(k) + ": " + quote(g) +
                                    " is not an IOB2 tag (O, B-X or I-X; X without spaces, control characters or a "
                                    "leading '-')");
      c.tags.push_back(id);
    }
    c.close_sentence();
  }
  return c;
}

}  // namespace xlner
