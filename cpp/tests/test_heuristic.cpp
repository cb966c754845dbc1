// Hand-worked cases of the heuristic projection (xlner/heuristic.hpp).
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "testing.hpp"
#include "xlner/heuristic.hpp"

using namespace xlner;

namespace {

struct Ent {
  int32_t start, end, label;
};
struct Got {
  int32_t start, end, label, entity;
  double score;
  bool operator==(const Got& o) const {
    return start == o.start && end == o.end && label == o.label && entity == o.entity && score == o.score;
  }
};
std::ostream& operator<<(std::ostream& os, const std::vector<Got>& v) {
  os << "[";
  for (const Got& g : v) os << "(" << g.start << "," << g.end << "," << g.label << "," << g.entity << "," << g.score << ")";
  return os << "]";
}

// A batch of sentences held in vectors, with a punctuation flag per target word.
struct Sentences {
  xlner_test::OwnedBatch batch;
  std::vector<uint8_t> punct;
  void add(int32_t sl, int32_t tl, const std::vector<Ent>& ents, const std::vector<Link>& links,
           std::vector<uint8_t> p = {}) {
    std::vector<Entity> es;
    for (const Ent& e : ents) es.push_back(Entity{Span{e.start, e.end}, e.label});
    batch.add(sl, tl, es, links);
    if (p.empty()) p.assign(static_cast<size_t>(tl), 0);
    punct.insert(punct.end(), p.begin(), p.end());
  }
  BatchView view() const { return batch.checked(); }
};

std::vector<Got> spans_of(const ProjectionOutput& out, size_t i) {
  std::vector<Got> g;
  for (int64_t k = out.offsets[i]; k < out.offsets[i + 1]; ++k)
    g.push_back({out.start[k], out.end[k], out.label[k], out.entity[k], out.score[k]});
  return g;
}

std::vector<Got> one(int32_t sl, int32_t tl, const std::vector<Ent>& ents, const std::vector<Link>& links,
                     const HeuristicOptions& opt, std::vector<uint8_t> punct = {}) {
  Sentences s;
  s.add(sl, tl, ents, links, std::move(punct));
  ProjectionOutput out = project_heuristic(s.view(), s.punct.data(), static_cast<int64_t>(s.punct.size()), opt, 1);
  return spans_of(out, 0);
}

// Every filter off, d = 1 with the gap rule, source order, first-come collisions.
HeuristicOptions plain() {
  HeuristicOptions o;
  o.thr = -1.0;
  o.order = EntityOrder::Source;
  return o;
}

}  // namespace

TEST(heuristic_contiguous_and_empty) {
  using V = std::vector<Got>;
  CHECK_EQ(one(2, 4, {{0, 2, 0}}, {{0, 1}, {1, 2}}, plain()), (V{{1, 3, 0, 0, 1.0}}));
  CHECK_EQ(one(2, 4, {{0, 1, 0}}, {{1, 2}}, plain()), V{});
  CHECK_EQ(one(2, 4, {}, {{1, 2}}, plain()), V{});
  CHECK_EQ(one(1, 0, {{0, 1, 0}}, {}, plain()), V{});
}

TEST(heuristic_merge_gap_rule) {
  using V = std::vector<Got>;
  HeuristicOptions o = plain();
  CHECK_EQ(one(2, 6, {{0, 2, 0}}, {{0, 1}, {1, 3}}, o), (V{{1, 4, 0, 0, 2.0 / 3.0}}));
  o.merge_distance = 0;
  CHECK_EQ(one(2, 6, {{0, 2, 0}}, {{0, 1}, {1, 3}}, o), (V{{1, 2, 0, 0, 1.0}, {3, 4, 0, 0, 1.0}}));
  o.merge_distance = 2;
  CHECK_EQ(one(2, 6, {{0, 2, 0}}, {{0, 1}, {1, 4}}, o), (V{{1, 5, 0, 0, 0.5}}));
}

TEST(heuristic_merge_elp_rule) {
  using V = std::vector<Got>;
  HeuristicOptions o = plain();
  o.merge_rule = MergeRule::Elp;
  // [1,3) and [4,5): 4 - 1 = 3 > d + 1
  CHECK_EQ(one(3, 6, {{0, 3, 0}}, {{0, 1}, {1, 2}, {2, 4}}, o), (V{{1, 3, 0, 0, 1.0}, {4, 5, 0, 0, 1.0}}));
  // singletons 1, 3, 5: first two join, the third is 4 past the first word
  CHECK_EQ(one(3, 7, {{0, 3, 0}}, {{0, 1}, {1, 3}, {2, 5}}, o), (V{{1, 4, 0, 0, 2.0 / 3.0}, {5, 6, 0, 0, 1.0}}));
}

TEST(heuristic_top_k_threshold_only_i) {
  using V = std::vector<Got>;
  HeuristicOptions o = plain();
  o.merge_distance = 0;
  o.top_k = 1;
  const std::vector<Link> links{{0, 0}, {0, 2}, {0, 3}, {0, 5}, {0, 6}};
  CHECK_EQ(one(1, 8, {{0, 1, 0}}, links, o), (V{{2, 4, 0, 0, 1.0}}));
  o.top_k = 2;
  CHECK_EQ(one(1, 8, {{0, 1, 0}}, links, o), (V{{2, 4, 0, 0, 1.0}, {5, 7, 0, 0, 1.0}}));

  HeuristicOptions t = plain();
  t.merge_distance = 0;
  t.thr = 0.5;  // strict: pieces of ratio 0.5 go
  CHECK_EQ(one(2, 6, {{0, 2, 0}}, {{0, 1}, {1, 4}}, t), V{});
  t.thr = 0.49;
  CHECK_EQ(one(2, 6, {{0, 2, 0}}, {{0, 1}, {1, 4}}, t), (V{{1, 2, 0, 0, 1.0}, {4, 5, 0, 0, 1.0}}));

  HeuristicOptions i = plain();
  i.only_i = true;
  CHECK_EQ(one(2, 5, {{0, 2, 0}}, {{0, 3}, {1, 1}}, i), (V{{1, 2, 0, 0, 1.0}, {3, 4, 0, 0, 1.0}}));
  CHECK_EQ(one(2, 5, {{0, 2, 0}}, {{0, 1}, {1, 3}}, i), (V{{1, 4, 0, 0, 2.0 / 3.0}}));
}

TEST(heuristic_punctuation) {
  using V = std::vector<Got>;
  HeuristicOptions o = plain();
  o.drop_punct = true;
  // "Der , Mann ." : links to "," are dropped
  CHECK_EQ(one(1, 4, {{0, 1, 0}}, {{0, 1}, {0, 2}}, o, {0, 1, 0, 1}), (V{{2, 3, 0, 0, 1.0}}));
  CHECK_EQ(one(1, 4, {{0, 1, 0}}, {{0, 3}}, o, {0, 1, 0, 1}), V{});
  o.drop_punct = false;
  CHECK_EQ(one(1, 4, {{0, 1, 0}}, {{0, 1}, {0, 2}}, o, {0, 1, 0, 1}), (V{{1, 3, 0, 0, 1.0}}));
  // drop_punct without a mask is refused
  Sentences s;
  s.add(1, 2, {{0, 1, 0}}, {{0, 1}});
  HeuristicOptions d = plain();
  d.drop_punct = true;
  CHECK_THROWS(project_heuristic(s.view(), nullptr, 0, d, 1), std::invalid_argument);
  CHECK_THROWS(project_heuristic(s.view(), s.punct.data(), 1, d, 1), std::invalid_argument);
}

TEST(heuristic_order_and_collisions) {
  using V = std::vector<Got>;
  const std::vector<Ent> ents{{0, 2, 0}, {2, 3, 1}};  // -> {1,2} and {2,3}
  const std::vector<Link> links{{0, 1}, {1, 2}, {2, 2}, {2, 3}};
  HeuristicOptions o = plain();
  CHECK_EQ(one(3, 5, ents, links, o), (V{{1, 3, 0, 0, 1.0}}));
  o.order = EntityOrder::Shortest;
  CHECK_EQ(one(3, 5, ents, links, o), (V{{2, 4, 1, 1, 1.0}}));
  // ELP: equal sizes, the later survives; larger beats smaller
  HeuristicOptions e = plain();
  e.collisions = CollisionRule::Elp;
  CHECK_EQ(one(3, 5, ents, links, e), (V{{2, 4, 1, 1, 1.0}}));
  CHECK_EQ(one(3, 6, ents, {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {2, 4}}, e), (V{{1, 4, 0, 0, 1.0}}));
  // ELP: same-label neighbours unite even when disjoint; the union loses a tie to a LOC neighbour
  CHECK_EQ(one(3, 6, {{0, 1, 0}, {2, 3, 0}}, {{0, 4}, {2, 1}}, e), (V{{1, 2, 0, 1, 1.0}, {4, 5, 0, 0, 1.0}}));
  CHECK_EQ(one(5, 6, {{0, 1, 0}, {2, 3, 0}, {4, 5, 1}}, {{0, 4}, {2, 1}, {4, 1}, {4, 2}}, e),
           (V{{1, 3, 1, 2, 1.0}}));
  // ELP: a chain of same-label overlaps becomes one span, attributed word by word
  CHECK_EQ(one(3, 6, {{0, 1, 0}, {1, 2, 0}, {2, 3, 0}}, {{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}, {2, 4}}, e),
           (V{{1, 5, 0, 0, 0.5}}));
}

TEST(heuristic_presets_and_batch) {
  using V = std::vector<Got>;
  // "John Smith visited New York ." -> "Johann Smith , besuchte New York ."
  Sentences s;
  s.add(6, 7, {{0, 2, 0}, {3, 5, 1}}, {{0, 0}, {1, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}}, {0, 0, 1, 0, 0, 0, 1});
  s.add(2, 3, {}, {{0, 0}});
  s.add(2, 4, {{1, 2, 2}}, {{1, 0}, {1, 3}});
  const BatchView b = s.view();
  const HeuristicOptions elp = HeuristicOptions::elp();
  for (int threads : {1, 3}) {
    ProjectionOutput out = project_heuristic(b, s.punct.data(), static_cast<int64_t>(s.punct.size()), elp, threads);
    CHECK_EQ(out.offsets.size(), size_t(4));
    CHECK_EQ(spans_of(out, 0), (V{{0, 2, 0, 0, 1.0}, {4, 6, 1, 1, 1.0}}));
    CHECK_EQ(spans_of(out, 1), V{});
    CHECK_EQ(spans_of(out, 2), (V{{0, 1, 2, 0, 1.0}}));  // largest part, leftmost on ties
    CHECK_EQ(out.objective[0], 2.0);
  }
  ProjectionOutput th = project_heuristic(b, nullptr, 0, HeuristicOptions::thesis(), 2);
  CHECK_EQ(spans_of(th, 0), (V{{0, 3, 0, 0, 1.0}, {4, 6, 1, 1, 1.0}}));
  CHECK_EQ(spans_of(th, 2), (V{{0, 1, 2, 0, 1.0}, {3, 4, 2, 0, 1.0}}));
  // ELP joins pieces spanning at most three words: targets {0, 2} become [0, 3)
  Sentences j;
  j.add(1, 3, {{0, 1, 0}}, {{0, 0}, {0, 2}});
  CHECK_EQ(spans_of(project_heuristic(j.view(), j.punct.data(), 3, elp, 1), 0), (V{{0, 3, 0, 0, 2.0 / 3.0}}));
}

TEST(heuristic_options_validation) {
  HeuristicOptions o;
  o.merge_distance = -1;
  CHECK_THROWS(o.validate(), std::invalid_argument);
  o = HeuristicOptions();
  o.top_k = -1;
  CHECK_THROWS(o.validate(), std::invalid_argument);
  CHECK_THROWS(parse_merge_rule("x"), std::invalid_argument);
  CHECK_THROWS(parse_entity_order("x"), std::invalid_argument);
  CHECK_THROWS(parse_collision_rule("x"), std::invalid_argument);
  CHECK(parse_merge_rule("elp") == MergeRule::Elp);
  CHECK(parse_entity_order("shortest") == EntityOrder::Shortest);
  CHECK(parse_collision_rule("first") == CollisionRule::First);
}

TEST(heuristic_many_entities_use_bucketed_links) {
  // 40 one-word entities with 40 links each path through the bucketed branch (n_ent * n_aln > 512)
  std::vector<Ent> ents;
  std::vector<Link> links;
  for (int32_t i = 0; i < 40; ++i) {
    ents.push_back({i, i + 1, i % 3});
    links.push_back({i, 2 * i});
  }
  HeuristicOptions o = plain();
  o.merge_distance = 0;
  std::vector<Got> got = one(40, 80, ents, links, o);
  CHECK_EQ(got.size(), size_t(40));
  bool ok = true;
  for (int32_t i = 0; i < 40 && ok && got.size() == 40; ++i)
    ok = got[i] == Got{2 * i, 2 * i + 1, i % 3, i, 1.0};
  CHECK(ok);
}

TEST(heuristic_random_instances_keep_invariants) {
  // Random batches under every option combination: spans lie in the sentence, never overlap, carry
  // their entity's label, scores are fractions summing to the objective, and threads do not matter.
  std::mt19937 rng(12345);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Sentences s;
  for (int i = 0; i < 400; ++i) {
    const bool big = i % 10 == 0;
    const int32_t sl = uni(1, big ? 40 : 8), tl = uni(0, big ? 50 : 10);
    std::vector<Ent> ents;
    for (int k = uni(0, big ? 20 : 4); k > 0; --k) {
      const int32_t a = uni(0, sl - 1);
      ents.push_back({a, uni(a + 1, sl), uni(0, 3)});
    }
    std::vector<Link> links;
    if (tl > 0)
      for (int k = uni(0, big ? 120 : 20); k > 0; --k) links.push_back({uni(0, sl - 1), uni(0, tl - 1)});
    std::vector<uint8_t> p(static_cast<size_t>(tl));
    for (auto& f : p) f = uni(0, 4) == 0;
    s.add(sl, tl, ents, links, p);
  }
  const BatchView b = s.view();
  int combos = 0, bad = 0;
  for (int mask = 0; mask < 64; ++mask) {
    HeuristicOptions o;
    o.merge_distance = mask & 1 ? 2 : 1;
    o.merge_rule = mask & 2 ? MergeRule::Elp : MergeRule::Gap;
    o.top_k = mask & 4 ? 1 : 0;
    o.only_i = (mask & 8) != 0;
    o.thr = mask & 16 ? 0.8 : -1.0;
    o.drop_punct = (mask & 32) != 0;
    for (CollisionRule c : {CollisionRule::First, CollisionRule::Elp}) {
      for (EntityOrder ord : {EntityOrder::Source, EntityOrder::Shortest}) {
        o.collisions = c;
        o.order = ord;
        ++combos;
        ProjectionOutput one = project_heuristic(b, s.punct.data(), static_cast<int64_t>(s.punct.size()), o, 1);
        ProjectionOutput many = project_heuristic(b, s.punct.data(), static_cast<int64_t>(s.punct.size()), o, 3);
        if (one.offsets != many.offsets || one.start != many.start || one.end != many.end ||
            one.entity != many.entity || one.score != many.score)
          ++bad;
        for (int64_t i = 0; i < b.n; ++i) {
          const SentenceView sv = b.sentence(i);
          double sum = 0.0;
          int32_t prev_end = 0;
          for (int64_t k = one.offsets[i]; k < one.offsets[i + 1]; ++k) {
            const bool ok = one.start[k] >= prev_end && one.start[k] < one.end[k] && one.end[k] <= sv.tgt_len &&
                            one.entity[k] >= 0 && one.entity[k] < sv.n_ent &&
                            one.label[k] == sv.ent_label[one.entity[k]] && one.score[k] >= 0.0 && one.score[k] <= 1.0;
            if (!ok) ++bad;
            prev_end = one.end[k];
            sum += one.score[k];
          }
          if (sum != one.objective[i]) ++bad;
        }
      }
    }
  }
  CHECK_EQ(combos, 256);
  CHECK_EQ(bad, 0);
}

TEST(heuristic_elp_survivor_not_compared_backwards) {
  using V = std::vector<Got>;
  HeuristicOptions e = plain();
  e.collisions = CollisionRule::Elp;
  // A (PER) -> {1,2}, B (LOC) -> {3}, C (ORG) -> {2,3,4}: B loses to C, C overwrites A's word 2
  CHECK_EQ(one(3, 6, {{0, 1, 0}, {1, 2, 1}, {2, 3, 2}}, {{0, 1}, {0, 2}, {1, 3}, {2, 2}, {2, 3}, {2, 4}}, e),
           (V{{1, 2, 0, 0, 1.0}, {2, 5, 2, 2, 1.0}}));
}
