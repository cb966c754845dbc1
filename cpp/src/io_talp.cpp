#include "xlner/io/talp.hpp"

#include <limits>

#include "io_detail.hpp"

namespace xlner {

using namespace io_detail;  // NOLINT(google-build-using-namespace): the shared helpers of the io sources

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

/// The one talp parser, on the whole text or a piece of it that starts at a line start.
Alignments parse_talp_piece(std::string_view text, const std::string& path, const TalpOptions& opt,
                            bool skip_bom_here) {
  Alignments a;
  a.path = path;
  const char* p = text.data();
  const size_t n = text.size();
  const size_t bad = text_invalid_at(p, n);
  a.src.reserve(n / 5 + 16);
  a.tgt.reserve(n / 5 + 16);
  a.possible.reserve(n / 5 + 16);
  a.offsets.reserve(n / 40 + 16);
  int64_t sent = 0;
  size_t pos = skip_bom_here ? skip_bom(text) : 0;
  LineScanner lines(p, n);
  while (pos < n || sent == 0) {
    const size_t end = lines.next(pos), next = end < n ? end + 1 : n;
    if (bad < next) throw FormatError(path, sent, "alignment", invalid_utf8_detail(p, bad, pos), sent + 1);
    size_t q = pos;
    int64_t pair = 0;
    while (true) {
      while (q < end && is_space(p[q])) ++q;
      if (q >= end) break;
      const size_t tb = q;
      // the pair `i-j` read in one pass: digits, the separator, digits, then the end of the pair (a space or the
      // end of the line)
      size_t r = tb;
      int64_t i = 0, j = 0;
      bool ok = parse_index(p, r, end, i) && r < end;
      const char sep = ok ? p[r] : '\0';
      ok = ok && (sep == '-' || (opt.allow_possible && sep == 'p'));
      if (ok) ++r;
      ok = ok && parse_index(p, r, end, j) && (r == end || is_space(p[r]));
      if (!ok) {
        while (q < end && !is_space(p[q])) ++q;
        throw FormatError(path, sent, "alignment pair " + std::to_string(pair),
                          talp_pair_problem(std::string_view(p + tb, q - tb), opt), sent + 1);
      }
      q = r;
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

}  // namespace

Alignments parse_talp(std::string_view text, const std::string& path, const TalpOptions& opt) {
  if (text.empty()) throw FormatError(path, -1, "file", "empty file (no alignment lines)");
  const auto bounds = piece_bounds(text, opt.splits, opt.threads, false);
  if (bounds.size() == 2) return parse_talp_piece(text, path, opt, opt.skip_bom);
  auto parts = parse_pieces<Alignments>(
      text, bounds, opt.threads,
      [&](int64_t k, std::string_view piece) { return parse_talp_piece(piece, path, opt, k == 0 && opt.skip_bom); },
      [](const Alignments& part) { return part.size(); });
  const size_t k = parts.size();
  std::vector<int64_t> sents(k + 1, 0), links(k + 1, 0);
  for (size_t j = 0; j < k; ++j) {
    sents[j + 1] = sents[j] + parts[j].size();
    links[j + 1] = links[j] + static_cast<int64_t>(parts[j].src.size());
  }
  Alignments a;
  a.path = path;
  a.offsets.assign(static_cast<size_t>(sents[k]) + 1, 0);
  a.src.resize(static_cast<size_t>(links[k]));
  a.tgt.resize(static_cast<size_t>(links[k]));
  a.possible.resize(static_cast<size_t>(links[k]));
  parallel_chunks(static_cast<int64_t>(k), opt.threads, static_cast<int64_t>(k), [&](int64_t, int64_t lo, int64_t hi) {
    for (auto j = static_cast<size_t>(lo); j < static_cast<size_t>(hi); ++j) {
      const Alignments& part = parts[j];
      for (int64_t i = 1; i <= part.size(); ++i)
        a.offsets[static_cast<size_t>(sents[j] + i)] = part.offsets[static_cast<size_t>(i)] + links[j];
      std::copy(part.src.begin(), part.src.end(), a.src.begin() + links[j]);
      std::copy(part.tgt.begin(), part.tgt.end(), a.tgt.begin() + links[j]);
      std::copy(part.possible.begin(), part.possible.end(), a.possible.begin() + links[j]);
    }
  });
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

}  // namespace xlner
