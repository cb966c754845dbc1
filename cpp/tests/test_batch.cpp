#include <stdexcept>
#include <vector>

#include "testing.hpp"
#include "xlner/batch.hpp"
#include "xlner/parallel.hpp"

using namespace xlner;

TEST(batch_validation_names_sentence_and_field) {
  std::vector<int32_t> sl{2, 3}, tl{2, 2};
  std::vector<int64_t> eo{0, 1, 1}, ao{0, 1, 2};
  std::vector<int32_t> es{0}, ee{2}, el{0}, as{0, 2}, at{1, 5};
  BatchView b;
  b.n = 2;
  b.src_len = sl.data();
  b.tgt_len = tl.data();
  b.ent_offsets = eo.data();
  b.ent_start = es.data();
  b.ent_end = ee.data();
  b.ent_label = el.data();
  b.aln_offsets = ao.data();
  b.aln_src = as.data();
  b.aln_tgt = at.data();
  bool thrown = false;
  try {
    validate(b, 1, 2);
  } catch (const std::out_of_range& e) {
    thrown = std::string(e.what()).find("sentence 1, field aln_tgt") != std::string::npos;
  }
  CHECK(thrown);
  at[1] = 1;
  validate(b, 1, 2);
  ee[0] = 0;
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
