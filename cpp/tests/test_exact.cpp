// Exact solver: hand-worked cases, a brute-force cross-check on random columns, the ILP model's rows.
#include <cmath>
#include <functional>
#include <random>
#include <stdexcept>
#include <vector>

#include "fixtures.hpp"
#include "testing.hpp"
#include "xlner/exact.hpp"

using namespace xlner;

namespace {

Constraint con(ConstraintOp op, int32_t n) {
  Constraint c;
  c.op = op;
  c.n = n;
  return c;
}

/// Brute force from the definition: every set of pairwise disjoint columns (at most one entity per
/// span, as columns are (entity, span) pairs) whose per-entity counts meet the constraint.
double brute(const std::vector<ScoreEntry>& cols, int32_t n_ent, const Constraint& c, bool& feasible) {
  const int32_t cap = c.cap(), floor = c.floor();
  double best = -1e300;
  feasible = false;
  std::vector<int32_t> count(static_cast<size_t>(n_ent), 0);
  std::vector<size_t> pick;
  std::function<void(size_t, double)> rec = [&](size_t i, double total) {
    if (i == cols.size()) {
      for (int32_t e = 0; e < n_ent; ++e)
        if (count[static_cast<size_t>(e)] < floor) return;
      feasible = true;
      best = std::max(best, total);
      return;
    }
    rec(i + 1, total);
    const ScoreEntry& x = cols[i];
    if (cap >= 0 && count[static_cast<size_t>(x.ent)] >= cap) return;
    for (size_t p : pick)
      if (overlaps(cols[p].span, x.span)) return;
    pick.push_back(i);
    ++count[static_cast<size_t>(x.ent)];
    rec(i + 1, total + x.score);
    --count[static_cast<size_t>(x.ent)];
    pick.pop_back();
  };
  rec(0, 0.0);
  return best;
}

}  // namespace

TEST(exact_beats_greedy_on_hand_worked_case) {
  // entity 0: [0,2) 4/3, [0,1) 1, [1,2) 1; entity 1: [1,2) 1 → optimum 2 (greedy: 4/3)
  std::vector<ScoreEntry> cols{{4.0 / 3, 0, {0, 2}}, {1.0, 0, {0, 1}}, {1.0, 0, {1, 2}}, {1.0, 1, {1, 2}}};
  ExactScratch sc;
  double obj = 0;
  CHECK(exact_select(cols, 2, 3, con(ConstraintOp::LessEq, 1), false, ExactOptions{}, sc, obj) == Status::Solved);
  CHECK(std::fabs(obj - 2.0) < 1e-12);
  CHECK_EQ(sc.chosen.size(), size_t{2});
  CHECK_EQ(sc.chosen[0].ent, 0);
  CHECK(sc.chosen[0].span == (Span{0, 1}));
  CHECK_EQ(sc.chosen[1].ent, 1);
}

TEST(exact_reports_infeasible_and_too_large) {
  std::vector<ScoreEntry> cols{{1.0, 0, {0, 1}}, {0.0, 1, {0, 1}}};
  ExactScratch sc;
  double obj = 0;
  CHECK(exact_select(cols, 2, 1, con(ConstraintOp::Eq, 1), false, ExactOptions{}, sc, obj) == Status::Infeasible);
  CHECK(sc.chosen.empty());
  // free fill needs 2 words for 2 entities in a 1-word sentence
  cols = {{1.0, 0, {0, 1}}};
  CHECK(exact_select(cols, 2, 1, con(ConstraintOp::GreaterEq, 1), true, ExactOptions{}, sc, obj) == Status::Infeasible);
  ExactOptions tiny;
  tiny.max_states = 1;
  cols = {{1.0, 0, {0, 1}}, {1.0, 0, {2, 3}}, {1.0, 0, {4, 5}}};
  CHECK(exact_select(cols, 1, 5, con(ConstraintOp::LessEq, 1), false, tiny, sc, obj) == Status::Solved);
  CHECK_EQ(obj, 1.0);  // greedy's certificate holds: no DP, so no size limit
  tiny.certificate = false;
  cols = {{1.0, 0, {0, 1}}, {1.0, 0, {2, 3}}, {1.0, 0, {4, 5}}};
  CHECK(exact_select(cols, 1, 5, con(ConstraintOp::LessEq, 1), false, tiny, sc, obj) == Status::TooLarge);
  cols = {{1.0, 0, {0, 1}}, {1.0, 0, {2, 3}}, {1.0, 0, {4, 5}}};
  CHECK(exact_select(cols, 1, 5, con(ConstraintOp::LessEq, 1), false, ExactOptions{}, sc, obj) == Status::Solved);
  CHECK(std::fabs(obj - 1.0) < 1e-12);
  cols = {{1.0, 0, {0, 9}}};
  CHECK_THROWS(exact_select(cols, 1, 5, con(ConstraintOp::LessEq, 1), false, ExactOptions{}, sc, obj),
               std::out_of_range);
}

TEST(free_fill_gives_leftmost_words) {
  std::vector<ScoreEntry> chosen{{1.0, 1, {0, 2}}};
  CHECK(fill_lower_bound(chosen, 3, 5, 1));
  CHECK_EQ(chosen.size(), size_t{3});
  CHECK(chosen[1].span == (Span{2, 3}) && chosen[1].ent == 0 && chosen[1].score == 0.0);
  CHECK(chosen[2].span == (Span{3, 4}) && chosen[2].ent == 2);
  std::vector<ScoreEntry> none;
  CHECK(!fill_lower_bound(none, 3, 2, 1));
}

TEST(relaxed_constraints) {
  CHECK(relaxed(con(ConstraintOp::Eq, 2)).op == ConstraintOp::LessEq);
  CHECK_EQ(relaxed(con(ConstraintOp::Eq, 2)).n, 2);
  CHECK(relaxed(con(ConstraintOp::Greater, 1)).op == ConstraintOp::GreaterEq);
  CHECK_EQ(relaxed(con(ConstraintOp::Greater, 1)).floor(), 0);
  CHECK(relaxed(con(ConstraintOp::Less, 2)).op == ConstraintOp::Less);
}

TEST(exact_matches_brute_force_on_random_columns) {
  std::mt19937 rng(7);
  const ConstraintOp ops[] = {ConstraintOp::Less, ConstraintOp::LessEq, ConstraintOp::Eq, ConstraintOp::GreaterEq,
                              ConstraintOp::Greater};
  const double values[] = {0.0, 0.5, 1.0, 1.0, -0.25};
  ExactScratch sc;
  int mismatches = 0, feasible_seen = 0, infeasible_seen = 0;
  for (int round = 0; round < 1500; ++round) {
    const int32_t T = 1 + static_cast<int32_t>(rng() % 6), E = 1 + static_cast<int32_t>(rng() % 3);
    std::vector<ScoreEntry> cols;
    const int n = static_cast<int>(rng() % 9);
    for (int k = 0; k < n; ++k) {
      const int32_t s = static_cast<int32_t>(rng() % T);
      const int32_t e = std::min(T, s + 1 + static_cast<int32_t>(rng() % 3));
      const int32_t ent = static_cast<int32_t>(rng() % E);
      bool dup = false;
      for (const auto& x : cols) dup |= x.ent == ent && x.span == (Span{s, e});
      if (!dup) cols.push_back(ScoreEntry{values[rng() % 5], ent, Span{s, e}});
    }
    const Constraint c = con(ops[rng() % 5], 1 + static_cast<int32_t>(rng() % 2));
    bool feasible = false;
    const double expect = brute(cols, E, c, feasible);
    for (const bool certificate : {true, false}) {  // greedy's certificate first, or the DP alone
      ExactOptions opt;
      opt.certificate = certificate;
      std::vector<ScoreEntry> work = cols;
      double obj = 0;
      const Status st = exact_select(work, E, T, c, false, opt, sc, obj);
      if (!feasible) {
        infeasible_seen += certificate;
        mismatches += st != Status::Infeasible;
        continue;
      }
      feasible_seen += certificate;
      if (st != Status::Solved || std::fabs(obj - expect) > 1e-9) ++mismatches;
      // the reported assignment is disjoint, meets the constraint and sums to the objective
      double sum = 0;
      std::vector<int32_t> count(static_cast<size_t>(E), 0);
      for (size_t i = 0; i < sc.chosen.size(); ++i) {
        sum += sc.chosen[i].score;
        ++count[static_cast<size_t>(sc.chosen[i].ent)];
        if (i > 0 && sc.chosen[i - 1].span.end > sc.chosen[i].span.start) ++mismatches;
      }
      for (const int32_t k : count)
        if (k < c.floor() || (c.cap() >= 0 && k > c.cap())) ++mismatches;
      if (std::fabs(sum - obj) > 1e-12) ++mismatches;
    }
  }
  CHECK_EQ(mismatches, 0);
  CHECK(feasible_seen > 100 && infeasible_seen > 20);
}

TEST(certificate_keeps_greedys_tied_optimum_and_rejects_a_missed_row_maximum) {
  // all four (entity, word) pairs score 1 under `<=1`: greedy gives entity 0 word 0, the DP alone entity 1
  const std::vector<ScoreEntry> tie{{1.0, 0, {0, 1}}, {1.0, 0, {1, 2}}, {1.0, 1, {0, 1}}, {1.0, 1, {1, 2}}};
  ExactScratch sc;
  ExactOptions dp_only;
  dp_only.certificate = false;
  double obj = 0;
  std::vector<ScoreEntry> work = tie;
  CHECK(exact_select(work, 2, 2, con(ConstraintOp::LessEq, 1), false, ExactOptions{}, sc, obj) == Status::Solved);
  CHECK_EQ(obj, 2.0);
  CHECK(sc.chosen.size() == 2 && sc.chosen[0].ent == 0 && sc.chosen[1].ent == 1);
  work = tie;
  CHECK(exact_select(work, 2, 2, con(ConstraintOp::LessEq, 1), false, dp_only, sc, obj) == Status::Solved);
  CHECK_EQ(obj, 2.0);
  CHECK(sc.chosen.size() == 2 && sc.chosen[0].ent == 1 && sc.chosen[1].ent == 0);
  // greedy: entity 0 word 0, entity 1 word 2 (1.5); entity 1 misses its best score → DP: 2
  const std::vector<ScoreEntry> miss{{1.0, 0, {0, 1}}, {1.0, 0, {1, 2}}, {1.0, 1, {0, 1}}, {0.5, 1, {2, 3}}};
  for (const ConstraintOp op : {ConstraintOp::LessEq, ConstraintOp::Eq}) {
    work = miss;
    CHECK(exact_select(work, 2, 3, con(op, 1), false, ExactOptions{}, sc, obj) == Status::Solved);
    CHECK_EQ(obj, 2.0);
  }
  // free fill under `=1`: greedy's word for entity 0 plus the leftmost free word for entity 1
  work = {{1.0, 0, {1, 2}}};
  CHECK(exact_select(work, 2, 3, con(ConstraintOp::Eq, 1), true, ExactOptions{}, sc, obj) == Status::Solved);
  CHECK(sc.chosen.size() == 2 && sc.chosen[0].ent == 1 && sc.chosen[0].span == (Span{0, 1}) &&
        sc.chosen[0].score == 0.0 && sc.chosen[1].ent == 0);
}

TEST(ilp_model_rows_and_decode) {
  // one sentence, target of 4 words, one entity aligned to words 0 and 2 (alignment score, `<=1`)
  xlner_test::OwnedBatch fx{{1}, {4}, {0}, {1}, {3}, {0, 0}, {0, 2}, {0, 1}, {0, 2}};
  BatchView b = fx.checked();
  // columns (aligned ranges): [0,1) 1, [0,3) 2·2/4 = 1, [2,3) 1; one maximal clique {[0,1),[0,3)} at word 0
  // and {[0,3),[2,3)} at word 2; entity row 0 <= Σ <= 1 (the entity has 2 disjoint columns)
  IlpModel m = build_ilp_alignment(b, {0}, CandidateMode::Ngrams, 10, con(ConstraintOp::LessEq, 1), 1);
  CHECK_EQ(m.n_cols(), int64_t{3});
  CHECK_EQ(m.n_rows(), int64_t{3});
  CHECK_EQ(m.row_upper[0], 1.0);
  // rows: 0 entity, 1 clique at word 0, 2 clique at word 2; columns in span order
  CHECK(m.a_start == (std::vector<int32_t>{0, 2, 5, 7}));
  CHECK(m.a_index == (std::vector<int32_t>{0, 1, 0, 1, 2, 0, 2}));
  std::vector<double> x{0.0, 0.0, 1.0};  // take [2,3)
  std::vector<int8_t> st{0};
  ProjectionOutput out = decode_ilp(b, m, x.data(), st.data());
  CHECK_EQ(out.start.size(), size_t{1});
  CHECK_EQ(out.start[0], 2);
  CHECK_EQ(out.label[0], 3);
  CHECK(std::fabs(out.objective[0] - 1.0) < 1e-12);
  // `=1`: word 3 is untouched by every candidate, so the block is the `<=1` one and decoding fills
  IlpModel r = build_ilp_alignment(b, {0}, CandidateMode::Ngrams, 10, con(ConstraintOp::Eq, 1), 1);
  CHECK_EQ(r.n_cols(), int64_t{3});
  CHECK(r.fill == (std::vector<int32_t>{1}));
  std::vector<double> none{0.0, 0.0, 0.0};
  ProjectionOutput filled = decode_ilp(b, r, none.data(), st.data());
  CHECK_EQ(filled.start.size(), size_t{1});
  CHECK(filled.start.size() == 1 && filled.start[0] == 0 && filled.end[0] == 1 && filled.score[0] == 0.0);
  // a 3-word target: every word is touched, so fill count y_0, capacity row and slack enter the model
  fx.tl[0] = 3;  // the view reads the fixture's storage
  IlpModel f = build_ilp_alignment(b, {0}, CandidateMode::Ngrams, 10, con(ConstraintOp::Eq, 1), 1);
  CHECK_EQ(f.n_cols(), int64_t{5});
  if (f.n_cols() == 5) {
    CHECK_EQ(f.col_start[3], -2);
    CHECK_EQ(f.col_start[4], -1);
    CHECK_EQ(f.row_upper.back(), 3.0);
    std::vector<double> xs{0.0, 0.0, 0.0, 1.0, 0.0};  // nothing positive, fill count 1, no slack
    ProjectionOutput o = decode_ilp(b, f, xs.data(), st.data());
    CHECK(o.start.size() == 1 && o.status[0] == 0);
    std::vector<double> xi{0.0, 0.0, 0.0, 0.0, 1.0};  // slack: infeasible
    CHECK_EQ(static_cast<int>(decode_ilp(b, f, xi.data(), st.data()).status[0]), 1);
  }
  CHECK_THROWS(build_ilp_alignment(b, {1}, CandidateMode::Ngrams, 10, con(ConstraintOp::Eq, 1), 1), std::out_of_range);
}
