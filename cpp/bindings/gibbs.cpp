// Bindings of the seeded Gibbs-sampling word aligner.
#include <cmath>

#include "common.hpp"
#include "xlner/gibbs_aligner.hpp"

namespace xlner_py {

namespace {

py::tuple csr_tuple(xlner::LinksCSR&& r) {
  return py::make_tuple(to_numpy(std::move(r.offsets)), to_numpy(std::move(r.src)), to_numpy(std::move(r.tgt)));
}

}  // namespace

void register_gibbs(py::module_& m) {
  m.def(
      "gibbs_align",
      [](const std::vector<std::vector<std::string>>& src, const std::vector<std::vector<std::string>>& tgt,
         int64_t n_out, int model, int n_samplers, int iterations, double rel_iterations, double null_prior,
         double lex_alpha, double jump_alpha, double fert_alpha, int prefix_len, int suffix_len, double sim_prior,
         double sim_threshold, double posterior_threshold, double diagonal_tension, double agreement, uint64_t seed,
         int threads) {
        xlner::GibbsOptions o;
        o.model = model;
        o.n_samplers = n_samplers;
        o.iterations = iterations;
        o.rel_iterations = rel_iterations;
        o.null_prior = null_prior;
        o.lex_alpha = lex_alpha;
        o.jump_alpha = jump_alpha;
        o.fert_alpha = fert_alpha;
        o.prefix_len = prefix_len;
        o.suffix_len = suffix_len;
        o.sim_prior = sim_prior;
        o.sim_threshold = sim_threshold;
        o.posterior_threshold = posterior_threshold;
        o.diagonal_tension = diagonal_tension;
        o.agreement = agreement;
        o.seed = seed;
        o.threads = threads;
        xlner::GibbsResult r;
        {
          py::gil_scoped_release release;
          r = xlner::gibbs_align(src, tgt, n_out, o);
        }
        return py::make_tuple(csr_tuple(std::move(r.forward)), csr_tuple(std::move(r.reverse)), r.iterations,
                              csr_tuple(std::move(r.posterior)));
      },
      py::arg("src"), py::arg("tgt"), py::arg("n_out"), py::kw_only(), py::arg("model") = 3,
      py::arg("n_samplers") = 3, py::arg("iterations") = 0, py::arg("rel_iterations") = 1.0,
      py::arg("null_prior") = 0.2, py::arg("lex_alpha") = 0.001, py::arg("jump_alpha") = 0.5,
      py::arg("fert_alpha") = 0.5, py::arg("prefix_len") = 0, py::arg("suffix_len") = 0, py::arg("sim_prior") = 0.0,
      py::arg("sim_threshold") = 0.7, py::arg("posterior_threshold") = 0.0,
      py::arg("diagonal_tension") = 0.0, py::arg("agreement") = 0.0, py::arg("seed") = 0,
      py::arg("threads") = -1, R"doc(
Train the seeded Gibbs aligner (IBM-1 -> HMM -> fertility, collapsed Gibbs sampling, Östling &
Tiedemann 2016) on all sentence pairs and align the first n_out in both directions (GIL released).

Arguments:
    src, tgt: tokenised sentences (same number; tokens non-empty, already lower-cased if wanted).
    n_out: align the first n_out pairs (the rest only trains).
    model: 1 IBM-1, 2 + HMM jumps, 3 + fertility.
    n_samplers: independent samplers per direction (marginals summed).
    iterations: iterations per model phase (0: automatic from the corpus size, scaled by rel_iterations).
    null_prior, lex_alpha, jump_alpha, fert_alpha: priors.
    prefix_len, suffix_len: stem words to their first / last N code points (0: whole words).
    sim_prior: orthographic prior, extra pseudo-count sim_prior * edit similarity of every co-occurring
        pair of (stemmed) words at least sim_threshold similar (0: off).
    posterior_threshold: > 0: also the posterior symmetrisation, (i, j) linked when the mean of the two
        directions' normalised link marginals is at least this (empty links when 0).
    diagonal_tension: IBM-1 phase: diagonal prior of the link positions, exp(-tension * |(i + 1) / I -
        (j + 1) / J|) normalised (Dyer et al. 2013's fast_align distortion); 0: uniform.
    agreement: > 0: the two directions are sampled jointly, a link both currently have gets the factor
        exp(agreement); 0: independent directions.
    seed: random seed; the output depends only on the inputs and the seed, not on threads.
    threads: worker threads (-1: all cores; work is split by sampler and direction).

Returns:
    ((offsets, src, tgt) forward, (offsets, src, tgt) reverse, iterations, (offsets, src, tgt) posterior):
    links in CSR form, all in (source, target) order.
)doc");

  m.def(
      "gibbs_diagonal_prior",
      [](int32_t w, int32_t n_words, int32_t n_cands, double tension) {
        if (n_words < 1 || n_cands < 1 || w < 0 || w >= n_words)
          throw std::invalid_argument("gibbs_diagonal_prior: need 0 <= w < n_words and n_cands >= 1");
        if (!(tension >= 0) || !std::isfinite(tension))
          throw std::invalid_argument("gibbs_diagonal_prior: tension must be a finite number >= 0");
        std::vector<double> out(static_cast<size_t>(n_cands));
        xlner::gibbs_diagonal_prior(w, n_words, n_cands, tension, out.data());
        return to_numpy(std::move(out));
      },
      py::arg("w"), py::arg("n_words"), py::arg("n_cands"), py::arg("tension"),
      "The Gibbs aligner's IBM-1 diagonal prior: the probability of each of n_cands positions for word w of "
      "n_words.");

  m.def("stem_word", &xlner::stem_word, py::arg("word"), py::arg("prefix_len"), py::arg("suffix_len") = 0,
        "Stem a word to its first prefix_len (or, when 0, last suffix_len) code points.");
}

}  // namespace xlner_py
