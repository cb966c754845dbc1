// Multi-source combination (vote clusters and threshold, priority, joint entries, greedy and exact); the
// rules: xlner.multisource.
#include "xlner/multisource.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "xlner/batch.hpp"
#include "xlner/parallel.hpp"

namespace xlner {
namespace {

std::string at_source(int source, int64_t sentence, const char* field) {
  return "source " + std::to_string(source) + ", " + where(sentence, field);
}

/// One projected span of one source in a sentence.
struct Proj {
  int32_t src, start, end, label;
  double score;
  int32_t entity;
};

/// Appends one span with its support to `out`.
void push_span(MultiSpans& out, int32_t start, int32_t end, int32_t label, double score, double votes,
               std::vector<std::pair<int32_t, int32_t>>& support) {
  std::sort(support.begin(), support.end());
  out.start.push_back(start);
  out.end.push_back(end);
  out.label.push_back(label);
  out.score.push_back(score);
  out.votes.push_back(votes);
  for (const auto& se : support) {
    out.support_source.push_back(se.first);
    out.support_entity.push_back(se.second);
  }
  out.support_offsets.push_back(static_cast<int64_t>(out.support_source.size()));
}

/// The smallest value whose cumulated weight (pairs in ascending order) reaches half the total weight.
int32_t lower_weighted_median(std::vector<std::pair<int32_t, double>>& v) {
  std::sort(v.begin(), v.end());
  double total = 0.0;
  for (const auto& x : v) total += x.second;
  double acc = 0.0;
  for (const auto& x : v) {
    acc += x.second;
    if (acc >= total / 2.0 - kMultiEps) return x.first;
  }
  return v.back().first;
}

/// The clusters of one sentence (gathered spans `p`, sorted here) appended to `out`.
void sentence_clusters(std::vector<Proj>& p, const double* weights, int n_sources, VoteBoundary boundary,
                       MultiSpans& out) {
  std::stable_sort(p.begin(), p.end(), [](const Proj& a, const Proj& b) {
    return std::tie(a.label, a.start, a.end, a.src) < std::tie(b.label, b.start, b.end, b.src);
  });
  std::vector<int32_t> srcs;
  std::vector<std::pair<int32_t, int32_t>> support;
  std::vector<std::pair<int32_t, double>> med;
  size_t b = 0;
  while (b < p.size()) {
    // a cluster: a connected run of overlapping spans of one label
    size_t e = b + 1;
    int32_t cur_end = p[b].end;
    while (e < p.size() && p[e].label == p[b].label && p[e].start < cur_end) {
      cur_end = std::max(cur_end, p[e].end);
      ++e;
    }
    const double* wl = weights + static_cast<int64_t>(p[b].label) * n_sources;
    srcs.clear();
    support.clear();
    double score = 0.0;
    for (size_t k = b; k < e; ++k) {
      srcs.push_back(p[k].src);
      support.emplace_back(p[k].src, p[k].entity);
      score += wl[p[k].src] * p[k].score;
    }
    std::sort(srcs.begin(), srcs.end());
    srcs.erase(std::unique(srcs.begin(), srcs.end()), srcs.end());
    double votes = 0.0;
    for (int32_t s : srcs) votes += wl[s];
    int32_t start = 0, end = 0;
    if (boundary == VoteBoundary::Median) {
      med.clear();
      for (size_t k = b; k < e; ++k) med.emplace_back(p[k].start, wl[p[k].src]);
      start = lower_weighted_median(med);
      med.clear();
      for (size_t k = b; k < e; ++k) med.emplace_back(-p[k].end, wl[p[k].src]);
      end = -lower_weighted_median(med);
    } else {
      // proposals: runs of equal (start, end), sources ascending within each
      bool have = false;
      std::tuple<double, double, int32_t, int32_t, int32_t> best;
      size_t g = b;
      while (g < e) {
        size_t h = g;
        double w = 0.0, sc = 0.0;
        int32_t last = -1;
        while (h < e && p[h].start == p[g].start && p[h].end == p[g].end) {
          if (p[h].src != last) w += wl[p[h].src];
          last = p[h].src;
          sc += wl[p[h].src] * p[h].score;
          ++h;
        }
        // the smallest key (-w, -sc, lowest source, start, length) wins; the first run in order wins ties
        const auto key = std::make_tuple(-w, -sc, p[g].src, p[g].start, p[g].end - p[g].start);
        if (!have || key < best) {
          have = true;
          best = key;
          start = p[g].start;
          end = p[g].end;
        }
        g = h;
      }
    }
    push_span(out, start, end, p[b].label, score, votes, support);
    b = e;
  }
}

/// Runs `fn(i, part)` for every sentence on `threads` threads, each chunk appending to its own part, and
/// closes each sentence (with `span_cost`: its objective, Σ (score − span_cost) over its spans in order); the
/// parts concatenated in order.
template <class Fn>
MultiSpans per_sentence(int64_t n, int threads, std::optional<double> span_cost, Fn fn) {
  const int64_t chunks = default_chunks(n, threads);
  std::vector<MultiSpans> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(n, threads, chunks, [&](int64_t c, int64_t lo, int64_t hi) {
    MultiSpans& part = parts[static_cast<size_t>(c)];
    for (int64_t i = lo; i < hi; ++i) {
      const size_t first = part.start.size();
      fn(i, part);
      if (span_cost) {
        double obj = 0.0;
        for (size_t k = first; k < part.start.size(); ++k) obj += part.score[k] - *span_cost;
        part.objective.push_back(obj);
      }
      part.offsets.push_back(static_cast<int64_t>(part.start.size()));
    }
  });
  return MultiSpans::concat(parts);
}

/// The entries of one sentence of a joint problem, sorted by key (start, end, label), within a key by source,
/// each source's entities by score descending, then entity; `key_begin[k]` is the first entry of key k and
/// `key_begin[n_keys()]` the end. Entity e of source s has the flat id `base[s] + e`.
struct SentenceKeys {
  struct Entry {
    int32_t a, b, lab, src;
    double v;
    int32_t e, ent;  // entity within its source; flat id
  };
  std::vector<Entry> ent;
  std::vector<int64_t> base;
  std::vector<size_t> key_begin;

  size_t n_keys() const { return key_begin.size() - 1; }
  const Entry& key(size_t k) const { return ent[key_begin[k]]; }

  void load(const JointEntries& en, const std::vector<JointSourceView>& sources, int64_t i) {
    base.assign(sources.size() + 1, 0);
    for (size_t s = 0; s < sources.size(); ++s)
      base[s + 1] = base[s] + sources[s].ent_offsets[i + 1] - sources[s].ent_offsets[i];
    ent.clear();
    for (int64_t k = en.offsets[i]; k < en.offsets[i + 1]; ++k) {
      const JointSourceView& v = sources[static_cast<size_t>(en.source[k])];
      ent.push_back(Entry{en.start[k], en.end[k], v.ent_label[v.ent_offsets[i] + en.entity[k]], en.source[k],
                          en.value[k], en.entity[k],
                          static_cast<int32_t>(base[static_cast<size_t>(en.source[k])] + en.entity[k])});
    }
    std::stable_sort(ent.begin(), ent.end(), [](const Entry& x, const Entry& y) {
      if (std::tie(x.a, x.b, x.lab, x.src) != std::tie(y.a, y.b, y.lab, y.src))
        return std::tie(x.a, x.b, x.lab, x.src) < std::tie(y.a, y.b, y.lab, y.src);
      if (x.v != y.v) return x.v > y.v;
      return x.e < y.e;
    });
    key_begin.clear();
    for (size_t k = 0; k < ent.size(); ++k)
      if (k == 0 || ent[k].a != ent[k - 1].a || ent[k].b != ent[k - 1].b || ent[k].lab != ent[k - 1].lab)
        key_begin.push_back(k);
    key_begin.push_back(ent.size());
  }

  /// Appends the span of key `k` supported by the entries [first, last) (indices into `ent`, one per source,
  /// sources ascending): score Σ v, votes Σ the sources' weights.
  template <class It>
  void push(MultiSpans& out, const std::vector<JointSourceView>& sources, size_t k, It first, It last) const {
    thread_local std::vector<std::pair<int32_t, int32_t>> support;
    double score = 0.0, votes = 0.0;
    support.clear();
    for (It q = first; q != last; ++q) {
      const Entry& x = ent[static_cast<size_t>(*q)];
      score += x.v;
      votes += sources[static_cast<size_t>(x.src)].weight;
      support.emplace_back(x.src, x.e);
    }
    push_span(out, key(k).a, key(k).b, key(k).lab, score, votes, support);
  }
};

}  // namespace

MultiSpans MultiSpans::concat(std::vector<MultiSpans>& parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  MultiSpans out;
  size_t spans = 0, sup = 0, sent = 0;
  for (const auto& p : parts) {
    spans += p.start.size();
    sup += p.support_source.size();
    sent += p.offsets.size() - 1;
  }
  out.offsets.reserve(sent + 1);
  out.start.reserve(spans);
  out.support_offsets.reserve(spans + 1);
  out.support_source.reserve(sup);
  for (auto& p : parts) {
    append_offsets(out.offsets, p.offsets, static_cast<int64_t>(out.start.size()));
    append_offsets(out.support_offsets, p.support_offsets, static_cast<int64_t>(out.support_source.size()));
    append(out.start, p.start);
    append(out.end, p.end);
    append(out.label, p.label);
    append(out.score, p.score);
    append(out.votes, p.votes);
    append(out.support_source, p.support_source);
    append(out.support_entity, p.support_entity);
    append(out.objective, p.objective);
    p = MultiSpans();
  }
  return out;
}

void validate_source_spans(const SourceSpansView& s, int64_t n, int64_t total, const int32_t* tgt_len,
                           int32_t n_united, int source) {
  try {
    check_offsets(s.offsets, n, total, "offsets");
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("source " + std::to_string(source) + ": " + e.what());
  }
  for (int32_t l = 0; l < s.n_labels; ++l)
    if (s.label_map[l] < 0 || s.label_map[l] >= n_united)
      throw std::out_of_range("source " + std::to_string(source) + ", field label_map: label " + std::to_string(l) +
                              " maps to " + std::to_string(s.label_map[l]) + ", outside 0.." +
                              std::to_string(n_united - 1));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = s.offsets[i]; k < s.offsets[i + 1]; ++k) {
      const int32_t a = s.start[k], b = s.end[k];
      if (a < 0 || b <= a || (tgt_len && b > tgt_len[i]))
        throw std::out_of_range(at_source(source, i, "start/end") + "span [" + std::to_string(a) + ", " +
                                std::to_string(b) + ") is empty or outside the sentence" +
                                (tgt_len ? " of " + std::to_string(tgt_len[i]) + " tokens" : std::string()));
      if (s.label[k] < 0 || s.label[k] >= s.n_labels)
        throw std::out_of_range(at_source(source, i, "label") + "label id " + std::to_string(s.label[k]) +
                                " outside 0.." + std::to_string(s.n_labels - 1));
      if (!std::isfinite(s.score[k]))
        throw std::invalid_argument(at_source(source, i, "score") + "score is not finite");
    }
}

MultiSpans vote_clusters(const std::vector<SourceSpansView>& sources, int64_t n, const double* weights,
                         VoteBoundary boundary, int threads) {
  const int n_sources = static_cast<int>(sources.size());
  return per_sentence(n, threads, std::nullopt, [&](int64_t i, MultiSpans& out) {
    thread_local std::vector<Proj> p;
    p.clear();
    for (int s = 0; s < n_sources; ++s) {
      const SourceSpansView& v = sources[static_cast<size_t>(s)];
      for (int64_t k = v.offsets[i]; k < v.offsets[i + 1]; ++k)
        p.push_back(Proj{s, v.start[k], v.end[k], v.label_map[v.label[k]], v.score[k], v.entity[k]});
    }
    sentence_clusters(p, weights, n_sources, boundary, out);
  });
}

MultiSpans vote_select(const MultiSpans& c, const double* need, int32_t n_united, bool strict,
                       const BlockedSpans& blocked, int threads) {
  for (int64_t k = 0; k < static_cast<int64_t>(c.label.size()); ++k)
    if (c.label[static_cast<size_t>(k)] < 0 || c.label[static_cast<size_t>(k)] >= n_united)
      throw std::out_of_range("field label: cluster " + std::to_string(k) + " has label " +
                              std::to_string(c.label[static_cast<size_t>(k)]) + ", outside 0.." +
                              std::to_string(n_united - 1));
  return per_sentence(c.n_sentences(), threads, 0.0, [&](int64_t i, MultiSpans& out) {
    thread_local std::vector<int64_t> cand, kept;
    cand.clear();
    kept.clear();
    for (int64_t k = c.offsets[i]; k < c.offsets[i + 1]; ++k) {
      const double v = c.votes[k], t = need[c.label[k]];
      if (!(strict ? v > t + kMultiEps : v >= t - kMultiEps)) continue;
      bool free = true;
      if (blocked.offsets)
        for (int64_t j = blocked.offsets[i]; j < blocked.offsets[i + 1] && free; ++j)
          free = c.end[k] <= blocked.start[j] || blocked.end[j] <= c.start[k];
      if (free) cand.push_back(k);
    }
    std::stable_sort(cand.begin(), cand.end(), [&](int64_t a, int64_t b) {
      if (c.votes[a] != c.votes[b]) return c.votes[a] > c.votes[b];
      if (c.score[a] != c.score[b]) return c.score[a] > c.score[b];
      return std::tie(c.start[a], c.end[a], c.label[a]) < std::tie(c.start[b], c.end[b], c.label[b]);
    });
    for (int64_t k : cand) {
      bool free = true;
      for (int64_t o : kept)
        if (!(c.end[k] <= c.start[o] || c.end[o] <= c.start[k])) {
          free = false;
          break;
        }
      if (free) kept.push_back(k);
    }
    std::stable_sort(kept.begin(), kept.end(), [&](int64_t a, int64_t b) {
      return std::tie(c.start[a], c.end[a]) < std::tie(c.start[b], c.end[b]);
    });
    for (int64_t k : kept) {
      out.start.push_back(c.start[k]);
      out.end.push_back(c.end[k]);
      out.label.push_back(c.label[k]);
      out.score.push_back(c.score[k]);
      out.votes.push_back(c.votes[k]);
      for (int64_t j = c.support_offsets[k]; j < c.support_offsets[k + 1]; ++j) {
        out.support_source.push_back(c.support_source[j]);
        out.support_entity.push_back(c.support_entity[j]);
      }
      out.support_offsets.push_back(static_cast<int64_t>(out.support_source.size()));
    }
  });
}

MultiSpans priority_combine(const std::vector<SourceSpansView>& sources, int64_t n, int primary, const double* weights,
                            double corroboration, double need, int32_t n_united, VoteBoundary boundary, int threads) {
  const int m = static_cast<int>(sources.size());
  if (primary < 0 || primary >= m) throw std::out_of_range("primary: source " + std::to_string(primary) + " of " +
                                                           std::to_string(m));
  // 1. the primary's spans with their corroboration
  const SourceSpansView& pv = sources[static_cast<size_t>(primary)];
  MultiSpans kept = per_sentence(n, threads, std::nullopt, [&](int64_t i, MultiSpans& out) {
    thread_local std::vector<std::pair<int32_t, int32_t>> support;
    thread_local std::vector<int32_t> srcs;
    for (int64_t k = pv.offsets[i]; k < pv.offsets[i + 1]; ++k) {
      const int32_t a = pv.start[k], b = pv.end[k], lab = pv.label_map[pv.label[k]];
      support.assign(1, {primary, pv.entity[k]});
      srcs.clear();
      double score = weights[primary] * pv.score[k];
      for (int s = 0; s < m; ++s) {
        if (s == primary) continue;
        const SourceSpansView& v = sources[static_cast<size_t>(s)];
        for (int64_t q = v.offsets[i]; q < v.offsets[i + 1]; ++q)
          if (v.label_map[v.label[q]] == lab && v.start[q] < b && a < v.end[q]) {
            support.emplace_back(s, v.entity[q]);
            if (srcs.empty() || srcs.back() != s) srcs.push_back(s);
            score += weights[s] * v.score[q];
          }
      }
      double votes = 0.0;
      for (int32_t s : srcs) votes += weights[s];
      if (votes >= corroboration - kMultiEps) push_span(out, a, b, lab, score, votes + weights[primary], support);
    }
  });
  // 2. the vote of the others where no kept primary span is
  std::vector<SourceSpansView> others;
  std::vector<int32_t> index;
  for (int s = 0; s < m; ++s)
    if (s != primary) {
      others.push_back(sources[static_cast<size_t>(s)]);
      index.push_back(s);
    }
  std::vector<double> wm(static_cast<size_t>(n_united) * others.size());
  for (int32_t l = 0; l < n_united; ++l)
    for (size_t j = 0; j < others.size(); ++j) wm[static_cast<size_t>(l) * others.size() + j] = weights[index[j]];
  const std::vector<double> needs(static_cast<size_t>(n_united), need);
  MultiSpans back = vote_select(vote_clusters(others, n, wm.data(), boundary, threads), needs.data(),
                                n_united, false, BlockedSpans{kept.offsets.data(), kept.start.data(), kept.end.data()},
                                threads);
  for (auto& s : back.support_source) s = index[static_cast<size_t>(s)];
  // 3. both in text order, the primary's first among equal boundaries
  return per_sentence(n, threads, 0.0, [&](int64_t i, MultiSpans& out) {
    thread_local std::vector<std::pair<const MultiSpans*, int64_t>> all;
    thread_local std::vector<std::pair<int32_t, int32_t>> support;
    all.clear();
    for (int64_t k = kept.offsets[i]; k < kept.offsets[i + 1]; ++k) all.emplace_back(&kept, k);
    for (int64_t k = back.offsets[i]; k < back.offsets[i + 1]; ++k) all.emplace_back(&back, k);
    std::stable_sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
      return std::make_pair(x.first->start[x.second], x.first->end[x.second]) <
             std::make_pair(y.first->start[y.second], y.first->end[y.second]);
    });
    for (const auto& [src, k] : all) {
      support.clear();
      for (int64_t j = src->support_offsets[k]; j < src->support_offsets[k + 1]; ++j)
        support.emplace_back(src->support_source[j], src->support_entity[j]);
      push_span(out, src->start[k], src->end[k], src->label[k], src->score[k], src->votes[k], support);
    }
  });
}

JointEntries joint_entries(const std::vector<JointSourceView>& sources, int64_t n, int32_t max_len,
                           bool aligned_only, int threads) {
  const int64_t chunks = default_chunks(n, threads);
  std::vector<JointEntries> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(n, threads, chunks, [&](int64_t c, int64_t lo, int64_t hi) {
    JointEntries& out = parts[static_cast<size_t>(c)];
    std::vector<uint8_t> covered;  // [label * width + word]: a one-word entry of that label covers the word
    for (int64_t i = lo; i < hi; ++i) {
      // pass 1: check the entity indices; with aligned_only, the words each label's one-word entries cover
      int32_t width = 0, n_lab = 0;
      for (size_t s = 0; s < sources.size(); ++s) {
        const JointSourceView& v = sources[s];
        const int64_t n_ent = v.ent_offsets[i + 1] - v.ent_offsets[i];
        for (int64_t k = v.scores.offsets[i]; k < v.scores.offsets[i + 1]; ++k) {
          const double wv = v.weight * v.scores.score[k];
          const int32_t a = v.scores.start[k], b = v.scores.end[k];
          if (!(wv > 0) || b - a > max_len) continue;
          const int32_t e = v.scores.ent[k];
          if (e < 0 || e >= n_ent)
            throw std::out_of_range("scores of source " + std::to_string(s) + ", " + where(i, "ent") + "entity " +
                                    std::to_string(e) + " of " + std::to_string(n_ent));
          width = std::max(width, b);
          n_lab = std::max(n_lab, v.ent_label[v.ent_offsets[i] + e] + 1);
        }
      }
      if (aligned_only) {
        covered.assign(static_cast<size_t>(width) * static_cast<size_t>(n_lab), 0);
        for (const JointSourceView& v : sources)
          for (int64_t k = v.scores.offsets[i]; k < v.scores.offsets[i + 1]; ++k) {
            const int32_t a = v.scores.start[k];
            if (v.scores.end[k] == a + 1 && v.weight * v.scores.score[k] > 0 && max_len >= 1)
              covered[static_cast<size_t>(v.ent_label[v.ent_offsets[i] + v.scores.ent[k]]) * width + a] = 1;
          }
      }
      // pass 2: the entries
      for (size_t s = 0; s < sources.size(); ++s) {
        const JointSourceView& v = sources[s];
        for (int64_t k = v.scores.offsets[i]; k < v.scores.offsets[i + 1]; ++k) {
          const double wv = v.weight * v.scores.score[k];
          const int32_t a = v.scores.start[k], b = v.scores.end[k];
          if (!(wv > 0) || b - a > max_len) continue;
          const int32_t e = v.scores.ent[k];
          if (aligned_only) {
            const size_t row = static_cast<size_t>(v.ent_label[v.ent_offsets[i] + e]) * width;
            if (!covered[row + a] || !covered[row + b - 1]) continue;
          }
          out.source.push_back(static_cast<int32_t>(s));
          out.entity.push_back(e);
          out.start.push_back(a);
          out.end.push_back(b);
          out.value.push_back(wv);
        }
      }
      out.offsets.push_back(static_cast<int64_t>(out.source.size()));
    }
  });
  if (parts.size() == 1) return std::move(parts[0]);
  JointEntries all;
  for (auto& p : parts) {
    append_offsets(all.offsets, p.offsets, static_cast<int64_t>(all.source.size()));
    append(all.source, p.source);
    append(all.entity, p.entity);
    append(all.start, p.start);
    append(all.end, p.end);
    append(all.value, p.value);
    p = JointEntries();
  }
  return all;
}

MultiSpans joint_greedy(const JointEntries& en, const std::vector<JointSourceView>& sources, int32_t cap,
                        double span_cost, int threads) {
  const int64_t n = static_cast<int64_t>(en.offsets.size()) - 1;
  return per_sentence(n, threads, span_cost, [&](int64_t i, MultiSpans& part) {
    thread_local SentenceKeys sk;
    thread_local std::vector<int32_t> used;
    thread_local std::vector<char> open;
    sk.load(en, sources, i);
    const auto& ent = sk.ent;
    const size_t n_keys = sk.n_keys();
    used.assign(static_cast<size_t>(sk.base.back()), 0);
    open.assign(n_keys, 1);
    // picks of a key: the first unused entity of each source (ent indices), and its value
    auto value = [&](size_t key, std::vector<size_t>* picks) {
      double total = -span_cost;
      int32_t done_src = -1;
      for (size_t k = sk.key_begin[key]; k < sk.key_begin[key + 1]; ++k) {
        if (ent[k].src == done_src) continue;
        if (used[static_cast<size_t>(ent[k].ent)] < cap) {
          total += ent[k].v;
          done_src = ent[k].src;
          if (picks) picks->push_back(k);
        }
      }
      return total;
    };
    std::vector<std::pair<size_t, std::vector<size_t>>> chosen;
    for (;;) {
      bool have = false;
      double best = 0.0;
      size_t best_key = 0;
      for (size_t key = 0; key < n_keys; ++key) {
        if (!open[key]) continue;
        const double total = value(key, nullptr);
        if (total > kMultiEps && (!have || total > best + kMultiEps)) {
          have = true;
          best = total;
          best_key = key;
        }
      }
      if (!have) break;
      std::vector<size_t> picks;
      value(best_key, &picks);
      for (size_t k : picks) ++used[static_cast<size_t>(ent[k].ent)];
      const int32_t a = sk.key(best_key).a, b = sk.key(best_key).b;
      for (size_t key = 0; key < n_keys; ++key)
        if (!(sk.key(key).b <= a || b <= sk.key(key).a)) open[key] = 0;
      chosen.emplace_back(best_key, std::move(picks));
    }
    // keys are in (start, end) order and the chosen ones disjoint: sorting by key index is text order
    std::sort(chosen.begin(), chosen.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [key, picks] : chosen) sk.push(part, sources, key, picks.begin(), picks.end());
  });
}

MultiSpans joint_exact(const JointEntries& en, const std::vector<JointSourceView>& sources, int32_t cap,
                       double span_cost, int64_t max_states, std::vector<int8_t>& status, int threads) {
  const int64_t n = static_cast<int64_t>(en.offsets.size()) - 1;
  status.assign(static_cast<size_t>(std::max<int64_t>(n, 0)), 0);
  return per_sentence(n, threads, span_cost, [&](int64_t i, MultiSpans& part) {
    struct Node {
      double val;
      int32_t prev, key;
      int32_t pick_begin, pick_end;  // into picks
    };
    thread_local SentenceKeys sk;
    sk.load(en, sources, i);
    const auto& ent = sk.ent;
    const auto& key_begin = sk.key_begin;
    const size_t n_keys = sk.n_keys();
    if (ent.empty() || cap <= 0) return;
    // coupled entities: spans of theirs that do not all overlap (max start >= min end)
    const size_t n_ent = static_cast<size_t>(sk.base.back());
    std::vector<int32_t> min_end(n_ent, INT32_MAX), max_start(n_ent, -1), coupled(n_ent, -1);
    for (const SentenceKeys::Entry& x : ent) {
      min_end[static_cast<size_t>(x.ent)] = std::min(min_end[static_cast<size_t>(x.ent)], x.b);
      max_start[static_cast<size_t>(x.ent)] = std::max(max_start[static_cast<size_t>(x.ent)], x.a);
    }
    std::vector<uint64_t> unit;  // radix (cap + 1) place value of each coupled entity
    const uint64_t radix = static_cast<uint64_t>(cap) + 1;
    for (size_t e = 0; e < n_ent; ++e)
      if (max_start[e] >= 0 && max_start[e] >= min_end[e]) {
        const uint64_t u = unit.empty() ? 1 : unit.back() * radix;
        if (!unit.empty() && (unit.back() > (UINT64_MAX >> 2) / radix)) {  // the states would not fit: fall back
          status[static_cast<size_t>(i)] = 1;
          return;
        }
        coupled[e] = static_cast<int32_t>(unit.size());
        unit.push_back(u);
      }
    auto count = [&](uint64_t state, int32_t c) {
      return static_cast<int64_t>((state / unit[static_cast<size_t>(c)]) % radix);
    };
    // keys in order of end, then start, label
    std::vector<size_t> order(n_keys);
    for (size_t k = 0; k < n_keys; ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return std::tie(sk.key(x).b, sk.key(x).a, sk.key(x).lab) < std::tie(sk.key(y).b, sk.key(y).a, sk.key(y).lab);
    });
    int32_t width = 0;
    for (const SentenceKeys::Entry& x : ent) width = std::max(width, x.b);
    std::vector<Node> nodes{Node{0.0, -1, -1, 0, 0}};
    std::vector<int32_t> picks;
    // `here`: the best node per state over the positions up to p (a position left uncovered keeps them); a
    // copy of it is kept only at the positions where some span starts, the ones the transitions read
    std::vector<char> starts_here(static_cast<size_t>(width) + 1, 0);
    for (size_t k = 0; k < n_keys; ++k) starts_here[static_cast<size_t>(ent[key_begin[k]].a)] = 1;
    std::vector<std::map<uint64_t, int32_t>> best(static_cast<size_t>(width) + 1);
    std::map<uint64_t, int32_t> here{{0, 0}};
    best[0] = here;
    std::vector<std::vector<size_t>> options;  // per source of the key: its entries to choose from
    std::vector<size_t> chosen;
    size_t next = 0;
    for (int32_t p = 1; p <= width; ++p) {
      for (; next < n_keys && ent[key_begin[order[next]]].b == p; ++next) {
        const size_t key = order[next];
        const int32_t a = ent[key_begin[key]].a;
        // per source (ascending): its best uncoupled entity (entries by score desc, then entity) or none, then
        // each of its coupled entities
        options.clear();
        for (size_t k = key_begin[key]; k < key_begin[key + 1];) {
          size_t g = k;
          while (g < key_begin[key + 1] && ent[g].src == ent[k].src) ++g;
          options.emplace_back();
          auto& opt = options.back();
          opt.push_back(SIZE_MAX);
          for (size_t q = k; q < g; ++q)
            if (coupled[static_cast<size_t>(ent[q].ent)] < 0) {
              opt[0] = q;
              break;
            }
          for (size_t q = k; q < g; ++q)
            if (coupled[static_cast<size_t>(ent[q].ent)] >= 0) opt.push_back(q);
          k = g;
        }
        int64_t combinations = 1;  // the work per state: bounded like the states
        for (const auto& opt : options) combinations = std::min<int64_t>(combinations * static_cast<int64_t>(opt.size()),
                                                                          max_states + 1);
        if (combinations > max_states) {
          status[static_cast<size_t>(i)] = 1;
          return;
        }
        for (const auto& [state, node] : best[static_cast<size_t>(a)]) {
          // enumerate one option per source
          chosen.assign(options.size(), 0);
          for (;;) {
            double gain = 0.0;
            uint64_t ns = state;
            bool ok = true;
            for (size_t j = 0; j < options.size() && ok; ++j) {
              const size_t k = options[j][chosen[j]];
              if (k == SIZE_MAX) continue;
              gain += ent[k].v;
              const int32_t c = coupled[static_cast<size_t>(ent[k].ent)];
              if (c >= 0) {
                if (count(ns, c) >= cap) ok = false;
                else ns += unit[static_cast<size_t>(c)];
              }
            }
            if (ok && gain - span_cost > kMultiEps) {
              const double val = nodes[static_cast<size_t>(node)].val + (gain - span_cost);
              auto it = here.find(ns);
              if (it == here.end() || val > nodes[static_cast<size_t>(it->second)].val + 1e-12) {
                const int32_t pb = static_cast<int32_t>(picks.size());
                for (size_t j = 0; j < options.size(); ++j)
                  if (options[j][chosen[j]] != SIZE_MAX) picks.push_back(static_cast<int32_t>(options[j][chosen[j]]));
                nodes.push_back(Node{val, node, static_cast<int32_t>(key), pb, static_cast<int32_t>(picks.size())});
                here[ns] = static_cast<int32_t>(nodes.size()) - 1;
              }
            }
            size_t j = 0;  // next combination (odometer)
            while (j < options.size() && ++chosen[j] == options[j].size()) chosen[j++] = 0;
            if (j == options.size()) break;
          }
        }
        if (static_cast<int64_t>(here.size()) > max_states ||
            static_cast<int64_t>(nodes.size()) > 64 * max_states) {  // memory of the back-pointers bounded too
          status[static_cast<size_t>(i)] = 1;
          return;
        }
      }
      if (starts_here[static_cast<size_t>(p)]) best[static_cast<size_t>(p)] = here;
    }
    // the best end state, then back along the chosen keys
    int32_t at = -1;
    for (const auto& [state, node] : here)
      if (at < 0 || nodes[static_cast<size_t>(node)].val > nodes[static_cast<size_t>(at)].val + 1e-12) at = node;
    std::vector<int32_t> path;
    for (; at > 0; at = nodes[static_cast<size_t>(at)].prev) path.push_back(at);
    for (auto it = path.rbegin(); it != path.rend(); ++it) {  // keys in order of end: text order
      const Node& nd = nodes[static_cast<size_t>(*it)];
      sk.push(part, sources, static_cast<size_t>(nd.key), picks.begin() + nd.pick_begin, picks.begin() + nd.pick_end);
    }
  });
}

}  // namespace xlner
