// Lexical (string) similarity between words: exact, normalised edit distance, character n-gram Dice.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "xlner/alignment.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

LexicalMeasure parse_lexical_measure(const std::string& name) {
  if (name == "exact") return LexicalMeasure::Exact;
  if (name == "edit") return LexicalMeasure::Edit;
  if (name == "ngram") return LexicalMeasure::Ngram;
  if (name == "max") return LexicalMeasure::Max;
  throw std::invalid_argument("unknown lexical measure '" + name + "' (expected exact, edit, ngram or max)");
}

std::u32string utf8_to_u32(const std::string& s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    int extra;
    if (c < 0x80) {
      cp = c;
      extra = 0;
    } else if ((c >> 5) == 0x6) {
      cp = c & 0x1F;
      extra = 1;
    } else if ((c >> 4) == 0xE) {
      cp = c & 0x0F;
      extra = 2;
    } else if ((c >> 3) == 0x1E) {
      cp = c & 0x07;
      extra = 3;
    } else {
      throw std::invalid_argument("invalid UTF-8 lead byte at offset " + std::to_string(i));
    }
    if (i + static_cast<size_t>(extra) >= s.size() && extra > 0)
      throw std::invalid_argument("truncated UTF-8 sequence at offset " + std::to_string(i));
    for (int k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) throw std::invalid_argument("invalid UTF-8 continuation byte at offset " + std::to_string(i + k));
      cp = (cp << 6) | (cc & 0x3F);
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

int32_t levenshtein(const std::u32string& a, const std::u32string& b) {
  const size_t la = a.size(), lb = b.size();
  if (la == 0) return static_cast<int32_t>(lb);
  if (lb == 0) return static_cast<int32_t>(la);
  std::vector<int32_t> prev(lb + 1), cur(lb + 1);
  for (size_t j = 0; j <= lb; ++j) prev[j] = static_cast<int32_t>(j);
  for (size_t i = 1; i <= la; ++i) {
    cur[0] = static_cast<int32_t>(i);
    for (size_t j = 1; j <= lb; ++j) {
      int32_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[lb];
}

namespace {

double ngram_dice(const std::u32string& a, const std::u32string& b, int n) {
  std::u32string pa = U"#" + a + U"#", pb = U"#" + b + U"#";
  auto grams = [n](const std::u32string& s) {
    std::vector<std::u32string> g;
    if (static_cast<int>(s.size()) < n) {
      g.push_back(s);
      return g;
    }
    for (size_t i = 0; i + static_cast<size_t>(n) <= s.size(); ++i) g.push_back(s.substr(i, static_cast<size_t>(n)));
    return g;
  };
  std::vector<std::u32string> ga = grams(pa), gb = grams(pb);
  std::sort(ga.begin(), ga.end());
  std::sort(gb.begin(), gb.end());
  // multiset intersection size
  size_t i = 0, j = 0, common = 0;
  while (i < ga.size() && j < gb.size()) {
    if (ga[i] == gb[j]) {
      ++common, ++i, ++j;
    } else if (ga[i] < gb[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return 2.0 * static_cast<double>(common) / static_cast<double>(ga.size() + gb.size());
}

}  // namespace

double lexical_similarity(const std::u32string& a, const std::u32string& b, LexicalMeasure measure, int ngram) {
  if (ngram < 1) throw std::invalid_argument("ngram must be >= 1, got " + std::to_string(ngram));
  if (a == b) return 1.0;
  switch (measure) {
    case LexicalMeasure::Exact: return 0.0;
    case LexicalMeasure::Edit: {
      size_t mx = std::max(a.size(), b.size());
      return 1.0 - static_cast<double>(levenshtein(a, b)) / static_cast<double>(mx);
    }
    case LexicalMeasure::Ngram: return ngram_dice(a, b, ngram);
    case LexicalMeasure::Max: {
      size_t mx = std::max(a.size(), b.size());
      double e = 1.0 - static_cast<double>(levenshtein(a, b)) / static_cast<double>(mx);
      return std::max(e, ngram_dice(a, b, ngram));
    }
  }
  return 0.0;
}

SimCSR lexical_similarity_batch(const std::vector<std::vector<std::u32string>>& src,
                                const std::vector<std::vector<std::u32string>>& tgt, LexicalMeasure measure, int ngram,
                                int threads) {
  if (src.size() != tgt.size())
    throw std::invalid_argument("src has " + std::to_string(src.size()) + " sentences, tgt has " +
                                std::to_string(tgt.size()));
  if (ngram < 1) throw std::invalid_argument("ngram must be >= 1, got " + std::to_string(ngram));
  const int64_t n = static_cast<int64_t>(src.size());
  SimCSR out;
  out.offsets.resize(static_cast<size_t>(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i)
    out.offsets[i + 1] = out.offsets[i] + static_cast<int64_t>(src[i].size()) * static_cast<int64_t>(tgt[i].size());
  out.data.assign(static_cast<size_t>(out.offsets[n]), 0.0);
  parallel_chunks(n, threads, default_chunks(n, threads), [&](int64_t, int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const auto& s = src[i];
      const auto& t = tgt[i];
      double* d = out.data.data() + out.offsets[i];
      for (size_t a = 0; a < s.size(); ++a)
        for (size_t c = 0; c < t.size(); ++c) d[a * t.size() + c] = lexical_similarity(s[a], t[c], measure, ngram);
    }
  });
  return out;
}

}  // namespace xlner
