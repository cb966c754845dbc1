// Symmetrisation of two directional word alignments (Koehn's textbook heuristics).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "xlner/alignment.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

SymMethod parse_sym_method(const std::string& name_in) {
  std::string name = name_in;
  std::replace(name.begin(), name.end(), '_', '-');
  if (name == "intersection" || name == "intersect") return SymMethod::Intersection;
  if (name == "union") return SymMethod::Union;
  if (name == "grow-diag") return SymMethod::GrowDiag;
  if (name == "grow-diag-final") return SymMethod::GrowDiagFinal;
  if (name == "grow-diag-final-and") return SymMethod::GrowDiagFinalAnd;
  throw std::invalid_argument("unknown symmetrisation '" + name_in +
                              "' (expected intersection, union, grow-diag, grow-diag-final or grow-diag-final-and)");
}

namespace {

void check_links(const Link* links, int64_t count, int32_t m, int32_t n, int64_t sentence, const char* src_field,
                 const char* tgt_field) {
  for (int64_t k = 0; k < count; ++k) {
    if (links[k].src < 0 || links[k].src >= m)
      throw std::out_of_range(where(sentence, src_field) + "link " + std::to_string(k) + " has source index " +
                              std::to_string(links[k].src) + " outside a " + std::to_string(m) + "-word sentence");
    if (links[k].tgt < 0 || links[k].tgt >= n)
      throw std::out_of_range(where(sentence, tgt_field) + "link " + std::to_string(k) + " has target index " +
                              std::to_string(links[k].tgt) + " outside a " + std::to_string(n) + "-word sentence");
  }
}

}  // namespace

std::vector<Link> symmetrize(const Link* fwd, int64_t n_fwd, const Link* rev, int64_t n_rev, int32_t m, int32_t n,
                             SymMethod method, int64_t sentence) {
  if (m < 0) throw std::invalid_argument(where(sentence, "src_len") + "negative");
  if (n < 0) throw std::invalid_argument(where(sentence, "tgt_len") + "negative");
  check_links(fwd, n_fwd, m, n, sentence, "fwd_src", "fwd_tgt");
  check_links(rev, n_rev, m, n, sentence, "rev_src", "rev_tgt");
  const size_t cells = static_cast<size_t>(m) * static_cast<size_t>(n);
  std::vector<char> F(cells, 0), R(cells, 0), A(cells, 0);
  for (int64_t k = 0; k < n_fwd; ++k) F[static_cast<size_t>(fwd[k].src) * n + fwd[k].tgt] = 1;
  for (int64_t k = 0; k < n_rev; ++k) R[static_cast<size_t>(rev[k].src) * n + rev[k].tgt] = 1;
  for (size_t c = 0; c < cells; ++c) {
    if (method == SymMethod::Union)
      A[c] = F[c] | R[c];
    else
      A[c] = F[c] & R[c];
  }
  if (method == SymMethod::GrowDiag || method == SymMethod::GrowDiagFinal || method == SymMethod::GrowDiagFinalAnd) {
    std::vector<int32_t> row_cnt(static_cast<size_t>(m), 0), col_cnt(static_cast<size_t>(n), 0);
    for (int32_t i = 0; i < m; ++i)
      for (int32_t j = 0; j < n; ++j)
        if (A[static_cast<size_t>(i) * n + j]) ++row_cnt[i], ++col_cnt[j];
    auto add = [&](int32_t i, int32_t j) {
      A[static_cast<size_t>(i) * n + j] = 1;
      ++row_cnt[i];
      ++col_cnt[j];
    };
    static const int di[8] = {-1, 0, 1, 0, -1, -1, 1, 1};
    static const int dj[8] = {0, -1, 0, 1, -1, 1, -1, 1};
    bool changed = true;
    while (changed) {  // grow-diag: sweeps until no point is added
      changed = false;
      for (int32_t i = 0; i < m; ++i)
        for (int32_t j = 0; j < n; ++j) {
          if (!A[static_cast<size_t>(i) * n + j]) continue;
          for (int d = 0; d < 8; ++d) {
            int32_t a = i + di[d], b = j + dj[d];
            if (a < 0 || a >= m || b < 0 || b >= n) continue;
            size_t c = static_cast<size_t>(a) * n + b;
            if (A[c]) continue;
            if ((row_cnt[a] == 0 || col_cnt[b] == 0) && (F[c] || R[c])) {
              add(a, b);
              changed = true;
            }
          }
        }
    }
    if (method != SymMethod::GrowDiag) {
      const bool both = method == SymMethod::GrowDiagFinalAnd;
      for (const std::vector<char>* dir : {&F, &R}) {  // final(e2f), then final(f2e)
        for (int32_t i = 0; i < m; ++i)
          for (int32_t j = 0; j < n; ++j) {
            size_t c = static_cast<size_t>(i) * n + j;
            if (!(*dir)[c] || A[c]) continue;
            bool ok = both ? (row_cnt[i] == 0 && col_cnt[j] == 0) : (row_cnt[i] == 0 || col_cnt[j] == 0);
            if (ok) add(i, j);
          }
      }
    }
  }
  std::vector<Link> out;
  for (int32_t i = 0; i < m; ++i)
    for (int32_t j = 0; j < n; ++j)
      if (A[static_cast<size_t>(i) * n + j]) out.push_back(Link{i, j});
  return out;
}

LinksCSR symmetrize_batch(int64_t n, const int32_t* src_len, const int32_t* tgt_len, const int64_t* fwd_offsets,
                          const int32_t* fwd_src, const int32_t* fwd_tgt, int64_t fwd_size,
                          const int64_t* rev_offsets, const int32_t* rev_src, const int32_t* rev_tgt,
                          int64_t rev_size, SymMethod method, int threads) {
  if (n < 0) throw std::invalid_argument("batch size must be >= 0");
  auto check_offsets = [&](const int64_t* off, int64_t size, const char* field) {
    if (off[0] != 0) throw std::invalid_argument(where(0, field) + "must start at 0");
    for (int64_t i = 0; i < n; ++i)
      if (off[i + 1] < off[i])
        throw std::invalid_argument(where(i, field) + "offsets decrease (" + std::to_string(off[i]) + " > " +
                                    std::to_string(off[i + 1]) + ")");
    if (off[n] != size)
      throw std::invalid_argument(where(n > 0 ? n - 1 : 0, field) + "last offset " + std::to_string(off[n]) +
                                  " != number of links " + std::to_string(size));
  };
  check_offsets(fwd_offsets, fwd_size, "fwd_offsets");
  check_offsets(rev_offsets, rev_size, "rev_offsets");
  for (int64_t i = 0; i < n; ++i) {
    if (src_len[i] < 0) throw std::invalid_argument(where(i, "src_len") + "negative");
    if (tgt_len[i] < 0) throw std::invalid_argument(where(i, "tgt_len") + "negative");
  }
  int64_t chunks = default_chunks(n, threads);
  std::vector<LinksCSR> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(n, threads, chunks, [&](int64_t c, int64_t b, int64_t e) {
    LinksCSR& part = parts[static_cast<size_t>(c)];
    std::vector<Link> f, r;
    for (int64_t i = b; i < e; ++i) {
      f.clear();
      r.clear();
      for (int64_t k = fwd_offsets[i]; k < fwd_offsets[i + 1]; ++k) f.push_back(Link{fwd_src[k], fwd_tgt[k]});
      for (int64_t k = rev_offsets[i]; k < rev_offsets[i + 1]; ++k) r.push_back(Link{rev_src[k], rev_tgt[k]});
      part.push_sentence(symmetrize(f.data(), static_cast<int64_t>(f.size()), r.data(),
                                    static_cast<int64_t>(r.size()), src_len[i], tgt_len[i], method, i));
    }
  });
  return LinksCSR::concat(parts);
}

}  // namespace xlner
