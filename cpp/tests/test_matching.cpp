#include <stdexcept>
#include <vector>

#include "fixtures.hpp"
#include "testing.hpp"
#include "xlner/candidates.hpp"
#include "xlner/matching.hpp"
#include "xlner/scores.hpp"
#include "xlner/tagging.hpp"

using namespace xlner;

using xlner_test::OwnedBatch;

TEST(ngram_candidates_in_candidate_order) {
  std::vector<Span> c;
  ngram_candidates(3, 2, c);
  std::vector<Span> want{{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}};
  CHECK(c == want);
  CHECK_THROWS(ngram_candidates(3, 0, c), std::invalid_argument);
}

TEST(constraint_parse_caps_and_floors) {
  CHECK_EQ(Constraint::parse("<=2").cap(), 2);
  CHECK_EQ(Constraint::parse("<2").cap(), 1);
  CHECK_EQ(Constraint::parse("=1").floor(), 1);
  CHECK_EQ(Constraint::parse(">=1").cap(), -1);
  CHECK_EQ(Constraint::parse(">1").floor(), 2);
  CHECK_THROWS(Constraint::parse("<0"), std::invalid_argument);
  CHECK_THROWS(Constraint::parse("!1"), std::invalid_argument);
  // strict grammar: no whitespace, sign, trailing junk, or n above kMaxCount
  for (const char* bad : {"<=1x", "\t<=1", " <=1", "<= 1", "<=1 ", "=+1", "=-1", "<=", "", "<=2000000", "<=1.0"})
    CHECK_THROWS(Constraint::parse(bad), std::invalid_argument);
  CHECK_EQ(Constraint::parse("<=1000000").n, Constraint::kMaxCount);
  CHECK(Constraint::parse("==2") == Constraint::parse("=2"));
  CHECK_EQ(Constraint::parse("==2").str(), std::string("=2"));
  for (const char* good : {"<1", "<=0", "=3", ">=0", ">5"}) CHECK_EQ(Constraint::parse(good).str(), std::string(good));
}

TEST(alignment_score_hand_worked) {
  // entity [0,3) aligned to targets 0, 1, 3 (duplicate link counted once)
  OwnedBatch s{{3}, {5}, {0}, {3}, {0}, {0, 1, 2, 2}, {0, 1, 3, 3}, {0, 1}, {0, 4}};
  BatchView b = s.checked();
  ScoreScratch sc;
  std::vector<ScoreEntry> out;
  alignment_scores(b.sentence(0), CandidateMode::AlignedRanges, 10, sc, out);
  // aligned ranges: [0,1) [0,2) [0,4) [1,2) [1,4) [3,4)
  CHECK_EQ(out.size(), static_cast<size_t>(6));
  bool found = false;
  for (auto& e : out)
    if (e.span == Span{0, 4}) found = e.score == 2.0 * 3 / 7;
  CHECK(found);
  std::vector<ScoreEntry> all;
  alignment_scores(b.sentence(0), CandidateMode::Ngrams, 10, sc, all);
  CHECK_EQ(all.size(), static_cast<size_t>(13));  // 15 n-grams minus [2,3) and [4,5)
}

TEST(greedy_batch_picks_best_then_blocks_overlaps) {
  OwnedBatch s{{3}, {5}, {0}, {3}, {0}, {0, 1, 2}, {0, 1, 3}, {0, 1}, {0, 3}};
  BatchView b = s.checked();
  ProjectionOutput o = greedy_alignment_batch(b, CandidateMode::Ngrams, 2, Constraint::parse(">=1"), 1);
  // M=2: [0,2) scores 0.8, then [3,4) 0.5; [2,4) (0.4) overlaps nothing chosen first but scores lower and
  // overlaps [3,4) after it is chosen
  CHECK_EQ(o.start.size(), static_cast<size_t>(2));
  CHECK_EQ(o.start[0], 0);
  CHECK_EQ(o.end[0], 2);
  CHECK_EQ(o.start[1], 3);
  CHECK_EQ(o.end[1], 4);
  CHECK(o.objective[0] == 0.8 + 0.5);
}

TEST(tags_to_spans_seqeval_semantics) {
  // I-PER I-PER O I-LOC B-LOC I-ORG  (PER=0 → B 1, I 2; LOC=1 → B 3, I 4; ORG=2 → B 5, I 6)
  std::vector<int32_t> tags{2, 2, 0, 4, 3, 6};
  std::vector<Entity> out;
  tags_to_spans(tags.data(), static_cast<int32_t>(tags.size()), out);
  CHECK_EQ(out.size(), static_cast<size_t>(4));
  CHECK(out[0].span == (Span{0, 2}) && out[0].label == 0);
  CHECK(out[1].span == (Span{3, 4}) && out[1].label == 1);
  CHECK(out[2].span == (Span{4, 5}) && out[2].label == 1);
  CHECK(out[3].span == (Span{5, 6}) && out[3].label == 2);
  std::vector<int32_t> back(6);
  spans_to_tags(6, out.data(), static_cast<int64_t>(out.size()), back.data());
  std::vector<int32_t> want{1, 2, 0, 3, 3, 5};
  CHECK(back == want);
  Entity overlapping[2] = {Entity{Span{0, 2}, 0}, Entity{Span{1, 3}, 0}};
  CHECK_THROWS(spans_to_tags(6, overlapping, 2, back.data()), std::invalid_argument);
  Entity past[1] = {Entity{Span{4, 7}, 0}};
  CHECK_THROWS(spans_to_tags(6, past, 1, back.data()), std::out_of_range);
}
