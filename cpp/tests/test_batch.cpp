#include <stdexcept>
#include <vector>

#include "fixtures.hpp"
#include "testing.hpp"
#include "xlner/batch.hpp"
#include "xlner/parallel.hpp"

using namespace xlner;

TEST(batch_validation_names_sentence_and_field) {
  xlner_test::OwnedBatch o{{2, 3}, {2, 2}, {0}, {2}, {0}, {0, 2}, {1, 5}, {0, 1, 1}, {0, 1, 2}};
  const BatchView b = o.view();
  bool thrown = false;
  try {
    validate(b, 1, 2);
  } catch (const std::out_of_range& e) {
    thrown = std::string(e.what()).find("sentence 1, field aln_tgt") != std::string::npos;
  }
  CHECK(thrown);
  o.at[1] = 1;
  validate(b, 1, 2);
  o.ee[0] = 0;
  CHECK_THROWS(validate(b, 1, 2), std::invalid_argument);
}

TEST(parallel_chunks_covers_range_and_rethrows) {
  std::vector<int> hit(1000, 0);
  parallel_chunks(1000, 4, 37, [&](int64_t, int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hit[static_cast<size_t>(i)] += 1;
  });
  bool all_once = true;
  for (int h : hit) all_once = all_once && h == 1;
  CHECK(all_once);
  CHECK_THROWS(parallel_chunks(100, 2, 10,
                               [&](int64_t c, int64_t, int64_t) {
                                 if (c == 3) throw std::runtime_error("boom");
                               }),
               std::runtime_error);
}
