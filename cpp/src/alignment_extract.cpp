// Extraction of word alignments from similarity matrices: argmax, itermax, match, softmax.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "xlner/alignment.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

ExtractMethod parse_extract_method(const std::string& name) {
  if (name == "argmax" || name == "inter") return ExtractMethod::Argmax;
  if (name == "itermax") return ExtractMethod::Itermax;
  if (name == "match" || name == "mwmf") return ExtractMethod::Match;
  if (name == "softmax") return ExtractMethod::Softmax;
  throw std::invalid_argument("unknown extraction method '" + name +
                              "' (expected argmax, itermax, match or softmax)");
}

void LinksCSR::push_sentence(const std::vector<Link>& links) {
  for (const Link& l : links) {
    src.push_back(l.src);
    tgt.push_back(l.tgt);
  }
  offsets.push_back(static_cast<int64_t>(src.size()));
}

LinksCSR LinksCSR::concat(std::vector<LinksCSR>& parts) {
  LinksCSR out;
  size_t total = 0;
  for (auto& p : parts) total += p.src.size();
  out.src.reserve(total);
  out.tgt.reserve(total);
  for (auto& p : parts) {
    append_offsets(out.offsets, p.offsets, static_cast<int64_t>(out.src.size()));
    append(out.src, p.src);
    append(out.tgt, p.tgt);
  }
  return out;
}

namespace {

// Row argmax (first index on ties, like numpy) of a dense double matrix.
void row_argmax(const std::vector<double>& s, int32_t m, int32_t n, std::vector<int32_t>& out) {
  out.assign(static_cast<size_t>(m), 0);
  for (int32_t i = 0; i < m; ++i) {
    const double* r = s.data() + static_cast<size_t>(i) * n;
    int32_t best = 0;
    for (int32_t j = 1; j < n; ++j)
      if (r[j] > r[best]) best = j;
    out[i] = best;
  }
}

// Column argmax (first index on ties).
void col_argmax(const std::vector<double>& s, int32_t m, int32_t n, std::vector<int32_t>& out) {
  out.assign(static_cast<size_t>(n), 0);
  std::vector<double> best(static_cast<size_t>(n));
  for (int32_t j = 0; j < n; ++j) best[j] = s[j];
  for (int32_t i = 1; i < m; ++i) {
    const double* r = s.data() + static_cast<size_t>(i) * n;
    for (int32_t j = 0; j < n; ++j)
      if (r[j] > best[j]) {
        best[j] = r[j];
        out[j] = i;
      }
  }
}

std::vector<Link> argmax_links(const std::vector<double>& s, int32_t m, int32_t n) {
  std::vector<int32_t> ra, ca;
  row_argmax(s, m, n, ra);
  col_argmax(s, m, n, ca);
  std::vector<Link> out;
  for (int32_t i = 0; i < m; ++i)
    if (ca[ra[i]] == i) out.push_back(Link{i, ra[i]});
  return out;
}

// SimAlign itermax: round 1 is mutual argmax; while fewer than max_count rounds were run and some row
// and some column are still unaligned, weight each cell by min(1, alpha * [row i unaligned] +
// alpha * [column j unaligned]) and add the mutual argmax cells of the weighted matrix whose row or
// column is unaligned; stop early when a round adds nothing. Matrices with min(m, n) <= 2 keep round 1.
std::vector<Link> itermax_links(const std::vector<double>& s, int32_t m, int32_t n, int max_count, double alpha) {
  std::vector<Link> links = argmax_links(s, m, n);
  if (std::min(m, n) <= 2) return links;
  std::vector<char> row_al(static_cast<size_t>(m), 0), col_al(static_cast<size_t>(n), 0);
  for (const Link& l : links) row_al[l.src] = col_al[l.tgt] = 1;
  std::vector<double> w(s.size());
  std::vector<int32_t> ra, ca;
  for (int count = 1; count < max_count; ++count) {
    bool any_row = std::find(row_al.begin(), row_al.end(), 0) != row_al.end();
    bool any_col = std::find(col_al.begin(), col_al.end(), 0) != col_al.end();
    if (!any_row || !any_col) break;
    for (int32_t i = 0; i < m; ++i)
      for (int32_t j = 0; j < n; ++j) {
        double mask = alpha * (row_al[i] ? 0.0 : 1.0) + alpha * (col_al[j] ? 0.0 : 1.0);
        mask = std::min(1.0, std::max(0.0, mask));
        size_t k = static_cast<size_t>(i) * n + j;
        w[k] = s[k] * mask;
      }
    row_argmax(w, m, n, ra);
    col_argmax(w, m, n, ca);
    std::vector<Link> added;
    for (int32_t i = 0; i < m; ++i) {
      int32_t j = ra[i];
      if (ca[j] == i && !(row_al[i] && col_al[j])) added.push_back(Link{i, j});
    }
    if (added.empty()) break;
    for (const Link& l : added) {
      row_al[l.src] = col_al[l.tgt] = 1;
      links.push_back(l);
    }
  }
  return links;
}

std::vector<Link> match_links(const std::vector<double>& s, int32_t m, int32_t n) {
  std::vector<int32_t> col = max_weight_assignment(s.data(), m, n);
  std::vector<Link> out;
  for (int32_t i = 0; i < m; ++i)
    if (col[i] >= 0) out.push_back(Link{i, col[i]});
  return out;
}

// awesome-align: P_row = softmax over each row, P_col = softmax over each column, link where both > thr.
// One exp per cell: e = exp(v - global max) serves both directions (softmax is shift-invariant); when a
// row or column sum underflows (values ~700 below the global max), that sentence falls back to per-row
// and per-column maxima (two exps per cell).
std::vector<Link> softmax_links(const std::vector<double>& s, int32_t m, int32_t n, double thr) {
  const size_t cells = s.size();
  double gmax = -std::numeric_limits<double>::infinity();
  for (double v : s) gmax = std::max(gmax, v);
  std::vector<double> e(cells), row_sum(static_cast<size_t>(m), 0.0), col_sum(static_cast<size_t>(n), 0.0);
  for (int32_t i = 0; i < m; ++i) {
    const double* r = s.data() + static_cast<size_t>(i) * n;
    double* er = e.data() + static_cast<size_t>(i) * n;
    for (int32_t j = 0; j < n; ++j) {
      er[j] = std::exp(r[j] - gmax);
      row_sum[i] += er[j];
      col_sum[j] += er[j];
    }
  }
  const double tiny = 1e-280;
  bool safe = true;
  for (double x : row_sum) safe = safe && x > tiny;
  for (double x : col_sum) safe = safe && x > tiny;
  std::vector<Link> out;
  if (safe) {
    for (int32_t i = 0; i < m; ++i) {
      const double* er = e.data() + static_cast<size_t>(i) * n;
      for (int32_t j = 0; j < n; ++j)
        if (er[j] / row_sum[i] > thr && er[j] / col_sum[j] > thr) out.push_back(Link{i, j});
    }
    return out;
  }
  std::vector<double> row_max(static_cast<size_t>(m), -std::numeric_limits<double>::infinity()),
      col_max(static_cast<size_t>(n), -std::numeric_limits<double>::infinity());
  for (int32_t i = 0; i < m; ++i)
    for (int32_t j = 0; j < n; ++j) {
      double v = s[static_cast<size_t>(i) * n + j];
      row_max[i] = std::max(row_max[i], v);
      col_max[j] = std::max(col_max[j], v);
    }
  std::fill(row_sum.begin(), row_sum.end(), 0.0);
  std::fill(col_sum.begin(), col_sum.end(), 0.0);
  for (int32_t i = 0; i < m; ++i)
    for (int32_t j = 0; j < n; ++j) {
      double v = s[static_cast<size_t>(i) * n + j];
      row_sum[i] += std::exp(v - row_max[i]);
      col_sum[j] += std::exp(v - col_max[j]);
    }
  for (int32_t i = 0; i < m; ++i)
    for (int32_t j = 0; j < n; ++j) {
      double v = s[static_cast<size_t>(i) * n + j];
      double pr = std::exp(v - row_max[i]) / row_sum[i];
      double pc = std::exp(v - col_max[j]) / col_sum[j];
      if (pr > thr && pc > thr) out.push_back(Link{i, j});
    }
  return out;
}

void check_options(const ExtractOptions& opt) {
  if (opt.method == ExtractMethod::Itermax) {
    if (opt.max_count < 1) throw std::invalid_argument("itermax: max_count must be >= 1, got " + std::to_string(opt.max_count));
    if (!(opt.alpha >= 0.0 && opt.alpha <= 1.0))
      throw std::invalid_argument("itermax: alpha must lie in [0, 1], got " + std::to_string(opt.alpha));
  }
  if (opt.method == ExtractMethod::Softmax && !(opt.threshold >= 0.0 && opt.threshold < 1.0))
    throw std::invalid_argument("softmax: threshold must lie in [0, 1), got " + std::to_string(opt.threshold));
}

}  // namespace

std::vector<int32_t> max_weight_assignment(const double* w, int32_t m, int32_t n) {
  std::vector<int32_t> result(static_cast<size_t>(std::max(m, 0)), -1);
  if (m <= 0 || n <= 0) return result;
  // Work on a k x l cost matrix with k <= l (transpose when there are more rows than columns).
  const bool tr = m > n;
  const int32_t k = tr ? n : m, l = tr ? m : n;
  auto cost = [&](int32_t r, int32_t c) -> double {  // 1-based r in [1, k], c in [1, l]
    return tr ? -w[static_cast<size_t>(c - 1) * n + (r - 1)] : -w[static_cast<size_t>(r - 1) * n + (c - 1)];
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(static_cast<size_t>(k) + 1, 0.0), v(static_cast<size_t>(l) + 1, 0.0), minv;
  std::vector<int32_t> p(static_cast<size_t>(l) + 1, 0), way(static_cast<size_t>(l) + 1, 0);
  std::vector<char> used;
  for (int32_t r = 1; r <= k; ++r) {
    p[0] = r;
    int32_t j0 = 0;
    minv.assign(static_cast<size_t>(l) + 1, inf);
    used.assign(static_cast<size_t>(l) + 1, 0);
    do {  // grow a shortest augmenting path tree from row r
      used[j0] = 1;
      int32_t i0 = p[j0], j1 = 0;
      double delta = inf;
      for (int32_t j = 1; j <= l; ++j) {
        if (used[j]) continue;
        double cur = cost(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      if (j1 == 0) throw std::runtime_error("max_weight_assignment: no augmenting path (non-finite weights?)");
      for (int32_t j = 0; j <= l; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {  // augment along the path
      int32_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  for (int32_t c = 1; c <= l; ++c) {
    if (p[c] == 0) continue;
    if (tr)
      result[c - 1] = p[c] - 1;
    else
      result[p[c] - 1] = c - 1;
  }
  return result;
}

template <class T>
std::vector<Link> extract(const T* sim, int32_t m, int32_t n, const ExtractOptions& opt, int64_t sentence) {
  check_options(opt);
  if (m < 0 || n < 0) throw std::invalid_argument(where(sentence, "shape") + "negative dimension");
  if (m == 0 || n == 0) return {};
  std::vector<double> s(static_cast<size_t>(m) * n);
  for (size_t k = 0; k < s.size(); ++k) {
    double v = static_cast<double>(sim[k]);
    if (!std::isfinite(v))
      throw std::invalid_argument(where(sentence, "sim") + "non-finite value at (" + std::to_string(k / n) + ", " +
                                  std::to_string(k % n) + ")");
    s[k] = v;
  }
  std::vector<Link> out;
  switch (opt.method) {
    case ExtractMethod::Argmax: out = argmax_links(s, m, n); break;
    case ExtractMethod::Itermax: out = itermax_links(s, m, n, opt.max_count, opt.alpha); break;
    case ExtractMethod::Match: out = match_links(s, m, n); break;
    case ExtractMethod::Softmax: out = softmax_links(s, m, n, opt.threshold); break;
  }
  auto less = [](const Link& a, const Link& b) { return a.src != b.src ? a.src < b.src : a.tgt < b.tgt; };
  if (!std::is_sorted(out.begin(), out.end(), less)) std::sort(out.begin(), out.end(), less);
  return out;
}

template <class T>
LinksCSR extract_batch(const T* data, int64_t data_size, const int64_t* mat_offsets, const int32_t* rows,
                       const int32_t* cols, int64_t n, const ExtractOptions& opt, int threads) {
  check_options(opt);
  if (n < 0) throw std::invalid_argument("batch size must be >= 0");
  if (n > 0 && mat_offsets[0] != 0) throw std::invalid_argument(where(0, "sim_offsets") + "must start at 0");
  for (int64_t i = 0; i < n; ++i) {
    if (rows[i] < 0) throw std::invalid_argument(where(i, "rows") + "negative: " + std::to_string(rows[i]));
    if (cols[i] < 0) throw std::invalid_argument(where(i, "cols") + "negative: " + std::to_string(cols[i]));
    int64_t size = mat_offsets[i + 1] - mat_offsets[i];
    if (size != static_cast<int64_t>(rows[i]) * cols[i])
      throw std::invalid_argument(where(i, "sim_offsets") + "matrix has " + std::to_string(size) +
                                  " entries, expected rows * cols = " + std::to_string(rows[i]) + " * " +
                                  std::to_string(cols[i]));
  }
  if (n > 0 && mat_offsets[n] != data_size)
    throw std::invalid_argument(where(n - 1, "sim_offsets") + "last offset " + std::to_string(mat_offsets[n]) +
                                " != size of sim data " + std::to_string(data_size));
  int64_t chunks = default_chunks(n, threads);
  std::vector<LinksCSR> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(n, threads, chunks, [&](int64_t c, int64_t b, int64_t e) {
    LinksCSR& part = parts[static_cast<size_t>(c)];
    for (int64_t i = b; i < e; ++i) part.push_sentence(extract(data + mat_offsets[i], rows[i], cols[i], opt, i));
  });
  return LinksCSR::concat(parts);
}

template std::vector<Link> extract<float>(const float*, int32_t, int32_t, const ExtractOptions&, int64_t);
template std::vector<Link> extract<double>(const double*, int32_t, int32_t, const ExtractOptions&, int64_t);
template LinksCSR extract_batch<float>(const float*, int64_t, const int64_t*, const int32_t*, const int32_t*, int64_t,
                                       const ExtractOptions&, int);
template LinksCSR extract_batch<double>(const double*, int64_t, const int64_t*, const int32_t*, const int32_t*,
                                        int64_t, const ExtractOptions&, int);

}  // namespace xlner
