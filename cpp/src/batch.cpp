#include "xlner/batch.hpp"

#include <stdexcept>

#include "xlner/parallel.hpp"

namespace xlner {

std::string where(int64_t sentence, const char* field) {
  return "sentence " + std::to_string(sentence) + ", field " + field + ": ";
}

void check_offsets(const int64_t* off, int64_t n, int64_t total, const char* field) {
  if (off == nullptr) throw std::invalid_argument(std::string("field ") + field + ": missing");
  if (off[0] != 0)
    throw std::invalid_argument(std::string("field ") + field + ": first offset must be 0, got " +
                                std::to_string(off[0]));
  for (int64_t i = 0; i < n; ++i) {
    if (off[i + 1] < off[i])
      throw std::invalid_argument(where(i, field) + "offsets decrease (" + std::to_string(off[i]) +
                                  " then " + std::to_string(off[i + 1]) + ")");
  }
  if (off[n] != total)
    throw std::invalid_argument(std::string("field ") + field + ": last offset " + std::to_string(off[n]) +
                                " does not match the array size " + std::to_string(total));
}

BatchView BatchData::view() const {
  BatchView b;
  b.n = static_cast<int64_t>(src_len.size());
  b.src_len = src_len.data();
  b.tgt_len = tgt_len.data();
  b.ent_offsets = ent_offsets.data();
  b.ent_start = ent_start.data();
  b.ent_end = ent_end.data();
  b.ent_label = ent_label.data();
  b.aln_offsets = aln_offsets.data();
  b.aln_src = aln_src.data();
  b.aln_tgt = aln_tgt.data();
  if (!cand_offsets.empty()) {
    b.cand_offsets = cand_offsets.data();
    b.cand_start = cand_start.data();
    b.cand_end = cand_end.data();
  }
  return b;
}

BatchView BatchData::validated() const {
  const BatchView b = view();
  const auto sz = [](const auto& v) { return static_cast<int64_t>(v.size()); };
  if (sz(tgt_len) != b.n) throw std::invalid_argument("field tgt_len: " + std::to_string(sz(tgt_len)) +
                                                      " sentences, but src_len has " + std::to_string(b.n));
  if (sz(ent_offsets) != b.n + 1) throw std::invalid_argument("field ent_offsets: expected n + 1 entries");
  if (sz(aln_offsets) != b.n + 1) throw std::invalid_argument("field aln_offsets: expected n + 1 entries");
  if (sz(ent_end) != sz(ent_start) || sz(ent_label) != sz(ent_start))
    throw std::invalid_argument("fields ent_start, ent_end, ent_label: different lengths");
  if (sz(aln_tgt) != sz(aln_src)) throw std::invalid_argument("fields aln_src, aln_tgt: different lengths");
  if (!cand_offsets.empty()) {
    if (sz(cand_offsets) != b.n + 1) throw std::invalid_argument("field cand_offsets: expected n + 1 entries");
    if (sz(cand_end) != sz(cand_start)) throw std::invalid_argument("fields cand_start, cand_end: different lengths");
  }
  validate(b, sz(ent_start), sz(aln_src), sz(cand_start));
  return b;
}

void validate(const BatchView& b, int64_t n_ent_total, int64_t n_aln_total, int64_t n_cand_total) {
  if (b.n < 0) throw std::invalid_argument("batch size is negative");
  check_offsets(b.ent_offsets, b.n, n_ent_total, "ent_offsets");
  check_offsets(b.aln_offsets, b.n, n_aln_total, "aln_offsets");
  if (b.cand_offsets) check_offsets(b.cand_offsets, b.n, n_cand_total, "cand_offsets");
  for (int64_t i = 0; i < b.n; ++i) {
    const int32_t sl = b.src_len[i], tl = b.tgt_len[i];
    if (sl < 0) throw std::invalid_argument(where(i, "src_len") + "negative length " + std::to_string(sl));
    if (tl < 0) throw std::invalid_argument(where(i, "tgt_len") + "negative length " + std::to_string(tl));
    for (int64_t k = b.ent_offsets[i]; k < b.ent_offsets[i + 1]; ++k) {
      const int32_t s = b.ent_start[k], e = b.ent_end[k];
      if (s < 0 || e > sl)
        throw std::out_of_range(where(i, "ent_start/ent_end") + "entity [" + std::to_string(s) + ", " +
                                std::to_string(e) + ") lies past the source sentence of length " +
                                std::to_string(sl));
      if (e <= s)
        throw std::invalid_argument(where(i, "ent_start/ent_end") + "empty entity span [" + std::to_string(s) +
                                    ", " + std::to_string(e) + ")");
      if (b.ent_label[k] < 0 || b.ent_label[k] > kMaxLabel)
        throw std::invalid_argument(where(i, "ent_label") + "label id " + std::to_string(b.ent_label[k]) +
                                    " out of range 0.." + std::to_string(kMaxLabel));
    }
    for (int64_t k = b.aln_offsets[i]; k < b.aln_offsets[i + 1]; ++k) {
      if (b.aln_src[k] < 0 || b.aln_src[k] >= sl)
        throw std::out_of_range(where(i, "aln_src") + "source index " + std::to_string(b.aln_src[k]) +
                                " out of range for source length " + std::to_string(sl));
      if (b.aln_tgt[k] < 0 || b.aln_tgt[k] >= tl)
        throw std::out_of_range(where(i, "aln_tgt") + "target index " + std::to_string(b.aln_tgt[k]) +
                                " out of range for target length " + std::to_string(tl));
    }
    if (b.cand_offsets) {
      for (int64_t k = b.cand_offsets[i]; k < b.cand_offsets[i + 1]; ++k) {
        const int32_t s = b.cand_start[k], e = b.cand_end[k];
        if (s < 0 || e > tl)
          throw std::out_of_range(where(i, "cand_start/cand_end") + "candidate [" + std::to_string(s) + ", " +
                                  std::to_string(e) + ") lies past the target sentence of length " +
                                  std::to_string(tl));
        if (e <= s)
          throw std::invalid_argument(where(i, "cand_start/cand_end") + "empty candidate span [" +
                                      std::to_string(s) + ", " + std::to_string(e) + ")");
      }
    }
  }
}

ProjectionOutput ProjectionOutput::concat(std::vector<ProjectionOutput>& parts) {
  ProjectionOutput out;
  size_t spans = 0, sents = 0;
  for (auto& p : parts) {
    spans += p.start.size();
    sents += p.objective.size();
  }
  out.offsets.reserve(sents + 1);
  out.start.reserve(spans);
  out.end.reserve(spans);
  out.label.reserve(spans);
  out.entity.reserve(spans);
  out.score.reserve(spans);
  out.objective.reserve(sents);
  out.status.reserve(sents);
  for (auto& p : parts) {
    append_offsets(out.offsets, p.offsets, static_cast<int64_t>(out.start.size()));
    append(out.start, p.start);
    append(out.end, p.end);
    append(out.label, p.label);
    append(out.entity, p.entity);
    append(out.score, p.score);
    append(out.objective, p.objective);
    append(out.status, p.status);
    p = ProjectionOutput();
  }
  return out;
}

}  // namespace xlner
