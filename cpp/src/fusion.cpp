#include "xlner/fusion.hpp"

#include <cmath>
#include <stdexcept>
#include <tuple>

namespace xlner {

ScoreBatch concat_score_batches(std::vector<ScoreBatch>& parts) {
  ScoreBatch out;
  size_t total = 0, sents = 0;
  for (const auto& p : parts) {
    total += p.ent.size();
    sents += p.offsets.size() - 1;
  }
  out.offsets.reserve(sents + 1);
  out.ent.reserve(total);
  out.start.reserve(total);
  out.end.reserve(total);
  out.score.reserve(total);
  for (auto& p : parts) {
    append_offsets(out.offsets, p.offsets, static_cast<int64_t>(out.ent.size()));
    append(out.ent, p.ent);
    append(out.start, p.start);
    append(out.end, p.end);
    append(out.score, p.score);
    p = ScoreBatch();
  }
  return out;
}

void validate_score_structure(int64_t n, const ScoreView& v, const std::string& name) {
  const std::string off_field = name + ".offsets";
  check_offsets(v.offsets, n, v.total, off_field.c_str());
  const std::string ent_field = name + ".ent", span_field = name + ".start/end", score_field = name + ".score";
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = v.offsets[i]; k < v.offsets[i + 1]; ++k) {
      if (v.ent[k] < 0)
        throw std::out_of_range(where(i, ent_field.c_str()) + "negative entity index " + std::to_string(v.ent[k]));
      if (v.start[k] < 0 || v.end[k] <= v.start[k])
        throw std::invalid_argument(where(i, span_field.c_str()) + "invalid candidate span [" +
                                    std::to_string(v.start[k]) + ", " + std::to_string(v.end[k]) + ")");
      if (!std::isfinite(v.score[k]))
        throw std::invalid_argument(where(i, score_field.c_str()) + "score of entity " + std::to_string(v.ent[k]) +
                                    ", span [" + std::to_string(v.start[k]) + ", " + std::to_string(v.end[k]) +
                                    ") is not finite");
    }
  }
}

namespace {

struct Tagged {
  int32_t ent, start, end;
  int32_t src;  ///< input index
  double value; ///< weight · score
};

struct FuseScratch {
  std::vector<Tagged> items;
  std::vector<double> acc;    ///< dense path: fused value per (entity, start, length) cell
  std::vector<int32_t> mark;  ///< dense path: 1 + last input that wrote the cell (0: none)
};

[[noreturn]] void duplicate(int64_t i, const std::string& name, int32_t ent, int32_t start, int32_t end) {
  const std::string field = name + ".ent/start/end";
  throw std::invalid_argument(where(i, field.c_str()) + "entity " + std::to_string(ent) + " and span [" +
                              std::to_string(start) + ", " + std::to_string(end) + ") are listed twice");
}

}  // namespace

ScoreBatch fuse_scores(int64_t n, const std::vector<ScoreView>& inputs, const std::vector<double>& weights,
                       const std::vector<std::string>& names, int threads) {
  if (n < 0) throw std::invalid_argument("batch size is negative");
  if (weights.size() != inputs.size() || names.size() != inputs.size())
    throw std::invalid_argument("fuse_scores: " + std::to_string(inputs.size()) + " matrices, " +
                                std::to_string(weights.size()) + " weights and " + std::to_string(names.size()) +
                                " names");
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!std::isfinite(weights[k]) || weights[k] < 0.0)
      throw std::invalid_argument("weight of '" + names[k] + "' must be finite and >= 0, got " +
                                  std::to_string(weights[k]));
    validate_score_structure(n, inputs[k], names[k]);
  }
  BatchView dummy;  // collect_scores only needs n and sentence indices
  dummy.n = n;
  std::vector<int64_t> zeros(static_cast<size_t>(n) + 1, 0);
  std::vector<int32_t> lens(static_cast<size_t>(std::max<int64_t>(n, 1)), 0);
  dummy.src_len = lens.data();
  dummy.tgt_len = lens.data();
  dummy.ent_offsets = zeros.data();
  dummy.aln_offsets = zeros.data();
  return collect_scores<FuseScratch>(dummy, threads, [&](const SentenceView& s, FuseScratch& sc,
                                                         std::vector<ScoreEntry>& out) {
    const int64_t i = s.index;
    // Cells (entity, start, length) of this sentence's entries; when few enough, accumulate densely (the
    // cell order is the output order), else sort the tagged entries.
    int64_t count = 0;
    int32_t max_ent = -1, max_end = 0, max_len = 0;
    for (const ScoreView& v : inputs)
      for (int64_t j = v.offsets[i]; j < v.offsets[i + 1]; ++j) {
        ++count;
        max_ent = std::max(max_ent, v.ent[j]);
        max_end = std::max(max_end, v.end[j]);
        max_len = std::max(max_len, v.end[j] - v.start[j]);
      }
    if (count == 0) return;
    const int64_t cells = (static_cast<int64_t>(max_ent) + 1) * max_end * max_len;
    if (cells <= 4 * count + 4096) {
      sc.acc.assign(static_cast<size_t>(cells), 0.0);
      sc.mark.assign(static_cast<size_t>(cells), 0);
      for (size_t k = 0; k < inputs.size(); ++k) {
        const ScoreView& v = inputs[k];
        const double w = weights[k];
        for (int64_t j = v.offsets[i]; j < v.offsets[i + 1]; ++j) {
          const size_t c = static_cast<size_t>((static_cast<int64_t>(v.ent[j]) * max_end + v.start[j]) * max_len +
                                               (v.end[j] - v.start[j] - 1));
          if (sc.mark[c] == static_cast<int32_t>(k) + 1) duplicate(i, names[k], v.ent[j], v.start[j], v.end[j]);
          sc.mark[c] = static_cast<int32_t>(k) + 1;
          sc.acc[c] += w * v.score[j];
        }
      }
      for (int64_t c = 0; c < cells; ++c) {
        if (sc.mark[static_cast<size_t>(c)] == 0 || sc.acc[static_cast<size_t>(c)] == 0.0) continue;
        const int32_t len = static_cast<int32_t>(c % max_len) + 1;
        const int64_t rest = c / max_len;
        const int32_t start = static_cast<int32_t>(rest % max_end);
        const int32_t ent = static_cast<int32_t>(rest / max_end);
        out.push_back(ScoreEntry{sc.acc[static_cast<size_t>(c)], ent, Span{start, start + len}});
      }
      return;
    }
    sc.items.clear();
    for (size_t k = 0; k < inputs.size(); ++k) {
      const ScoreView& v = inputs[k];
      const double w = weights[k];
      for (int64_t j = v.offsets[i]; j < v.offsets[i + 1]; ++j)
        sc.items.push_back(Tagged{v.ent[j], v.start[j], v.end[j], static_cast<int32_t>(k), w * v.score[j]});
    }
    std::sort(sc.items.begin(), sc.items.end(), [](const Tagged& a, const Tagged& b) {
      return std::tie(a.ent, a.start, a.end, a.src) < std::tie(b.ent, b.start, b.end, b.src);
    });
    size_t a = 0;
    while (a < sc.items.size()) {
      const Tagged& first = sc.items[a];
      double acc = 0.0;
      size_t b = a;
      for (; b < sc.items.size() && sc.items[b].ent == first.ent && sc.items[b].start == first.start &&
             sc.items[b].end == first.end;
           ++b) {
        if (b > a && sc.items[b].src == sc.items[b - 1].src)
          duplicate(i, names[static_cast<size_t>(sc.items[b].src)], first.ent, first.start, first.end);
        acc += sc.items[b].value;
      }
      if (acc != 0.0) out.push_back(ScoreEntry{acc, first.ent, Span{first.start, first.end}});
      a = b;
    }
  });
}

namespace {
struct Preset {
  const char* name;
  FusionWeights w;
};
// Shkalikov (2024), master thesis, Evaluation chapter, table of the MasakhaNER2 ILP pipelines
// (weights of align, ner (per class), ner (spans: max over classes), nmt).
const Preset kPresets[] = {
    {"align", {1.0, 0.0, 0.0, 0.0}},
    {"ner", {0.0, 1.0, 0.0, 0.0}},
    {"nmt", {0.0, 0.0, 0.0, 1.0}},
    {"align_ner", {0.5, 0.5, 0.0, 0.0}},
    {"align_ner_spans", {0.5, 0.0, 0.5, 0.0}},
    {"align_nmt", {0.5, 0.0, 0.0, 1.0}},
    {"ner_spans_nmt", {0.0, 0.0, 0.5, 1.0}},
    {"all_fusion", {0.5, 0.0, 0.5, 1.0}},
};
}  // namespace

const std::vector<std::string>& fusion_preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Preset& p : kPresets) v.emplace_back(p.name);
    return v;
  }();
  return names;
}

FusionWeights fusion_preset(const std::string& name) {
  for (const Preset& p : kPresets)
    if (name == p.name) return p.w;
  std::string known;
  for (const Preset& p : kPresets) known += (known.empty() ? "" : ", ") + std::string(p.name);
  throw std::invalid_argument("unknown fusion preset '" + name + "'; known presets: " + known);
}

}  // namespace xlner
