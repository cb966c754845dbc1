// Seeded Gibbs-sampling word aligner (IBM-1 -> HMM -> fertility), see gibbs_aligner.hpp.
#include "xlner/gibbs_aligner.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "xlner/alignment.hpp"
#include "xlner/parallel.hpp"

namespace xlner {

namespace {

constexpr int kMaxJump = 100;                    // jumps clamped to [-kMaxJump, kMaxJump]
constexpr int kJumpBuckets = 2 * kMaxJump + 1;
constexpr int kMaxFert = 7;                      // fertilities >= kMaxFert share the last bucket
constexpr int kFertBuckets = kMaxFert + 1;

inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// xoshiro256** seeded through splitmix64 (Blackman & Vigna).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& v : s_) v = splitmix64(x);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

/// Open-addressing map from a 64-bit key (never ~0) to a dense id assigned in order of first insertion.
class PairIds {
 public:
  explicit PairIds(int64_t expected) {
    size_t cap = 16;
    while (cap < static_cast<size_t>(expected) * 2 + 16) cap <<= 1;
    keys_.assign(cap, kEmpty);
    vals_.assign(cap, 0);
    mask_ = cap - 1;
  }
  int32_t get(uint64_t key) {
    size_t h = hash(key) & mask_;
    while (true) {
      if (keys_[h] == key) return vals_[h];
      if (keys_[h] == kEmpty) {
        if (size_ >= static_cast<int64_t>(INT32_MAX)) throw std::length_error("gibbs aligner: too many word pairs");
        keys_[h] = key;
        vals_[h] = static_cast<int32_t>(size_);
        ++size_;
        if (static_cast<size_t>(size_) * 2 > keys_.size()) grow();
        return static_cast<int32_t>(size_ - 1);
      }
      h = (h + 1) & mask_;
    }
  }
  int64_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~0ULL;
  static size_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  void grow() {
    std::vector<uint64_t> ok;
    std::vector<int32_t> ov;
    ok.swap(keys_);
    ov.swap(vals_);
    keys_.assign(ok.size() * 2, kEmpty);
    vals_.assign(ok.size() * 2, 0);
    mask_ = keys_.size() - 1;
    for (size_t i = 0; i < ok.size(); ++i) {
      if (ok[i] == kEmpty) continue;
      size_t h = hash(ok[i]) & mask_;
      while (keys_[h] != kEmpty) h = (h + 1) & mask_;
      keys_[h] = ok[i];
      vals_[h] = ov[i];
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<int32_t> vals_;
  size_t mask_ = 0;
  int64_t size_ = 0;
};

/// The training corpus as type ids, with one pair id per (source position, target position).
struct Corpus {
  int64_t n = 0;
  std::vector<int64_t> soff{0}, toff{0}, poff{0};
  std::vector<int32_t> sid, tid, pairs;
  int32_t vs = 0, vt = 0;
  int64_t n_pairs = 0;
  /// Orthographic prior (empty when off): extra pseudo-count per pair id, and its sum per source type
  /// and per target type (the extra mass of each lexical distribution).
  std::vector<double> prior, prior_src, prior_tgt;
  int32_t slen(int64_t s) const { return static_cast<int32_t>(soff[s + 1] - soff[s]); }
  int32_t tlen(int64_t s) const { return static_cast<int32_t>(toff[s + 1] - toff[s]); }
};

int32_t intern(std::unordered_map<std::string, int32_t>& vocab, std::string&& w) {
  auto it = vocab.find(w);
  if (it != vocab.end()) return it->second;
  const int32_t id = static_cast<int32_t>(vocab.size());
  vocab.emplace(std::move(w), id);
  return id;
}

/// The type strings of a vocabulary, by id, as code points.
std::vector<std::u32string> type_names(const std::unordered_map<std::string, int32_t>& vocab) {
  std::vector<std::u32string> out(vocab.size());
  for (const auto& [w, id] : vocab) out[static_cast<size_t>(id)] = utf8_to_u32(w);
  return out;
}

/// Fill c.prior / prior_src / prior_tgt: sim_prior * edit similarity of each co-occurring pair of types
/// (0 below sim_threshold). Each pair is independent, the sums run in id order: deterministic on any
/// number of threads.
void orthographic_prior(Corpus& c, const std::unordered_map<std::string, int32_t>& vs,
                        const std::unordered_map<std::string, int32_t>& vt, const std::vector<int32_t>& pair_e,
                        const std::vector<int32_t>& pair_f, const GibbsOptions& opt) {
  const std::vector<std::u32string> ns = type_names(vs), nt = type_names(vt);
  const int64_t n = c.n_pairs;
  c.prior.assign(static_cast<size_t>(n), 0.0);
  parallel_chunks(n, opt.threads, default_chunks(n, opt.threads), [&](int64_t, int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      const double sim = lexical_similarity(ns[static_cast<size_t>(pair_e[static_cast<size_t>(p)])],
                                            nt[static_cast<size_t>(pair_f[static_cast<size_t>(p)])],
                                            LexicalMeasure::Edit);
      c.prior[static_cast<size_t>(p)] = sim >= opt.sim_threshold ? opt.sim_prior * sim : 0.0;
    }
  });
  c.prior_src.assign(static_cast<size_t>(c.vs), 0.0);
  c.prior_tgt.assign(static_cast<size_t>(c.vt), 0.0);
  for (int64_t p = 0; p < n; ++p) {
    c.prior_src[static_cast<size_t>(pair_e[static_cast<size_t>(p)])] += c.prior[static_cast<size_t>(p)];
    c.prior_tgt[static_cast<size_t>(pair_f[static_cast<size_t>(p)])] += c.prior[static_cast<size_t>(p)];
  }
}

Corpus build_corpus(const std::vector<std::vector<std::string>>& src, const std::vector<std::vector<std::string>>& tgt,
                    const GibbsOptions& opt) {
  Corpus c;
  c.n = static_cast<int64_t>(src.size());
  std::unordered_map<std::string, int32_t> vs, vt;
  int64_t total_pairs = 0;
  for (int64_t s = 0; s < c.n; ++s) {
    for (int side = 0; side < 2; ++side) {
      const auto& sent = side == 0 ? src[s] : tgt[s];
      for (size_t k = 0; k < sent.size(); ++k) {
        if (sent[k].empty())
          throw std::invalid_argument("sentence " + std::to_string(s) + ", field " + (side == 0 ? "src" : "tgt") +
                                      ": token " + std::to_string(k) + " is empty");
        std::string w;
        try {
          w = stem_word(sent[k], opt.prefix_len, opt.suffix_len);
        } catch (const std::invalid_argument& e) {
          throw std::invalid_argument("sentence " + std::to_string(s) + ", field " + (side == 0 ? "src" : "tgt") +
                                      ": token " + std::to_string(k) + ": " + e.what());
        }
        (side == 0 ? c.sid : c.tid).push_back(intern(side == 0 ? vs : vt, std::move(w)));
      }
    }
    c.soff.push_back(static_cast<int64_t>(c.sid.size()));
    c.toff.push_back(static_cast<int64_t>(c.tid.size()));
    total_pairs += static_cast<int64_t>(src[s].size()) * static_cast<int64_t>(tgt[s].size());
    c.poff.push_back(total_pairs);
  }
  c.vs = static_cast<int32_t>(vs.size());
  c.vt = static_cast<int32_t>(vt.size());
  c.pairs.resize(static_cast<size_t>(total_pairs));
  PairIds ids(std::min<int64_t>(total_pairs, int64_t{1} << 24));
  const bool with_prior = opt.sim_prior > 0;
  std::vector<int32_t> pair_e, pair_f;  // the two types of each pair id (only for the prior)
  for (int64_t s = 0; s < c.n; ++s) {
    const int32_t I = c.slen(s), J = c.tlen(s);
    const int32_t* e = c.sid.data() + c.soff[s];
    const int32_t* f = c.tid.data() + c.toff[s];
    int32_t* out = c.pairs.data() + c.poff[s];
    for (int32_t i = 0; i < I; ++i)
      for (int32_t j = 0; j < J; ++j) {
        const int32_t id = ids.get((static_cast<uint64_t>(static_cast<uint32_t>(e[i])) << 32) |
                                   static_cast<uint32_t>(f[j]));
        out[i * J + j] = id;
        if (with_prior && id == static_cast<int32_t>(pair_e.size())) {
          pair_e.push_back(e[i]);
          pair_f.push_back(f[j]);
        }
      }
  }
  c.n_pairs = ids.size();
  if (with_prior) orthographic_prior(c, vs, vt, pair_e, pair_f, opt);
  return c;
}

inline int jump_bucket(int d) { return std::clamp(d, -kMaxJump, kMaxJump) + kMaxJump; }

/// One sampler of one direction. "Words" are the generated side (the target words in the forward
/// direction), "candidates" the side they link to (plus the empty word).
class Sampler {
 public:
  Sampler(const Corpus& c, bool reverse, int64_t n_out, const GibbsOptions& opt, uint64_t seed)
      : c_(c), rev_(reverse), n_out_(n_out), opt_(opt), rng_(seed) {
    vw_ = rev_ ? c.vs : c.vt;
    vc_ = rev_ ? c.vt : c.vs;
    if (!c.prior.empty()) {
      prior_ = c.prior.data();
      cprior_ = rev_ ? c.prior_tgt.data() : c.prior_src.data();
    }
    const auto& woff = rev_ ? c.soff : c.toff;
    a_.assign(static_cast<size_t>(woff.back()), -1);
    lex_.assign(static_cast<size_t>(c.n_pairs), 0);
    ctot_.assign(static_cast<size_t>(vc_), 0);
    lnull_.assign(static_cast<size_t>(vw_), 0);
    moff_.assign(1, 0);
    for (int64_t s = 0; s < n_out_; ++s) moff_.push_back(moff_.back() + int64_t{cands(s) + 1} * words(s));
    marg_.assign(static_cast<size_t>(moff_.back()), 0.0f);
  }

  int32_t words(int64_t s) const { return rev_ ? c_.slen(s) : c_.tlen(s); }
  int32_t cands(int64_t s) const { return rev_ ? c_.tlen(s) : c_.slen(s); }
  const int32_t* word_ids(int64_t s) const { return rev_ ? c_.sid.data() + c_.soff[s] : c_.tid.data() + c_.toff[s]; }
  const int32_t* cand_ids(int64_t s) const { return rev_ ? c_.tid.data() + c_.toff[s] : c_.sid.data() + c_.soff[s]; }
  int32_t* align(int64_t s) { return a_.data() + (rev_ ? c_.soff[s] : c_.toff[s]); }
  /// The current link of word w of sentence s (-1: the empty word).
  int32_t link(int64_t s, int32_t w) const { return a_[static_cast<size_t>((rev_ ? c_.soff[s] : c_.toff[s]) + w)]; }
  /// Pair id of (candidate c, word w) in sentence s.
  int32_t pair(int64_t s, int32_t c, int32_t w) const {
    const int32_t* p = c_.pairs.data() + c_.poff[s];
    return rev_ ? p[w * cands(s) + c] : p[c * words(s) + w];
  }

  /// Train alone: every phase, `iterations` sweeps each.
  void run(int iterations) { run_pair(this, nullptr, iterations); }

  /// Train `a` (and `b`, the other direction, when not null) phase by phase; each iteration is a sweep of
  /// `a` then a sweep of `b`. With the agreement bonus each sees the other's current links.
  static void run_pair(Sampler* a, Sampler* b, int iterations) {
    a->initialize();
    if (b != nullptr) b->initialize();
    const int model = a->opt_.model;
    for (int phase = 1; phase <= model; ++phase) {
      for (Sampler* x : {a, b}) {
        if (x == nullptr) continue;
        if (phase >= 2) x->rebuild_jumps();
        if (phase >= 3) x->rebuild_fertility();
      }
      for (int it = 0; it < iterations; ++it) {
        const bool accumulate = phase == model && it >= iterations / 4;
        for (Sampler* x : {a, b})
          if (x != nullptr)
            for (int64_t s = 0; s < x->c_.n; ++s) x->sample_sentence(s, phase, accumulate);
      }
    }
  }

  /// Couple with the sampler of the other direction: a link that the partner currently has too (the
  /// partner's word linked to this word) gets the factor `bonus`.
  void set_partner(const Sampler* partner, double bonus) {
    partner_ = partner;
    bonus_ = bonus;
  }

  const std::vector<float>& marginals() const { return marg_; }
  const std::vector<int64_t>& marginal_offsets() const { return moff_; }

 private:
  void initialize() {
    for (int64_t s = 0; s < c_.n; ++s) {
      const int32_t W = words(s), C = cands(s);
      if (W == 0 || C == 0) continue;
      int32_t* a = align(s);
      const int32_t* fw = word_ids(s);
      const int32_t* ec = cand_ids(s);
      for (int32_t w = 0; w < W; ++w) {
        int32_t v = -1;
        if (rng_.uniform() >= opt_.null_prior) v = std::min<int32_t>(C - 1, static_cast<int32_t>(rng_.uniform() * C));
        a[w] = v;
        if (v < 0) {
          ++lnull_[fw[w]];
          ++ntot_;
        } else {
          ++lex_[pair(s, v, w)];
          ++ctot_[ec[v]];
        }
      }
    }
  }

  void rebuild_jumps() {
    std::fill(jump_, jump_ + kJumpBuckets, 0);
    jtot_ = 0;
    for (int64_t s = 0; s < c_.n; ++s) {
      const int32_t W = words(s), C = cands(s);
      if (W == 0 || C == 0) continue;
      const int32_t* a = align(s);
      int32_t prev = -1;
      for (int32_t w = 0; w < W; ++w) {
        if (a[w] < 0) continue;
        ++jump_[jump_bucket(a[w] - prev)];
        ++jtot_;
        prev = a[w];
      }
      ++jump_[jump_bucket(C - prev)];
      ++jtot_;
    }
  }

  void rebuild_fertility() {
    fert_.assign(static_cast<size_t>(vc_) * kFertBuckets, 0);
    std::vector<int32_t> phi;
    for (int64_t s = 0; s < c_.n; ++s) {
      const int32_t W = words(s), C = cands(s);
      if (W == 0 || C == 0) continue;
      const int32_t* a = align(s);
      const int32_t* ec = cand_ids(s);
      phi.assign(static_cast<size_t>(C), 0);
      for (int32_t w = 0; w < W; ++w)
        if (a[w] >= 0) ++phi[a[w]];
      for (int32_t i = 0; i < C; ++i) ++fert_[static_cast<size_t>(ec[i]) * kFertBuckets + std::min(phi[i], kMaxFert)];
    }
  }

  double jump_p(int d) const {
    return (static_cast<double>(jump_[jump_bucket(d)]) + opt_.jump_alpha) /
           (static_cast<double>(jtot_) + opt_.jump_alpha * kJumpBuckets);
  }

  void sample_sentence(int64_t s, int phase, bool accumulate) {
    const int32_t W = words(s), C = cands(s);
    if (W == 0 || C == 0) return;
    int32_t* a = align(s);
    const int32_t* fw = word_ids(s);
    const int32_t* ec = cand_ids(s);
    const double alpha = opt_.lex_alpha, alpha_v = opt_.lex_alpha * vw_;
    const double p0 = opt_.null_prior, p1 = 1.0 - opt_.null_prior;
    const double gamma = opt_.fert_alpha;
    prob_.resize(static_cast<size_t>(C) + 1);
    if (phase >= 3) {
      phi_.assign(static_cast<size_t>(C), 0);
      for (int32_t w = 0; w < W; ++w)
        if (a[w] >= 0) ++phi_[a[w]];
    }
    if (phase >= 2) {
      next_.resize(static_cast<size_t>(W));
      int32_t nx = C;
      for (int32_t w = W - 1; w >= 0; --w) {
        next_[w] = nx;
        if (a[w] >= 0) nx = a[w];
      }
    }
    float* marg = accumulate && s < n_out_ ? marg_.data() + moff_[s] : nullptr;
    int32_t prev = -1;
    for (int32_t w = 0; w < W; ++w) {
      const int32_t f = fw[w];
      const int32_t old = a[w];
      const int32_t nx = phase >= 2 ? next_[w] : 0;
      // remove the word's own counts
      if (old < 0) {
        --lnull_[f];
        --ntot_;
      } else {
        --lex_[pair(s, old, w)];
        --ctot_[ec[old]];
      }
      if (phase >= 2) {
        if (old < 0) {
          --jump_[jump_bucket(nx - prev)];
          --jtot_;
        } else {
          --jump_[jump_bucket(old - prev)];
          --jump_[jump_bucket(nx - old)];
          jtot_ -= 2;
        }
      }
      if (phase >= 3 && old >= 0) move_fertility(ec[old], phi_[old], phi_[old] - 1), --phi_[old];
      // the distribution of the word's link
      double total = p0 * (static_cast<double>(lnull_[f]) + alpha) / (static_cast<double>(ntot_) + alpha_v);
      if (phase >= 2) total *= jump_p(nx - prev);
      prob_[0] = total;
      const double uniform = phase == 1 ? 1.0 / C : 1.0;
      const bool diagonal = phase == 1 && opt_.diagonal_tension > 0;
      if (diagonal) {
        diag_.resize(static_cast<size_t>(C));
        gibbs_diagonal_prior(w, W, C, opt_.diagonal_tension, diag_.data());
      }
      for (int32_t i = 0; i < C; ++i) {
        const int32_t e = ec[i];
        const int32_t pid = pair(s, i, w);
        double q = prior_ != nullptr
                       ? p1 * uniform * (static_cast<double>(lex_[pid]) + alpha + prior_[pid]) /
                             (static_cast<double>(ctot_[e]) + alpha_v + cprior_[e])
                       : p1 * uniform * (static_cast<double>(lex_[pid]) + alpha) /
                             (static_cast<double>(ctot_[e]) + alpha_v);
        if (diagonal) q *= diag_[static_cast<size_t>(i)] * C;  // replaces the uniform 1 / C
        if (partner_ != nullptr && partner_->link(s, i) == w) q *= bonus_;  // the other direction agrees
        if (phase >= 2) q *= jump_p(i - prev) * jump_p(nx - i);
        if (phase >= 3) {
          const int32_t ph = phi_[i];
          if (ph < kMaxFert) {
            const int32_t* fe = fert_.data() + static_cast<size_t>(e) * kFertBuckets;
            q *= (static_cast<double>(fe[ph + 1]) + gamma) / (static_cast<double>(fe[ph]) - 1.0 + gamma);
          }
        }
        prob_[i + 1] = q;
        total += q;
      }
      if (marg != nullptr) {
        float* m = marg + static_cast<int64_t>(w) * (C + 1);
        const double inv = 1.0 / total;
        for (int32_t i = 0; i <= C; ++i) m[i] += static_cast<float>(prob_[i] * inv);
      }
      double u = rng_.uniform() * total;
      int32_t pick = C;  // rounding fallback: the last candidate
      for (int32_t i = 0; i <= C; ++i) {
        u -= prob_[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
      const int32_t nw = pick - 1;
      // add the new link's counts
      if (nw < 0) {
        ++lnull_[f];
        ++ntot_;
      } else {
        ++lex_[pair(s, nw, w)];
        ++ctot_[ec[nw]];
      }
      if (phase >= 2) {
        if (nw < 0) {
          ++jump_[jump_bucket(nx - prev)];
          ++jtot_;
        } else {
          ++jump_[jump_bucket(nw - prev)];
          ++jump_[jump_bucket(nx - nw)];
          jtot_ += 2;
        }
      }
      if (phase >= 3 && nw >= 0) move_fertility(ec[nw], phi_[nw], phi_[nw] + 1), ++phi_[nw];
      a[w] = nw;
      if (nw >= 0) prev = nw;
    }
  }

  void move_fertility(int32_t e, int32_t from, int32_t to) {
    int32_t* fe = fert_.data() + static_cast<size_t>(e) * kFertBuckets;
    --fe[std::min(from, kMaxFert)];
    ++fe[std::min(to, kMaxFert)];
  }

  const Corpus& c_;
  bool rev_;
  int64_t n_out_;
  const GibbsOptions& opt_;
  Rng rng_;
  int32_t vw_ = 0, vc_ = 0;
  const Sampler* partner_ = nullptr;  // the other direction's sampler (agreement; null: off)
  double bonus_ = 1;
  const double* prior_ = nullptr;   // orthographic pseudo-count per pair id (null: off)
  const double* cprior_ = nullptr;  // its sum per candidate type
  std::vector<int32_t> a_, lex_, ctot_, lnull_, fert_;
  int64_t ntot_ = 0;
  int64_t jump_[kJumpBuckets] = {};
  int64_t jtot_ = 0;
  std::vector<int64_t> moff_;
  std::vector<float> marg_;
  std::vector<double> prob_, diag_;
  std::vector<int32_t> phi_, next_;
};

void check_options(const GibbsOptions& o) {
  auto bad = [](const std::string& m) { throw std::invalid_argument("gibbs aligner: " + m); };
  if (o.model < 1 || o.model > 3) bad("model must be 1, 2 or 3, got " + std::to_string(o.model));
  if (o.n_samplers < 1) bad("n_samplers must be >= 1, got " + std::to_string(o.n_samplers));
  if (o.iterations < 0) bad("iterations must be >= 0 (0: automatic), got " + std::to_string(o.iterations));
  if (!(o.rel_iterations > 0) || !std::isfinite(o.rel_iterations)) bad("rel_iterations must be > 0");
  if (!(o.null_prior > 0 && o.null_prior < 1)) bad("null_prior must be in (0, 1)");
  if (!(o.lex_alpha > 0) || !std::isfinite(o.lex_alpha)) bad("lex_alpha must be > 0");
  if (!(o.jump_alpha > 0) || !std::isfinite(o.jump_alpha)) bad("jump_alpha must be > 0");
  if (!(o.fert_alpha > 0) || !std::isfinite(o.fert_alpha)) bad("fert_alpha must be > 0");
  if (o.prefix_len < 0 || o.suffix_len < 0) bad("prefix_len and suffix_len must be >= 0");
  if (!(o.sim_prior >= 0) || !std::isfinite(o.sim_prior)) bad("sim_prior must be >= 0");
  if (!(o.sim_threshold >= 0 && o.sim_threshold <= 1)) bad("sim_threshold must be in [0, 1]");
  if (!(o.posterior_threshold >= 0 && o.posterior_threshold <= 1)) bad("posterior_threshold must be in [0, 1]");
  if (!(o.diagonal_tension >= 0) || !std::isfinite(o.diagonal_tension)) bad("diagonal_tension must be >= 0");
  if (!(o.agreement >= 0) || !std::isfinite(o.agreement)) bad("agreement must be >= 0");
}

}  // namespace

std::string stem_word(const std::string& word, int prefix_len, int suffix_len) {
  if (prefix_len <= 0 && suffix_len <= 0) return word;
  bool ascii = true;
  for (unsigned char ch : word) ascii = ascii && ch < 0x80;
  if (!ascii) utf8_to_u32(word);  // validates; throws std::invalid_argument
  // byte offsets of the code points
  std::vector<size_t> starts;
  starts.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i)
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) starts.push_back(i);
  const size_t n = starts.size();
  if (prefix_len > 0) {
    if (n <= static_cast<size_t>(prefix_len)) return word;
    return word.substr(0, starts[static_cast<size_t>(prefix_len)]);
  }
  if (n <= static_cast<size_t>(suffix_len)) return word;
  return word.substr(starts[n - static_cast<size_t>(suffix_len)]);
}

void gibbs_diagonal_prior(int32_t w, int32_t n_words, int32_t n_cands, double tension, double* out) {
  const double pos = static_cast<double>(w + 1) / n_words;
  double z = 0;
  for (int32_t i = 0; i < n_cands; ++i) {
    out[i] = std::exp(-tension * std::abs(static_cast<double>(i + 1) / n_cands - pos));
    z += out[i];
  }
  for (int32_t i = 0; i < n_cands; ++i) out[i] /= z;
}

int gibbs_auto_iterations(int64_t n_sentences, double rel_iterations) {
  const double n = static_cast<double>(std::max<int64_t>(n_sentences, 1));
  const double it = rel_iterations * 2000.0 / std::sqrt(n);
  return static_cast<int>(std::clamp(std::lround(it), 4L, 200L));
}

GibbsResult gibbs_align(const std::vector<std::vector<std::string>>& src,
                        const std::vector<std::vector<std::string>>& tgt, int64_t n_out, const GibbsOptions& opt) {
  check_options(opt);
  if (src.size() != tgt.size())
    throw std::invalid_argument("gibbs aligner: src has " + std::to_string(src.size()) + " sentences, tgt has " +
                                std::to_string(tgt.size()));
  const int64_t n = static_cast<int64_t>(src.size());
  if (n_out < 0 || n_out > n)
    throw std::invalid_argument("gibbs aligner: n_out must be in [0, " + std::to_string(n) + "], got " +
                                std::to_string(n_out));
  const Corpus corpus = build_corpus(src, tgt, opt);
  GibbsResult res;
  res.iterations = opt.iterations > 0 ? opt.iterations : gibbs_auto_iterations(n, opt.rel_iterations);
  const int64_t tasks = 2 * static_cast<int64_t>(opt.n_samplers);
  std::vector<std::vector<float>> margs(static_cast<size_t>(tasks));
  std::vector<int64_t> moff[2];
  // one independent random stream per (direction, sampler) t = 2 k + direction
  auto stream = [&](int64_t t) {
    uint64_t x = opt.seed ^ (0x5851F42D4C957F2DULL * static_cast<uint64_t>(t + 1));
    return splitmix64(x) ^ static_cast<uint64_t>(t / 2);
  };
  auto keep = [&](int64_t t, const Sampler& sampler) {
    margs[static_cast<size_t>(t)] = sampler.marginals();
    if (t / 2 == 0) moff[t % 2] = sampler.marginal_offsets();
  };
  if (opt.agreement > 0) {
    // sampler k of each direction trains with sampler k of the other, in one task
    parallel_chunks(opt.n_samplers, opt.threads, opt.n_samplers, [&](int64_t, int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        Sampler fwd(corpus, false, n_out, opt, stream(2 * k)), rev(corpus, true, n_out, opt, stream(2 * k + 1));
        const double bonus = std::exp(opt.agreement);
        fwd.set_partner(&rev, bonus);
        rev.set_partner(&fwd, bonus);
        Sampler::run_pair(&fwd, &rev, res.iterations);
        keep(2 * k, fwd);
        keep(2 * k + 1, rev);
      }
    });
  } else {
    parallel_chunks(tasks, opt.threads, tasks, [&](int64_t, int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        Sampler sampler(corpus, t % 2 == 1, n_out, opt, stream(t));
        sampler.run(res.iterations);
        keep(t, sampler);
      }
    });
  }
  std::vector<float> sums[2];
  for (int dir = 0; dir < 2; ++dir) {
    LinksCSR& out = dir == 0 ? res.forward : res.reverse;
    std::vector<float>& sum = sums[dir];
    sum.assign(margs[static_cast<size_t>(dir)].size(), 0.0f);
    for (int64_t k = 0; k < opt.n_samplers; ++k) {  // fixed order: same sums on any thread count
      const auto& m = margs[static_cast<size_t>(2 * k + dir)];
      for (size_t q = 0; q < sum.size(); ++q) sum[q] += m[q];
    }
    std::vector<Link> links;
    for (int64_t s = 0; s < n_out; ++s) {
      links.clear();
      const int32_t I = corpus.slen(s), J = corpus.tlen(s);
      const int32_t W = dir == 0 ? J : I, C = dir == 0 ? I : J;
      if (W > 0 && C > 0) {
        const float* m = sum.data() + moff[dir][s];
        for (int32_t w = 0; w < W; ++w) {
          const float* row = m + static_cast<int64_t>(w) * (C + 1);
          int32_t best = 0;
          for (int32_t i = 1; i <= C; ++i)
            if (row[i] > row[best]) best = i;
          if (best == 0) continue;
          links.push_back(dir == 0 ? Link{best - 1, w} : Link{w, best - 1});
        }
      }
      std::sort(links.begin(), links.end(),
                [](const Link& x, const Link& y) { return x.src != y.src ? x.src < y.src : x.tgt < y.tgt; });
      out.push_sentence(links);
    }
  }
  if (opt.posterior_threshold > 0) {
    // posterior symmetrisation: the mean of the two directions' link probabilities (each row of the
    // summed marginals normalised), linked when at least the threshold
    std::vector<Link> links;
    for (int64_t s = 0; s < n_out; ++s) {
      links.clear();
      const int32_t I = corpus.slen(s), J = corpus.tlen(s);
      if (I > 0 && J > 0) {
        const float* mf = sums[0].data() + moff[0][s];  // J rows of I + 1 (null first)
        const float* mr = sums[1].data() + moff[1][s];  // I rows of J + 1
        std::vector<double> zf(static_cast<size_t>(J)), zr(static_cast<size_t>(I));
        for (int32_t j = 0; j < J; ++j) {
          double z = 0;
          for (int32_t i = 0; i <= I; ++i) z += mf[static_cast<int64_t>(j) * (I + 1) + i];
          zf[static_cast<size_t>(j)] = z > 0 ? 1.0 / z : 0.0;
        }
        for (int32_t i = 0; i <= I - 1; ++i) {
          double z = 0;
          for (int32_t j = 0; j <= J; ++j) z += mr[static_cast<int64_t>(i) * (J + 1) + j];
          zr[static_cast<size_t>(i)] = z > 0 ? 1.0 / z : 0.0;
        }
        for (int32_t i = 0; i < I; ++i)
          for (int32_t j = 0; j < J; ++j) {
            const double pf = mf[static_cast<int64_t>(j) * (I + 1) + i + 1] * zf[static_cast<size_t>(j)];
            const double pr = mr[static_cast<int64_t>(i) * (J + 1) + j + 1] * zr[static_cast<size_t>(i)];
            if (0.5 * (pf + pr) >= opt.posterior_threshold) links.push_back(Link{i, j});
          }
      }
      res.posterior.push_sentence(links);
    }
  }
  return res;
}

}  // namespace xlner
