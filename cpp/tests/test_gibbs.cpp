// Gibbs aligner core: stemming by code points, a toy corpus with a known dictionary and word order,
// determinism across thread counts, option and input validation.
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "testing.hpp"
#include "xlner/gibbs_aligner.hpp"

using namespace xlner;

namespace {
using Corpus = std::vector<std::vector<std::string>>;

// Sentences of 3-8 distinct words over 40 types; the target is the word-by-word translation, reversed.
void toy(Corpus& src, Corpus& tgt, int n, unsigned seed) {
  std::mt19937 g(seed);
  for (int k = 0; k < n; ++k) {
    const int len = 3 + static_cast<int>(g() % 6);
    std::vector<int> w;
    while (static_cast<int>(w.size()) < len) {
      const int x = static_cast<int>(g() % 40);
      bool dup = false;
      for (int y : w) dup = dup || y == x;
      if (!dup) w.push_back(x);
    }
    std::vector<std::string> s, t;
    for (int x : w) s.push_back("s" + std::to_string(x));
    for (int i = len - 1; i >= 0; --i) t.push_back("t" + std::to_string(w[i]));
    src.push_back(s);
    tgt.push_back(t);
  }
}

// Words of the corpus, and links of l that are right in the toy's reversed word order.
int64_t words_of(const Corpus& src) {
  int64_t n = 0;
  for (const auto& s : src) n += static_cast<int64_t>(s.size());
  return n;
}
int64_t reversed_links(const LinksCSR& l, const Corpus& src) {
  int64_t good = 0;
  for (size_t s = 0; s < src.size(); ++s) {
    const int32_t len = static_cast<int32_t>(src[s].size());
    for (int64_t k = l.offsets[s]; k < l.offsets[s + 1]; ++k) good += l.tgt[k] == len - 1 - l.src[k];
  }
  return good;
}

bool same_links(const GibbsResult& a, const GibbsResult& b) {
  return a.forward.offsets == b.forward.offsets && a.forward.src == b.forward.src && a.forward.tgt == b.forward.tgt &&
         a.reverse.offsets == b.reverse.offsets && a.reverse.src == b.reverse.src && a.reverse.tgt == b.reverse.tgt;
}
}  // namespace

TEST(gibbs_stem_word_counts_code_points) {
  CHECK(stem_word("walking", 4, 0) == "walk");
  CHECK(stem_word("citt\xc3\xa0", 4, 0) == "citt");
  CHECK(stem_word("citt\xc3\xa0", 0, 2) == "t\xc3\xa0");
  CHECK(stem_word("ab", 5, 0) == "ab");
  CHECK(stem_word("abc", 0, 0) == "abc");
  CHECK_THROWS(stem_word("a\xff", 1, 0), std::invalid_argument);
}

TEST(gibbs_learns_reversed_translation_every_model) {
  Corpus src, tgt;
  toy(src, tgt, 250, 3);
  for (int model = 1; model <= 3; ++model) {
    GibbsOptions o;
    o.model = model;
    o.n_samplers = 2;
    o.threads = 2;
    GibbsResult r = gibbs_align(src, tgt, static_cast<int64_t>(src.size()), o);
    const int64_t words = words_of(src), good_f = reversed_links(r.forward, src),
                  good_r = reversed_links(r.reverse, src);
    CHECK(good_f >= words * 98 / 100);
    CHECK(good_r >= words * 98 / 100);
    CHECK_EQ(static_cast<int64_t>(r.forward.src.size()), good_f);
  }
}

TEST(gibbs_same_seed_same_links_on_any_thread_count) {
  Corpus src, tgt;
  toy(src, tgt, 60, 5);
  // also with the orthographic prior (its table is built in parallel) and with the diagonal prior
  for (const auto& [prior, tension] : std::vector<std::pair<double, double>>{{0.0, 0.0}, {1.0, 0.0}, {0.0, 4.0}}) {
    GibbsOptions o;
    o.iterations = 3;
    o.seed = 11;
    o.sim_prior = prior;
    o.diagonal_tension = tension;
    o.sim_threshold = 0.5;  // s12 ~ t12 and the like: similarity 2/3
    o.threads = 1;
    GibbsResult a = gibbs_align(src, tgt, 60, o);
    o.threads = 4;
    CHECK(same_links(a, gibbs_align(src, tgt, 60, o)));
  }
}

TEST(gibbs_validates_input_and_options) {
  Corpus src{{"a"}, {"b"}}, tgt{{"x"}};
  GibbsOptions o;
  CHECK_THROWS(gibbs_align(src, tgt, 1, o), std::invalid_argument);
  tgt = {{"x"}, {""}};
  CHECK_THROWS(gibbs_align(src, tgt, 1, o), std::invalid_argument);
  tgt = {{"x"}, {"y"}};
  CHECK_THROWS(gibbs_align(src, tgt, 3, o), std::invalid_argument);
  o.model = 4;
  CHECK_THROWS(gibbs_align(src, tgt, 2, o), std::invalid_argument);
  o.model = 3;
  o.null_prior = 0;
  CHECK_THROWS(gibbs_align(src, tgt, 2, o), std::invalid_argument);
}

namespace {
// Two words on each side that always occur together: the data alone cannot tell which translates which.
void ambiguous(Corpus& src, Corpus& tgt, const std::string& shared_src, const std::string& shared_tgt) {
  for (int k = 0; k < 20; ++k) {
    src.push_back({"alpha", shared_src});
    tgt.push_back({shared_tgt, "omega"});
  }
}

}  // namespace

TEST(gibbs_orthographic_prior_links_similar_words) {
  Corpus src, tgt;
  ambiguous(src, tgt, "kappa", "kappx");  // edit similarity 0.8
  GibbsOptions o;
  o.model = 1;
  o.n_samplers = 2;
  o.threads = 1;
  o.sim_prior = 5;
  o.sim_threshold = 0.8;
  GibbsResult r = gibbs_align(src, tgt, 20, o);
  for (const LinksCSR* l : {&r.forward, &r.reverse}) {
    CHECK_EQ(static_cast<int64_t>(l->src.size()), int64_t{40});
    for (size_t k = 0; k < l->src.size(); ++k) CHECK_EQ(l->src[k], 1 - l->tgt[k]);  // alpha-omega, kappa-kappx
  }
  // the same corpus with the shared words swapped round: the prior follows the strings, not the positions
  Corpus src2, tgt2;
  for (int k = 0; k < 20; ++k) {
    src2.push_back({"kappa", "alpha"});
    tgt2.push_back({"kappx", "omega"});
  }
  GibbsResult r2 = gibbs_align(src2, tgt2, 20, o);
  for (size_t k = 0; k < r2.forward.src.size(); ++k) CHECK_EQ(r2.forward.src[k], r2.forward.tgt[k]);
  CHECK_EQ(static_cast<int64_t>(r2.forward.src.size()), int64_t{40});
}

TEST(gibbs_orthographic_prior_below_threshold_is_off) {
  Corpus src, tgt;
  ambiguous(src, tgt, "kappa", "kappx");
  GibbsOptions o;
  o.n_samplers = 2;
  o.iterations = 5;
  o.threads = 1;
  const GibbsResult off = gibbs_align(src, tgt, 20, o);
  o.sim_prior = 5;
  o.sim_threshold = 0.81;  // 0.8 < threshold: no pair gets the extra pseudo-count
  CHECK(same_links(off, gibbs_align(src, tgt, 20, o)));
}

TEST(gibbs_orthographic_prior_options_validated) {
  Corpus src{{"a"}}, tgt{{"x"}};
  GibbsOptions o;
  o.sim_prior = -1;
  CHECK_THROWS(gibbs_align(src, tgt, 1, o), std::invalid_argument);
  o.sim_prior = 1;
  o.sim_threshold = 1.5;
  CHECK_THROWS(gibbs_align(src, tgt, 1, o), std::invalid_argument);
}

TEST(gibbs_posterior_symmetrisation_learns_toy_and_nests_by_threshold) {
  Corpus src, tgt;
  toy(src, tgt, 200, 13);
  GibbsOptions o;
  o.n_samplers = 2;
  o.threads = 2;
  o.posterior_threshold = 0.5;
  const GibbsResult hi = gibbs_align(src, tgt, 200, o);
  const int64_t words = words_of(src), good = reversed_links(hi.posterior, src);
  CHECK(good >= words * 98 / 100);
  CHECK(static_cast<int64_t>(hi.posterior.src.size()) <= words * 101 / 100);
  o.posterior_threshold = 0.05;  // same marginals (same seed), lower threshold: a superset of the links
  const GibbsResult lo = gibbs_align(src, tgt, 200, o);
  CHECK(lo.forward.src == hi.forward.src && lo.forward.tgt == hi.forward.tgt);
  for (size_t s = 0; s < src.size(); ++s)
    for (int64_t k = hi.posterior.offsets[s]; k < hi.posterior.offsets[s + 1]; ++k) {
      bool found = false;
      for (int64_t q = lo.posterior.offsets[s]; q < lo.posterior.offsets[s + 1]; ++q)
        found = found || (lo.posterior.src[q] == hi.posterior.src[k] && lo.posterior.tgt[q] == hi.posterior.tgt[k]);
      CHECK(found);
    }
  o.posterior_threshold = 0;
  CHECK_EQ(static_cast<int64_t>(gibbs_align(src, tgt, 200, o).posterior.offsets.size()), int64_t{1});
  o.posterior_threshold = 1.5;
  CHECK_THROWS(gibbs_align(src, tgt, 200, o), std::invalid_argument);
}

TEST(gibbs_diagonal_prior_by_hand) {
  // fast_align's distortion: exp(-tension * |(i + 1) / C - (w + 1) / W|), normalised over i
  std::vector<double> p(3);
  gibbs_diagonal_prior(0, 2, 2, 2.0, p.data());  // distances 0 and 1/2: 1 and e^-1
  const double e1 = 0.36787944117144233;
  CHECK(std::abs(p[0] - 1 / (1 + e1)) < 1e-12);
  CHECK(std::abs(p[1] - e1 / (1 + e1)) < 1e-12);
  gibbs_diagonal_prior(1, 2, 3, 3.0, p.data());  // w at 1; candidates at 1/3, 2/3, 1: distances 2/3, 1/3, 0
  const double a = std::exp(-2.0), b = std::exp(-1.0), z = a + b + 1;
  CHECK(std::abs(p[0] - a / z) < 1e-12);
  CHECK(std::abs(p[1] - b / z) < 1e-12);
  CHECK(std::abs(p[2] - 1 / z) < 1e-12);
  gibbs_diagonal_prior(0, 4, 3, 0.0, p.data());  // tension 0: uniform
  for (double x : p) CHECK(std::abs(x - 1.0 / 3) < 1e-15);
}

TEST(gibbs_diagonal_prior_breaks_a_positional_tie) {
  // "alpha beta" -> "one two" in every pair: IBM-1 alone cannot tell which word translates which; the
  // diagonal prior links them in order.
  Corpus src, tgt;
  for (int k = 0; k < 20; ++k) {
    src.push_back({"alpha", "beta"});
    tgt.push_back({"one", "two"});
  }
  GibbsOptions o;
  o.model = 1;
  o.n_samplers = 2;
  o.threads = 1;
  o.diagonal_tension = 4;
  GibbsResult r = gibbs_align(src, tgt, 20, o);
  for (const LinksCSR* l : {&r.forward, &r.reverse}) {
    CHECK_EQ(static_cast<int64_t>(l->src.size()), int64_t{40});
    for (size_t k = 0; k < l->src.size(); ++k) CHECK_EQ(l->src[k], l->tgt[k]);
  }
  o.diagonal_tension = -1;
  CHECK_THROWS(gibbs_align(src, tgt, 20, o), std::invalid_argument);
}

TEST(gibbs_agreement_learns_and_is_deterministic) {
  // joint sampling of the two directions still learns the toy dictionary and word order, gives the same
  // links on any number of threads, and differs from independent sampling
  Corpus src, tgt;
  toy(src, tgt, 250, 3);
  GibbsOptions o;
  o.n_samplers = 2;
  o.agreement = 2;
  o.threads = 1;
  GibbsResult r = gibbs_align(src, tgt, static_cast<int64_t>(src.size()), o);
  const int64_t words = words_of(src), good = reversed_links(r.forward, src);
  CHECK(good >= words * 98 / 100);
  o.threads = 3;
  CHECK(same_links(r, gibbs_align(src, tgt, static_cast<int64_t>(src.size()), o)));
  Corpus s2, t2;
  toy(s2, t2, 60, 5);
  for (size_t k = 0; k < s2.size(); ++k) {  // unrelated words on both sides: the directions disagree on them
    s2[k].push_back("x" + std::to_string(k % 7));
    t2[k].push_back("y" + std::to_string(k % 5));
  }
  o.iterations = 3;
  GibbsResult joint = gibbs_align(s2, t2, 60, o);
  o.threads = 1;
  CHECK(same_links(joint, gibbs_align(s2, t2, 60, o)));
  o.agreement = 0;
  CHECK(!same_links(joint, gibbs_align(s2, t2, 60, o)));
  o.agreement = -1;
  CHECK_THROWS(gibbs_align(s2, t2, 60, o), std::invalid_argument);
}
