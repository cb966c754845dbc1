// NER-probability score, similarity score and fusion: hand-worked values, batch vs per-pair direct
// formula on pseudo-random inputs, validation messages.
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "testing.hpp"
#include "xlner/fusion.hpp"
#include "xlner/ner_score.hpp"
#include "xlner/similarity.hpp"

using namespace xlner;

namespace {

bool near(double a, double b) { return std::fabs(a - b) < 1e-12; }

/// Whether `got` holds exactly the (entity, n-gram candidate up to `max_len`) pairs of `b` that `keep`
/// accepts, sentence by sentence in entity-major, candidate order, with the score `keep` computes:
/// keep(sentence index, sentence, entity, candidate, score out) -> kept.
template <class Keep>
bool same_as_direct(const BatchView& b, int32_t max_len, const ScoreBatch& got, Keep keep) {
  size_t k = 0;
  bool ok = true;
  for (int64_t i = 0; i < b.n; ++i) {
    const SentenceView s = b.sentence(i);
    std::vector<Span> cands;
    ngram_candidates(s.tgt_len, max_len, cands);
    for (int32_t e = 0; e < s.n_ent; ++e)
      for (const Span& t : cands) {
        double want = 0.0;
        if (keep(i, s, e, t, want)) {
          ok = ok && k < got.score.size() && got.ent[k] == e && got.start[k] == t.start && got.end[k] == t.end &&
               std::fabs(got.score[k] - want) < 1e-12;
          ++k;
        }
      }
    ok = ok && got.offsets[static_cast<size_t>(i) + 1] == static_cast<int64_t>(k);
  }
  return ok && k == got.score.size();
}

bool message_has(const std::exception& e, const std::string& s) { return std::string(e.what()).find(s) != std::string::npos; }

}  // namespace

TEST(ner_score_thesis_example) {
  // classes {PER}: columns O, B-PER, I-PER
  std::vector<double> p{0.0, 0.9, 0.1, 0.0, 0.2, 0.8, 1.0, 0.0, 0.0};
  CHECK(near(ner_span_score(p.data(), 3, 0, Span{0, 1}, 1.0), 0.9));
  CHECK(near(ner_span_score(p.data(), 3, 0, Span{0, 2}, 1.0), 0.85));
  CHECK(near(ner_span_score(p.data(), 3, 0, Span{0, 2}, 1.15), 1.15 * 0.85));
  xlner_test::OwnedBatch o;
  o.add(1, 3, {Entity{Span{0, 1}, 0}});
  BatchView b = o.view();
  std::vector<int64_t> off{0, 3};
  NerProbView v{off.data(), p.data(), 3, 3};
  NerScoreOptions opt;
  ScoreBatch s = ner_scores_batch(b, v, opt, 1);
  // n-grams [0,1) [0,2) [0,3) [1,2) [1,3) [2,3): [2,3) has p_B = 0, [0,3) = 1.15^2·1.7/3, [1,3) = 1.15·0.2/2
  CHECK_EQ(s.score.size(), static_cast<size_t>(5));
  CHECK(near(s.score[1], 1.15 * 0.85));
  CHECK(near(s.score[2], 1.15 * 1.15 * 1.7 / 3));
  CHECK(near(s.score[4], 1.15 * 0.1));
  opt.threshold = 0.9;  // strict: 0.9 itself is dropped
  s = ner_scores_batch(b, v, opt, 1);
  CHECK_EQ(s.score.size(), static_cast<size_t>(1));
  CHECK_EQ(s.end[0], 2);
}

TEST(ner_score_batch_matches_direct_formula) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  xlner_test::OwnedBatch o;
  const int32_t n_cls = 3, n_tags = 7;
  std::vector<int64_t> off{0};
  std::vector<double> p;
  for (int i = 0; i < 20; ++i) {
    const int32_t tl = static_cast<int32_t>(rng() % 9), sl = 4;
    std::vector<Entity> ents;
    for (int k = 0; k < static_cast<int>(rng() % 3); ++k)
      ents.push_back(Entity{Span{k, k + 1}, static_cast<int32_t>(rng() % n_cls)});
    o.add(sl, tl, ents);
    for (int32_t w = 0; w < tl; ++w) {
      double sum = 0.0;
      std::vector<double> row(n_tags);
      for (double& x : row) sum += (x = u(rng));
      for (double x : row) p.push_back(x / sum);
    }
    off.push_back(off.back() + tl);
  }
  BatchView b = o.view();
  NerProbView v{off.data(), p.data(), off.back(), n_tags};
  for (int variant = 0; variant < 2; ++variant) {
    NerScoreOptions opt;
    opt.variant = static_cast<NerVariant>(variant);
    opt.max_len = 4;
    opt.threshold = 0.1;
    ScoreBatch got = ner_scores_batch(b, v, opt, 3);
    CHECK(same_as_direct(b, opt.max_len, got, [&](int64_t i, const SentenceView& s, int32_t e, Span t, double& want) {
      const double* rows = p.data() + off[static_cast<size_t>(i)] * n_tags;
      want = 0.0;
      if (variant == 0) want = ner_span_score(rows, n_tags, s.ent_label[e], t, opt.alpha);
      else
        for (int32_t l = 0; l < n_cls; ++l) want = std::max(want, ner_span_score(rows, n_tags, l, t, opt.alpha));
      return want > opt.threshold;
    }));
  }
}

TEST(ner_score_validation_names_sentence_and_field) {
  xlner_test::OwnedBatch o;
  o.add(1, 1, {});
  o.add(1, 2, {Entity{Span{0, 1}, 2}});
  BatchView b = o.view();
  std::vector<int64_t> off{0, 1, 3};
  std::vector<double> p(9, 1.0 / 3);
  NerProbView v{off.data(), p.data(), 3, 3};
  bool named = false;
  try {
    validate_ner_probs(b, v, NerVariant::PerClass);
  } catch (const std::out_of_range& e) {
    named = message_has(e, "sentence 1, field ent_label");
  }
  CHECK(named);
  validate_ner_probs(b, v, NerVariant::Spans);
  p[7] = std::nan("");
  named = false;
  try {
    validate_ner_probs(b, v, NerVariant::Spans);
  } catch (const std::invalid_argument& e) {
    named = message_has(e, "sentence 1, field probs: word 1, column 1 is NaN");
  }
  CHECK(named);
  NerScoreOptions opt;
  opt.alpha = -1.0;
  CHECK_THROWS(validate_ner_options(opt), std::invalid_argument);
}

TEST(similarity_batch_matches_direct_formula) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  xlner_test::OwnedBatch o;
  std::vector<int64_t> off{0};
  std::vector<double> sim;
  for (int i = 0; i < 15; ++i) {
    const int32_t sl = 1 + static_cast<int32_t>(rng() % 5), tl = static_cast<int32_t>(rng() % 7);
    std::vector<Entity> ents;
    for (int32_t k = 0; k < sl && k < 2; ++k) ents.push_back(Entity{Span{k, std::min(sl, k + 2)}, 0});
    o.add(sl, tl, ents);
    for (int32_t k = 0; k < sl * tl; ++k) sim.push_back(u(rng));
    off.push_back(off.back() + sl * tl);
  }
  BatchView b = o.view();
  SimilarityView v{off.data(), sim.data(), off.back()};
  for (int r = 0; r < 3; ++r) {
    SimilarityOptions opt;
    opt.reduction = static_cast<SimReduction>(r);
    opt.threshold = 0.2;
    opt.max_len = 3;
    ScoreBatch got = similarity_scores_batch(b, v, opt, 2);
    CHECK(same_as_direct(b, opt.max_len, got, [&](int64_t i, const SentenceView& s, int32_t e, Span t, double& want) {
      const double* block = sim.data() + off[static_cast<size_t>(i)];
      want = similarity_span_score(block, s.tgt_len, s.entity(e), t, opt.reduction) - opt.threshold;
      return want > 0.0;
    }));
  }
  // hand-worked pair: rows [0.9 0.1], [0.2 0.8]; entity both rows, candidate column 0:
  // cs = mean(0.9, 0.2) = 0.55, ct = 0.9 → 0.9 ; with min: cs = 0.2, ct = 0.9 → 0.9
  std::vector<double> m{0.9, 0.1, 0.2, 0.8};
  CHECK(near(similarity_span_score(m.data(), 2, Span{0, 2}, Span{0, 1}, SimReduction::Mean), 0.9));
  CHECK(near(similarity_span_score(m.data(), 2, Span{0, 2}, Span{0, 2}, SimReduction::Mean), 0.85));
  CHECK(near(similarity_span_score(m.data(), 2, Span{0, 2}, Span{0, 2}, SimReduction::Min), 0.8));
  sim[3] = std::nan("");
  CHECK_THROWS(validate_similarity(b, v), std::invalid_argument);
}

TEST(fusion_sums_union_and_rejects_duplicates) {
  std::vector<int64_t> oa{0, 2, 2}, ob{0, 2, 3};
  std::vector<int32_t> ea{0, 0}, sa{0, 1}, ta{1, 2}, eb{0, 1, 0}, sb{1, 0, 0}, tb{2, 2, 1};
  std::vector<double> va{1.0, 0.5}, vb{0.25, 0.8, 2.0};
  ScoreView a{oa.data(), ea.data(), sa.data(), ta.data(), va.data(), 2};
  ScoreView c{ob.data(), eb.data(), sb.data(), tb.data(), vb.data(), 3};
  ScoreBatch f = fuse_scores(2, {a, c}, {0.5, 1.0}, {"align", "nmt"}, 2);
  CHECK_EQ(f.offsets[1], 3);
  CHECK_EQ(f.offsets[2], 4);
  CHECK(near(f.score[0], 0.5));   // (0, [0,1)) align only
  CHECK(near(f.score[1], 0.5));   // (0, [1,2)) 0.25 + 0.25
  CHECK(near(f.score[2], 0.8));   // (1, [0,2)) nmt only
  CHECK(near(f.score[3], 2.0));
  CHECK_EQ(f.ent[2], 1);
  CHECK_THROWS(fuse_scores(2, {a, c}, {-0.5, 1.0}, {"align", "nmt"}, 1), std::invalid_argument);
  eb[1] = 0;  // entity 0 [0,2) and nmt's entity 0 [1,2): still distinct keys
  sb[1] = 1;  // now (0, [1,2)) is listed twice in nmt
  bool named = false;
  try {
    fuse_scores(2, {a, c}, {0.5, 1.0}, {"align", "nmt"}, 1);
  } catch (const std::invalid_argument& e) {
    named = message_has(e, "sentence 0, field nmt.ent/start/end");
  }
  CHECK(named);
  const FusionWeights w = fusion_preset("all_fusion");
  CHECK(w.align == 0.5 && w.ner == 0.0 && w.ner_spans == 0.5 && w.nmt == 1.0);
  CHECK_EQ(fusion_preset_names().size(), static_cast<size_t>(8));
  CHECK_THROWS(fusion_preset("nope"), std::invalid_argument);
}

TEST(ner_score_alpha_predicted_only) {
  // columns O, B-PER, I-PER, B-LOC, I-LOC; argmax tags B-PER I-PER I-LOC
  std::vector<double> p{0.1, 0.6, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.1, 0.2, 0.1, 0.1, 0.3, 0.1, 0.4};
  xlner_test::OwnedBatch o;
  o.add(2, 3, {Entity{Span{0, 1}, 0}, Entity{Span{1, 2}, 1}});
  BatchView b = o.view();
  std::vector<int64_t> off{0, 3};
  NerProbView v{off.data(), p.data(), 3, 5};
  NerScoreOptions opt;
  opt.threshold = 0.0;
  opt.alpha_predicted_only = true;
  ScoreBatch s = ner_scores_batch(b, v, opt, 1);
  auto find = [&](int32_t e, int32_t a, int32_t c) {
    for (size_t k = 0; k < s.score.size(); ++k)
      if (s.ent[k] == e && s.start[k] == a && s.end[k] == c) return s.score[k];
    return -1.0;
  };
  CHECK(near(find(0, 0, 2), 1.15 * (0.6 + 0.5) / 2));  // B-PER I-PER: a predicted PER prefix
  CHECK(near(find(1, 0, 2), (0.1 + 0.2) / 2));         // LOC on the same words: plain
  CHECK(near(find(0, 0, 3), (0.6 + 0.5 + 0.3) / 3));   // I-LOC breaks the PER run
  opt.alpha_predicted_only = false;
  s = ner_scores_batch(b, v, opt, 1);
  CHECK(near(find(0, 0, 3), 1.15 * 1.15 * (0.6 + 0.5 + 0.3) / 3));
}
