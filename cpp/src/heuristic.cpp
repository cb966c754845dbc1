#include "xlner/heuristic.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "xlner/parallel.hpp"

namespace xlner {

HeuristicOptions HeuristicOptions::elp() {
  HeuristicOptions o;
  o.merge_distance = 1;
  o.merge_rule = MergeRule::Elp;
  o.top_k = 1;
  o.only_i = false;
  o.thr = -1.0;
  o.drop_punct = true;
  o.order = EntityOrder::Source;
  o.collisions = CollisionRule::Elp;
  return o;
}

HeuristicOptions HeuristicOptions::thesis() { return HeuristicOptions(); }

void HeuristicOptions::validate() const {
  if (merge_distance < 0)
    throw std::invalid_argument("option merge_distance: must be >= 0, got " + std::to_string(merge_distance));
  if (top_k < 0) throw std::invalid_argument("option top_k: must be >= 0 (0: no limit), got " + std::to_string(top_k));
  if (std::isnan(thr)) throw std::invalid_argument("option thr: NaN is not a threshold");
}

MergeRule parse_merge_rule(const std::string& s) {
  if (s == "gap") return MergeRule::Gap;
  if (s == "elp") return MergeRule::Elp;
  throw std::invalid_argument("option merge_rule: expected 'gap' or 'elp', got '" + s + "'");
}

EntityOrder parse_entity_order(const std::string& s) {
  if (s == "source") return EntityOrder::Source;
  if (s == "shortest") return EntityOrder::Shortest;
  throw std::invalid_argument("option order: expected 'source' or 'shortest', got '" + s + "'");
}

CollisionRule parse_collision_rule(const std::string& s) {
  if (s == "first") return CollisionRule::First;
  if (s == "elp") return CollisionRule::Elp;
  throw std::invalid_argument("option collisions: expected 'first' or 'elp', got '" + s + "'");
}

namespace {

// Insertion sort: the lists sorted here are a handful of words long.
template <class T, class Less>
void small_sort(T* a, int64_t n, Less less) {
  if (n > 32) {
    std::sort(a, a + n, less);
    return;
  }
  for (int64_t i = 1; i < n; ++i) {
    T v = a[i];
    int64_t j = i - 1;
    while (j >= 0 && less(v, a[j])) {
      a[j + 1] = a[j];
      --j;
    }
    a[j + 1] = v;
  }
}

}  // namespace

void project_heuristic_sentence(const SentenceView& s, const uint8_t* punct, const HeuristicOptions& opt,
                                HeuristicScratch& w, ProjectionOutput& out) {
  const int32_t n_ent = s.n_ent;
  const int32_t T = s.tgt_len;
  if (n_ent == 0 || s.n_aln == 0 || T == 0) {
    out.close_sentence(0.0);
    return;
  }
  const bool use_punct = opt.drop_punct && punct != nullptr;

  // Links grouped by source word when scanning all links per entity would cost too much.
  const bool bucketed = static_cast<int64_t>(n_ent) * s.n_aln > 512;
  if (bucketed) {
    w.bucket_off.assign(static_cast<size_t>(s.src_len) + 1, 0);
    for (int64_t k = 0; k < s.n_aln; ++k) ++w.bucket_off[s.aln_src[k] + 1];
    for (int32_t i = 0; i < s.src_len; ++i) w.bucket_off[i + 1] += w.bucket_off[i];
    w.bucket_tgt.resize(static_cast<size_t>(s.n_aln));
    w.bucket_cur.assign(w.bucket_off.begin(), w.bucket_off.end() - 1);
    for (int64_t k = 0; k < s.n_aln; ++k) w.bucket_tgt[w.bucket_cur[s.aln_src[k]]++] = s.aln_tgt[k];
  }
  auto linked_to_first = [&](int32_t a, int32_t t) {
    if (bucketed) {
      for (int64_t k = w.bucket_off[a]; k < w.bucket_off[a + 1]; ++k)
        if (w.bucket_tgt[k] == t) return true;
      return false;
    }
    for (int64_t k = 0; k < s.n_aln; ++k)
      if (s.aln_src[k] == a && s.aln_tgt[k] == t) return true;
    return false;
  };

  // Steps 1-5 for every entity: aligned words (al) and kept ranges (rg), CSR by entity index.
  w.al_off.resize(static_cast<size_t>(n_ent) + 1);
  w.rg_off.resize(static_cast<size_t>(n_ent) + 1);
  w.al.clear();
  w.rg.clear();
  w.al_off[0] = 0;
  w.rg_off[0] = 0;
  for (int32_t e = 0; e < n_ent; ++e) {
    const int32_t a = s.ent_start[e], b = s.ent_end[e];
    const size_t base = w.al.size();
    if (bucketed) {
      for (int64_t k = w.bucket_off[a]; k < w.bucket_off[b]; ++k) {
        const int32_t t = w.bucket_tgt[k];
        if (!(use_punct && punct[t])) w.al.push_back(t);
      }
    } else {
      // branch-free scan: every target is written, the cursor advances only for kept links
      w.al.resize(base + static_cast<size_t>(s.n_aln));
      int32_t* dst = w.al.data() + base;
      int64_t n = 0;
      const uint32_t width = static_cast<uint32_t>(b - a);
      for (int64_t k = 0; k < s.n_aln; ++k) {
        const int32_t t = s.aln_tgt[k];
        bool keep = static_cast<uint32_t>(s.aln_src[k] - a) < width;
        if (use_punct) keep = keep && !punct[t];
        dst[n] = t;
        n += keep;
      }
      w.al.resize(base + static_cast<size_t>(n));
    }
    int32_t* al = w.al.data() + base;
    const int64_t n_al = static_cast<int64_t>(w.al.size() - base);
    small_sort(al, n_al, [](int32_t x, int32_t y) { return x < y; });
    const int64_t n_unique = std::unique(al, al + n_al) - al;
    w.al.resize(base + static_cast<size_t>(n_unique));
    w.al_off[e + 1] = static_cast<int64_t>(w.al.size());

    // runs and merging
    w.ranges.clear();
    al = w.al.data() + base;
    for (int64_t k = 0; k < n_unique;) {
      Span r{al[k], al[k] + 1};
      ++k;
      while (k < n_unique && al[k] == r.end) {
        ++r.end;
        ++k;
      }
      if (!w.ranges.empty() && opt.merge_distance > 0) {
        Span& cur = w.ranges.back();
        const bool close = opt.merge_rule == MergeRule::Gap
                               ? r.start - cur.end <= opt.merge_distance
                               : (r.end - 1) - cur.start <= opt.merge_distance + 1;
        if (close && !(opt.only_i && linked_to_first(a, r.start))) {
          cur.end = r.end;
          continue;
        }
      }
      w.ranges.push_back(r);
    }
    // length ratio
    if (opt.thr >= 0.0) {
      const double elen = static_cast<double>(b - a);
      size_t kept = 0;
      for (const Span& r : w.ranges)
        if (static_cast<double>(r.length()) / elen > opt.thr) w.ranges[kept++] = r;
      w.ranges.resize(kept);
    }
    // top-k longest, leftmost first on ties, then back to start order
    if (opt.top_k > 0 && static_cast<int64_t>(w.ranges.size()) > opt.top_k) {
      small_sort(w.ranges.data(), static_cast<int64_t>(w.ranges.size()), [](const Span& x, const Span& y) {
        return x.length() != y.length() ? x.length() > y.length() : x.start < y.start;
      });
      w.ranges.resize(static_cast<size_t>(opt.top_k));
      small_sort(w.ranges.data(), static_cast<int64_t>(w.ranges.size()),
                 [](const Span& x, const Span& y) { return x.start < y.start; });
    }
    w.rg.insert(w.rg.end(), w.ranges.begin(), w.ranges.end());
    w.rg_off[e + 1] = static_cast<int64_t>(w.rg.size());
  }

  // Step 6: visiting order.
  w.order.resize(static_cast<size_t>(n_ent));
  for (int32_t e = 0; e < n_ent; ++e) w.order[e] = e;
  if (opt.order == EntityOrder::Source) {
    small_sort(w.order.data(), n_ent, [&](int32_t x, int32_t y) {
      if (s.ent_start[x] != s.ent_start[y]) return s.ent_start[x] < s.ent_start[y];
      if (s.ent_end[x] != s.ent_end[y]) return s.ent_end[x] < s.ent_end[y];
      return x < y;
    });
  } else {
    small_sort(w.order.data(), n_ent, [&](int32_t x, int32_t y) {
      const int32_t lx = s.ent_end[x] - s.ent_start[x], ly = s.ent_end[y] - s.ent_start[y];
      if (lx != ly) return lx < ly;
      if (s.ent_start[x] != s.ent_start[y]) return s.ent_start[x] < s.ent_start[y];
      return x < y;
    });
  }

  w.tag_ent.assign(static_cast<size_t>(T), -1);
  w.tag_begin.assign(static_cast<size_t>(T), 0);
  if (opt.collisions == CollisionRule::First) {
    for (int32_t e : w.order) {
      for (int64_t k = w.rg_off[e]; k < w.rg_off[e + 1]; ++k) {
        const Span r = w.rg[k];
        bool free = true;
        for (int32_t t = r.start; t < r.end && free; ++t) free = w.tag_ent[t] < 0;
        if (!free) continue;
        for (int32_t t = r.start; t < r.end; ++t) w.tag_ent[t] = e;
        w.tag_begin[r.start] = 1;
      }
    }
  } else {
    // Items: one per entity with kept ranges, in visiting order. `members` lists those entities; an
    // item always covers a contiguous run [member_begin, member_end) of it, since pass 1 only unites
    // neighbours. Both passes run as a single left-to-right sweep with a stack (linear time), which
    // visits exactly the pairs Easy-Label-Projection's index loops compare.
    w.items.clear();
    w.members.clear();
    for (int32_t e : w.order) {
      const int64_t b = w.rg_off[e], f = w.rg_off[e + 1];
      if (b == f) continue;
      const int32_t m = static_cast<int32_t>(w.members.size());
      HeuristicScratch::Item it{e, s.ent_label[e], w.rg[b].start, w.rg[f - 1].end - 1, 0, m, m + 1};
      for (int64_t k = b; k < f; ++k) it.words += w.rg[k].length();
      w.members.push_back(e);
      w.items.push_back(it);
    }
    // pass 1: an item whose last word is at or after the next item's first word absorbs it when the
    // labels agree (union of words); the grown item is compared with the following one.
    // `mark` holds, per target word, the stamp of the item whose words are marked (word counts of unions).
    w.mark.assign(static_cast<size_t>(T), 0);
    int32_t stamp = 0;
    int32_t marked_item = -1;
    size_t top = 0;
    for (size_t r = 0; r < w.items.size(); ++r) {
      const HeuristicScratch::Item y = w.items[r];
      if (top > 0) {
        HeuristicScratch::Item& x = w.items[top - 1];
        if (x.last >= y.first && x.label == y.label) {
          if (marked_item != static_cast<int32_t>(top - 1)) {  // first union of x: mark its words
            marked_item = static_cast<int32_t>(top - 1);
            ++stamp;
            for (int32_t m = x.member_begin; m < x.member_end; ++m)
              for (int64_t k = w.rg_off[w.members[m]]; k < w.rg_off[w.members[m] + 1]; ++k)
                for (int32_t t = w.rg[k].start; t < w.rg[k].end; ++t) w.mark[t] = stamp;
          }
          const int32_t ye = w.members[y.member_begin];  // y is still a single-entity item
          for (int64_t k = w.rg_off[ye]; k < w.rg_off[ye + 1]; ++k)
            for (int32_t t = w.rg[k].start; t < w.rg[k].end; ++t)
              if (w.mark[t] != stamp) {
                w.mark[t] = stamp;
                ++x.words;
              }
          x.first = std::min(x.first, y.first);
          x.last = std::max(x.last, y.last);
          x.member_end = y.member_end;
          continue;
        }
      }
      w.items[top++] = y;
    }
    w.items.resize(top);
    // pass 2: of two colliding neighbours the one with strictly more words survives, else the later
    // one; the survivor is compared with the following item.
    top = 0;
    for (size_t r = 0; r < w.items.size(); ++r) {
      const HeuristicScratch::Item y = w.items[r];
      if (top > 0) {
        const HeuristicScratch::Item& x = w.items[top - 1];
        if (x.last >= y.first) {
          if (x.words > y.words) continue;  // y is dropped
          w.items[top - 1] = y;             // x is dropped
          continue;
        }
      }
      w.items[top++] = y;
    }
    w.items.resize(top);
    // write in order, later items overwriting earlier ones (a survivor is never compared with the
    // item before the one it replaced, so overlaps remain possible); within an item a word belongs
    // to the first member entity (visiting order) whose kept ranges contain it.
    for (const HeuristicScratch::Item& it : w.items) {
      ++stamp;
      for (int32_t m = it.member_begin; m < it.member_end; ++m) {
        const int32_t e = w.members[m];
        for (int64_t k = w.rg_off[e]; k < w.rg_off[e + 1]; ++k) {
          for (int32_t t = w.rg[k].start; t < w.rg[k].end; ++t) {
            if (w.mark[t] == stamp) continue;
            w.mark[t] = stamp;
            w.tag_ent[t] = e;
            w.tag_begin[t] = t == it.first;
          }
        }
      }
    }
  }

  // Step 7: read the spans off the tag array (seqeval semantics) and score them.
  double objective = 0.0;
  for (int32_t t = 0; t < T;) {
    const int32_t e = w.tag_ent[t];
    if (e < 0) {
      ++t;
      continue;
    }
    const int32_t lab = s.ent_label[e];
    int32_t end = t + 1;
    while (end < T && w.tag_ent[end] >= 0 && !w.tag_begin[end] && s.ent_label[w.tag_ent[end]] == lab) ++end;
    const int32_t* ab = w.al.data() + w.al_off[e];
    const int32_t* ae = w.al.data() + w.al_off[e + 1];
    const int64_t hits = std::lower_bound(ab, ae, end) - std::lower_bound(ab, ae, t);
    const double score = static_cast<double>(hits) / static_cast<double>(end - t);
    out.push(Span{t, end}, lab, e, score);
    objective += score;
    t = end;
  }
  out.close_sentence(objective);
}

ProjectionOutput project_heuristic(const BatchView& b, const uint8_t* punct, int64_t n_punct,
                                   const HeuristicOptions& opt, int threads) {
  opt.validate();
  if (opt.drop_punct && punct == nullptr)
    throw std::invalid_argument("field punct: drop_punct is set but no punctuation mask was given");
  std::vector<int64_t> tgt_off;
  if (punct != nullptr) {
    tgt_off.resize(static_cast<size_t>(b.n) + 1);
    tgt_off[0] = 0;
    for (int64_t i = 0; i < b.n; ++i) tgt_off[i + 1] = tgt_off[i] + b.tgt_len[i];
    if (tgt_off[b.n] != n_punct)
      throw std::invalid_argument("field punct: expected one flag per target word (" + std::to_string(tgt_off[b.n]) +
                                  " in the batch), got " + std::to_string(n_punct));
  }
  const int64_t chunks = default_chunks(b.n, threads);
  std::vector<ProjectionOutput> parts(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
  parallel_chunks(b.n, threads, chunks, [&](int64_t c, int64_t begin, int64_t end) {
    HeuristicScratch scratch;
    ProjectionOutput& out = parts[static_cast<size_t>(c)];
    const size_t n = static_cast<size_t>(end - begin);
    out.offsets.reserve(n + 1);
    out.objective.reserve(n);
    out.status.reserve(n);
    const int64_t ents = b.ent_offsets[end] - b.ent_offsets[begin];
    out.start.reserve(static_cast<size_t>(ents));
    out.end.reserve(static_cast<size_t>(ents));
    out.label.reserve(static_cast<size_t>(ents));
    out.entity.reserve(static_cast<size_t>(ents));
    out.score.reserve(static_cast<size_t>(ents));
    for (int64_t i = begin; i < end; ++i) {
      const SentenceView s = b.sentence(i);
      project_heuristic_sentence(s, punct ? punct + tgt_off[i] : nullptr, opt, scratch, out);
    }
  });
  if (b.n == 0) return ProjectionOutput();
  return ProjectionOutput::concat(parts);
}

}  // namespace xlner
