// Alignment core: hand-worked extraction, Hungarian vs brute force, symmetrisation examples, lexical measures.
#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "testing.hpp"
#include "xlner/alignment.hpp"

using namespace xlner;

namespace {
std::vector<std::pair<int, int>> pairs(const std::vector<Link>& v) {
  std::vector<std::pair<int, int>> out;
  for (auto& l : v) out.emplace_back(l.src, l.tgt);
  return out;
}
using P = std::vector<std::pair<int, int>>;
}  // namespace

TEST(argmax_ties_take_first_index) {
  std::vector<double> s{1, 1, 0, 0, 1, 1};  // 2 x 3
  ExtractOptions o;
  o.method = ExtractMethod::Argmax;
  // row 0 -> col 0 (first), row 1 -> col 1; col 0 -> row 0, col 1 -> row 0 (first): only (0,0)
  CHECK(pairs(extract(s.data(), 2, 3, o)) == (P{{0, 0}}));
}

TEST(itermax_hand_worked) {
  std::vector<float> s{0.9f, 0.3f, 0.1f, 0.0f, 0.8f, 0.5f, 0.1f, 0.0f, 0.1f, 0.2f, 0.9f, 0.0f};
  ExtractOptions o;
  o.method = ExtractMethod::Itermax;
  CHECK(pairs(extract(s.data(), 3, 4, o)) == (P{{0, 0}, {1, 0}, {2, 2}}));
  o.max_count = 1;
  CHECK(pairs(extract(s.data(), 3, 4, o)) == (P{{0, 0}, {2, 2}}));
}

TEST(hungarian_matches_brute_force) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> val(-3, 3), dim(1, 5);
  for (int it = 0; it < 300; ++it) {
    int m = dim(rng), n = dim(rng);
    std::vector<double> w(static_cast<size_t>(m * n));
    for (auto& x : w) x = val(rng);
    auto col = max_weight_assignment(w.data(), m, n);
    double got = 0;
    int matched = 0;
    std::vector<int> used(static_cast<size_t>(n), 0);
    for (int i = 0; i < m; ++i)
      if (col[i] >= 0) {
        got += w[static_cast<size_t>(i * n + col[i])];
        ++matched;
        CHECK(used[col[i]] == 0);
        used[col[i]] = 1;
      }
    CHECK_EQ(matched, std::min(m, n));
    // brute force over permutations of the longer side
    double best = -1e18;
    int k = std::min(m, n), l = std::max(m, n);
    std::vector<int> perm(static_cast<size_t>(l));
    for (int j = 0; j < l; ++j) perm[j] = j;
    do {
      double tot = 0;
      for (int r = 0; r < k; ++r) tot += m <= n ? w[static_cast<size_t>(r * n + perm[r])] : w[static_cast<size_t>(perm[r] * n + r)];
      best = std::max(best, tot);
    } while (std::next_permutation(perm.begin(), perm.end()));
    CHECK(std::fabs(best - got) < 1e-9);
  }
}

TEST(softmax_threshold) {
  // row softmax of [0, 10]: p = [4.5e-5, 0.99995]; column softmax of a single row is 1
  std::vector<double> s{0.0, 10.0};
  ExtractOptions o;
  o.method = ExtractMethod::Softmax;
  CHECK(pairs(extract(s.data(), 1, 2, o)) == (P{{0, 1}}));
  o.threshold = 1e-5;
  CHECK(pairs(extract(s.data(), 1, 2, o)) == (P{{0, 0}, {0, 1}}));
}

TEST(extraction_rejects_nan_and_bad_offsets) {
  std::vector<double> s{0.0, std::nan("")};
  ExtractOptions o;
  CHECK_THROWS(extract(s.data(), 1, 2, o, 4), std::invalid_argument);
  std::vector<int64_t> off{0, 3};
  std::vector<int32_t> rows{2}, cols{2};
  CHECK_THROWS(extract_batch(s.data(), 2, off.data(), rows.data(), cols.data(), 1, o, 1), std::invalid_argument);
}

TEST(symmetrisation_hand_worked) {
  std::vector<Link> f{{0, 0}, {1, 1}, {2, 1}, {3, 3}, {4, 4}}, r{{0, 0}, {0, 2}, {1, 2}, {2, 1}, {3, 1}};
  auto run = [&](SymMethod m) { return pairs(symmetrize(f.data(), 5, r.data(), 5, 5, 5, m)); };
  CHECK(run(SymMethod::Intersection) == (P{{0, 0}, {2, 1}}));
  CHECK(run(SymMethod::Union) == (P{{0, 0}, {0, 2}, {1, 1}, {1, 2}, {2, 1}, {3, 1}, {3, 3}, {4, 4}}));
  CHECK(run(SymMethod::GrowDiag) == (P{{0, 0}, {1, 1}, {1, 2}, {2, 1}, {3, 1}}));
  CHECK(run(SymMethod::GrowDiagFinal) == (P{{0, 0}, {1, 1}, {1, 2}, {2, 1}, {3, 1}, {3, 3}, {4, 4}}));
  CHECK(run(SymMethod::GrowDiagFinalAnd) == (P{{0, 0}, {1, 1}, {1, 2}, {2, 1}, {3, 1}, {4, 4}}));
  std::vector<Link> bad{{0, 7}};
  CHECK_THROWS(symmetrize(bad.data(), 1, r.data(), 0, 5, 5, SymMethod::Union), std::out_of_range);
  CHECK_THROWS(parse_sym_method("grow"), std::invalid_argument);
}

TEST(symmetrisation_batch_threads) {
  std::vector<int32_t> sl{2, 1}, tl{2, 1};
  std::vector<int64_t> fo{0, 2, 3}, ro{0, 1, 1};
  std::vector<int32_t> fs{0, 1, 0}, ft{0, 1, 0}, rs{0}, rt{0};
  auto r1 = symmetrize_batch(2, sl.data(), tl.data(), fo.data(), fs.data(), ft.data(), 3, ro.data(), rs.data(),
                             rt.data(), 1, SymMethod::GrowDiagFinalAnd, 2);
  CHECK(r1.offsets == (std::vector<int64_t>{0, 2, 3}));
  CHECK(r1.src == (std::vector<int32_t>{0, 1, 0}));
  CHECK(r1.tgt == (std::vector<int32_t>{0, 1, 0}));
}

TEST(lexical_measures) {
  auto u = [](const char* s) { return utf8_to_u32(s); };
  CHECK_EQ(levenshtein(u("kitten"), u("sitting")), 3);
  CHECK_EQ(levenshtein(u("été"), u("ete")), 2);
  CHECK_EQ(u("日本").size(), static_cast<size_t>(2));
  CHECK(std::fabs(lexical_similarity(u("ab"), u("abc"), LexicalMeasure::Ngram, 2) - 4.0 / 7.0) < 1e-12);
  CHECK(lexical_similarity(u(""), u(""), LexicalMeasure::Exact) == 1.0);
  CHECK(lexical_similarity(u("a"), u(""), LexicalMeasure::Edit) == 0.0);
  CHECK_THROWS(utf8_to_u32(std::string("\xC3")), std::invalid_argument);
  CHECK_THROWS(utf8_to_u32(std::string("\xFF")), std::invalid_argument);
}
