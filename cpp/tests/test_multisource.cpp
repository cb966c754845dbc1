// Hand-worked cases of the multi-source combination (xlner/multisource.hpp), run under the sanitizers in CI.
#include <stdexcept>
#include <vector>

#include "testing.hpp"
#include "xlner/multisource.hpp"

using namespace xlner;

namespace {

// One source's spans of one sentence, with identity label map over `n_labels` labels.
struct OneSource {
  std::vector<int64_t> offsets;
  std::vector<int32_t> start, end, label, entity, map;
  std::vector<double> score;
  OneSource(std::vector<std::vector<int32_t>> spans, int32_t n_labels) {  // {start, end, label}
    offsets = {0, static_cast<int64_t>(spans.size())};
    for (size_t k = 0; k < spans.size(); ++k) {
      start.push_back(spans[k][0]);
      end.push_back(spans[k][1]);
      label.push_back(spans[k][2]);
      entity.push_back(static_cast<int32_t>(k));
      score.push_back(1.0);
    }
    for (int32_t l = 0; l < n_labels; ++l) map.push_back(l);
  }
  SourceSpansView view() const {
    return {offsets.data(), start.data(), end.data(), label.data(), entity.data(), score.data(), map.data(),
            static_cast<int32_t>(map.size())};
  }
};

}  // namespace

TEST(vote_majority_mode_and_median) {
  // PER (label 0): sources propose [1,3), [1,3), [2,4): one cluster, 3 votes; mode [1,3), median start 1 end 3
  OneSource a({{1, 3, 0}}, 1), b({{1, 3, 0}}, 1), c({{2, 4, 0}}, 1);
  std::vector<SourceSpansView> v{a.view(), b.view(), c.view()};
  const double w[3] = {1.0, 1.0, 1.0};
  for (VoteBoundary bd : {VoteBoundary::Mode, VoteBoundary::Median}) {
    MultiSpans cl = vote_clusters(v, 1, w, bd, 1);
    CHECK_EQ(cl.start.size(), size_t{1});
    CHECK_EQ(cl.start[0], 1);
    CHECK_EQ(cl.end[0], 3);
    CHECK_EQ(cl.votes[0], 3.0);
    CHECK_EQ(cl.support_offsets[1], int64_t{3});
    const double need2[1] = {2.0}, need4[1] = {4.0};
    MultiSpans kept = vote_select(cl, need2, 1, false, BlockedSpans{}, 1);
    CHECK_EQ(kept.start.size(), size_t{1});
    CHECK_EQ(kept.objective[0], 3.0);
    CHECK_EQ(vote_select(cl, need4, 1, false, BlockedSpans{}, 1).start.size(), size_t{0});
    CHECK_EQ(vote_select(cl, need2, 1, true, BlockedSpans{}, 2).start.size(), size_t{1});  // 3 > 2
    // a blocked span [0,2) overlapping the cluster drops it
    const int64_t boff[2] = {0, 1};
    const int32_t bs[1] = {0}, be[1] = {2};
    CHECK_EQ(vote_select(cl, need2, 1, false, BlockedSpans{boff, bs, be}, 1).start.size(), size_t{0});
  }
}

TEST(vote_cross_label_overlap_keeps_more_votes) {
  // PER [0,2) from sources 0 and 1; LOC [1,3) from source 2 only: PER wins the overlap at threshold 1
  OneSource a({{0, 2, 0}}, 2), b({{0, 2, 0}}, 2), c({{1, 3, 1}}, 2);
  std::vector<SourceSpansView> v{a.view(), b.view(), c.view()};
  const double w[6] = {1, 1, 1, 1, 1, 1};
  MultiSpans cl = vote_clusters(v, 1, w, VoteBoundary::Mode, 1);
  const double need[2] = {1.0, 1.0};
  MultiSpans kept = vote_select(cl, need, 2, false, BlockedSpans{}, 1);
  CHECK_EQ(kept.start.size(), size_t{1});
  CHECK_EQ(kept.label[0], 0);
}

TEST(validate_source_spans_names_the_source) {
  OneSource a({{2, 1, 0}}, 1);  // empty span
  const int32_t len[1] = {5};
  CHECK_THROWS(validate_source_spans(a.view(), 1, 1, len, 1, 0), std::out_of_range);
  OneSource b({{0, 9, 0}}, 1);  // past the sentence
  CHECK_THROWS(validate_source_spans(b.view(), 1, 1, len, 1, 0), std::out_of_range);
  OneSource c({{0, 1, 0}}, 1);
  c.map[0] = 3;  // united id outside the vocabulary
  CHECK_THROWS(validate_source_spans(c.view(), 1, 1, len, 1, 0), std::out_of_range);
}

TEST(joint_greedy_sums_agreeing_sources_and_pays_the_span_cost) {
  // source 0: entity 0 (label 0) scores [0,2) 1.0; source 1: entity 0 scores [0,2) 0.8 and [0,1) 0.9
  std::vector<int64_t> off0{0, 1}, off1{0, 2}, eoff{0, 1};
  std::vector<int32_t> ent0{0}, st0{0}, en0{2}, ent1{0, 0}, st1{0, 0}, en1{2, 1}, lab{0};
  std::vector<double> sc0{1.0}, sc1{0.8, 0.9};
  ScoreView s0{off0.data(), ent0.data(), st0.data(), en0.data(), sc0.data(), 1};
  ScoreView s1{off1.data(), ent1.data(), st1.data(), en1.data(), sc1.data(), 2};
  std::vector<JointSourceView> src{{s0, eoff.data(), lab.data(), 1.0}, {s1, eoff.data(), lab.data(), 1.0}};
  JointEntries e = joint_entries(src, 1, 10, false, 1);
  CHECK_EQ(e.source.size(), size_t{3});
  MultiSpans out = joint_greedy(e, src, 1, 1.0, 1);
  CHECK_EQ(out.start.size(), size_t{1});
  CHECK_EQ(out.end[0], 2);
  CHECK(out.score[0] > 1.79 && out.score[0] < 1.81);
  CHECK_EQ(out.votes[0], 2.0);
  CHECK(out.objective[0] > 0.79 && out.objective[0] < 0.81);
  // one source alone at full score does not pay a span cost of 1
  std::vector<JointSourceView> lone{src[0]};
  CHECK_EQ(joint_greedy(joint_entries(lone, 1, 10, false, 1), lone, 1, 1.0, 1).start.size(), size_t{0});
  // an entity index past the sentence's entities is refused
  std::vector<int32_t> bad{3};
  ScoreView sb{off0.data(), bad.data(), st0.data(), en0.data(), sc0.data(), 1};
  std::vector<JointSourceView> badsrc{{sb, eoff.data(), lab.data(), 1.0}};
  CHECK_THROWS(joint_entries(badsrc, 1, 10, false, 1), std::out_of_range);
}

TEST(priority_keeps_corroborated_primary_spans_and_backs_off_elsewhere) {
  // primary 0: PER [0,2), LOC [6,7); source 1: PER [1,2), LOC [4,5); source 2: PER [0,1), LOC [4,5)
  OneSource a({{0, 2, 0}, {6, 7, 1}}, 2), b({{1, 2, 0}, {4, 5, 1}}, 2), c({{0, 1, 0}, {4, 5, 1}}, 2);
  std::vector<SourceSpansView> v{a.view(), b.view(), c.view()};
  const double w[3] = {1.0, 1.0, 1.0};
  // corroboration 1: PER [0,2) kept (sources 1 and 2 agree), LOC [6,7) dropped; back-off LOC [4,5) (2 votes)
  MultiSpans out = priority_combine(v, 1, 0, w, 1.0, 2.0, 2, VoteBoundary::Mode, 1);
  CHECK_EQ(out.start.size(), size_t{2});
  CHECK_EQ(out.start[0], 0);
  CHECK_EQ(out.end[0], 2);
  CHECK_EQ(out.votes[0], 3.0);
  CHECK_EQ(out.support_offsets[1], int64_t{3});
  CHECK_EQ(out.start[1], 4);
  CHECK_EQ(out.support_source[3], 1);  // the back-off span's sources are numbered among all sources
  CHECK_EQ(out.support_source[4], 2);
  CHECK_EQ(out.objective[0], 5.0);
  // corroboration 0 keeps LOC [6,7) too
  CHECK_EQ(priority_combine(v, 1, 0, w, 0.0, 2.0, 2, VoteBoundary::Mode, 2).start.size(), size_t{3});
  CHECK_THROWS(priority_combine(v, 1, 3, w, 0.0, 2.0, 2, VoteBoundary::Mode, 1), std::out_of_range);
}

TEST(joint_exact_beats_greedy_on_a_coupled_entity_and_falls_back_when_too_large) {
  // one source, PER entities: e0 scores [0,1) 0.9 and [2,3) 1.0 (coupled: both spans can be opened), e1 scores
  // [2,3) 0.95. Greedy opens [2,3) with e0 (1.0) and has nothing left for [0,1): 1.0; exact: 0.9 + 0.95.
  std::vector<int64_t> off{0, 3}, eoff{0, 2};
  std::vector<int32_t> ent{0, 0, 1}, st{0, 2, 2}, en{1, 3, 3}, lab{0, 0};
  std::vector<double> sc{0.9, 1.0, 0.95};
  ScoreView s{off.data(), ent.data(), st.data(), en.data(), sc.data(), 3};
  std::vector<JointSourceView> src{{s, eoff.data(), lab.data(), 1.0}};
  const JointEntries e = joint_entries(src, 1, 10, false, 1);
  const MultiSpans g = joint_greedy(e, src, 1, 0.0, 1);
  CHECK_EQ(g.start.size(), size_t{1});
  CHECK(g.objective[0] > 0.99 && g.objective[0] < 1.01);
  std::vector<int8_t> status;
  const MultiSpans x = joint_exact(e, src, 1, 0.0, 1 << 16, status, 1);
  CHECK_EQ(status[0], 0);
  CHECK_EQ(x.start.size(), size_t{2});
  CHECK(x.objective[0] > 1.84 && x.objective[0] < 1.86);
  CHECK_EQ(x.support_entity[0], 0);  // [0,1) by e0, [2,3) by e1
  CHECK_EQ(x.support_entity[1], 1);
  // cap 2: e0 may take both spans (0.9 + 1.0)
  CHECK(joint_exact(e, src, 2, 0.0, 1 << 16, status, 1).objective[0] > 1.89);
  // one state allowed: the sentence is handed back (status 1, nothing chosen)
  const MultiSpans none = joint_exact(e, src, 1, 0.0, 1, status, 2);
  CHECK_EQ(status[0], 1);
  CHECK_EQ(none.start.size(), size_t{0});
}
