/// @file gibbs_aligner.hpp
/// @brief A seeded statistical word aligner: Bayesian IBM-1, then HMM (jump distribution), then
/// fertility, each trained by collapsed Gibbs sampling with Dirichlet priors, after the published
/// description of Östling & Tiedemann (2016), "Efficient word alignment with Markov Chain Monte
/// Carlo", PBML 106. Written from the paper and the IBM/HMM literature.
///
/// Several independent samplers per direction; the link marginals (the normalised sampling
/// distribution of every word, Rao-Blackwellised) are accumulated over the iterations of the last
/// model and summed over samplers; each word is linked to its most probable position (none when
/// the empty word wins). Every (direction, sampler) pair draws from its own random stream derived
/// from the seed, and the per-sampler marginals are summed in a fixed order, so the result is
/// identical for any number of threads.
///
/// Orthographic prior (`sim_prior` > 0): the Dirichlet prior of the lexical distribution of a word e is
/// not symmetric but gives every word f co-occurring with e the pseudo-count
/// `lex_alpha + sim_prior * s(e, f)`, where s is the edit similarity of the two (stemmed) words,
/// 1 - Levenshtein / longer length, counted when at least `sim_threshold` (else 0): names, numbers,
/// punctuation and cognates are a priori likely translations, which the data alone cannot show on a small
/// corpus (cf. the orthographic features of Kondrak, Marcu & Knight 2003, "Cognates can improve
/// statistical translation models", and the prior over translation tables of Mermer & Saraçlar 2011).
/// The prior's mass is summed over the pairs that co-occur in the corpus (the only ones ever sampled),
/// so each predictive distribution stays normalised over them.
///
/// Diagonal prior (`diagonal_tension` > 0): in the IBM-1 phase the uniform position distribution 1 / C is
/// replaced by the diagonal distribution of fast_align (gibbs_diagonal_prior), so the sampler starts the
/// HMM phase from links near the diagonal rather than from position-blind ones; the HMM and fertility
/// phases are unchanged (their jump distribution models word order).
///
/// Agreement (`agreement` = λ > 0): sampler k of the forward direction and sampler k of the reverse
/// direction are sampled jointly from p_fwd(a) · p_rev(b) · exp(λ · #{links in both a and b}), a product of
/// the two directional models with an agreement potential (in the spirit of alignment by agreement, Liang,
/// Taskar & Klein 2006, there trained by EM): in each direction's collapsed conditional a candidate gets the
/// factor exp(λ) when the other direction currently links the same two words. Each iteration sweeps the
/// forward sampler, then the reverse one, in one task, so the result is still independent of the threads.
/// It resolves words that always occur together in a reordered pair ("Member States" / "Estados miembros"),
/// on which the two directions can settle in different modes and their intersection is empty.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xlner/alignment.hpp"

namespace xlner {

/// Options of the Gibbs aligner.
struct GibbsOptions {
  int model = 3;              ///< 1: IBM-1, 2: + HMM jumps, 3: + fertility.
  int n_samplers = 3;         ///< independent samplers per direction.
  int iterations = 0;         ///< iterations per model phase (0: automatic, from the corpus size).
  double rel_iterations = 1;  ///< scale of the automatic iteration count.
  double null_prior = 0.2;    ///< prior probability of a link to the empty word.
  double lex_alpha = 0.001;   ///< Dirichlet prior of the lexical distributions.
  double jump_alpha = 0.5;    ///< Dirichlet prior of the jump distribution.
  double fert_alpha = 0.5;    ///< Dirichlet prior of the fertility distributions.
  int prefix_len = 0;         ///< stem words to their first N code points (0: whole words).
  int suffix_len = 0;         ///< ... or to their last N code points (used when prefix_len is 0).
  double sim_prior = 0;       ///< orthographic prior: extra Dirichlet pseudo-count of a word pair, times
                              ///< its similarity (0: off; see gibbs_aligner.hpp's file comment).
  double sim_threshold = 0.7; ///< pairs less similar than this get no extra pseudo-count.
  double posterior_threshold = 0;  ///< > 0: also return the posterior symmetrisation at this threshold.
  double diagonal_tension = 0;  ///< IBM-1 phase: diagonal prior of the link positions (0: uniform; see
                                ///< gibbs_diagonal_prior).
  double agreement = 0;       ///< > 0: the two directions are sampled jointly, a link both share gets the
                              ///< factor exp(agreement) (see the file comment); 0: independent.
  uint64_t seed = 0;          ///< random seed.
  int threads = -1;           ///< worker threads (<= 0: all cores).
};

/// Output: argmax links of each direction for the first `n_out` sentence pairs, both in (src, tgt).
struct GibbsResult {
  LinksCSR forward;  ///< each target word linked to at most one source word.
  LinksCSR reverse;  ///< each source word linked to at most one target word.
  /// With posterior_threshold > 0: (i, j) linked when the mean of P(target j -> source i) and
  /// P(source i -> target j), each the word's normalised link marginal, is at least the threshold
  /// (posterior decoding of both directions, as in Liang, Taskar & Klein 2006); else empty.
  LinksCSR posterior;
  int iterations = 0;  ///< iterations per model phase actually run.
};

/// Stem a UTF-8 word to its first `prefix_len` code points (or last `suffix_len` when prefix_len is
/// 0); both 0: the word itself. Throws std::invalid_argument on malformed UTF-8.
std::string stem_word(const std::string& word, int prefix_len, int suffix_len);

/// The diagonal prior of the IBM-1 phase (the distortion of Dyer, Chahuneau & Smith 2013, "A simple, fast,
/// and effective reparameterization of IBM Model 2"): word `w` (0-based) of a sentence of `n_words` links to
/// candidate `i` of `n_cands` with probability proportional to exp(-tension * |(i + 1) / n_cands -
/// (w + 1) / n_words|), normalised over the candidates; written to out[0 .. n_cands). tension 0: uniform.
/// Requires n_words, n_cands >= 1, 0 <= w < n_words, tension >= 0 (not checked).
void gibbs_diagonal_prior(int32_t w, int32_t n_words, int32_t n_cands, double tension, double* out);

/// The automatic number of iterations per model phase for a corpus of `n_sentences` pairs.
int gibbs_auto_iterations(int64_t n_sentences, double rel_iterations);

/// Train on all sentence pairs (src[k], tgt[k]) and align the first `n_out` of them.
/// Tokens must be non-empty. Throws std::invalid_argument naming sentence and field on bad input
/// or options.
GibbsResult gibbs_align(const std::vector<std::vector<std::string>>& src,
                        const std::vector<std::vector<std::string>>& tgt, int64_t n_out, const GibbsOptions& opt);

}  // namespace xlner
